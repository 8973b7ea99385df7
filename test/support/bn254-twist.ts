/**
 * Just enough BN254 G2 arithmetic (affine, bigint, Fp2 = Fp[u]/(u^2 + 1)) to build a point on
 * the twist y^2 = x^3 + 3/(9 + u) that lies outside the order-r subgroup, for testing that the
 * pairing precompile refuses it. Slow and not constant-time: tests only.
 */
export const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
export const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
/** #E'(Fp2) = r * (2q - r) for a BN curve's sextic twist. */
export const TWIST_COFACTOR = 2n * Q - R;

type Fp2 = [bigint, bigint];
export type TwistPoint = { x: Fp2; y: Fp2 } | null; // null: infinity

const mod = (a: bigint) => ((a % Q) + Q) % Q;
function pow(b: bigint, e: bigint): bigint {
  let r = 1n;
  for (b = mod(b); e > 0n; e >>= 1n, b = (b * b) % Q) if (e & 1n) r = (r * b) % Q;
  return r;
}
const inv = (a: bigint) => pow(a, Q - 2n);
/** A square root in Fp (q = 3 mod 4), or undefined. */
function sqrtFp(a: bigint): bigint | undefined {
  const s = pow(a, (Q + 1n) / 4n);
  return (s * s) % Q === mod(a) ? s : undefined;
}

const add2 = (a: Fp2, b: Fp2): Fp2 => [mod(a[0] + b[0]), mod(a[1] + b[1])];
const sub2 = (a: Fp2, b: Fp2): Fp2 => [mod(a[0] - b[0]), mod(a[1] - b[1])];
const mul2 = (a: Fp2, b: Fp2): Fp2 => [
  mod(a[0] * b[0] - a[1] * b[1]),
  mod(a[0] * b[1] + a[1] * b[0]),
];
const inv2 = (a: Fp2): Fp2 => {
  const n = inv(mod(a[0] * a[0] + a[1] * a[1]));
  return [mod(a[0] * n), mod(-a[1] * n)];
};
const eq2 = (a: Fp2, b: Fp2) => a[0] === b[0] && a[1] === b[1];

/** A square root in Fp2 via the norm, or undefined. */
function sqrtFp2(a: Fp2): Fp2 | undefined {
  const n = sqrtFp(mod(a[0] * a[0] + a[1] * a[1]));
  if (n === undefined) return undefined;
  const half = inv(2n);
  for (const d of [mod((a[0] + n) * half), mod((a[0] - n) * half)]) {
    const x0 = sqrtFp(d);
    if (x0 === undefined || x0 === 0n) continue;
    const root: Fp2 = [x0, mod(a[1] * inv(2n * x0))];
    if (eq2(mul2(root, root), a)) return root;
  }
  return undefined;
}

/** b' = 3 / (9 + u). */
const B_TWIST = mul2([3n, 0n], inv2([9n, 1n]));

export function onTwist(p: TwistPoint): boolean {
  if (!p) return true;
  return eq2(mul2(p.y, p.y), add2(mul2(mul2(p.x, p.x), p.x), B_TWIST));
}

export function twistAdd(p: TwistPoint, q: TwistPoint): TwistPoint {
  if (!p) return q;
  if (!q) return p;
  let l: Fp2;
  if (eq2(p.x, q.x)) {
    if (!eq2(p.y, q.y) || (p.y[0] === 0n && p.y[1] === 0n)) return null;
    const xx = mul2(p.x, p.x);
    l = mul2(add2(add2(xx, xx), xx), inv2(add2(p.y, p.y)));
  } else {
    l = mul2(sub2(q.y, p.y), inv2(sub2(q.x, p.x)));
  }
  const x = sub2(sub2(mul2(l, l), p.x), q.x);
  return { x, y: sub2(mul2(l, sub2(p.x, x)), p.y) };
}

export function twistMul(p: TwistPoint, k: bigint): TwistPoint {
  let acc: TwistPoint = null;
  for (let add = p; k > 0n; k >>= 1n, add = twistAdd(add, add)) {
    if (k & 1n) acc = twistAdd(acc, add);
  }
  return acc;
}

/** The first twist point with x = (k, 1), k = 1, 2, ... (deterministic). */
export function someTwistPoint(): { x: Fp2; y: Fp2 } {
  for (let k = 1n; ; k++) {
    const x: Fp2 = [k, 1n];
    const y = sqrtFp2(add2(mul2(mul2(x, x), x), B_TWIST));
    if (y) return { x, y };
  }
}

/** The point as the EVM precompile reads G2: x.c1, x.c0, y.c1, y.c0. */
export const evmWords = (p: { x: Fp2; y: Fp2 }): [[bigint, bigint], [bigint, bigint]] => [
  [p.x[1], p.x[0]],
  [p.y[1], p.y[0]],
];

/**
 * The per-proof arithmetic of a batch on mcl-wasm, as one piece of plain JavaScript run both
 * on the calling thread and in the pool's threads (pairing-pool.ts), so the two paths cannot
 * drift apart. A thread's WASM instance cannot be shared, hence source text, not a function.
 */
import type * as mcl from 'mcl-wasm';
import type * as mclRaw from 'mcl-wasm/dist/mcl';

/** One share of a batch: mcl text forms of A_i and B_i, the scalars r_i (decimal), and
 * whether B_i still needs its subgroup test. */
export interface ShareTask {
  a: string[];
  b: string[];
  r: string[];
  checkB: boolean;
}

/** prod MillerLoop(r_i A_i, B_i) over the share's B_i in the subgroup (mcl's serialisation
 * of GT), and the share's positions whose B_i is not. */
export interface ShareResult {
  product: Uint8Array;
  outside: number[];
}

export interface PairingKernel {
  /** prod_i MillerLoop(xs_i, ys_i) with shared squarings (mcl's C API; mcl-wasm lacks it). */
  millerLoopVec(xs: mcl.G1[], ys: mcl.G2[]): mcl.GT;
  /** Whether a twist point (not the identity) is in the order-r subgroup G2. */
  inG2(q: mcl.G2): boolean;
  share(task: ShareTask): ShareResult;
}

/**
 * The kernel's source: the body of a function of (mcl, raw) returning a PairingKernel, for
 * an mcl already initialised on BN_SNARK1.
 *
 * inG2 is the endomorphism test of El Housni-Guillevic-Piellard (eprint 2022/348, sec. 3 and
 * 5.1; gnark-crypto's bn254 test), the one snarkjs-screen.ts runs on ffjavascript:
 *   [r]Q = O  <=>  [x0+1]Q + psi([x0]Q) + psi^2([x0]Q) = psi^3([2 x0]Q),
 * psi(x, y) = (conj(x) xi^((p-1)/3), conj(y) xi^((p-1)/2)) on the twist (xi = 9 + i), applied
 * to Jacobian coordinates as the field automorphism it is. One 63-bit scalar multiplication:
 * about half of mcl's own isValidOrder. Built with a self-check: psi must act as p on G2.
 */
export const KERNEL_SOURCE = `
const X0 = '4965661367192848881';
const P = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const fr = (s) => { const f = new mcl.Fr(); f.setStr(s, 10); return f; };
const fp2Pow = (a, e) => {
  let out = new mcl.Fp2();
  out.setInt(1, 0);
  for (let base = a; e > 0n; e >>= 1n, base = mcl.sqr(base)) if (e & 1n) out = mcl.mul(out, base);
  return out;
};
const xi = new mcl.Fp2();
xi.setInt(9, 1);
const cx = fp2Pow(xi, (P - 1n) / 3n);
const cy = fp2Pow(xi, (P - 1n) / 2n);
const x0 = fr(X0);
const conj = (a) => { const o = new mcl.Fp2(); o.set_a(a.get_a()); o.set_b(mcl.neg(a.get_b())); return o; };
const psi = (q) => {
  const o = new mcl.G2();
  o.setX(mcl.mul(conj(q.getX()), cx));
  o.setY(mcl.mul(conj(q.getY()), cy));
  o.setZ(conj(q.getZ()));
  return o;
};
const inG2 = (q) => {
  const xq = mcl.mul(q, x0);
  const p1 = psi(xq);
  const p2 = psi(p1);
  return mcl.add(mcl.add(mcl.add(xq, q), p1), p2).isEqual(mcl.dbl(psi(p2)));
};
const probe = mcl.hashAndMapToG2('zkattest psi self-check');
if (!probe.isValidOrder() || !psi(probe).isEqual(mcl.mul(probe, fr((P % R).toString())))) {
  throw new Error('mcl BN_SNARK1 G2: psi does not act as p on G2');
}
const CHUNK = 32; // bounds the WASM stack the point arrays take
const millerLoopVec = (xs, ys) => {
  let z = new mcl.GT();
  z.setInt(1);
  for (let start = 0; start < xs.length; start += CHUNK) {
    const part = new mcl.GT();
    const n = Math.min(CHUNK, xs.length - start);
    const stack = raw.stackSave();
    try {
      const zPos = raw.salloc(part.a_);
      const xPos = raw.sallocArray(xs.slice(start, start + n).map((p) => p.a_));
      const yPos = raw.sallocArray(ys.slice(start, start + n).map((p) => p.a_));
      raw.mod._mclBn_millerLoopVec(zPos, xPos, yPos, n);
      raw.copyFromHeap32(part.a_, zPos);
    } finally {
      raw.stackRestore(stack);
    }
    z = mcl.mul(z, part);
  }
  return z;
};
const share = (task) => {
  const xs = [];
  const ys = [];
  const outside = [];
  task.a.forEach((aText, i) => {
    const b = new mcl.G2();
    b.setStr(task.b[i], 10);
    if (task.checkB && !inG2(b)) {
      outside.push(i);
      return;
    }
    const a = new mcl.G1();
    a.setStr(aText, 10);
    xs.push(mcl.mul(a, fr(task.r[i])));
    ys.push(b);
  });
  return { product: millerLoopVec(xs, ys).serialize(), outside };
};
return { millerLoopVec, inG2, share };
`;

/** The kernel on this thread's mcl (which must be initialised on BN_SNARK1). */
export function kernelOn(mclModule: typeof mcl, raw: typeof mclRaw): PairingKernel {
  const build = new Function('mcl', 'raw', KERNEL_SOURCE) as (
    m: typeof mcl,
    r: typeof mclRaw,
  ) => PairingKernel;
  return build(mclModule, raw);
}

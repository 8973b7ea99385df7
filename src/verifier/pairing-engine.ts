/**
 * Groth16 verification on mcl-wasm's BN_SNARK1, the bn128 (alt_bn128) curve snarkjs uses:
 * about twice ffjavascript's speed per pairing, with multi-Miller loops, precomputed G2 lines
 * and a fast G2 subgroup test. Node only (WASM); the browser page keeps snarkjs.
 *
 * Answers are snarkjs's. The engine takes only the encoding an honest snarkjs prover emits
 * (canonical decimals below q, z = 1) and proofs whose pi_b is in the order-r subgroup;
 * for those, its equation and snarkjs's agree. Everything else is read by snarkjs's own rules
 * (snarkjs-screen.ts) and, when not refused outright, checked by snarkjs.
 */
import * as mcl from 'mcl-wasm';
import * as mclRaw from 'mcl-wasm/dist/mcl';
import { kernelOn, type PairingKernel } from './pairing-kernel';
import type { Curve } from 'snarkjs';
import { BN254_BASE_FIELD as Q, SNARK_SCALAR_FIELD as R } from '../common/field';
import { prepareKey, screen, parseInteger, type ProofItem } from './snarkjs-screen';

/** A verification key read once: its points in mcl, e(alpha, beta) and the -G2 lines. */
export interface EngineKey {
  nPublic: number;
  alpha: mcl.G1;
  ic: mcl.G1[];
  /** e(alpha, beta), the right-hand side of a single verification. */
  alphaBeta: mcl.GT;
  negBeta: mcl.PrecomputedG2;
  negGamma: mcl.PrecomputedG2;
  negDelta: mcl.PrecomputedG2;
}

/** A proof the engine can check: points on the curve, none the identity, signals < r. */
export interface EngineProof {
  signals: bigint[];
  a: mcl.G1;
  b: mcl.G2;
  c: mcl.G1;
  /** mcl's text forms of A and B ("1 x y"), which is what a pool thread receives. */
  aText: string;
  bText: string;
  /** Whether B is known to be in the order-r subgroup (undefined: not checked yet). */
  bInG2?: boolean;
}

let ready: Promise<PairingKernel> | undefined;
let kernel: PairingKernel | undefined;

/** Initialises mcl on BN_SNARK1 (once per thread) and builds the kernel on it. */
export function loadMcl(): Promise<PairingKernel> {
  ready ??= mcl.init(mcl.BN_SNARK1).then(() => {
    // Subgroup membership is this module's explicit decision (G1's cofactor is 1).
    mcl.verifyOrderG1(false);
    mcl.verifyOrderG2(false);
    kernel = kernelOn(mcl, mclRaw);
    return kernel;
  });
  return ready;
}

/** The kernel; every proof reaches here through engineKey, which loaded it. */
export function engineKernel(): PairingKernel {
  if (!kernel) throw new Error('pairing engine used before engineKey');
  return kernel;
}

const keys = new WeakMap<object, EngineKey>();

/**
 * The engine's form of a verification key, cached by the key object. Read by snarkjs's
 * rules first (prepareKey: a malformed key throws ARTIFACT_MISMATCH, G2 points in the
 * subgroup), then converted through ffjavascript's affine form, so any encoding snarkjs
 * accepts lands on the same points.
 */
export async function engineKey(curve: Curve, vk: Record<string, unknown>): Promise<EngineKey> {
  const cached = keys.get(vk);
  if (cached) return cached;
  const checked = prepareKeyCached(curve, vk);
  await loadMcl();
  const g1 = (p: Uint8Array) => {
    const point = new mcl.G1();
    if (!curve.G1.isZero(p))
      point.setStr(`1 ${curve.G1.toObject(curve.G1.toAffine(p)).slice(0, 2).join(' ')}`, 10);
    return point;
  };
  const g2 = (p: Uint8Array) => {
    const point = new mcl.G2();
    const [x, y] = curve.G2.toObject(curve.G2.toAffine(p));
    point.setStr(`1 ${[...x!, ...y!].join(' ')}`, 10);
    return point;
  };
  const alpha = g1(checked.alpha);
  const beta = g2(checked.beta);
  const key: EngineKey = {
    nPublic: checked.ic.length - 1,
    alpha,
    ic: checked.ic.map(g1),
    alphaBeta: mcl.pairing(alpha, beta),
    negBeta: new mcl.PrecomputedG2(mcl.neg(beta)),
    negGamma: new mcl.PrecomputedG2(mcl.neg(g2(checked.gamma))),
    negDelta: new mcl.PrecomputedG2(mcl.neg(g2(checked.delta))),
  };
  keys.set(vk, key);
  return key;
}

const CANONICAL_DECIMAL = /^(0|[1-9][0-9]{0,76})$/;

/** A canonical decimal below q, as an honest snarkjs prover writes a coordinate. */
const coordinate = (s: unknown): s is string =>
  typeof s === 'string' && CANONICAL_DECIMAL.test(s) && BigInt(s) < Q;

/**
 * Reads an item on the engine's fast path: 'reject' where snarkjs answers false (or chokes)
 * for a reason the fast path can see, 'other' for any encoding or point it leaves to
 * snarkjs's rules (hex, leading zeros, z != 1, wrong shapes, the identity), else the proof.
 */
export function importProof(key: EngineKey, item: ProofItem): EngineProof | 'reject' | 'other' {
  if (!Array.isArray(item.publicSignals)) return 'other';
  const signals = item.publicSignals.map(parseInteger);
  // As snarkjs-screen's screen(): a count other than the key's, a signal >= r, is refused.
  if (signals.length !== key.nPublic) return 'reject';
  if (!signals.every((s): s is bigint => s !== undefined && s < R)) return 'reject';
  const proof = item.proof as unknown as Record<string, unknown> | undefined;
  const pa = proof?.pi_a;
  const pb = proof?.pi_b;
  const pc = proof?.pi_c;
  const g1Text = (p: unknown) =>
    Array.isArray(p) && p.length === 3 && p[2] === '1' && coordinate(p[0]) && coordinate(p[1])
      ? `1 ${p[0]} ${p[1]}`
      : undefined;
  const fp2 = (p: unknown): p is [string, string] =>
    Array.isArray(p) && p.length === 2 && coordinate(p[0]) && coordinate(p[1]);
  const g2Text = (p: unknown) =>
    Array.isArray(p) &&
    p.length === 3 &&
    fp2(p[0]) &&
    fp2(p[1]) &&
    Array.isArray(p[2]) &&
    p[2].length === 2 &&
    p[2][0] === '1' &&
    p[2][1] === '0'
      ? `1 ${[...p[0], ...p[1]].join(' ')}`
      : undefined;
  const aText = g1Text(pa);
  const bText = g2Text(pb);
  const cText = g1Text(pc);
  if (!aText || !bText || !cText) return 'other';
  // With z = 1 no point is the identity, and mcl refuses exactly the points off the curve
  // (snarkjs's isWellConstructed is the same curve equation).
  const a = g1FromText(aText);
  const b = g2FromText(bText);
  const c = g1FromText(cText);
  if (!a || !b || !c) return 'reject';
  return { signals: signals as bigint[], a, b, c, aText, bText };
}

/**
 * An item outside the fast path, read by snarkjs's rules: 'reject', 'alone' (snarkjs must
 * answer it: pi_a, pi_b or pi_c is the identity, or pi_b is outside the subgroup), or the
 * same points on the engine.
 */
export function importBySnarkjsRules(
  curve: Curve,
  vk: Record<string, unknown>,
  item: ProofItem,
): EngineProof | 'reject' | 'alone' {
  const screened = screen(curve, prepareKeyCached(curve, vk), item, 0);
  if (screened === 'reject' || screened === 'alone') return screened;
  const { G1, G2 } = curve;
  if (G1.isZero(screened.a) || G1.isZero(screened.c)) return 'alone';
  const g1 = (p: Uint8Array) => `1 ${G1.toObject(G1.toAffine(p)).slice(0, 2).join(' ')}`;
  const [x, y] = G2.toObject(G2.toAffine(screened.b));
  const aText = g1(screened.a);
  const bText = `1 ${[...x!, ...y!].join(' ')}`;
  const a = g1FromText(aText);
  const b = g2FromText(bText);
  const c = g1FromText(g1(screened.c));
  if (!a || !b || !c) return 'alone'; // unreachable: screen() checked the curve equation
  return { signals: screened.signals, a, b, c, aText, bText, bInG2: true };
}

const screenKeys = new WeakMap<object, ReturnType<typeof prepareKey>>();
function prepareKeyCached(curve: Curve, vk: Record<string, unknown>) {
  let key = screenKeys.get(vk);
  if (!key) {
    key = prepareKey(curve, vk);
    screenKeys.set(vk, key);
  }
  return key;
}

function g1FromText(text: string): mcl.G1 | undefined {
  const p = new mcl.G1();
  try {
    p.setStr(text, 10);
  } catch {
    return undefined; // off the curve
  }
  return p;
}

function g2FromText(text: string): mcl.G2 | undefined {
  const p = new mcl.G2();
  try {
    p.setStr(text, 10);
  } catch {
    return undefined;
  }
  return p;
}

/** Checks (once) and answers whether pi_b is in the order-r subgroup. */
export function bInSubgroup(proof: EngineProof): boolean {
  proof.bInG2 ??= engineKernel().inG2(proof.b);
  return proof.bInG2;
}

export const frOf = (n: bigint): mcl.Fr => {
  const f = new mcl.Fr();
  f.setStr(n.toString(), 10);
  return f;
};

/** IC[0] + sum_j s_j IC[j]. */
function publicInputPoint(key: EngineKey, coefficients: bigint[]): mcl.G1 {
  return mcl.mulVec(key.ic, coefficients.map(frOf));
}

/**
 * snarkjs's answer for one proof whose pi_b is in the subgroup:
 *   e(A, B) e(L, -gamma) e(C, -delta) == e(alpha, beta),
 * three Miller loops (two on precomputed lines) and one final exponentiation.
 */
export function verifyOnEngine(key: EngineKey, proof: EngineProof): boolean {
  const l = publicInputPoint(key, [1n, ...proof.signals]);
  const f = mcl.mul(
    mcl.millerLoop(proof.a, proof.b),
    mcl.precomputedMillerLoop2(l, key.negGamma, proof.c, key.negDelta),
  );
  return mcl.finalExp(f).isEqual(key.alphaBeta);
}

/**
 * The key's part of a batch: e(-(sum r_i) alpha, beta) e(-sum r_i L_i, gamma)
 * e(-sum r_i C_i, delta) before the final exponentiation (three Miller loops on precomputed
 * lines). batchEquationHolds says what it is for.
 */
export function keyMillerProduct(key: EngineKey, proofs: EngineProof[], rs: bigint[]): mcl.GT {
  // sum_i r_i L_i = (sum_i r_i) IC0 + sum_j (sum_i r_i s_ij) IC_j: one scalar per IC point.
  const icCoefficients = key.ic.map(() => 0n);
  proofs.forEach(({ signals }, i) => {
    const r = rs[i]!;
    icCoefficients[0] = (icCoefficients[0]! + r) % R;
    signals.forEach((s, j) => {
      icCoefficients[j + 1] = (icCoefficients[j + 1]! + r * s) % R;
    });
  });
  const sumC = mcl.mulVec(
    proofs.map((p) => p.c),
    rs.map(frOf),
  );
  return mcl.mul(
    mcl.precomputedMillerLoop(mcl.mul(key.alpha, frOf(icCoefficients[0]!)), key.negBeta),
    mcl.precomputedMillerLoop2(
      publicInputPoint(key, icCoefficients),
      key.negGamma,
      sumC,
      key.negDelta,
    ),
  );
}

/**
 * Whether prod_i MillerLoop(r_i A_i, B_i) times the key's part (keyMillerProduct of the same
 * proofs and r_i) is 1 after the final exponentiation, i.e.
 *   prod_i e(r_i A_i, B_i) e(-(sum r_i) alpha, beta) e(-sum r_i L_i, gamma)
 *     e(-sum r_i C_i, delta) == 1.
 * That product is prod_i D_i^r_i with D_i = e(A_i, B_i) / (e(alpha, beta) e(L_i, gamma)
 * e(C_i, delta)), the i-th verification equation, in a group of prime order r (all points
 * in their subgroups). If some D_k != 1, exactly one r_k mod r makes it 1; r_k is uniform
 * over [1, 2^128) and r > 2^128, so a bad batch passes with probability below 2^-127.
 */
export function batchEquationHolds(proofsProduct: mcl.GT, keyProduct: mcl.GT): boolean {
  return mcl.finalExp(mcl.mul(proofsProduct, keyProduct)).isOne();
}

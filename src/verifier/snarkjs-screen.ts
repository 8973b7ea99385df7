/**
 * snarkjs's own reading of a proof and a verification key, on ffjavascript's bn128 curve:
 * what batchVerify refused or sent to snarkjs before the mcl engine, kept as the reference
 * the engine falls back to for every encoding outside its fast path (see pairing-engine.ts).
 */
import type { Curve, Groth16Proof } from 'snarkjs';
import { ZkAttestError } from '../common/errors';

/** One proof to check: its public signals in circuit order and the proof. */
export interface ProofItem {
  publicSignals: readonly string[];
  proof: Groth16Proof;
}

/** The BN254 curve seed x0 (u); p, r and the trace are polynomials in it. */
const BN254_X0 = 4965661367192848881n;

export interface PreparedKey {
  alpha: Uint8Array;
  beta: Uint8Array;
  gamma: Uint8Array;
  delta: Uint8Array;
  /** IC[0] + sum_j s_j IC[j] is the public-input point L of a proof with signals s. */
  ic: Uint8Array[];
}

export interface Screened {
  index: number;
  signals: bigint[];
  a: Uint8Array;
  b: Uint8Array;
  c: Uint8Array;
}

/**
 * Screens one item as snarkjs does before its pairing: 'reject' when snarkjs would answer
 * false (or choke), 'alone' for a proof that must be checked by itself, else its points.
 *
 * ffjavascript's `isValid` (snarkjs's isWellConstructed) checks only the curve equation and
 * accepts the identity. On G1 that suffices: bn128's G1 has cofactor 1, so every curve point
 * lies in the prime-order group. On G2 it does not: the twist has cofactor 2p - r, and
 * snarkjs never checks that pi_b is in the order-r subgroup. The batch rests on bilinearity,
 * e(r_i A_i, B_i) = e(A_i, B_i)^r_i, which holds only for B_i in that subgroup (the Miller
 * loop of an outside point is not linear in A; we measured e(3A, B) != e(A, B)^3), and
 * ffjavascript's pairing with the G2 identity is not 1. So a pi_b that is the identity or
 * outside the subgroup is never batched: it gets snarkjs's own single answer. No honest
 * prover makes one, so this costs nothing in practice and keeps the answer exact.
 */
export function screen(
  curve: Curve,
  key: PreparedKey,
  item: ProofItem,
  index: number,
): Screened | 'reject' | 'alone' {
  const { G1, G2 } = curve;
  const signals = Array.isArray(item.publicSignals) ? item.publicSignals.map(parseInteger) : [];
  // snarkjs does not check the count: fewer signals act as zeros, more make it throw.
  if (signals.length !== key.ic.length - 1) return 'reject';
  if (!signals.every((s): s is bigint => s !== undefined && s < curve.r)) return 'reject';
  const a = g1Point(curve, item.proof?.pi_a);
  const b = g2Point(curve, item.proof?.pi_b);
  const c = g1Point(curve, item.proof?.pi_c);
  if (!a || !b || !c || !G1.isValid(a) || !G2.isValid(b) || !G1.isValid(c)) return 'reject';
  if (G2.isZero(b) || !inG2(curve, b)) return 'alone';
  return { index, signals, a, b, c };
}

/** The integer a snarkjs string stands for (ffjavascript's unstringifyBigInts), or undefined. */
export function parseInteger(s: unknown): bigint | undefined {
  return typeof s === 'string' && /^([0-9]+|0x[0-9a-fA-F]+)$/.test(s) ? BigInt(s) : undefined;
}

/** A G1 point from snarkjs's [x, y] / [x, y, z], converted exactly as snarkjs converts it. */
function g1Point(curve: Curve, coords: unknown): Uint8Array | undefined {
  if (!Array.isArray(coords) || coords.length < 2 || coords.length > 3) return undefined;
  const values = coords.map(parseInteger);
  if (!values.every((v): v is bigint => v !== undefined)) return undefined;
  return curve.G1.fromObject(values);
}

/** A G2 point from snarkjs's [[x0, x1], [y0, y1]] / (with z), converted as snarkjs does. */
function g2Point(curve: Curve, coords: unknown): Uint8Array | undefined {
  if (!Array.isArray(coords) || coords.length < 2 || coords.length > 3) return undefined;
  const values: bigint[][] = [];
  for (const pair of coords as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2) return undefined;
    const parsed = pair.map(parseInteger);
    if (!parsed.every((v): v is bigint => v !== undefined)) return undefined;
    values.push(parsed);
  }
  return curve.G2.fromObject(values);
}

/** Reads and checks a verification key; a malformed one is a setup error, never a "false". */
export function prepareKey(curve: Curve, vk: Record<string, unknown>): PreparedKey {
  const malformed = (field: string) =>
    new ZkAttestError('ARTIFACT_MISMATCH', `malformed verification key: ${field}`, { field });
  const curveName =
    typeof vk.curve === 'string' ? vk.curve.toUpperCase().replace(/[^A-Z0-9]/g, '') : '';
  if (!['BN128', 'BN254', 'ALTBN128'].includes(curveName)) throw malformed('curve');
  if (vk.protocol !== undefined && vk.protocol !== 'groth16') throw malformed('protocol');
  if (!Array.isArray(vk.IC) || vk.IC.length === 0) throw malformed('IC');
  if (vk.nPublic !== undefined && vk.nPublic !== vk.IC.length - 1) throw malformed('nPublic');

  // The batch's algebra (reducing coefficients mod r, bilinearity) needs G1 points on the
  // curve and G2 points in the order-r subgroup, not the identity.
  const g1 = (field: string, value: unknown) => {
    const p = g1Point(curve, value);
    if (!p || !curve.G1.isValid(p)) throw malformed(field);
    return p;
  };
  const g2 = (field: string, value: unknown) => {
    const p = g2Point(curve, value);
    if (!p || !curve.G2.isValid(p) || curve.G2.isZero(p) || !inG2(curve, p)) {
      throw malformed(field);
    }
    return p;
  };
  return {
    alpha: g1('vk_alpha_1', vk.vk_alpha_1),
    beta: g2('vk_beta_2', vk.vk_beta_2),
    gamma: g2('vk_gamma_2', vk.vk_gamma_2),
    delta: g2('vk_delta_2', vk.vk_delta_2),
    ic: (vk.IC as unknown[]).map((p, i) => g1(`IC[${i}]`, p)),
  };
}

/**
 * G2 subgroup membership of a non-identity twist point Q, by the endomorphism test of
 * El Housni-Guillevic-Piellard (eprint 2022/348, sec. 3 and 5.1; gnark-crypto's bn254 test):
 *   [r]Q = O  <=>  [x0+1]Q + psi([x0]Q) + psi^2([x0]Q) = psi^3([2 x0]Q).
 * One 63-bit scalar multiplication instead of a 254-bit one: ~0.24 ms vs ~0.7 ms.
 */
function inG2(curve: Curve, q: Uint8Array): boolean {
  const { G2 } = curve;
  const psi = psiOf(curve);
  const xq = G2.timesScalar(q, BN254_X0);
  const p1 = psi(xq);
  const p2 = psi(p1);
  const lhs = G2.add(G2.add(G2.add(xq, q), p1), p2);
  return G2.eq(lhs, G2.double(psi(p2)));
}

const psiCache = new WeakMap<Curve, (point: Uint8Array) => Uint8Array>();

/**
 * psi = untwist-Frobenius-twist on bn128's D-type twist y^2 = x^3 + 3/xi, xi = 9 + i:
 * psi(x, y) = (conj(x) xi^((p-1)/3), conj(y) xi^((p-1)/2)). Built once per curve object and
 * checked there: it must act on G2 as multiplication by p.
 */
function psiOf(curve: Curve): (point: Uint8Array) => Uint8Array {
  let psi = psiCache.get(curve);
  if (psi) return psi;
  const { F1, F2, G2 } = curve;
  const xi = F2.fromObject([9n, 1n]);
  if (!F2.eq(G2.b, F2.div(F2.fromObject([3n, 0n]), xi))) {
    throw new Error('bn128 G2 is not the expected twist y^2 = x^3 + 3/(9+i)');
  }
  const cx = F2.exp(xi, (curve.q - 1n) / 3n);
  const cy = F2.exp(xi, (curve.q - 1n) / 2n);
  const n = F1.n8;
  const conjugate = (a: Uint8Array) => {
    const out = new Uint8Array(2 * n);
    out.set(a.subarray(0, n));
    out.set(F1.neg(a.slice(n, 2 * n)), n);
    return out;
  };
  const candidate = (point: Uint8Array) => {
    // ffjavascript's mixed addition misreads an affine identity: keep it Jacobian.
    if (G2.isZero(point)) return G2.zero;
    const a = G2.toAffine(point);
    const out = new Uint8Array(4 * n);
    out.set(F2.mul(conjugate(a.slice(0, 2 * n)), cx));
    out.set(F2.mul(conjugate(a.slice(2 * n, 4 * n)), cy), 2 * n);
    return out;
  };
  if (!G2.eq(candidate(G2.oneAffine), G2.timesScalar(G2.oneAffine, curve.q % curve.r))) {
    throw new Error('bn128 G2 endomorphism psi does not act as p on G2');
  }
  psi = candidate;
  psiCache.set(curve, psi);
  return psi;
}

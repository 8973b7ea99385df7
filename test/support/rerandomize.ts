import { randomBytes } from 'node:crypto';
import * as snarkjs from 'snarkjs';
import type { Groth16Proof } from 'snarkjs';

/**
 * Groth16 malleability, as any third party can exploit it: a fresh, valid, byte-different
 * proof of the same statement from a valid proof and the public verification key.
 *   A' = A / s,  B' = s B + s t delta,  C' = C + t A
 * e(A', B') = e(A, B) e(t A, delta), which C' pays for. This is why proof bytes are never a
 * nullifier: single use must come from the statement (its context), not from the proof.
 */
export async function rerandomize(
  vk: Record<string, unknown>,
  proof: Groth16Proof,
): Promise<Groth16Proof> {
  const curve = await snarkjs.curves.getCurveFromName('bn128');
  const { G1, G2 } = curve;
  const scalar = () => (BigInt(`0x${randomBytes(31).toString('hex')}`) % (curve.r - 1n)) + 1n;
  const s = scalar();
  const t = scalar();
  const sInv = modInverse(s, curve.r);
  const A = G1.fromObject(proof.pi_a.map(BigInt));
  const B = G2.fromObject(proof.pi_b.map((c) => c.map(BigInt)));
  const C = G1.fromObject(proof.pi_c.map(BigInt));
  const delta = G2.fromObject((vk.vk_delta_2 as string[][]).map((c) => c.map(BigInt)));
  const A2 = G1.timesScalar(A, sInv);
  const B2 = G2.add(G2.timesScalar(B, s), G2.timesScalar(delta, (s * t) % curve.r));
  const C2 = G1.add(C, G1.timesScalar(A, t));
  const g1 = (p: Uint8Array) => G1.toObject(G1.toAffine(p)).map(String);
  const g2 = (p: Uint8Array) => G2.toObject(G2.toAffine(p)).map((c) => [...c].map(String));
  return {
    pi_a: [...g1(A2).slice(0, 2), '1'],
    pi_b: [...g2(B2).slice(0, 2), ['1', '0']],
    pi_c: [...g1(C2).slice(0, 2), '1'],
    protocol: 'groth16',
    curve: 'bn128',
  };
}

/**
 * The other free malleation: (-A, -B, C) verifies whenever (A, B, C) does, since
 * e(-A, -B) = e(A, B). (Negating A and C instead does not verify: e(-A, B) = e(A, B)^-1.)
 */
export async function negate(proof: Groth16Proof): Promise<Groth16Proof> {
  const curve = await snarkjs.curves.getCurveFromName('bn128');
  const { G1, G2 } = curve;
  const A = G1.neg(G1.fromObject(proof.pi_a.map(BigInt)));
  const B = G2.neg(G2.fromObject(proof.pi_b.map((c) => c.map(BigInt))));
  const g1 = (p: Uint8Array) => G1.toObject(G1.toAffine(p)).map(String);
  const g2 = (p: Uint8Array) => G2.toObject(G2.toAffine(p)).map((c) => [...c].map(String));
  return {
    ...proof,
    pi_a: [...g1(A).slice(0, 2), '1'],
    pi_b: [...g2(B).slice(0, 2), ['1', '0']],
  };
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [a % m, m];
  let [oldS, sNew] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, sNew] = [sNew, oldS - q * sNew];
  }
  return ((oldS % m) + m) % m;
}

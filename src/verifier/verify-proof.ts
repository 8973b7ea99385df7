import * as snarkjs from 'snarkjs';
import type { Groth16Proof } from 'snarkjs';
import { bInSubgroup, engineKey, importProof, verifyOnEngine } from './pairing-engine';

/**
 * `snarkjs.groth16.verify(vk, publicSignals, proof)`'s answer, computed on the mcl engine
 * (about 4 ms instead of 25) for a proof in the form an honest prover emits with pi_b in
 * the G2 subgroup; any other proof, or a key the engine does not take, goes to snarkjs itself.
 */
export async function verifyProof(
  vk: Record<string, unknown>,
  publicSignals: readonly string[],
  proof: Groth16Proof,
): Promise<boolean> {
  const curve = await snarkjs.curves.getCurveFromName('bn128');
  const key = await engineKey(curve, vk).catch(() => undefined);
  const read = key ? importProof(key, { publicSignals, proof }) : 'other';
  if (key && typeof read === 'object' && bInSubgroup(read)) return verifyOnEngine(key, read);
  return snarkjs.groth16.verify(vk, publicSignals, proof);
}

/**
 * The bundle's stand-in for src/common/poseidon.ts (which builds circomlibjs' WebAssembly
 * Poseidon): same loadPoseidon() contract, 9 inputs only, constants generated at build time.
 */
import { poseidonOfWidth } from '../verify/poseidon-reference';

export type PoseidonHash = (inputs: readonly bigint[]) => bigint;

const poseidon9 = poseidonOfWidth(__POSEIDON_T10__);

export function loadPoseidon(): Promise<PoseidonHash> {
  return Promise.resolve(poseidon9);
}

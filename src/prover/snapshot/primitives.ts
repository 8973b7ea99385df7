import { loadPoseidon, type PoseidonHash } from '../../common/poseidon';

/** circomlibjs' Poseidon, built once per process (the build compiles WebAssembly). */
export interface Primitives {
  /** Poseidon over field elements, as in circomlib's Poseidon(n) template. */
  poseidon: PoseidonHash;
}

/** Loads (once) the hash the circuits use (signatures are P-256, outside the circuits). */
export async function loadPrimitives(): Promise<Primitives> {
  return { poseidon: await loadPoseidon() };
}

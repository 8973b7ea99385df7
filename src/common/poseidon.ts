import { buildPoseidon } from 'circomlibjs';

/** circomlib's Poseidon over field elements (1 to 16 inputs), as the circuits compute it. */
export type PoseidonHash = (inputs: readonly bigint[]) => bigint;

let loading: Promise<PoseidonHash> | undefined;

/**
 * circomlibjs' Poseidon, built once per process: each build compiles WebAssembly, and the
 * verifier side needs it for every FX table hash it recomputes.
 */
export function loadPoseidon(): Promise<PoseidonHash> {
  loading ??= buildPoseidon().then((poseidon) => {
    const F = poseidon.F;
    return (inputs) => F.toObject(poseidon([...inputs]));
  });
  return loading;
}

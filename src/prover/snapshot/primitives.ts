import { buildEddsa, buildPoseidon, type Eddsa, type Point } from 'circomlibjs';

/** circomlibjs' Poseidon and EdDSA, built once per process (each build compiles WebAssembly). */
export interface Primitives {
  /** Poseidon over field elements, as in circomlib's Poseidon(n) template. */
  poseidon(inputs: readonly bigint[]): bigint;
  eddsa: Eddsa;
  /** A Baby Jubjub point as two bigints. */
  toAffine(p: Point): [bigint, bigint];
}

let loading: Promise<Primitives> | undefined;

/** Loads (once) the hash and signature primitives the circuits use. */
export function loadPrimitives(): Promise<Primitives> {
  loading ??= (async () => {
    const [poseidon, eddsa] = await Promise.all([buildPoseidon(), buildEddsa()]);
    const F = poseidon.F;
    return {
      poseidon: (inputs) => F.toObject(poseidon([...inputs])),
      eddsa,
      toAffine: (p) => [eddsa.F.toObject(p[0]), eddsa.F.toObject(p[1])],
    };
  })();
  return loading;
}

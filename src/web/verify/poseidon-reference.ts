/**
 * circomlib's Poseidon in plain bigint arithmetic, for one width: the page hashes FX tables
 * with 9 inputs only (t = 10), so it ships that width's constants (about 60 KB) instead of
 * circomlibjs and its 900 KB of constants for every width. Same rounds and constants as
 * circomlibjs' poseidon_reference.js; test/web/poseidon-reference.test.ts holds them equal.
 */

/** The BN254 scalar field order r. */
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const FULL_ROUNDS = 8;
/** circomlibjs' N_ROUNDS_P, by t - 2. */
const PARTIAL_ROUNDS = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];

/** The round constants C[t-2] and MDS matrix M[t-2] of one width, as hex strings. */
export interface PoseidonWidthConstants {
  t: number;
  C: string[];
  M: string[][];
}

const mod = (a: bigint) => ((a % R) + R) % R;
const pow5 = (a: bigint) => {
  const a2 = (a * a) % R;
  return (((a2 * a2) % R) * a) % R;
};

/** Poseidon over `t - 1` inputs (field elements), exactly as circomlibjs computes it. */
export function poseidonOfWidth(
  constants: PoseidonWidthConstants,
): (inputs: readonly bigint[]) => bigint {
  const { t } = constants;
  const C = constants.C.map((c) => BigInt(c));
  const M = constants.M.map((row) => row.map((c) => BigInt(c)));
  const partial = PARTIAL_ROUNDS[t - 2]!;
  return (inputs) => {
    if (inputs.length !== t - 1) throw new RangeError(`this Poseidon takes ${t - 1} inputs`);
    let state = [0n, ...inputs.map(mod)];
    for (let r = 0; r < FULL_ROUNDS + partial; r++) {
      state = state.map((a, i) => (a + C[r * t + i]!) % R);
      if (r < FULL_ROUNDS / 2 || r >= FULL_ROUNDS / 2 + partial) state = state.map(pow5);
      else state[0] = pow5(state[0]!);
      state = state.map((_, i) => state.reduce((acc, a, j) => (acc + M[i]![j]! * a) % R, 0n));
    }
    return state[0]!;
  };
}

/** The BN254 scalar field modulus r: every circuit signal is an integer in [0, r). */
export const SNARK_SCALAR_FIELD =
  21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** True when `x` is a canonical field element (a proof with a signal >= r must be refused). */
export function isFieldElement(x: bigint): boolean {
  return x >= 0n && x < SNARK_SCALAR_FIELD;
}

/** Parses a decimal string into a bigint, or undefined when it is not a plain non-negative integer. */
export function parseDecimalInteger(s: string): bigint | undefined {
  return /^(0|[1-9][0-9]*)$/.test(s) ? BigInt(s) : undefined;
}

/** The BN254 base field modulus q: proof point coordinates are integers in [0, q). */
export const BN254_BASE_FIELD =
  21888242871839275222246405745257275088696311157297823662689037894645226208583n;

/** True when `x` is a canonical base-field coordinate of a proof point. */
export function isBaseFieldElement(x: bigint): boolean {
  return x >= 0n && x < BN254_BASE_FIELD;
}

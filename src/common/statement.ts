/**
 * The `statement` public signal packs a claim's small public values (see
 * circuits/lib/statement.circom; each claim's descriptor names paramA and paramB). Least
 * significant first:
 *   context 128 bits | paramA 16 bits | paramB 64 bits   (208 bits)
 * The as-of time is not in it (statement v2): it is in the signed snapshot message.
 */
export const STATEMENT_LAYOUT = {
  context: { shift: 0n, bits: 128n },
  paramA: { shift: 128n, bits: 16n },
  paramB: { shift: 144n, bits: 64n },
} as const;

export interface StatementParts {
  context: bigint;
  paramA: bigint;
  paramB: bigint;
}

type Part = keyof typeof STATEMENT_LAYOUT;
const PARTS = Object.keys(STATEMENT_LAYOUT) as Part[];
const mask = (bits: bigint) => (1n << bits) - 1n;

/** Packs the parts; throws RangeError when a part does not fit its width. */
export function packStatement(parts: StatementParts): bigint {
  let packed = 0n;
  for (const name of PARTS) {
    const { shift, bits } = STATEMENT_LAYOUT[name];
    const v = parts[name];
    if (v < 0n || v > mask(bits)) throw new RangeError(`${name} does not fit in ${bits} bits`);
    packed |= v << shift;
  }
  return packed;
}

/** Unpacks a statement; undefined when bits above the layout are set (no proof can make that). */
export function unpackStatement(packed: bigint): StatementParts | undefined {
  if (packed < 0n || packed >> 208n !== 0n) return undefined;
  const part = (name: Part) => {
    const { shift, bits } = STATEMENT_LAYOUT[name];
    return (packed >> shift) & mask(bits);
  };
  return {
    context: part('context'),
    paramA: part('paramA'),
    paramB: part('paramB'),
  };
}

/** The largest context a statement can carry (128 bits). */
export const MAX_CONTEXT = mask(STATEMENT_LAYOUT.context.bits);

import { z } from 'zod';
import type { ClaimDescriptor } from './claim-descriptor';
import {
  ALL_CLASSES,
  CLASS_COUNT,
  classListOption,
  classSet,
  classesOfMask,
  maskOfClasses,
  numberOption,
  onGrid,
  ruleBps,
  pct,
  provableClassSet,
  shareBps,
  bps16,
} from './param-codecs';

export interface ConcentrationParams {
  /** No asset above this share of the total; 10000 turns the test off. */
  maxShareBps: number;
  /** The allowed asset classes: distinct, ascending, 0..15 (all 16 turn the test off). */
  allowedClasses: number[];
}
export type ConcentrationValues = ConcentrationParams;
export type ConcentrationRequirement = Partial<ConcentrationParams>;
/** How precise a concentration claim may be: the grid its share cap lies on. */
export interface ConcentrationRules {
  gridBps?: number;
}

/**
 * Concentration / eligibility: no asset (its slots together) above maxShareBps of the total, and every asset
 * class with value in the allowed set (the circuit and statement carry the set as a 16-bit
 * mask; everywhere else it is the canonical list).
 */
export const concentration: ClaimDescriptor<
  'concentration',
  ConcentrationParams,
  ConcentrationValues,
  ConcentrationRequirement,
  ConcentrationRules
> = {
  name: 'concentration',
  summary: 'no asset above N bps of the total, every asset class in the list',
  circuitIds: ['concentration-32'],
  params: z.strictObject({
    maxShareBps: shareBps.default(10000),
    allowedClasses: provableClassSet.default([...ALL_CLASSES]),
  }),
  requirement: z.strictObject({
    maxShareBps: bps16.optional(),
    allowedClasses: classSet.optional(),
  }),
  example: {
    params: { maxShareBps: 2500, allowedClasses: [0, 1, 2, 3, 4] },
    unmetRequirement: { allowedClasses: [0, 1, 2, 3] },
  },
  cli: {
    options: { 'max-share-bps': { type: 'string' }, 'allowed-classes': { type: 'string' } },
    usage:
      '[--max-share-bps N] [--allowed-classes 0,1,2]\n' +
      '                  (defaults: 10000, i.e. off; all 16 classes)',
  },

  precision: {
    rules: z.strictObject({ gridBps: ruleBps.optional() }),
    breaks: (p, r) => (onGrid(p.maxShareBps, r.gridBps) ? undefined : 'gridBps'),
  },

  fromCli: (v) => ({
    maxShareBps: numberOption(v, 'max-share-bps'),
    allowedClasses: classListOption(v, 'allowed-classes'),
  }),
  toCli: (p) => [
    '--max-share-bps',
    String(p.maxShareBps),
    '--allowed-classes',
    p.allowedClasses.join(','),
  ],
  statementParams: (p) => ({
    paramA: BigInt(p.maxShareBps),
    paramB: maskOfClasses(p.allowedClasses),
  }),
  circuitInputs: (p) => ({
    maxShareBps: String(p.maxShareBps),
    allowedClasses: maskOfClasses(p.allowedClasses).toString(),
  }),
  amounts: () => ({}),
  publicValues: (parts) => ({
    maxShareBps: Number(parts.paramA),
    allowedClasses: classesOfMask(parts.paramB),
  }),
  meaning(v, signed, unit) {
    const classes =
      v.allowedClasses.length === CLASS_COUNT
        ? 'any asset class'
        : `asset classes {${v.allowedClasses.join(', ')}} only`;
    return (
      `In ${signed}, no single asset exceeds ${pct(v.maxShareBps)} of the total value in ${unit.currency}, ` +
      `and the portfolio holds ${classes}.`
    );
  },
  holds(snapshot, p) {
    const ps = snapshot.positions;
    const total = ps.reduce((s, x) => s + x.converted, 0n);
    const allowed = new Set(p.allowedClasses);
    // Per asset, as the circuit holds it (OneSlotPerAsset): one asset's slots count together.
    const perAsset = new Map<bigint, bigint>();
    for (const x of ps) perAsset.set(x.assetId, (perAsset.get(x.assetId) ?? 0n) + x.converted);
    return (
      total > 0n &&
      [...perAsset.values()].every((v) => v * 10000n <= BigInt(p.maxShareBps) * total) &&
      ps.every((x) => x.value === 0n || allowed.has(x.assetClass))
    );
  },
  meets: (v, r) =>
    (r.maxShareBps === undefined || v.maxShareBps <= r.maxShareBps) &&
    (r.allowedClasses === undefined ||
      v.allowedClasses.every((c) => r.allowedClasses!.includes(c))),
};

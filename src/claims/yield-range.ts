import { z } from 'zod';
import type { ClaimDescriptor } from './claim-descriptor';
import { bps16, numberOption, onGrid, pct, ruleBps } from './param-codecs';

export interface YieldRangeParams {
  minYieldBps: number;
  maxYieldBps: number;
}
export type YieldRangeValues = YieldRangeParams;
export type YieldRangeRequirement = Partial<YieldRangeParams>;
/** How precise a yield range may be: its width, and the grid both bounds lie on. */
export interface YieldRangeRules {
  minWidthBps?: number;
  gridBps?: number;
}

/**
 * Yield range, each position weighted by its value in the reporting currency (c_i):
 * minYieldBps * sum(c) <= sum(c_i * y_i) <= maxYieldBps * sum(c), sum(c) > 0.
 */
export const yieldRange: ClaimDescriptor<
  'yield-range',
  YieldRangeParams,
  YieldRangeValues,
  YieldRangeRequirement,
  YieldRangeRules
> = {
  name: 'yield-range',
  summary: 'value-weighted yield within [A, B] bps',
  circuitIds: ['yield-range-32'],
  params: z
    .strictObject({ minYieldBps: bps16, maxYieldBps: bps16 })
    .refine((p) => p.minYieldBps <= p.maxYieldBps, {
      message: 'minYieldBps must not exceed maxYieldBps',
      path: ['minYieldBps'],
    }),
  requirement: z.strictObject({ minYieldBps: bps16.optional(), maxYieldBps: bps16.optional() }),
  example: {
    params: { minYieldBps: 200, maxYieldBps: 400 },
    unmetRequirement: { minYieldBps: 201 },
  },
  cli: {
    options: { 'min-yield-bps': { type: 'string' }, 'max-yield-bps': { type: 'string' } },
    usage: '--min-yield-bps A --max-yield-bps B',
  },

  precision: {
    rules: z.strictObject({ minWidthBps: ruleBps.optional(), gridBps: ruleBps.optional() }),
    breaks: (p, r) =>
      r.minWidthBps !== undefined && p.maxYieldBps - p.minYieldBps < r.minWidthBps
        ? 'minWidthBps'
        : !onGrid(p.minYieldBps, r.gridBps) || !onGrid(p.maxYieldBps, r.gridBps)
          ? 'gridBps'
          : undefined,
  },

  fromCli: (v) => ({
    minYieldBps: numberOption(v, 'min-yield-bps'),
    maxYieldBps: numberOption(v, 'max-yield-bps'),
  }),
  toCli: (p) => [
    '--min-yield-bps',
    String(p.minYieldBps),
    '--max-yield-bps',
    String(p.maxYieldBps),
  ],
  statementParams: (p) => ({ paramA: BigInt(p.minYieldBps), paramB: BigInt(p.maxYieldBps) }),
  circuitInputs: (p) => ({
    minYieldBps: String(p.minYieldBps),
    maxYieldBps: String(p.maxYieldBps),
  }),
  amounts: () => ({}),
  publicValues: (parts) => ({
    minYieldBps: Number(parts.paramA),
    maxYieldBps: Number(parts.paramB),
  }),
  meaning: (v, signed) =>
    `In ${signed}, the value-weighted annual yield is between ` +
    `${pct(v.minYieldBps)} and ${pct(v.maxYieldBps)}.`,
  holds(snapshot, p) {
    const ps = snapshot.positions;
    const total = ps.reduce((s, x) => s + x.converted, 0n);
    const weighted = ps.reduce((s, x) => s + x.converted * BigInt(x.yieldBps), 0n);
    return (
      total > 0n &&
      BigInt(p.minYieldBps) * total <= weighted &&
      weighted <= BigInt(p.maxYieldBps) * total
    );
  },
  meets: (v, r) =>
    (r.minYieldBps === undefined || v.minYieldBps >= r.minYieldBps) &&
    (r.maxYieldBps === undefined || v.maxYieldBps <= r.maxYieldBps),
};

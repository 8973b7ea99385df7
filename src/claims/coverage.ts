import { z } from 'zod';
import type { ClaimDescriptor } from './claim-descriptor';
import { formatAmount } from '../common/money';
import { FX_SCALE } from '../common/fx-table';
import { bps16, numberOption, onGrid, pct, ruleBps } from './param-codecs';

export interface CoverageParams {
  minCoverageBps: number;
}
export interface CoverageValues {
  minCoverageBps: number;
  /** The covered liabilities (a token's capacity), minor units, decimal. */
  liabilities: string;
}
export interface CoverageRequirement {
  minCoverageBps?: number;
}
/** How precise a coverage threshold may be: the grid it lies on. */
export interface CoverageRules {
  gridBps?: number;
}

/**
 * Collateral coverage, in the reporting currency:
 * sum(value_i * rate_i * (10000 - haircutBps_i)) >= minCoverageBps * liabilities * FX_SCALE.
 */
export const coverage: ClaimDescriptor<
  'coverage',
  CoverageParams,
  CoverageValues,
  CoverageRequirement,
  CoverageRules
> = {
  name: 'coverage',
  summary: 'collateral after haircuts >= N bps of liabilities',
  circuitIds: ['coverage-32'],
  params: z.strictObject({ minCoverageBps: bps16 }),
  requirement: z.strictObject({ minCoverageBps: bps16.optional() }),
  example: { params: { minCoverageBps: 12000 }, unmetRequirement: { minCoverageBps: 12001 } },
  cli: {
    options: { 'min-coverage-bps': { type: 'string' } },
    usage: '--min-coverage-bps N',
  },

  precision: {
    rules: z.strictObject({ gridBps: ruleBps.optional() }),
    breaks: (p, r) => (onGrid(p.minCoverageBps, r.gridBps) ? undefined : 'gridBps'),
  },

  fromCli: (v) => ({ minCoverageBps: numberOption(v, 'min-coverage-bps') }),
  toCli: (p) => ['--min-coverage-bps', String(p.minCoverageBps)],
  statementParams: (p, snapshot) => ({
    paramA: BigInt(p.minCoverageBps),
    paramB: snapshot.liabilities,
  }),
  // liabilities is already a snapshot input of every circuit.
  circuitInputs: (p) => ({ minCoverageBps: String(p.minCoverageBps) }),
  publicValues: (parts) => ({
    minCoverageBps: Number(parts.paramA),
    liabilities: parts.paramB.toString(),
  }),
  amounts: (v) => ({ liabilities: BigInt(v.liabilities) }),
  meaning: (v, signed, unit) =>
    `In ${signed}, the collateral after haircuts is at least ${pct(v.minCoverageBps)} ` +
    `of liabilities of ${formatAmount(BigInt(v.liabilities), unit)}.`,
  holds(snapshot, p) {
    const weighted = snapshot.positions.reduce(
      (s, x) => s + x.converted * BigInt(10000 - x.haircutBps),
      0n,
    );
    return weighted >= BigInt(p.minCoverageBps) * snapshot.liabilities * FX_SCALE;
  },
  meets: (v, r) => r.minCoverageBps === undefined || v.minCoverageBps >= r.minCoverageBps,
};

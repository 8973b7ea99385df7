import type { ClaimName } from '../common/artifact-manifest';
import type { StatementParts } from '../common/statement';

/** The public values of a claim, decoded from its signals, in the units people read. */
export type ClaimValues =
  | { claim: 'coverage'; minCoverageBps: number; liabilities: string }
  | { claim: 'yield-range'; minYieldBps: number; maxYieldBps: number }
  | { claim: 'concentration'; maxShareBps: number; allowedClasses: number[] };

/** Names the claim's parameters, from the statement's paramA and paramB. */
export function claimValues(claim: ClaimName, parts: StatementParts): ClaimValues {
  const a = Number(parts.paramA);
  switch (claim) {
    case 'coverage':
      return { claim, minCoverageBps: a, liabilities: parts.paramB.toString() };
    case 'yield-range':
      return { claim, minYieldBps: a, maxYieldBps: Number(parts.paramB) };
    case 'concentration': {
      const allowed: number[] = [];
      for (let c = 0; c < 16; c++) if ((parts.paramB >> BigInt(c)) & 1n) allowed.push(c);
      return { claim, maxShareBps: a, allowedClasses: allowed };
    }
  }
}

const pct = (bps: number) => `${(bps / 100).toFixed(2)}%`;

/** What a valid proof of this claim establishes, in plain words. */
export function claimMeaning(values: ClaimValues, asOf: bigint): string {
  const at = new Date(Number(asOf) * 1000).toISOString();
  const signed = `the attestor-signed snapshot of ${at}`;
  switch (values.claim) {
    case 'coverage':
      return (
        `In ${signed}, the collateral after haircuts is at least ${pct(values.minCoverageBps)} ` +
        `of liabilities of ${values.liabilities} minor units.`
      );
    case 'yield-range':
      return (
        `In ${signed}, the value-weighted annual yield is between ` +
        `${pct(values.minYieldBps)} and ${pct(values.maxYieldBps)}.`
      );
    case 'concentration': {
      const classes =
        values.allowedClasses.length === 16
          ? 'any asset class'
          : `asset classes {${values.allowedClasses.join(', ')}} only`;
      return (
        `In ${signed}, no position exceeds ${pct(values.maxShareBps)} of the total value, ` +
        `and the portfolio holds ${classes}.`
      );
    }
  }
}

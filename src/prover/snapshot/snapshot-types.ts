/** One custodian position, validated and in circuit units. */
export interface Position {
  /** The custodian's identifier (ISIN, internal id...). Never leaves onshore. */
  identifier: string;
  /** Field element derived from `identifier` (see asset-id.ts). */
  assetId: bigint;
  /** ISO 4217 code of the currency `value` is in (a row of the snapshot's FX table). */
  currency: string;
  /** Asset class, 0..15 (a bit of the eligibility mask). */
  assetClass: number;
  /** Value in integer minor units, 0 <= value < 2^64. */
  value: bigint;
  /** Haircut in basis points, 0..10000. */
  haircutBps: number;
  /** Annual yield in basis points, 0..65535. */
  yieldBps: number;
}

/** A validated custodian snapshot: what the attestor signs and the circuits open. */
export interface Snapshot {
  /** Snapshot time, unix seconds (< 2^40). */
  asOf: number;
  /** The reporting currency (ISO 4217): liabilities, and every claim's totals, are in it. */
  currency: string;
  /** Decimal places of the reporting currency's minor unit (e.g. 2 for cents), 0..18. */
  decimals: number;
  /** Liabilities in integer minor units of the reporting currency, 0 <= liabilities < 2^64. */
  liabilities: bigint;
  positions: Position[];
}

/** One custodian position, validated and in circuit units. */
export interface Position {
  /** The custodian's identifier (ISIN, internal id...). Never leaves onshore. */
  identifier: string;
  /** Field element derived from `identifier` (see asset-id.ts). */
  assetId: bigint;
  /** Asset class, 0..15 (a bit of the eligibility mask). */
  assetClass: number;
  /** Value in integer minor units, 0 <= value < 2^64. */
  value: bigint;
  /** Haircut in basis points, 0..10000. */
  haircutBps: number;
  /** Annual yield in basis points, 0..65535. */
  yieldBps: number;
  /**
   * ISO 4217 code of the position (src/common/currency.ts); the snapshot's when not given. It
   * must have a row in the snapshot's FX table.
   */
  currency: string;
  /**
   * Decimals of the minor unit `value` counts in: the snapshot's decimals for a position in the
   * reporting currency, ISO's default for any other (an FX table row names the same unit).
   */
  decimals: number;
}

/** A validated custodian snapshot: what its signers sign (committed) and the circuits open. */
export interface Snapshot {
  /** Snapshot time, unix seconds (< 2^40). */
  asOf: number;
  /** The reporting unit's ISO 4217 code (liabilities and the statement are in it). */
  currency: string;
  /** Decimals of the reporting unit's minor unit, 0..18 (e.g. 2 for cents). */
  decimals: number;
  /** Liabilities in integer minor units of the reporting unit, 0 <= liabilities < 2^64. */
  liabilities: bigint;
  positions: Position[];
}

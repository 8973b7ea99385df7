/**
 * The common ground of the snapshot readers and the validation: a snapshot as read (RawSnapshot,
 * values untouched, each tagged with where it came from), the rule texts that say what a field
 * must be, and the field error they are reported with.
 *
 * Privacy rule: every error names where the problem is (line/position, column) and what is
 * wrong, never the offending text. Snapshot values and identifiers must not leak through logs.
 */
import { ZkAttestError } from '../../common/errors';

/** The columns (CSV) or fields (JSON) of one position. */
export const POSITION_COLUMNS = [
  'identifier',
  'assetClass',
  'value',
  'haircutBps',
  'yieldBps',
] as const;
export type PositionColumn = (typeof POSITION_COLUMNS)[number];
/** Optional position columns: a position's currency defaults to the snapshot's. */
export const OPTIONAL_POSITION_COLUMNS = ['currency'] as const;
export type OptionalPositionColumn = (typeof OPTIONAL_POSITION_COLUMNS)[number];

export const MAX_DECIMALS = 18;
/** Distinct position currencies: an FX table has at most 8 rows (a 3-bit index per position). */
export const MAX_CURRENCIES = 8;
export const MAX_ASSET_CLASS = 15;
export const MAX_HAIRCUT_BPS = 10000;
export const MAX_YIELD_BPS = 65535;
export const MAX_IDENTIFIER_LENGTH = 128;
// Keys and column names are schema, not data; still only echo ones that look like names.
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;

/** What is wrong with a field, by column; amounts depend on the snapshot's decimals. */
export const RULES: Readonly<Record<string, string>> = {
  identifier: `must be a non-empty string of at most ${MAX_IDENTIFIER_LENGTH} characters`,
  assetClass: `must be an integer from 0 to ${MAX_ASSET_CLASS}`,
  haircutBps: `must be an integer from 0 to ${MAX_HAIRCUT_BPS} (basis points)`,
  yieldBps: `must be an integer from 0 to ${MAX_YIELD_BPS} (basis points)`,
  asOf:
    'must be an ISO-8601 time with a timezone (e.g. 2026-11-20T00:00:00Z) or integer unix ' +
    'seconds, from 2000-01-01 to 2^40-1 seconds',
  currency: 'must be a string holding an ISO 4217 currency code (e.g. USD)',
  decimals: `must be an integer from 0 to ${MAX_DECIMALS}`,
  positions: 'must be an array of position objects',
};

/** The rule of an amount field (value, liabilities) given the snapshot's decimals. */
export function amountRule(decimals: number): string {
  return `must be a non-negative decimal with at most ${decimals} decimal places`;
}

export const AMOUNT_RANGE_RULE = 'must be less than 2^64 minor units';

/** Where a raw value sits: `place` is for people ("line 7"), `row` for programs. */
export interface Where {
  row?: number;
  place: string;
}

/** Where of the snapshot-wide fields (JSON top level, missing CSV metadata): no row. */
export const SNAPSHOT_WHERE: Where = { place: 'snapshot' };

/** A raw value together with where it was read. */
export interface RawField<T> {
  value: T;
  where: Where;
}

/** Integer fields arrive as text from CSV and as JSON numbers from JSON. */
export type RawInt = string | number;

/** One position as read, before any value is checked. */
export interface RawPosition {
  where: Where;
  identifier: string;
  assetClass: RawInt;
  value: string;
  haircutBps: RawInt;
  yieldBps: RawInt;
  /** Absent when the file has no currency column (field): the snapshot's currency applies. */
  currency?: string;
}

/** A snapshot as read, before any value is checked: the common input of validation. */
export interface RawSnapshot {
  asOf: RawField<string | number>;
  liabilities: RawField<string>;
  currency?: RawField<string>;
  decimals?: RawField<RawInt>;
  positions: RawPosition[];
}

/** SNAPSHOT_INVALID_FIELD naming the place, the column and the rule broken (not the value). */
export function fieldError(where: Where, column: string, problem: string): ZkAttestError {
  const details: Record<string, string | number> = { column };
  if (where.row !== undefined) {
    details.row = where.row;
  }
  return new ZkAttestError(
    'SNAPSHOT_INVALID_FIELD',
    `${where.place}: ${column} ${problem}`,
    details,
  );
}

/** Drops a leading UTF-8 byte order mark. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

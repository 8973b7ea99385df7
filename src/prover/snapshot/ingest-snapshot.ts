/**
 * Onshore snapshot ingest: reads a custodian's CSV or JSON snapshot and validates it into a
 * Snapshot in circuit units.
 *
 * Reading is per format (snapshot-csv.ts, snapshot-json.ts) and yields a RawSnapshot
 * (snapshot-raw.ts); the validation here is shared, so both formats obey the same rules and
 * report them the same way.
 *
 * Privacy rule: every error names where the problem is (line/position, column) and what is
 * wrong, never the offending text. Snapshot values and identifiers must not leak through logs.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { defaultDecimals, parseCurrency, parseDecimals } from '../../common/currency';
import { ZkAttestError } from '../../common/errors';
import { assetIdOf, canonicalIdentifier, hasInvisibleCharacter } from './asset-id';
import { toMinorUnits } from './decimal-amount';
import { readCsvSnapshot } from './snapshot-csv';
import { readJsonSnapshot } from './snapshot-json';
import { CHUNK_SLOTS } from '../../common/large-book-accumulator';
import { largeAssetIdOf, MAX_LARGE_POSITIONS } from './large-book';
import {
  AMOUNT_RANGE_RULE,
  MAX_ASSET_CLASS,
  MAX_CURRENCIES,
  MAX_DECIMALS,
  MAX_HAIRCUT_BPS,
  MAX_IDENTIFIER_LENGTH,
  MAX_YIELD_BPS,
  RULES,
  SNAPSHOT_WHERE,
  amountRule,
  fieldError,
  type PositionColumn,
  type RawInt,
  type RawPosition,
  type RawSnapshot,
  type Where,
} from './snapshot-raw';
import type { Position, Snapshot } from './snapshot-types';

/**
 * Default maximum number of positions in one snapshot: a large book's (LARGESPEC), proved in
 * chunks past the 32 slots of a single circuit.
 */
export const MAX_POSITIONS = MAX_LARGE_POSITIONS;

/** The two accepted snapshot encodings. */
export type SnapshotFormat = 'csv' | 'json';

/** Options of parseSnapshot and loadSnapshotFile. */
export interface ParseSnapshotOptions {
  /** Largest accepted number of positions; defaults to MAX_POSITIONS. */
  maxPositions?: number;
}

const AMOUNT_LIMIT = 1n << 64n;
const MIN_AS_OF = 946684800; // 2000-01-01T00:00:00Z
const MAX_AS_OF = 2 ** 40 - 1;
const INVISIBLE_IDENTIFIER_RULE =
  'must not contain control, format or other invisible characters (only plain spaces)';
// Up to 15 digits keeps Number() exact; range checks follow.
const UNSIGNED_INT_PATTERN = /^[0-9]{1,15}$/;
const ISO_TIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/;

// ---------------------------------------------------------------------------------------------
// Validation shared by both formats

/** A non-negative integer no larger than `max`, from CSV text or a JSON integer. */
function toBoundedInt(raw: RawInt, max: number): number | undefined {
  let n: number;
  if (typeof raw === 'number') {
    n = raw;
  } else {
    const text = raw.trim();
    if (!UNSIGNED_INT_PATTERN.test(text)) {
      return undefined;
    }
    n = Number(text);
  }
  if (!Number.isSafeInteger(n) || n < 0 || n > max) {
    return undefined;
  }
  return n === 0 ? 0 : n; // folds JSON's -0 into 0
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Unix seconds of an ISO-8601 time with a timezone; undefined for impossible dates. */
function isoToUnixSeconds(text: string): number | undefined {
  const match = ISO_TIME_PATTERN.exec(text);
  if (match === null) {
    return undefined;
  }
  const [year, month, day, hour, minute] = match.slice(1, 6).map(Number);
  const second = match[6] === undefined ? 0 : Number(match[6]);
  const fraction = match[7] ?? '';
  const zone = match[8];
  // Date.parse would roll 2026-02-30 into March: check every component ourselves.
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  // asOf is whole seconds; refuse to truncate a sub-second time silently.
  if (/[1-9]/.test(fraction)) {
    return undefined;
  }
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMins = Number(digits.slice(2));
    if (offsetHours > 23 || offsetMins > 59) {
      return undefined;
    }
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second) / 1000 - offsetMinutes * 60;
}

function toAsOf(raw: string | number): number | undefined {
  let seconds: number | undefined;
  if (typeof raw === 'number') {
    seconds = Number.isSafeInteger(raw) ? raw : undefined;
  } else {
    const text = raw.trim();
    seconds = UNSIGNED_INT_PATTERN.test(text) ? Number(text) : isoToUnixSeconds(text);
  }
  return seconds !== undefined && seconds >= MIN_AS_OF && seconds <= MAX_AS_OF
    ? seconds
    : undefined;
}

function toAmount(raw: string, decimals: number, where: Where, column: string): bigint {
  const amount = toMinorUnits(raw, decimals);
  if (amount === undefined) {
    throw fieldError(where, column, amountRule(decimals));
  }
  if (amount >= AMOUNT_LIMIT) {
    throw fieldError(where, column, AMOUNT_RANGE_RULE);
  }
  return amount;
}

function toInt(raw: RawInt, max: number, where: Where, column: PositionColumn): number {
  const n = toBoundedInt(raw, max);
  if (n === undefined) {
    throw fieldError(where, column, RULES[column]);
  }
  return n;
}

/** Where a field is, for the details of CURRENCY_UNKNOWN / DECIMALS_OUT_OF_RANGE. */
function whereDetails(where: Where, column: string): Record<string, string | number> {
  return where.row === undefined ? { column } : { row: where.row, column };
}

/** The reporting unit: currency required (a proof's amounts must have one), decimals ISO's default. */
function toReportingUnit(raw: RawSnapshot): { currency: string; decimals: number } {
  if (raw.currency === undefined) {
    throw fieldError(
      SNAPSHOT_WHERE,
      'currency',
      'is required (the ISO 4217 code of the reporting unit, e.g. USD)',
    );
  }
  const where = raw.currency.where;
  const currency = parseCurrency(
    raw.currency.value.trim(),
    `${where.place}: currency`,
    whereDetails(where, 'currency'),
  );
  if (raw.decimals === undefined) return { currency, decimals: defaultDecimals(currency) };
  const decimals = toBoundedInt(raw.decimals.value, MAX_DECIMALS);
  // parseDecimals only raises the coded error: toBoundedInt already read CSV text or JSON.
  return {
    currency,
    decimals: parseDecimals(
      decimals,
      `${raw.decimals.where.place}: decimals`,
      whereDetails(raw.decimals.where, 'decimals'),
    ),
  };
}

/** A position's unit: its own currency (else the snapshot's), and that currency's decimals. */
function toPositionUnit(raw: RawPosition, reporting: { currency: string; decimals: number }) {
  if (raw.currency === undefined) return reporting;
  const currency = parseCurrency(
    raw.currency.trim(),
    `${raw.where.place}: currency`,
    whereDetails(raw.where, 'currency'),
  );
  return {
    currency,
    decimals: currency === reporting.currency ? reporting.decimals : defaultDecimals(currency),
  };
}

function toPosition(raw: RawPosition, reporting: { currency: string; decimals: number }): Position {
  const { where } = raw;
  const unit = toPositionUnit(raw, reporting);
  // One spelling per asset (trimmed, NFKC, upper case), so rows differing only in case or
  // width are one asset: the duplicate check below refuses them, and the circuit sees one id.
  const identifier = canonicalIdentifier(raw.identifier);
  if (identifier === '' || [...identifier].length > MAX_IDENTIFIER_LENGTH) {
    throw fieldError(where, 'identifier', RULES.identifier);
  }
  // Refused rather than removed: invisible characters would let two spellings that read the
  // same name two assets (and sidestep the per-asset cap). Checked before trim, so only the
  // plain ASCII space may pad an identifier.
  if (hasInvisibleCharacter(raw.identifier) || hasInvisibleCharacter(identifier)) {
    throw fieldError(where, 'identifier', INVISIBLE_IDENTIFIER_RULE);
  }
  return {
    identifier,
    assetId: assetIdOf(identifier),
    assetClass: toInt(raw.assetClass, MAX_ASSET_CLASS, where, 'assetClass'),
    value: toAmount(raw.value, unit.decimals, where, 'value'),
    haircutBps: toInt(raw.haircutBps, MAX_HAIRCUT_BPS, where, 'haircutBps'),
    yieldBps: toInt(raw.yieldBps, MAX_YIELD_BPS, where, 'yieldBps'),
    currency: unit.currency,
    decimals: unit.decimals,
  };
}

/**
 * Checks a RawSnapshot (from any reader: CSV, JSON, a custodian export through its mapping)
 * into a Snapshot in circuit units; throws a coded ZkAttestError naming where, never what.
 */
export function validateRawSnapshot(raw: RawSnapshot, maxPositions = MAX_POSITIONS): Snapshot {
  const reporting = toReportingUnit(raw);
  const { currency, decimals } = reporting;
  const asOf = toAsOf(raw.asOf.value);
  if (asOf === undefined) {
    throw fieldError(raw.asOf.where, 'asOf', RULES.asOf);
  }
  const liabilities = toAmount(
    raw.liabilities.value,
    decimals,
    raw.liabilities.where,
    'liabilities',
  );

  const count = raw.positions.length;
  if (count === 0) {
    throw new ZkAttestError('SNAPSHOT_EMPTY', 'snapshot has no positions');
  }
  if (count > maxPositions) {
    throw new ZkAttestError(
      'SNAPSHOT_TOO_MANY_POSITIONS',
      `snapshot has ${count} positions; at most ${maxPositions} are supported`,
      { count, max: maxPositions },
    );
  }

  const positions: Position[] = [];
  const firstSeen = new Map<string, Where>();
  const currencies = new Set<string>();
  for (const rawPosition of raw.positions) {
    const position = toPosition(rawPosition, reporting);
    currencies.add(position.currency);
    if (currencies.size > MAX_CURRENCIES) {
      throw fieldError(
        rawPosition.where,
        'currency',
        `is a ${MAX_CURRENCIES + 1}th currency; a snapshot holds at most ${MAX_CURRENCIES} (the FX table's rows)`,
      );
    }
    const first = firstSeen.get(position.identifier);
    if (first !== undefined) {
      // Row numbers only: the identifier itself stays out of the error.
      throw new ZkAttestError(
        'SNAPSHOT_DUPLICATE_ASSET',
        `${rawPosition.where.place} repeats the identifier of ${first.place}`,
        { row: rawPosition.where.row ?? 0, firstRow: first.row ?? 0 },
      );
    }
    firstSeen.set(position.identifier, rawPosition.where);
    positions.push(position);
  }
  if (count > CHUNK_SLOTS) refuseLargeIdCollision(raw.positions, positions);
  return { asOf, currency, decimals, liabilities, positions };
}

/**
 * A book past 32 positions is ordered by its 64-bit large asset ids (LARGESPEC §1): two
 * identifiers on one such id are refused like a repeated identifier (and an id of 0, which
 * would read as an empty slot). `idOf` is replaceable so that a test can make a collision.
 */
export function refuseLargeIdCollision(
  raw: readonly RawPosition[],
  positions: readonly Position[],
  idOf: (identifier: string) => bigint = largeAssetIdOf,
): void {
  const firstSeen = new Map<bigint, Where>();
  positions.forEach((position, i) => {
    const id = idOf(position.identifier);
    const where = raw[i]!.where;
    const first = firstSeen.get(id);
    if (first !== undefined || id === 0n) {
      throw new ZkAttestError(
        'SNAPSHOT_DUPLICATE_ASSET',
        first !== undefined
          ? `${where.place} shares its large-book asset id (top 64 bits) with ${first.place}`
          : `${where.place} has a large-book asset id of 0`,
        { row: where.row ?? 0, firstRow: first?.row ?? 0 },
      );
    }
    firstSeen.set(id, where);
  });
}

// ---------------------------------------------------------------------------------------------
// Entry points

/** Parses and validates a CSV or JSON snapshot text; throws a coded ZkAttestError otherwise. */
export function parseSnapshot(
  text: string,
  format: SnapshotFormat,
  opts: ParseSnapshotOptions = {},
): Snapshot {
  const maxPositions = opts.maxPositions ?? MAX_POSITIONS;
  if (!Number.isSafeInteger(maxPositions) || maxPositions < 1) {
    throw new RangeError('maxPositions must be a positive integer');
  }
  let raw: RawSnapshot;
  if (format === 'csv') {
    raw = readCsvSnapshot(text);
  } else if (format === 'json') {
    raw = readJsonSnapshot(text);
  } else {
    throw new ZkAttestError('SNAPSHOT_PARSE', 'snapshot format must be csv or json');
  }
  return validateRawSnapshot(raw, maxPositions);
}

/** Reads a .csv or .json snapshot file (format from the extension) and validates it. */
export function loadSnapshotFile(path: string, opts?: ParseSnapshotOptions): Snapshot {
  const extension = extname(path).toLowerCase();
  const format: SnapshotFormat | undefined =
    extension === '.csv' ? 'csv' : extension === '.json' ? 'json' : undefined;
  if (format === undefined) {
    throw new ZkAttestError('SNAPSHOT_PARSE', `snapshot file must end in .csv or .json: ${path}`, {
      path,
    });
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unknown';
    throw new ZkAttestError('SNAPSHOT_PARSE', `cannot read snapshot file ${path} (${reason})`, {
      path,
      reason,
    });
  }
  const text = decodeSnapshotBytes(bytes, `snapshot file ${path}`, { path });
  return parseSnapshot(text, format, opts);
}

/**
 * Decodes snapshot bytes (a file, an upload) as UTF-8. Invalid sequences are refused rather
 * than replaced with U+FFFD, which would silently alter identifiers.
 */
export function decodeSnapshotBytes(
  bytes: Uint8Array,
  source = 'the snapshot',
  details: Record<string, string | number> = {},
): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ZkAttestError('SNAPSHOT_PARSE', `${source} is not valid UTF-8`, details);
  }
}

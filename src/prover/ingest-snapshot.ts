/**
 * Onshore snapshot ingest: reads a custodian's CSV or JSON snapshot and validates it into a
 * Snapshot in circuit units.
 *
 * Privacy rule: every error names where the problem is (line/position, column) and what is
 * wrong, never the offending text. Snapshot values and identifiers must not leak through logs.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { z } from 'zod';
import { ZkAttestError } from '../common/errors';
import { assetIdOf } from './asset-id';
import { toMinorUnits } from './decimal-amount';
import type { Position, Snapshot } from './snapshot-types';

/** Default (and circuit) maximum number of positions in one snapshot. */
export const MAX_POSITIONS = 32;

/** The two accepted snapshot encodings. */
export type SnapshotFormat = 'csv' | 'json';

/** Options of parseSnapshot and loadSnapshotFile. */
export interface ParseSnapshotOptions {
  /** Largest accepted number of positions; defaults to MAX_POSITIONS. */
  maxPositions?: number;
}

const POSITION_COLUMNS = ['identifier', 'assetClass', 'value', 'haircutBps', 'yieldBps'] as const;
type PositionColumn = (typeof POSITION_COLUMNS)[number];

const METADATA_KEYS = ['asOf', 'liabilities', 'currency', 'decimals'] as const;
type MetadataKey = (typeof METADATA_KEYS)[number];

const DEFAULT_DECIMALS = 2;
const DEFAULT_CURRENCY = 'XXX';
const MAX_DECIMALS = 18;
const MAX_ASSET_CLASS = 15;
const MAX_HAIRCUT_BPS = 10000;
const MAX_YIELD_BPS = 65535;
const MAX_IDENTIFIER_LENGTH = 128;
const AMOUNT_LIMIT = 1n << 64n;
const MIN_AS_OF = 946684800; // 2000-01-01T00:00:00Z
const MAX_AS_OF = 2 ** 40 - 1;
const CURRENCY_PATTERN = /^[A-Z0-9]{3,12}$/;
// Up to 15 digits keeps Number() exact; range checks follow.
const UNSIGNED_INT_PATTERN = /^[0-9]{1,15}$/;
const ISO_TIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/;
// Keys and column names are schema, not data; still only echo ones that look like names.
const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;

/** What is wrong with a field, by column; amounts depend on the snapshot's decimals. */
const RULES: Readonly<Record<string, string>> = {
  identifier: `must be a non-empty string of at most ${MAX_IDENTIFIER_LENGTH} characters`,
  assetClass: `must be an integer from 0 to ${MAX_ASSET_CLASS}`,
  haircutBps: `must be an integer from 0 to ${MAX_HAIRCUT_BPS} (basis points)`,
  yieldBps: `must be an integer from 0 to ${MAX_YIELD_BPS} (basis points)`,
  asOf:
    'must be an ISO-8601 time with a timezone (e.g. 2026-11-20T00:00:00Z) or integer unix ' +
    'seconds, from 2000-01-01 to 2^40-1 seconds',
  currency: 'must be 3 to 12 characters from A-Z and 0-9',
  decimals: `must be an integer from 0 to ${MAX_DECIMALS}`,
  positions: 'must be an array of position objects',
};

function amountRule(decimals: number): string {
  return `must be a non-negative decimal with at most ${decimals} decimal places`;
}

const AMOUNT_RANGE_RULE = 'must be less than 2^64 minor units';
const JSON_AMOUNT_RULE =
  'must be a JSON string holding a non-negative decimal (numbers are refused: floats are inexact)';

/** Where a raw value sits: `place` is for people ("line 7"), `row` for programs. */
interface Where {
  row?: number;
  place: string;
}

const SNAPSHOT_WHERE: Where = { place: 'snapshot' };

interface RawField<T> {
  value: T;
  where: Where;
}

/** Integer fields arrive as text from CSV and as JSON numbers from JSON. */
type RawInt = string | number;

interface RawPosition {
  where: Where;
  identifier: string;
  assetClass: RawInt;
  value: string;
  haircutBps: RawInt;
  yieldBps: RawInt;
}

/** A snapshot as read, before any value is checked: the common input of validation. */
interface RawSnapshot {
  asOf: RawField<string | number>;
  liabilities: RawField<string>;
  currency?: RawField<string>;
  decimals?: RawField<RawInt>;
  positions: RawPosition[];
}

function fieldError(where: Where, column: string, problem: string): ZkAttestError {
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

function lineParseError(line: number, problem: string): ZkAttestError {
  return new ZkAttestError('SNAPSHOT_PARSE', `line ${line}: ${problem}`, { row: line });
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

// ---------------------------------------------------------------------------------------------
// CSV

/**
 * Splits one CSV line into fields: RFC 4180 quoting ("" escapes a quote, commas allowed inside
 * quotes), spaces tolerated around a quoted field. Newlines inside quotes are not supported so
 * that a row always is one physical line. A string result is the (content-free) error.
 */
function splitCsvLine(line: string): string[] | string {
  const fields: string[] = [];
  let start = 0;
  for (;;) {
    let cursor = start;
    while (line[cursor] === ' ' || line[cursor] === '\t') {
      cursor++;
    }
    if (line[cursor] === '"') {
      let value = '';
      cursor++;
      for (;;) {
        const quote = line.indexOf('"', cursor);
        if (quote < 0) {
          return 'unterminated quoted field';
        }
        value += line.slice(cursor, quote);
        cursor = quote + 1;
        if (line[cursor] !== '"') {
          break;
        }
        value += '"';
        cursor++;
      }
      while (line[cursor] === ' ' || line[cursor] === '\t') {
        cursor++;
      }
      if (cursor < line.length && line[cursor] !== ',') {
        return 'unexpected text after a closing quote';
      }
      fields.push(value);
      if (cursor >= line.length) {
        return fields;
      }
      start = cursor + 1;
    } else {
      const comma = line.indexOf(',', start);
      const value = line.slice(start, comma < 0 ? line.length : comma);
      if (value.includes('"')) {
        return 'quote inside an unquoted field';
      }
      fields.push(value);
      if (comma < 0) {
        return fields;
      }
      start = comma + 1;
    }
  }
}

interface CsvLayout {
  width: number;
  index: Record<PositionColumn, number>;
}

function readHeader(fields: string[], line: number): CsvLayout {
  const names = fields.map((name) => name.trim());
  for (const column of POSITION_COLUMNS) {
    if (names.indexOf(column) !== names.lastIndexOf(column)) {
      throw new ZkAttestError('SNAPSHOT_PARSE', `line ${line}: column ${column} appears twice`, {
        row: line,
        column,
      });
    }
  }
  const missing = POSITION_COLUMNS.filter((column) => !names.includes(column));
  if (missing.length > 0) {
    throw new ZkAttestError(
      'SNAPSHOT_MISSING_COLUMN',
      `line ${line}: header row lacks column(s) ${missing.join(', ')}`,
      { row: line, columns: missing.join(',') },
    );
  }
  const index = {} as Record<PositionColumn, number>;
  for (const column of POSITION_COLUMNS) {
    index[column] = names.indexOf(column);
  }
  // Extra columns (descriptions, internal refs) are allowed and ignored.
  return { width: names.length, index };
}

const METADATA_LINE_PATTERN = /^#\s*([A-Za-z][A-Za-z0-9_]*)\s*=(.*)$/;

function isMetadataKey(key: string): key is MetadataKey {
  return (METADATA_KEYS as readonly string[]).includes(key);
}

/** Records a `# key=value` line; other `#` lines are comments. */
function readMetadataLine(
  text: string,
  line: number,
  metadata: Partial<Record<MetadataKey, RawField<string>>>,
): void {
  const match = METADATA_LINE_PATTERN.exec(text.trim());
  if (match === null) {
    return;
  }
  const key = match[1];
  if (!isMetadataKey(key)) {
    // A typo such as "liabilites" must not be silently ignored.
    const name = NAME_PATTERN.test(key) ? ` ${key}` : '';
    throw lineParseError(line, `unknown metadata key${name}; expected ${METADATA_KEYS.join(', ')}`);
  }
  const previous = metadata[key];
  if (previous !== undefined) {
    throw lineParseError(line, `metadata ${key} repeats ${previous.where.place}`);
  }
  metadata[key] = { value: match[2].trim(), where: { row: line, place: `line ${line}` } };
}

function readCsv(text: string): RawSnapshot {
  // Physical lines, so reported row numbers match what an editor shows.
  const lines = stripBom(text).split(/\r\n|\n|\r/);
  const metadata: Partial<Record<MetadataKey, RawField<string>>> = {};
  const positions: RawPosition[] = [];
  let layout: CsvLayout | undefined;
  let sawContent = false;

  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const text = lines[i];
    if (text.trim() === '') {
      continue;
    }
    sawContent = true;
    if (text.trimStart().startsWith('#')) {
      if (layout !== undefined) {
        throw lineParseError(line, 'comment and metadata lines must come before the header row');
      }
      readMetadataLine(text, line, metadata);
      continue;
    }
    const fields = splitCsvLine(text);
    if (typeof fields === 'string') {
      throw lineParseError(line, fields);
    }
    if (layout === undefined) {
      layout = readHeader(fields, line);
      continue;
    }
    if (fields.length !== layout.width) {
      throw lineParseError(line, `has ${fields.length} fields, the header has ${layout.width}`);
    }
    const { index } = layout;
    positions.push({
      where: { row: line, place: `line ${line}` },
      identifier: fields[index.identifier],
      assetClass: fields[index.assetClass],
      value: fields[index.value],
      haircutBps: fields[index.haircutBps],
      yieldBps: fields[index.yieldBps],
    });
  }

  if (!sawContent) {
    throw new ZkAttestError('SNAPSHOT_EMPTY', 'snapshot file is empty');
  }
  if (layout === undefined) {
    throw new ZkAttestError(
      'SNAPSHOT_MISSING_COLUMN',
      `no header row; expected columns ${POSITION_COLUMNS.join(', ')}`,
      { columns: POSITION_COLUMNS.join(',') },
    );
  }
  const { asOf, liabilities } = metadata;
  if (asOf === undefined) {
    throw fieldError(SNAPSHOT_WHERE, 'asOf', "is required (a '# asOf=...' line before the header)");
  }
  if (liabilities === undefined) {
    throw fieldError(
      SNAPSHOT_WHERE,
      'liabilities',
      "is required (a '# liabilities=...' line before the header)",
    );
  }
  return { asOf, liabilities, currency: metadata.currency, decimals: metadata.decimals, positions };
}

// ---------------------------------------------------------------------------------------------
// JSON

// Types only: ranges are checked by the shared validation so both formats say the same thing.
// Amounts are strings so that JSON.parse never turns them into floats.
const jsonInteger = z.number().int();
const jsonPositionSchema = z.strictObject({
  identifier: z.string(),
  assetClass: jsonInteger,
  value: z.string(),
  haircutBps: jsonInteger,
  yieldBps: jsonInteger,
});
const jsonSnapshotSchema = z.strictObject({
  asOf: z.union([z.string(), jsonInteger]),
  currency: z.string().optional(),
  decimals: jsonInteger.optional(),
  liabilities: z.string(),
  positions: z.array(jsonPositionSchema),
});

function jsonRule(field: string): string {
  if (field === 'value' || field === 'liabilities') {
    return JSON_AMOUNT_RULE;
  }
  return RULES[field] ?? 'is invalid';
}

function unknownFieldError(where: Where, keys: readonly string[]): ZkAttestError {
  const key = keys[0] ?? '';
  const column = NAME_PATTERN.test(key) ? key : 'unknown';
  const details: Record<string, string | number> = { column };
  if (where.row !== undefined) {
    details.row = where.row;
  }
  return new ZkAttestError(
    'SNAPSHOT_INVALID_FIELD',
    `${where.place}: unknown field ${column === 'unknown' ? '(unprintable name)' : column}`,
    details,
  );
}

/** Turns a zod issue into a coded error from its path only (zod's text is never surfaced). */
function jsonIssueError(issue: z.core.$ZodIssue): ZkAttestError {
  const [top, index, field] = issue.path;
  if (top === undefined) {
    if (issue.code === 'unrecognized_keys') {
      return unknownFieldError(SNAPSHOT_WHERE, issue.keys);
    }
    return new ZkAttestError('SNAPSHOT_PARSE', 'snapshot JSON must be an object');
  }
  if (top === 'positions' && typeof index === 'number') {
    const where: Where = { row: index + 1, place: `position ${index + 1}` };
    if (field !== undefined) {
      return fieldError(where, String(field), jsonRule(String(field)));
    }
    if (issue.code === 'unrecognized_keys') {
      return unknownFieldError(where, issue.keys);
    }
    return new ZkAttestError(
      'SNAPSHOT_INVALID_FIELD',
      `${where.place}: must be an object with fields ${POSITION_COLUMNS.join(', ')}`,
      { row: where.row ?? 0, column: 'positions' },
    );
  }
  return fieldError(SNAPSHOT_WHERE, String(top), jsonRule(String(top)));
}

function readJson(text: string): RawSnapshot {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stripBom(text));
  } catch {
    // JSON.parse's message quotes the surrounding input, so it is not passed on.
    throw new ZkAttestError('SNAPSHOT_PARSE', 'snapshot is not well-formed JSON');
  }
  const result = jsonSnapshotSchema.safeParse(parsed);
  if (!result.success) {
    throw jsonIssueError(result.error.issues[0]);
  }
  const data = result.data;
  const where = SNAPSHOT_WHERE; // top-level fields have no row
  return {
    asOf: { value: data.asOf, where },
    liabilities: { value: data.liabilities, where },
    currency: data.currency === undefined ? undefined : { value: data.currency, where },
    decimals: data.decimals === undefined ? undefined : { value: data.decimals, where },
    positions: data.positions.map((position, i) => ({
      where: { row: i + 1, place: `position ${i + 1}` },
      ...position,
    })),
  };
}

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

function toPosition(raw: RawPosition, decimals: number): Position {
  const { where } = raw;
  // Surrounding spaces are formatting, not part of the identifier (and so not of the asset id).
  const identifier = raw.identifier.trim();
  if (identifier === '' || [...identifier].length > MAX_IDENTIFIER_LENGTH) {
    throw fieldError(where, 'identifier', RULES.identifier);
  }
  return {
    identifier,
    assetId: assetIdOf(identifier),
    assetClass: toInt(raw.assetClass, MAX_ASSET_CLASS, where, 'assetClass'),
    value: toAmount(raw.value, decimals, where, 'value'),
    haircutBps: toInt(raw.haircutBps, MAX_HAIRCUT_BPS, where, 'haircutBps'),
    yieldBps: toInt(raw.yieldBps, MAX_YIELD_BPS, where, 'yieldBps'),
  };
}

function validate(raw: RawSnapshot, maxPositions: number): Snapshot {
  let decimals = DEFAULT_DECIMALS;
  if (raw.decimals !== undefined) {
    const parsed = toBoundedInt(raw.decimals.value, MAX_DECIMALS);
    if (parsed === undefined) {
      throw fieldError(raw.decimals.where, 'decimals', RULES.decimals);
    }
    decimals = parsed;
  }
  const currency = raw.currency?.value ?? DEFAULT_CURRENCY;
  if (raw.currency !== undefined && !CURRENCY_PATTERN.test(currency)) {
    throw fieldError(raw.currency.where, 'currency', RULES.currency);
  }
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
  for (const rawPosition of raw.positions) {
    const position = toPosition(rawPosition, decimals);
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
  return { asOf, currency, decimals, liabilities, positions };
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
    raw = readCsv(text);
  } else if (format === 'json') {
    raw = readJson(text);
  } else {
    throw new ZkAttestError('SNAPSHOT_PARSE', 'snapshot format must be csv or json');
  }
  return validate(raw, maxPositions);
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
  let text: string;
  try {
    // Refuse invalid UTF-8 rather than let replacement characters alter identifiers.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ZkAttestError('SNAPSHOT_PARSE', `snapshot file ${path} is not valid UTF-8`, { path });
  }
  return parseSnapshot(text, format, opts);
}

/**
 * The mapping file of a custodian's own export: which column (CSV header) or field (JSON key)
 * holds each position field, how its numbers are written, which text names which asset class,
 * and the reporting unit. It is configuration, written once per export layout; the per-run
 * values (asOf, liabilities) come with each ingest (CLI flags, upload fields), since they
 * change with every snapshot and are not in a holdings export.
 *
 * Checked strictly (zod): every problem is MAPPING_INVALID naming the mapping field, and the
 * unit fields use the spec's CURRENCY_UNKNOWN / DECIMALS_OUT_OF_RANGE.
 */
import { z } from 'zod';
import { parseCurrency, parseDecimals } from '../../common/currency';
import { ZkAttestError } from '../../common/errors';
import {
  DECIMAL_SEPARATORS,
  THOUSANDS_SEPARATORS,
  type NumberFormat,
  type RateUnit,
} from './export-cells';
import { MAX_ASSET_CLASS, MAX_HAIRCUT_BPS, MAX_YIELD_BPS, NAME_PATTERN } from './snapshot-raw';

export const MAPPING_TYPE = 'zkattest.export-mapping/v1';

/** The position fields a mapping can place. */
export const MAPPED_FIELDS = [
  'identifier',
  'value',
  'haircut',
  'yield',
  'currency',
  'assetClass',
] as const;
export type MappedField = (typeof MAPPED_FIELDS)[number];

const columnName = z.string().trim().min(1).max(128);
const classNumber = z.number().int().min(0).max(MAX_ASSET_CLASS);
const rateUnit = z.enum(['bps', 'percent', 'fraction']);

const mappingSchema = z.strictObject({
  type: z.literal(MAPPING_TYPE),
  /** Field -> column (CSV header name) or key (JSON record). */
  columns: z.strictObject({
    identifier: columnName,
    value: columnName,
    haircut: columnName.optional(),
    yield: columnName.optional(),
    currency: columnName.optional(),
    assetClass: columnName.optional(),
  }),
  /** Constants for fields the export has no column for (canonical units: bps, class number). */
  defaults: z
    .strictObject({
      haircutBps: z.number().int().min(0).max(MAX_HAIRCUT_BPS).optional(),
      yieldBps: z.number().int().min(0).max(MAX_YIELD_BPS).optional(),
      assetClass: classNumber.optional(),
      currency: z.string().optional(),
    })
    .default({}),
  /** Text of the asset-class column -> class number (matched trimmed, case-insensitively). */
  assetClasses: z.record(z.string().trim().min(1).max(64), classNumber).optional(),
  numbers: z
    .strictObject({
      thousandsSeparator: z.enum(THOUSANDS_SEPARATORS).default(''),
      decimalSeparator: z.enum(DECIMAL_SEPARATORS).default('.'),
    })
    .default({ thousandsSeparator: '', decimalSeparator: '.' }),
  haircut: rateUnit.default('bps'),
  yield: rateUnit.default('bps'),
  /** The snapshot's unit: liabilities and the statement are in it. */
  reporting: z.strictObject({ currency: z.string(), decimals: z.number().optional() }),
  csv: z
    .strictObject({
      delimiter: z.enum([',', ';', '\t', '|']).default(','),
      /** The header's record number (1-based, blank lines not counted): skips a title block. */
      headerRow: z.number().int().min(1).max(100).default(1),
      /** Records to drop at the end (a totals row must never be read as a position). */
      footerRows: z.number().int().min(0).max(100).default(0),
    })
    .default({ delimiter: ',', headerRow: 1, footerRows: 0 }),
  json: z
    .strictObject({
      /** Dotted path to the array of records ("data.holdings"); the root when absent. */
      records: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,7}$/)
        .optional(),
    })
    .default({}),
});

/** A checked mapping. */
export interface ExportMapping {
  columns: Partial<Record<MappedField, string>> & { identifier: string; value: string };
  defaults: { haircutBps?: number; yieldBps?: number; assetClass?: number; currency?: string };
  /** Lower-cased trimmed text -> class number. */
  assetClasses?: ReadonlyMap<string, number>;
  numbers: NumberFormat;
  haircut: RateUnit;
  yield: RateUnit;
  reporting: { currency: string; decimals?: number };
  csv: { delimiter: string; headerRow: number; footerRows: number };
  json: { records?: string };
}

function mappingError(field: string, problem: string): ZkAttestError {
  return new ZkAttestError('MAPPING_INVALID', `mapping ${field} ${problem}`, { field });
}

/** A zod issue as MAPPING_INVALID, from its path only (zod's text may quote the input). */
function issueError(issue: z.core.$ZodIssue): ZkAttestError {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const where = path === '' ? 'top level' : path;
    return mappingError(
      where,
      `has an unknown field ${NAME_PATTERN.test(key) ? key : '(unprintable name)'}`,
    );
  }
  if (path === '') return mappingError('(root)', 'must be a JSON object');
  return mappingError(path, 'is missing or invalid (see the mapping format in the README)');
}

const DEFAULTED: Partial<Record<MappedField, keyof ExportMapping['defaults']>> = {
  haircut: 'haircutBps',
  yield: 'yieldBps',
  assetClass: 'assetClass',
  currency: 'currency',
};

/**
 * Checks a mapping (parsed JSON or its text) and returns it; throws MAPPING_INVALID (or
 * CURRENCY_UNKNOWN / DECIMALS_OUT_OF_RANGE for the unit fields) naming the mapping field.
 */
export function parseExportMapping(input: unknown): ExportMapping {
  let candidate = input;
  if (typeof input === 'string') {
    try {
      candidate = JSON.parse(input);
    } catch {
      throw mappingError('(file)', 'is not well-formed JSON');
    }
  }
  const result = mappingSchema.safeParse(candidate);
  if (!result.success) throw issueError(result.error.issues[0]!);
  const m = result.data;

  // Two fields from one column is a slip that would read, say, the value as the haircut.
  const byColumn = new Map<string, string>();
  for (const field of MAPPED_FIELDS) {
    const column = m.columns[field];
    if (column === undefined) continue;
    const other = byColumn.get(column);
    if (other !== undefined) {
      throw mappingError(`columns.${field}`, `names the same column as columns.${other}`);
    }
    byColumn.set(column, field);
  }
  // Each field has one source: its column, or a constant, or (currency) the reporting unit.
  for (const field of ['haircut', 'yield', 'assetClass'] as const) {
    const hasDefault = m.defaults[DEFAULTED[field]!] !== undefined;
    if (m.columns[field] === undefined && !hasDefault) {
      throw mappingError(`columns.${field}`, `is required (or a defaults.${DEFAULTED[field]})`);
    }
  }
  for (const [field, key] of Object.entries(DEFAULTED)) {
    if (m.columns[field as MappedField] !== undefined && m.defaults[key] !== undefined) {
      throw mappingError(`defaults.${key}`, `conflicts with columns.${field}: give one of the two`);
    }
  }
  if (m.numbers.thousandsSeparator === m.numbers.decimalSeparator) {
    throw mappingError('numbers', 'must use different thousands and decimal separators');
  }
  // A separator equal to the CSV delimiter is fine in quoted cells ("1,234.00"); unquoted, the
  // cell splits and the row's field count is refused.

  let assetClasses: Map<string, number> | undefined;
  if (m.assetClasses !== undefined) {
    if (m.columns.assetClass === undefined) {
      throw mappingError('assetClasses', 'needs columns.assetClass');
    }
    assetClasses = new Map();
    for (const [text, n] of Object.entries(m.assetClasses)) {
      const key = text.trim().toLowerCase();
      if (assetClasses.has(key)) {
        throw mappingError('assetClasses', 'names one text twice (matching ignores case)');
      }
      assetClasses.set(key, n);
    }
  }

  const reporting = {
    currency: parseCurrency(m.reporting.currency, 'mapping reporting.currency', {
      field: 'reporting.currency',
    }),
    ...(m.reporting.decimals === undefined
      ? {}
      : {
          decimals: parseDecimals(m.reporting.decimals, 'mapping reporting.decimals', {
            field: 'reporting.decimals',
          }),
        }),
  };
  const defaults = { ...m.defaults };
  if (defaults.currency !== undefined) {
    defaults.currency = parseCurrency(defaults.currency, 'mapping defaults.currency', {
      field: 'defaults.currency',
    });
  }
  return {
    columns: m.columns,
    defaults,
    ...(assetClasses === undefined ? {} : { assetClasses }),
    numbers: m.numbers,
    haircut: m.haircut,
    yield: m.yield,
    reporting,
    csv: m.csv,
    json: m.json,
  };
}

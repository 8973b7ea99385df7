/**
 * Ingest of a custodian's own export (CSV or JSON, its own column names, text asset classes,
 * its number format) through a mapping file (export-mapping.ts). Cells are converted to the
 * snapshot's raw form, then checked by the same validation as a native snapshot, so every
 * rule (ranges, duplicates, currencies) holds alike.
 *
 * Privacy rule: errors name line/record and field, never a cell.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { ZkAttestError } from '../../common/errors';
import { canonicalDecimal, exactJsonNumber, toBasisPoints } from './export-cells';
import { parseExportMapping, type ExportMapping } from './export-mapping';
import { readCsvExport, readJsonExport, type Cell, type ExportRecord } from './export-records';
import {
  MAX_POSITIONS,
  decodeSnapshotBytes,
  validateRawSnapshot,
  type ParseSnapshotOptions,
  type SnapshotFormat,
} from './ingest-snapshot';
import {
  SNAPSHOT_WHERE,
  fieldError,
  type RawInt,
  type RawPosition,
  type RawSnapshot,
  type Where,
} from './snapshot-raw';
import type { Snapshot } from './snapshot-types';

/** What each ingest brings besides the export: they change with every snapshot. */
export interface ExportRun {
  /** ISO-8601 time with a timezone, or unix seconds. */
  asOf?: string;
  /** Decimal in the reporting unit ("12500000.00": digits and "." only). */
  liabilities?: string;
}

/** The text of a cell, or undefined for a JSON value that is not a string or exact number. */
function cellText(cell: Cell): string | undefined {
  if (typeof cell === 'string') return cell;
  if (typeof cell === 'number') return exactJsonNumber(cell);
  return undefined;
}

function formatRule(mapping: ExportMapping): string {
  const { thousandsSeparator: t, decimalSeparator: d } = mapping.numbers;
  const grouping = t === '' ? 'no thousands separator' : `thousands separator ${JSON.stringify(t)}`;
  return `must be a non-negative number written with ${grouping} and decimal separator ${JSON.stringify(d)}`;
}

function toValue(cell: Cell, mapping: ExportMapping, where: Where): string {
  const text = cellText(cell);
  const decimal = text === undefined ? undefined : canonicalDecimal(text, mapping.numbers);
  if (decimal === undefined) throw fieldError(where, 'value', formatRule(mapping));
  return decimal;
}

function toBps(
  cell: Cell | undefined,
  field: 'haircut' | 'yield',
  fallback: number | undefined,
  mapping: ExportMapping,
  where: Where,
): RawInt {
  if (cell === undefined) return fallback!; // the mapping guarantees a column or a default
  const text = cellText(cell);
  const unit = mapping[field];
  const bps = text === undefined ? undefined : toBasisPoints(text, unit, mapping.numbers);
  if (bps === 'inexact') {
    throw fieldError(
      where,
      field,
      `is not a whole number of basis points (refused, never rounded)`,
    );
  }
  if (bps === undefined) {
    throw fieldError(where, field, `${formatRule(mapping)}, in ${unit}`);
  }
  return bps;
}

function toAssetClass(cell: Cell | undefined, mapping: ExportMapping, where: Where): RawInt {
  if (cell === undefined) return mapping.defaults.assetClass!;
  const text = cellText(cell);
  if (mapping.assetClasses === undefined) return text ?? ''; // a class number, checked later
  const n = text === undefined ? undefined : mapping.assetClasses.get(text.trim().toLowerCase());
  if (n === undefined) {
    throw new ZkAttestError(
      'MAPPING_INVALID',
      `${where.place}: assetClass is a text the mapping's assetClasses does not name`,
      { ...(where.row === undefined ? {} : { row: where.row }), column: 'assetClass' },
    );
  }
  return n;
}

function toRawPosition(record: ExportRecord, mapping: ExportMapping): RawPosition {
  const { where, cells } = record;
  const identifier = cellText(cells.identifier!);
  if (identifier === undefined) throw fieldError(where, 'identifier', 'must be text');
  const currencyCell = cells.currency ?? mapping.defaults.currency;
  let currency: string | undefined;
  if (currencyCell !== undefined) {
    // A non-text JSON value becomes '' so it is refused as CURRENCY_UNKNOWN, not defaulted.
    currency = typeof currencyCell === 'string' ? currencyCell : '';
  }
  return {
    where,
    identifier,
    value: toValue(cells.value!, mapping, where),
    haircutBps: toBps(cells.haircut, 'haircut', mapping.defaults.haircutBps, mapping, where),
    yieldBps: toBps(cells.yield, 'yield', mapping.defaults.yieldBps, mapping, where),
    assetClass: toAssetClass(cells.assetClass, mapping, where),
    ...(currency === undefined ? {} : { currency }),
  };
}

/**
 * Parses a custodian export with its mapping into a validated Snapshot; throws a coded
 * ZkAttestError (MAPPING_INVALID, SNAPSHOT_*, CURRENCY_UNKNOWN...) naming where, never what.
 */
export function parseExport(
  text: string,
  format: SnapshotFormat,
  mapping: ExportMapping,
  run: ExportRun,
  opts: ParseSnapshotOptions = {},
): Snapshot {
  const records = format === 'csv' ? readCsvExport(text, mapping) : readJsonExport(text, mapping);
  if (run.asOf === undefined) {
    throw fieldError(SNAPSHOT_WHERE, 'asOf', 'is required with a mapping (--as-of, or asOf)');
  }
  if (run.liabilities === undefined) {
    throw fieldError(
      SNAPSHOT_WHERE,
      'liabilities',
      'is required with a mapping (--liabilities, or liabilities)',
    );
  }
  const raw: RawSnapshot = {
    asOf: { value: run.asOf, where: SNAPSHOT_WHERE },
    liabilities: { value: run.liabilities, where: SNAPSHOT_WHERE },
    currency: { value: mapping.reporting.currency, where: SNAPSHOT_WHERE },
    ...(mapping.reporting.decimals === undefined
      ? {}
      : { decimals: { value: mapping.reporting.decimals, where: SNAPSHOT_WHERE } }),
    positions: records.map((r) => toRawPosition(r, mapping)),
  };
  return validateRawSnapshot(raw, opts.maxPositions ?? MAX_POSITIONS);
}

function readText(path: string, what: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unknown';
    throw new ZkAttestError('SNAPSHOT_PARSE', `cannot read ${what} ${path} (${reason})`, {
      path,
      reason,
    });
  }
  return decodeSnapshotBytes(bytes, `${what} ${path}`, { path });
}

/** Reads a mapping file and checks it. */
export function loadExportMapping(path: string): ExportMapping {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unknown';
    throw new ZkAttestError('MAPPING_INVALID', `cannot read mapping file ${path} (${reason})`, {
      path,
      reason,
    });
  }
  return parseExportMapping(text);
}

/** Reads a .csv or .json export (format from the extension) and ingests it through `mapping`. */
export function loadExportFile(
  path: string,
  mapping: ExportMapping,
  run: ExportRun,
  opts?: ParseSnapshotOptions,
): Snapshot {
  const extension = extname(path).toLowerCase();
  const format: SnapshotFormat | undefined =
    extension === '.csv' ? 'csv' : extension === '.json' ? 'json' : undefined;
  if (format === undefined) {
    throw new ZkAttestError('SNAPSHOT_PARSE', `export file must end in .csv or .json: ${path}`, {
      path,
    });
  }
  return parseExport(readText(path, 'export file'), format, mapping, run, opts);
}

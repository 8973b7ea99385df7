/**
 * The records of a custodian's export, by format: each a place (for errors) and the cells of
 * the mapped fields, read through the mapping's column names. Structure only; cell values are
 * converted in ingest-export.ts.
 *
 * Privacy rule: errors name record/line and the mapping field, never a cell.
 */
import { ZkAttestError } from '../../common/errors';
import { csvRecords } from './csv-records';
import { MAPPED_FIELDS, type ExportMapping, type MappedField } from './export-mapping';
import { MAX_JSON_DEPTH, nestingDepth } from './snapshot-json';
import { stripBom, type Where } from './snapshot-raw';

/** A cell as read: CSV text, or a JSON value (string, number, or anything else). */
export type Cell = string | number | boolean | null | object;

export interface ExportRecord {
  where: Where;
  /** Cell of each mapped field (fields without a column are absent). */
  cells: Partial<Record<MappedField, Cell>>;
}

function mappingAt(where: Where, field: string, problem: string): ZkAttestError {
  return new ZkAttestError('MAPPING_INVALID', `${where.place}: columns.${field} ${problem}`, {
    ...(where.row === undefined ? {} : { row: where.row }),
    column: field,
  });
}

function mappedColumns(mapping: ExportMapping): [MappedField, string][] {
  return MAPPED_FIELDS.flatMap((f) => {
    const column = mapping.columns[f];
    return column === undefined ? [] : [[f, column] as [MappedField, string]];
  });
}

/** The records of a CSV export: header found at csv.headerRow, footers dropped, blanks skipped. */
export function readCsvExport(text: string, mapping: ExportMapping): ExportRecord[] {
  const records = csvRecords(stripBom(text), mapping.csv.delimiter).filter((r) =>
    r.fields.some((f) => f.trim() !== ''),
  );
  const header = records[mapping.csv.headerRow - 1];
  if (header === undefined) {
    throw new ZkAttestError('SNAPSHOT_EMPTY', `the export has no record ${mapping.csv.headerRow}`);
  }
  const headerWhere: Where = { row: header.line, place: `line ${header.line}` };
  const names = header.fields.map((f) => f.trim());
  const index = new Map<MappedField, number>();
  for (const [field, column] of mappedColumns(mapping)) {
    const at = names.indexOf(column);
    if (at < 0) throw mappingAt(headerWhere, field, 'names a column the header row lacks');
    if (names.lastIndexOf(column) !== at) {
      throw mappingAt(headerWhere, field, 'names a column the header row has twice');
    }
    index.set(field, at);
  }
  const body = records.slice(mapping.csv.headerRow, records.length - mapping.csv.footerRows);
  return body.map(({ line, fields }) => {
    if (fields.length !== names.length) {
      throw new ZkAttestError(
        'SNAPSHOT_PARSE',
        `line ${line}: has ${fields.length} fields, the header has ${names.length}`,
        { row: line },
      );
    }
    const cells: ExportRecord['cells'] = {};
    for (const [field, at] of index) cells[field] = fields[at]!;
    return { where: { row: line, place: `line ${line}` }, cells };
  });
}

// A JSON number literal: its digits decide whether a double holds it exactly.
const NUMBER_LITERAL = /-?(?:0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE][+-]?[0-9]+)?/y;

/**
 * Refuses a JSON text holding a number a double cannot hold exactly (more than 15 significant
 * digits, or an exponent): JSON.parse would round it silently, and the rounded amount would
 * then pass as exact. Scans literals outside strings; names the line, not the number.
 */
function refuseInexactNumbers(text: string): void {
  let line = 1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      continue;
    }
    if (c !== '-' && (c < '0' || c > '9')) continue;
    NUMBER_LITERAL.lastIndex = i;
    const match = NUMBER_LITERAL.exec(text);
    if (match === null) continue; // malformed: JSON.parse refuses it
    const literal = match[0];
    const digits = literal
      .replace(/[eE].*$/, '')
      .replace(/[-.]/g, '')
      .replace(/^0+/, '');
    if (/[eE]/.test(literal) || digits.length > 15) {
      throw new ZkAttestError(
        'SNAPSHOT_PARSE',
        `line ${line}: a JSON number with an exponent or more than 15 significant digits ` +
          'is inexact; give it as a string',
        { row: line },
      );
    }
    i += literal.length - 1;
  }
}

/** The records of a JSON export: the array at json.records (the root when absent). */
export function readJsonExport(text: string, mapping: ExportMapping): ExportRecord[] {
  const clean = stripBom(text);
  if (nestingDepth(clean) > MAX_JSON_DEPTH) {
    throw new ZkAttestError(
      'SNAPSHOT_PARSE',
      `export JSON is nested deeper than ${MAX_JSON_DEPTH}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(clean);
  } catch {
    throw new ZkAttestError('SNAPSHOT_PARSE', 'the export is not well-formed JSON');
  }
  refuseInexactNumbers(clean);
  let records: unknown = parsed;
  for (const key of mapping.json.records?.split('.') ?? []) {
    records =
      records !== null && typeof records === 'object' && Object.hasOwn(records, key)
        ? (records as Record<string, unknown>)[key]
        : undefined;
  }
  if (!Array.isArray(records)) {
    throw new ZkAttestError('MAPPING_INVALID', 'mapping json.records does not lead to an array', {
      field: 'json.records',
    });
  }
  const columns = mappedColumns(mapping);
  return records.map((record: unknown, i) => {
    const where: Where = { row: i + 1, place: `record ${i + 1}` };
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new ZkAttestError('SNAPSHOT_PARSE', `${where.place}: must be a JSON object`, {
        row: i + 1,
      });
    }
    const cells: ExportRecord['cells'] = {};
    for (const [field, key] of columns) {
      if (!Object.hasOwn(record, key)) throw mappingAt(where, field, 'names a field it lacks');
      cells[field] = (record as Record<string, Cell>)[key]!;
    }
    return { where, cells };
  });
}

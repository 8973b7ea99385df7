/**
 * CSV snapshot reader: `# key=value` metadata lines, then a header row naming the position
 * columns, then one position per line. Reads only; values are checked by the shared validation.
 *
 * Privacy rule: errors name the line and what is wrong, never the offending text.
 */
import { ZkAttestError } from '../../common/errors';
import {
  NAME_PATTERN,
  OPTIONAL_POSITION_COLUMNS,
  POSITION_COLUMNS,
  SNAPSHOT_WHERE,
  fieldError,
  stripBom,
  type OptionalPositionColumn,
  type PositionColumn,
  type RawField,
  type RawPosition,
  type RawSnapshot,
} from './snapshot-raw';

const METADATA_KEYS = ['asOf', 'liabilities', 'currency', 'decimals'] as const;
type MetadataKey = (typeof METADATA_KEYS)[number];

function lineParseError(line: number, problem: string): ZkAttestError {
  return new ZkAttestError('SNAPSHOT_PARSE', `line ${line}: ${problem}`, { row: line });
}

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
  /** Index of each optional column the header has. */
  optional: Partial<Record<OptionalPositionColumn, number>>;
}

function readHeader(fields: string[], line: number): CsvLayout {
  const names = fields.map((name) => name.trim());
  for (const column of [...POSITION_COLUMNS, ...OPTIONAL_POSITION_COLUMNS]) {
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
  const optional: CsvLayout['optional'] = {};
  for (const column of OPTIONAL_POSITION_COLUMNS) {
    if (names.includes(column)) optional[column] = names.indexOf(column);
  }
  // Extra columns (descriptions, internal refs) are allowed and ignored.
  return { width: names.length, index, optional };
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

/**
 * Reads a CSV snapshot text into a RawSnapshot; throws a coded ZkAttestError when its structure
 * (quoting, metadata, header, field counts) is wrong. Field values are not checked here.
 */
export function readCsvSnapshot(text: string): RawSnapshot {
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
    const { index, optional } = layout;
    positions.push({
      ...(optional.currency === undefined ? {} : { currency: fields[optional.currency] }),
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

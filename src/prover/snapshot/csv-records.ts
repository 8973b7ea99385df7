/**
 * RFC 4180 CSV records of a whole text, as spreadsheet programs export them: quoted fields may
 * hold the delimiter, doubled quotes ("") and line breaks; records end in CRLF, LF or CR.
 * Unlike the snapshot reader's line splitter, a record may span lines (a quoted address or
 * note), so each record carries the physical line it starts on, for errors people can find.
 *
 * Privacy rule: errors name the line and what is wrong, never the text.
 */
import { ZkAttestError } from '../../common/errors';

/** One record: its fields (quotes removed) and the 1-based physical line it starts on. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

function parseError(line: number, problem: string): ZkAttestError {
  return new ZkAttestError('SNAPSHOT_PARSE', `line ${line}: ${problem}`, { row: line });
}

/**
 * Splits `text` into records. Fields are not trimmed (spaces are data to RFC 4180; callers
 * trim what they read). Text after a closing quote other than the delimiter or a line break,
 * a quote inside an unquoted field, and an unterminated quote are refused: each means the
 * file is not the CSV it claims to be, and guessing would shift cells between columns.
 */
export function csvRecords(text: string, delimiter = ','): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let atFieldStart = true;
  let line = 1;
  let recordLine = 1;
  const endField = () => {
    fields.push(field);
    field = '';
    atFieldStart = true;
  };
  const endRecord = () => {
    endField();
    records.push({ line: recordLine, fields });
    fields = [];
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' && atFieldStart) {
      // A quoted field: runs to the next quote that is not doubled.
      const openedOn = line;
      atFieldStart = false;
      i++;
      for (;;) {
        if (i >= text.length) throw parseError(openedOn, 'unterminated quoted field');
        const q = text[i]!;
        if (q === '"') {
          if (text[i + 1] !== '"') break;
          field += '"';
          i += 2;
          continue;
        }
        if (q === '\n' || (q === '\r' && text[i + 1] !== '\n')) line++;
        field += q;
        i++;
      }
      i++; // the closing quote
      const next = text[i];
      if (next !== undefined && next !== delimiter && next !== '\r' && next !== '\n') {
        throw parseError(line, 'unexpected text after a closing quote');
      }
      continue;
    }
    if (c === '"') throw parseError(line, 'quote inside an unquoted field');
    i++;
    if (c === delimiter) {
      endField();
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += c;
      atFieldStart = false;
    }
  }
  // A last record without a final line break (the break itself ends none).
  if (!atFieldStart || fields.length > 0) endRecord();
  return records;
}

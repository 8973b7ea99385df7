/**
 * JSON snapshot reader: one object with the snapshot fields and a `positions` array, checked
 * against a strict zod schema. Reads only; values are checked by the shared validation.
 *
 * Privacy rule: errors are built from the path of the problem only; neither JSON.parse's nor
 * zod's messages are passed on, as they may quote the input.
 */
import { z } from 'zod';
import { ZkAttestError } from '../../common/errors';
import {
  NAME_PATTERN,
  POSITION_COLUMNS,
  RULES,
  SNAPSHOT_WHERE,
  fieldError,
  stripBom,
  type RawSnapshot,
  type Where,
} from './snapshot-raw';

const JSON_AMOUNT_RULE =
  'must be a JSON string holding a non-negative decimal (numbers are refused: floats are inexact)';

// Types only: ranges are checked by the shared validation so both formats say the same thing.
// Amounts are strings so that JSON.parse never turns them into floats.
const jsonInteger = z.number().int();
const jsonPositionSchema = z.strictObject({
  identifier: z.string(),
  assetClass: jsonInteger,
  value: z.string(),
  haircutBps: jsonInteger,
  yieldBps: jsonInteger,
  currency: z.string().optional(),
});
const jsonSnapshotSchema = z.strictObject({
  asOf: z.union([z.string(), jsonInteger]),
  currency: z.string().optional(),
  // Any number: decimals out of 0..18 (2.5 too) is DECIMALS_OUT_OF_RANGE, checked in validation.
  decimals: z.number().optional(),
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

/** Deepest array/object nesting a snapshot may have (it needs 3: snapshot, positions, position). */
export const MAX_JSON_DEPTH = 16;

/**
 * The deepest array/object nesting of a JSON text, found without parsing it: bounds the work
 * and recursion anything downstream may spend on a hostile upload. Stops counting past the limit.
 */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length && deepest <= MAX_JSON_DEPTH; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/**
 * Reads a JSON snapshot text into a RawSnapshot; throws a coded ZkAttestError when it is not
 * well-formed JSON or does not have the snapshot's shape and types. Ranges are not checked here.
 */
export function readJsonSnapshot(text: string): RawSnapshot {
  if (nestingDepth(text) > MAX_JSON_DEPTH) {
    throw new ZkAttestError(
      'SNAPSHOT_PARSE',
      `snapshot JSON is nested deeper than ${MAX_JSON_DEPTH} levels`,
    );
  }
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

/**
 * Listing recorded attestations newest first, in stable pages, from per-field indexes: the
 * index names, their order, the cursor format and the walk both store implementations share.
 */
import { ZkAttestError } from '../../common/errors';
import type { AttestationFilter, AttestationRecord, Page, PageRequest } from './store-contracts';
import { checkInt } from './store-validation';
import { HEX64_PATTERN } from '../../common/ids';

/** Largest page a listing serves. */
export const MAX_LIST_LIMIT = 1000;
/** Index entries one list call may walk before it returns a short page with a cursor. */
export const LIST_SCAN_BUDGET = 2000;

/** The indexes a record belongs to: the global one and one per filterable field. */
export function recordIndexes(rec: AttestationRecord): string[] {
  return ['all', `setId:${rec.setId}`, `claim:${rec.claim}`, `commitment:${rec.commitment}`];
}

/** Newest-first order of index entries: recordedAt descending, then id descending. */
export function newestFirst(a: { ms: number; id: string }, b: { ms: number; id: string }): number {
  if (a.ms !== b.ms) return b.ms - a.ms;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Index primitives an implementation provides to the shared listing walk. */
export interface IndexSource {
  /** Number of entries in the index. */
  size(index: string): Promise<number>;
  /**
   * Up to `count` ids that follow `afterId` in the index, newest first (from the top without
   * `afterId`); undefined when `afterId` is not in the index.
   */
  after(index: string, afterId: string | undefined, count: number): Promise<string[] | undefined>;
  /** Records by id; undefined where absent. */
  records(ids: string[]): Promise<Array<AttestationRecord | undefined>>;
}

type IndexKind = 'all' | keyof AttestationFilter;
const FILTER_KINDS = ['commitment', 'setId', 'claim'] as const;

function badCursor(message: string): ZkAttestError {
  return new ZkAttestError('REQUEST_INVALID', message, { field: 'cursor' });
}

function encodeCursor(kind: IndexKind, id: string): string {
  return Buffer.from(`1|${kind}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { kind: IndexKind; id: string } {
  const [version, kind, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const kinds: readonly string[] = ['all', ...FILTER_KINDS];
  if (version !== '1' || !kinds.includes(kind) || !HEX64_PATTERN.test(id ?? '')) {
    throw badCursor('the cursor is not one this listing issued');
  }
  return { kind: kind as IndexKind, id };
}

/**
 * Lists through one index, newest first, filtering the other fields in code (indexes are never
 * intersected: under Redis Cluster they live in different slots). Without a cursor the smallest
 * matching index is walked; the cursor names that index, so every page of one listing walks the
 * same index even if another becomes smaller meanwhile. The cursor is the last id walked: an
 * index only grows, so "entries after this id" neither repeats nor skips an entry.
 */
export async function listFromIndexes(
  source: IndexSource,
  filter: AttestationFilter,
  page: PageRequest,
): Promise<Page<AttestationRecord>> {
  checkInt(page.limit, 'limit', 1, MAX_LIST_LIMIT);
  const present = FILTER_KINDS.filter((k) => filter[k] !== undefined);
  const indexOf = (kind: IndexKind) => (kind === 'all' ? 'all' : `${kind}:${filter[kind]}`);

  let kind: IndexKind;
  let after: string | undefined;
  if (page.cursor !== undefined) {
    ({ kind, id: after } = decodeCursor(page.cursor));
    const fits = present.length === 0 ? kind === 'all' : present.some((k) => k === kind);
    if (!fits) throw badCursor('the cursor belongs to a listing with other filters');
  } else if (present.length <= 1) {
    kind = present[0] ?? 'all';
  } else {
    // Most selective index first; ties keep FILTER_KINDS order, so the choice is deterministic.
    const sizes = await Promise.all(present.map((k) => source.size(indexOf(k))));
    kind = present[sizes.indexOf(Math.min(...sizes))];
  }
  const index = indexOf(kind);
  const residual = present.filter((k) => k !== kind);
  const matches = (r: AttestationRecord) => residual.every((k) => r[k] === filter[k]);

  const items: AttestationRecord[] = [];
  let walked = 0;
  for (;;) {
    const want = page.limit - items.length;
    // One id beyond what is needed tells whether a next page exists.
    const count = residual.length ? Math.min(200, Math.max(50, want + 1)) : want + 1;
    const ids = await source.after(index, after, count);
    if (ids === undefined) throw badCursor('the cursor does not belong to this listing');
    const records = await source.records(ids);
    for (let i = 0; i < ids.length; i++) {
      // `after` is always set here: limit and budget are at least 1, so an id was walked.
      if (items.length === page.limit || walked === LIST_SCAN_BUDGET) {
        return { items, nextCursor: encodeCursor(kind, after!) };
      }
      after = ids[i];
      walked++;
      const rec = records[i];
      if (rec && matches(rec)) items.push(rec);
    }
    if (ids.length < count) return { items };
  }
}

/**
 * Evidence from the egress log: an export for a regulator (JSONL) and a reconciliation against
 * what the offshore side recorded, including the log heads it recorded (anchors).
 *
 * Export format, one JSON object per line:
 *
 *   {"type":"zkattest.egress-evidence/v1","exportedAt":ISO,"entries":n,"chainOk":bool,
 *    "headHash":hex|null}
 *   {"seq":1,...,"prevHash":...,"hash":...}      one line per entry, oldest first
 *
 * `chainOk` is the result of verifyEgressChain at export time; a reader re-checks the chain
 * from the entry lines, and compares `headHash` with any copy anchored elsewhere (a deleted
 * tail leaves a valid, shorter chain).
 */
import { ZkAttestError } from '../../common/errors';
import { packageId, type AttestationPackage } from '../../common/attestation-package';
import { GENESIS_HEAD_HASH, isEgressHead, type EgressHead } from '../../common/egress-head';
import { verifyEgressChain, type EgressEntry, type EgressLog } from './egress-log';
import { HEX64_PATTERN } from '../../common/ids';

/** The `type` of the export's header line. */
export const EVIDENCE_TYPE = 'zkattest.egress-evidence/v1';

/** The export's header line. */
export interface EvidenceHeader {
  type: typeof EVIDENCE_TYPE;
  exportedAt: string;
  entries: number;
  chainOk: boolean;
  headHash: string | null;
  /** Index of the first bad entry when chainOk is false. */
  brokenAt?: number;
}

/** Formats `entries` (oldest first) as the JSONL evidence export. */
export function formatEvidence(
  entries: readonly EgressEntry[],
  exportedAt: Date = new Date(),
): string {
  const chain = verifyEgressChain(entries);
  const header: EvidenceHeader = {
    type: EVIDENCE_TYPE,
    exportedAt: exportedAt.toISOString(),
    entries: entries.length,
    chainOk: chain.ok,
    headHash: entries.length ? (entries[entries.length - 1]?.hash ?? null) : null,
    ...(chain.ok ? {} : { brokenAt: chain.brokenAt }),
  };
  return [header, ...entries].map((line) => JSON.stringify(line)).join('\n') + '\n';
}

/** Exports the whole log as JSONL evidence (see the module comment). */
export async function exportEvidence(log: EgressLog, exportedAt?: Date): Promise<string> {
  return formatEvidence(await log.list(), exportedAt);
}

/**
 * Reads an evidence export back and re-checks it: the chain over the entry lines, and the
 * header's count and head hash against them.
 *
 * @throws ZkAttestError EGRESS_LOG_INVALID when it is not an export.
 */
export function readEvidence(jsonl: string): {
  header: EvidenceHeader;
  entries: EgressEntry[];
  ok: boolean;
  brokenAt?: number;
} {
  const lines = jsonl.split('\n').filter((l) => l.length > 0);
  let parsed: unknown[];
  try {
    parsed = lines.map((l) => JSON.parse(l) as unknown);
  } catch {
    throw new ZkAttestError('EGRESS_LOG_INVALID', 'the evidence is not JSONL');
  }
  const header = parsed[0] as EvidenceHeader | undefined;
  if (!header || typeof header !== 'object' || header.type !== EVIDENCE_TYPE) {
    throw new ZkAttestError(
      'EGRESS_LOG_INVALID',
      `the first line is not a ${EVIDENCE_TYPE} header`,
    );
  }
  const entries = parsed.slice(1) as EgressEntry[];
  const chain = verifyEgressChain(entries);
  const head = entries.length ? (entries[entries.length - 1]?.hash ?? null) : null;
  const ok = chain.ok && header.entries === entries.length && header.headHash === head;
  return { header, entries, ok, ...(chain.ok ? {} : { brokenAt: chain.brokenAt }) };
}

/** Looks up whether the offshore API at `url` (the logged POST URL) holds the record `id`. */
export type FetchRecord = (url: string, id: string) => Promise<{ found: boolean }>;

/** One record the offshore side holds for an institution, as reconcile needs it. */
export interface AnchoredRecord {
  /** The record's id offshore. */
  id: string;
  /** The id of the package the record holds. */
  packageId: string;
  /** The egress head its envelope carried; absent when it carried none. */
  egressHead?: EgressHead;
}

/** Every record the offshore API at `baseUrl` holds from `institution`. */
export type ListRecords = (baseUrl: string, institution: string) => Promise<AnchoredRecord[]>;

/** One (endpoint, package) pair of the reconciliation. */
export interface ReconcileItem {
  destination: string;
  url: string;
  packageId: string;
  /** The offshore record id: the id of the statement the package proves. */
  statementId: string;
  /** The seqs of the log entries for this pair. */
  seqs: number[];
  /** Why it is listed (missing/unexpected/unchecked). */
  reason?: string;
}

/** An offshore record whose anchored head the log contradicts. */
export interface AnchorIssue {
  recordId: string;
  packageId: string;
  anchor: EgressHead;
  reason: string;
}

/** The log checked against the heads one offshore API recorded for one institution. */
export interface AnchorReport {
  /** The offshore API base URL. */
  offshore: string;
  institution: string;
  /** Records of this institution carrying a head: each was checked against the log. */
  checked: number;
  /** Heads at or past the log's end: its newest entries were deleted. */
  truncated: AnchorIssue[];
  /** Heads the log holds with another hash, or not followed by the package's intent. */
  rewritten: AnchorIssue[];
  /** Records of this institution without a head: sent by a path that bypassed this log. */
  unanchored: Array<{ recordId: string; packageId: string }>;
  /**
   * The newest anchored head's seq. Entries after it (at least the newest send's outcome) are
   * not anchored yet: their deletion shows only once a later send anchors a newer head.
   */
  newestAnchoredSeq: number | null;
  /** Set when the records could not be listed (nothing else is then known). */
  error?: string;
}

/** The reconciliation of the egress log with the offshore records. */
export interface ReconcileReport {
  /** The log's chain check (a broken chain makes the rest questionable). */
  chainOk: boolean;
  /** Logged as recorded/existing and found offshore. */
  matched: ReconcileItem[];
  /** Logged as recorded/existing but not found offshore. */
  missing: ReconcileItem[];
  /** Not logged as delivered (failed, rejected, no outcome) yet found offshore. */
  unexpected: ReconcileItem[];
  /** Could not be checked (the lookup failed). */
  unchecked: ReconcileItem[];
  /** One per (offshore API, institution): the anchored heads against the log. */
  anchors: AnchorReport[];
}

/** Where to check anchors: an offshore API base URL and the institution id it knows us by. */
export interface AnchorTarget {
  offshore: string;
  institution: string;
}

/** Options of {@link reconcile}. */
export interface ReconcileOptions {
  fetchRecord?: FetchRecord;
  listRecords?: ListRecords;
  /**
   * Anchor targets besides those the log's intents name (a log whose tail was deleted may no
   * longer name them: give the targets explicitly).
   */
  targets?: readonly AnchorTarget[];
}

/** Whether a report shows nothing wrong and nothing unchecked. */
export function reconcileClean(report: ReconcileReport): boolean {
  return (
    report.chainOk &&
    report.missing.length === 0 &&
    report.unexpected.length === 0 &&
    report.unchecked.length === 0 &&
    report.anchors.every(
      (a) =>
        !a.error &&
        a.truncated.length === 0 &&
        a.rewritten.length === 0 &&
        a.unanchored.length === 0,
    )
  );
}

/**
 * Reconciles the log (oldest first) with the offshore side, two ways.
 *
 * Per package: every (url, packageId) the log sent, once each; those logged as
 * recorded/existing must be found offshore (else `missing`); the others (failed, rejected, or
 * an intent with no outcome) are looked up too and, if found, listed as `unexpected`. A lookup
 * that throws lands in `unchecked`.
 *
 * Per anchor: every record the offshore API holds from the institution carries the head its
 * send followed; the log must hold that head at its seq and the package's intent right after
 * it. A head at or past the log's end means deleted newest entries (`truncated`); a head the
 * log holds differently means a rewritten chain (`rewritten`), even one re-hashed to verify.
 */
export async function reconcile(
  entries: readonly EgressEntry[],
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  const fetchRecord = options.fetchRecord ?? defaultFetchRecord();
  const listRecords = options.listRecords ?? defaultListRecords();
  const report: ReconcileReport = {
    chainOk: verifyEgressChain(entries).ok,
    matched: [],
    missing: [],
    unexpected: [],
    unchecked: [],
    anchors: [],
  };
  for (const { item, delivered, answered } of groupSends(entries)) {
    let found: boolean;
    try {
      found = (await fetchRecord(item.url, item.statementId)).found === true;
    } catch (err) {
      report.unchecked.push({ ...item, reason: err instanceof Error ? err.message : String(err) });
      continue;
    }
    if (delivered && found) report.matched.push(item);
    else if (delivered) report.missing.push({ ...item, reason: 'no offshore record' });
    else if (found) {
      const reason = answered
        ? 'recorded offshore, logged failed'
        : 'recorded offshore, no outcome logged';
      report.unexpected.push({ ...item, reason });
    }
  }
  for (const target of anchorTargets(entries, options.targets ?? [])) {
    report.anchors.push(await checkAnchors(entries, target, listRecords));
  }
  return report;
}

function groupSends(
  entries: readonly EgressEntry[],
): Array<{ item: ReconcileItem; delivered: boolean; answered: boolean }> {
  const groups = new Map<string, { item: ReconcileItem; delivered: boolean; answered: boolean }>();
  for (const e of entries) {
    if (e.kind === 'refusal') continue;
    const key = `${e.url}\n${e.packageId}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        item: {
          destination: e.destination,
          url: e.url,
          packageId: e.packageId,
          // Entries from before records were keyed by statement name the package's id.
          statementId: e.statementId ?? e.packageId,
          seqs: [],
        },
        delivered: false,
        answered: false,
      };
      groups.set(key, group);
    }
    group.item.seqs.push(e.seq);
    // `in`, not kind: entries written before intents existed carry an outcome and no kind.
    if ('outcome' in e) {
      group.answered = true;
      if (e.outcome === 'recorded' || e.outcome === 'existing') group.delivered = true;
    }
  }
  return [...groups.values()];
}

/** The given targets, then each (offshore API, institution) an intent names, once each. */
function anchorTargets(
  entries: readonly EgressEntry[],
  given: readonly AnchorTarget[],
): AnchorTarget[] {
  const out = new Map<string, AnchorTarget>();
  const add = (t: AnchorTarget) => {
    const offshore = withoutTrailingSlash(t.offshore);
    out.set(`${offshore}\n${t.institution}`, { offshore, institution: t.institution });
  };
  given.forEach(add);
  for (const e of entries) {
    if (e.kind === 'intent') {
      add({ offshore: e.url.replace(/\/v1\/attestations$/, ''), institution: e.institution });
    }
  }
  return [...out.values()];
}

async function checkAnchors(
  entries: readonly EgressEntry[],
  target: AnchorTarget,
  listRecords: ListRecords,
): Promise<AnchorReport> {
  const report: AnchorReport = {
    ...target,
    checked: 0,
    truncated: [],
    rewritten: [],
    unanchored: [],
    newestAnchoredSeq: null,
  };
  let records: AnchoredRecord[];
  try {
    records = await listRecords(target.offshore, target.institution);
  } catch (err) {
    return { ...report, error: err instanceof Error ? err.message : String(err) };
  }
  for (const record of records) {
    const anchor = record.egressHead;
    if (!anchor) {
      report.unanchored.push({ recordId: record.id, packageId: record.packageId });
      continue;
    }
    report.checked++;
    report.newestAnchoredSeq = Math.max(report.newestAnchoredSeq ?? 0, anchor.seq);
    const issue = (reason: string): AnchorIssue => ({
      recordId: record.id,
      packageId: record.packageId,
      anchor,
      reason,
    });
    // The intent follows its head at once (compare-and-append): it is entry seq + 1.
    const intent = entries[anchor.seq];
    if (!intent) {
      report.truncated.push(
        issue(
          `the log ends at seq ${entries.length}; this send's intent was seq ${anchor.seq + 1}`,
        ),
      );
      continue;
    }
    const held = anchor.seq === 0 ? GENESIS_HEAD_HASH : entries[anchor.seq - 1]?.hash;
    if (held !== anchor.hash) {
      report.rewritten.push(issue(`entry ${anchor.seq} is not the anchored head`));
    } else if (
      intent.kind !== 'intent' ||
      intent.prevHash !== anchor.hash ||
      intent.packageId !== record.packageId
    ) {
      report.rewritten.push(issue(`entry ${anchor.seq + 1} is not this package's intent`));
    }
  }
  return report;
}

/** How the default lookups reach the offshore API. */
export interface OffshoreReadOptions {
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** A GET of offshore JSON with a deadline; redirects refused (the logged URL is the one asked). */
function offshoreGetter(opts: OffshoreReadOptions): (url: string) => Promise<Response> {
  const fetchFn = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  return (url) =>
    fetchFn(url, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
}

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, '');

/**
 * The default lookup: GET `<url>/<id>` (url is the logged POST URL, `.../v1/attestations`).
 * 200 with the same id: found; 404: not found; anything else throws.
 */
export function defaultFetchRecord(opts: OffshoreReadOptions = {}): FetchRecord {
  const get = offshoreGetter(opts);
  return async (url, id) => {
    if (!HEX64_PATTERN.test(id)) throw new Error('not a record id');
    const res = await get(`${withoutTrailingSlash(url)}/${id}`);
    if (res.status === 404) {
      await res.text().catch(() => '');
      return { found: false };
    }
    if (res.status !== 200) throw new Error(`offshore answered ${res.status}`);
    const body = (await res.json()) as { id?: unknown };
    if (body.id !== id) throw new Error('offshore answered another record');
    return { found: true };
  };
}

const LIST_PAGE_LIMIT = 100;
const MAX_LIST_PAGES = 100_000;

/**
 * The default listing: pages through GET `<baseUrl>/v1/attestations` (newest first) and keeps
 * the records of `institution`. The API lists every institution's records (it has no
 * institution filter), so this reads them all: a reconcile costs one pass over the offshore
 * records.
 */
export function defaultListRecords(opts: OffshoreReadOptions = {}): ListRecords {
  const get = offshoreGetter(opts);
  return async (baseUrl, institution) => {
    const out: AnchoredRecord[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const query = new URLSearchParams({ limit: String(LIST_PAGE_LIMIT) });
      if (cursor) query.set('cursor', cursor);
      const res = await get(`${withoutTrailingSlash(baseUrl)}/v1/attestations?${query}`);
      if (res.status !== 200) throw new Error(`offshore listing answered ${res.status}`);
      const body = (await res.json()) as { items?: unknown; nextCursor?: unknown };
      if (!Array.isArray(body.items)) throw new Error('offshore listing has no items');
      for (const item of body.items as unknown[]) {
        const record = anchoredRecord(item);
        if (record && record.institution === institution) out.push(record.anchored);
      }
      if (typeof body.nextCursor !== 'string' || !body.nextCursor) return out;
      cursor = body.nextCursor;
    }
    throw new Error('offshore listing did not end');
  };
}

function anchoredRecord(
  item: unknown,
): { institution: string; anchored: AnchoredRecord } | undefined {
  if (item === null || typeof item !== 'object') return undefined;
  const r = item as {
    id?: unknown;
    institution?: unknown;
    package?: unknown;
    egressHead?: unknown;
  };
  if (typeof r.id !== 'string' || typeof r.institution !== 'string') return undefined;
  // The package's id is the hash of the package the record holds (its id may be keyed otherwise).
  const recordPackageId =
    r.package === undefined ? r.id : packageId(r.package as AttestationPackage);
  return {
    institution: r.institution,
    anchored: {
      id: r.id,
      packageId: recordPackageId,
      ...(isEgressHead(r.egressHead) ? { egressHead: r.egressHead } : {}),
    },
  };
}

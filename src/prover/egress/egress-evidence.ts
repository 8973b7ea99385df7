/**
 * Evidence from the egress log: an export for a regulator (JSONL) and a reconciliation against
 * what the offshore side recorded.
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
import { verifyEgressChain, type EgressEntry, type EgressLog } from './egress-log';

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

/** The reconciliation of the egress log with the offshore records. */
export interface ReconcileReport {
  /** The log's chain check (a broken chain makes the rest questionable). */
  chainOk: boolean;
  /** Logged as recorded/existing and found offshore. */
  matched: ReconcileItem[];
  /** Logged as recorded/existing but not found offshore. */
  missing: ReconcileItem[];
  /** Logged only as rejected/failed, yet found offshore (e.g. a timeout after it recorded). */
  unexpected: ReconcileItem[];
  /** Could not be checked (the lookup failed). */
  unchecked: ReconcileItem[];
}

/**
 * Checks every (url, packageId) the log has, once each: those logged as recorded/existing must
 * be found offshore (else `missing`); those logged only as rejected/failed are looked up too and,
 * if found, listed as `unexpected`. A lookup that throws lands in `unchecked`.
 */
export async function reconcile(
  entries: readonly EgressEntry[],
  fetchRecord: FetchRecord = defaultFetchRecord(),
): Promise<ReconcileReport> {
  const groups = new Map<string, { item: ReconcileItem; delivered: boolean }>();
  for (const e of entries) {
    const key = `${e.url}\n${e.packageId}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        item: {
          destination: e.destination,
          url: e.url,
          packageId: e.packageId,
          statementId: e.statementId,
          seqs: [],
        },
        delivered: false,
      };
      groups.set(key, group);
    }
    group.item.seqs.push(e.seq);
    if (e.outcome === 'recorded' || e.outcome === 'existing') group.delivered = true;
  }

  const report: ReconcileReport = {
    chainOk: verifyEgressChain(entries).ok,
    matched: [],
    missing: [],
    unexpected: [],
    unchecked: [],
  };
  for (const { item, delivered } of groups.values()) {
    let found: boolean;
    try {
      found = (await fetchRecord(item.url, item.statementId)).found === true;
    } catch (err) {
      report.unchecked.push({ ...item, reason: err instanceof Error ? err.message : String(err) });
      continue;
    }
    if (delivered && found) report.matched.push(item);
    else if (delivered) report.missing.push({ ...item, reason: 'no offshore record' });
    else if (found) report.unexpected.push({ ...item, reason: 'recorded offshore, logged failed' });
  }
  return report;
}

/**
 * The default lookup: GET `<url>/<id>` (url is the logged POST URL, `.../v1/attestations`).
 * 200 with the same id: found; 404: not found; anything else throws.
 */
export function defaultFetchRecord(
  opts: { timeoutMs?: number; fetch?: typeof fetch } = {},
): FetchRecord {
  const fetchFn = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  return async (url, id) => {
    if (!/^[0-9a-f]{64}$/.test(id)) throw new Error('not a record id');
    const res = await fetchFn(`${url.replace(/\/+$/, '')}/${id}`, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
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

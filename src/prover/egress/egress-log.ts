/**
 * The egress log: every send offshore as an `intent` entry (logged before the bytes leave) and
 * an `outcome` entry (the answer), and every refused send as a `refusal` entry, hash-chained so
 * that an edited, inserted, reordered or deleted entry is detectable.
 *
 * Each entry's `hash` is SHA-256 over the canonical JSON (keys sorted) of the entry without
 * `hash`; that includes `prevHash`, the previous entry's `hash` ({@link GENESIS_HEAD_HASH} for the
 * first). `seq` counts from 1 with no gaps. Deleting the newest entries, or rewriting entries
 * and re-hashing the chain after them, leaves a valid chain: that is caught by the anchors, the
 * head each intent follows, which travels signed in the envelope and is recorded offshore
 * (common/egress-head.ts; `reconcile` in egress-evidence.ts compares).
 *
 * Redis layout (P = keyPrefix, default "zkattest:"): one key, so it works on Redis Cluster.
 *
 *   P egress    list    one entry's JSON per element, oldest first (RPUSH)
 *
 * Append is a compare-and-append Lua script on that key: it pushes the new entry only if the
 * list still has seq - 1 elements and its last element's hash is the new entry's prevHash;
 * otherwise the caller re-reads the head and retries. Concurrent appenders therefore never fork
 * the chain.
 */
import {
  createRedisClient,
  isRedisConnection,
  type RedisConnection,
  type RedisTarget,
} from '../../common/redis-client';
import { guardedRedis, type RedisClientOptions } from '../../common/redis-connection';
import { ZkAttestError } from '../../common/errors';
import { canonicalJson, sha256Hex } from '../../common/hash';
import { GENESIS_HEAD_HASH, type EgressHead } from '../../common/egress-head';
import { CONFIG_NAME_PATTERN, HEX64_PATTERN } from '../../common/ids';
import {
  MIN_RETENTION_YEARS,
  exportBasisSchema,
  onshoreAnchorSchema,
  retainUntil,
  type ExportEvidence,
  type OnshoreAnchor,
} from './export-basis';

/** What happened to one delivery: see {@link EgressOutcomeInput.outcome}. */
export type EgressOutcome = 'recorded' | 'existing' | 'rejected' | 'failed';

/** Every {@link EgressOutcome}, for runtime checks. */
export const EGRESS_OUTCOMES: readonly EgressOutcome[] = [
  'recorded',
  'existing',
  'rejected',
  'failed',
];

/** Why a send was refused before anything left (see {@link EgressRefusalInput}). */
export type EgressRefusalReason =
  'unknown-destination' | 'guard' | 'leak' | 'leak-scan-unavailable' | 'key';

/** Every {@link EgressRefusalReason}, for runtime checks. */
export const EGRESS_REFUSAL_REASONS: readonly EgressRefusalReason[] = [
  'unknown-destination',
  'guard',
  'leak',
  'leak-scan-unavailable',
  'key',
];

/**
 * Logged before the bytes leave: if it cannot be logged, nothing is sent. Its prevHash is the
 * egress head the envelope carries (the bytes include it, so the intent cannot commit to its
 * own hash).
 */
export interface EgressIntentInput {
  kind: 'intent';
  /** Configured destination name. */
  destination: string;
  /** The exact URL the bytes are POSTed to. */
  url: string;
  /** The institution id the envelope names (its kid): whose records offshore to reconcile. */
  institution: string;
  /** When the intent was logged (ISO 8601). */
  at: string;
  /** The package id (SHA-256 of its canonical JSON). */
  packageId: string;
  /** The id of the statement it proves: the offshore record id (common/statement-id.ts). */
  statementId: string;
  /** SHA-256 (hex) of the exact HTTP request body bytes. */
  sha256: string;
  /** Length of that body in bytes. */
  bytes: number;
}

/** Logged once the offshore side answered (or did not). */
export interface EgressOutcomeInput {
  kind: 'outcome';
  /** The seq of the intent this entry closes. */
  intentSeq: number;
  destination: string;
  url: string;
  /** When the answer came (ISO 8601). */
  at: string;
  packageId: string;
  statementId: string;
  /** The intent's sha256: the bytes this answer is about. */
  sha256: string;
  bytes: number;
  /** The HTTP status answered; 0 when no answer came (network error, timeout). */
  httpStatus: number;
  /**
   * recorded: 201, the offshore side recorded it now; existing: 200, it already had it;
   * rejected: a 4xx refusal; failed: no answer, a 5xx or an unexpected status.
   */
  outcome: EgressOutcome;
}

/** What a refusal logs as the destination when the name asked for is not a name. */
export const INVALID_DESTINATION = '(invalid)';

/** Logged when a send is refused before anything leaves; names no refused content. */
export interface EgressRefusalInput {
  kind: 'refusal';
  /** The destination asked for ({@link INVALID_DESTINATION} when it is not a name). */
  destination: string;
  at: string;
  reason: EgressRefusalReason;
  /** The package id, when the candidate passed the guard. */
  packageId?: string;
}

/**
 * Export evidence (export-basis.ts), on every entry when the custodian configured a basis:
 * the basis and the entry's retention date; on intents and outcomes, the onshore anchor of the
 * snapshot the package proves, when the service knows it. Inside the hash like every field.
 */
export type EgressEvidenceFields = Partial<ExportEvidence> & { onshoreAnchor?: OnshoreAnchor };

/** The caller's part of an entry; the log adds `seq`, `prevHash` and `hash`. */
export type EgressEntryInput = (EgressIntentInput | EgressOutcomeInput | EgressRefusalInput) &
  EgressEvidenceFields;

/** What the log adds to each entry. */
export interface EgressChainFields {
  /** 1, 2, 3, ... in append order. */
  seq: number;
  /** The previous entry's hash, {@link GENESIS_HEAD_HASH} for the first. */
  prevHash: string;
  /** SHA-256 over the canonical JSON of this entry without `hash`. */
  hash: string;
}

/** One entry of the egress log. */
export type EgressEntry = EgressEntryInput & EgressChainFields;

/** An append-only, hash-chained egress log. */
export interface EgressLog {
  /** Appends `entry` at the head of the chain and returns it as stored. */
  append(entry: EgressEntryInput): Promise<EgressEntry>;
  /**
   * Appends the entry `build` makes for the current head. If another append moves the head
   * first, `build` runs again for the new head: the entry always names the head it follows.
   */
  appendAtHead(build: (head: EgressHead) => Promise<EgressEntryInput>): Promise<EgressEntry>;
  /** Every entry, oldest first, exactly as stored (not verified: see verifyEgressChain). */
  list(): Promise<EgressEntry[]>;
}

/** The prevHash of the first entry. */

/** The hash of an entry: SHA-256 over canonical JSON of every member except `hash`. */
export function egressEntryHash(entry: Omit<EgressEntry, 'hash'> | EgressEntry): string {
  const { hash: _hash, ...rest } = entry as EgressEntry;
  return sha256Hex(canonicalJson(rest));
}

/** The head an empty log, or one whose newest entry is `last`, has. */
export function headOf(last: EgressEntry | undefined): EgressHead {
  return last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS_HEAD_HASH };
}

function chainAt(input: EgressEntryInput, head: EgressHead): EgressEntry {
  const body = { ...checkInput(input), seq: head.seq + 1, prevHash: head.hash };
  return { ...body, hash: egressEntryHash(body as Omit<EgressEntry, 'hash'>) } as EgressEntry;
}

/**
 * Checks a chain, oldest first: seq 1, 2, 3, ...; each prevHash the previous hash (the first
 * {@link GENESIS_HEAD_HASH}); each hash recomputed. `brokenAt` is the index of the first bad entry.
 */
export function verifyEgressChain(entries: readonly EgressEntry[]): {
  ok: boolean;
  brokenAt?: number;
} {
  let prev = GENESIS_HEAD_HASH;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (
      !entry ||
      typeof entry !== 'object' ||
      entry.seq !== i + 1 ||
      entry.prevHash !== prev ||
      typeof entry.hash !== 'string' ||
      entry.hash !== egressEntryHash(entry)
    ) {
      return { ok: false, brokenAt: i };
    }
    prev = entry.hash;
  }
  return { ok: true };
}

/** The log in memory (tests, a one-shot CLI run). */
export class MemoryEgressLog implements EgressLog {
  private readonly entries: EgressEntry[] = [];

  append(input: EgressEntryInput): Promise<EgressEntry> {
    return this.appendAtHead(() => Promise.resolve(input));
  }

  async appendAtHead(build: (head: EgressHead) => Promise<EgressEntryInput>): Promise<EgressEntry> {
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      const head = headOf(this.entries[this.entries.length - 1]);
      const entry = chainAt(await build(head), head);
      // build may have awaited while another append moved the head: then build again.
      if (this.entries.length !== head.seq) continue;
      this.entries.push(entry);
      return { ...entry };
    }
    throw lostRace();
  }

  list(): Promise<EgressEntry[]> {
    return Promise.resolve(this.entries.map((e) => ({ ...e })));
  }
}

export type RedisEgressLogOptions = RedisClientOptions;

// Pushes ARGV[3] if the list has exactly ARGV[1] elements and the last one's hash is ARGV[2]
// (ARGV[1] = '0': the list is empty). 1 if pushed, 0 if the head moved (re-read and retry).
const COMPARE_AND_APPEND = `
  local n = redis.call('LLEN', KEYS[1])
  if n ~= tonumber(ARGV[1]) then return 0 end
  if n > 0 then
    local last = cjson.decode(redis.call('LINDEX', KEYS[1], -1))
    if last['hash'] ~= ARGV[2] then return 0 end
  end
  redis.call('RPUSH', KEYS[1], ARGV[3])
  return 1`;

const MAX_APPEND_ATTEMPTS = 50;
const LIST_PAGE = 1000;

type AppendFn = (key: string, count: string, prevHash: string, json: string) => Promise<number>;

/** The egress log on Redis at a target (URL or cluster nodes), or on a given ioredis client. */
export class RedisEgressLog implements EgressLog {
  private readonly redis: RedisConnection;
  private readonly owned: boolean;
  /** The Redis key of the log. */
  readonly key: string;

  constructor(urlOrClient: RedisTarget | RedisConnection, opts: RedisEgressLogOptions = {}) {
    this.key = `${opts.keyPrefix ?? 'zkattest:'}egress`;
    this.owned = !isRedisConnection(urlOrClient);
    this.redis = isRedisConnection(urlOrClient)
      ? urlOrClient
      : createRedisClient(urlOrClient, { onError: opts.onConnectionError });
    this.redis.defineCommand('zkEgressAppend', { numberOfKeys: 1, lua: COMPARE_AND_APPEND });
  }

  append(input: EgressEntryInput): Promise<EgressEntry> {
    return this.appendAtHead(() => Promise.resolve(input));
  }

  async appendAtHead(build: (head: EgressHead) => Promise<EgressEntryInput>): Promise<EgressEntry> {
    const append = (this.redis as unknown as { zkEgressAppend: AppendFn }).zkEgressAppend.bind(
      this.redis,
    );
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      const raw = await guardedRedis('egress head', () => this.redis.lindex(this.key, -1));
      const head = headOf(raw === null ? undefined : parseEntry(raw, -1));
      // build runs outside the Redis guard: its own errors (a bad key...) keep their codes.
      const entry = chainAt(await build(head), head);
      const pushed = await guardedRedis('egress append', () =>
        append(this.key, String(head.seq), head.hash, JSON.stringify(entry)),
      );
      if (Number(pushed) === 1) return entry;
    }
    throw lostRace();
  }

  async list(): Promise<EgressEntry[]> {
    return guardedRedis('egress list', async () => {
      const out: EgressEntry[] = [];
      for (let start = 0; ; start += LIST_PAGE) {
        const page = await this.redis.lrange(this.key, start, start + LIST_PAGE - 1);
        page.forEach((raw, i) => out.push(parseEntry(raw, start + i)));
        if (page.length < LIST_PAGE) return out;
      }
    });
  }

  /** Closes the connection if this log opened it. */
  async close(): Promise<void> {
    if (this.owned) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function lostRace(): ZkAttestError {
  return new ZkAttestError(
    'STORE_UNAVAILABLE',
    `egress append lost the race ${MAX_APPEND_ATTEMPTS} times`,
  );
}

/** Parses a stored entry; only its shape is checked here, its hash by verifyEgressChain. */
function parseEntry(raw: string, index: number): EgressEntry {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ZkAttestError('EGRESS_LOG_INVALID', `egress log element ${index} is not an entry`, {
      index,
    });
  }
  return value as EgressEntry;
}

/** Checks an entry input and returns exactly its members: nothing else rides into the log. */
function checkInput(input: EgressEntryInput): EgressEntryInput {
  const bad = (field: string): never => {
    throw new ZkAttestError('EGRESS_LOG_INVALID', `egress entry field ${field} is invalid`, {
      field,
    });
  };
  const text = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= 2048;
  const check = (ok: boolean, field: string) => {
    if (!ok) bad(field);
  };
  check(input !== null && typeof input === 'object', 'entry');
  check(text(input.at) && !Number.isNaN(Date.parse(input.at)), 'at');
  const evidence = checkEvidence(input, check);
  const named =
    typeof input.destination === 'string' && CONFIG_NAME_PATTERN.test(input.destination);
  const refusal = input.kind === 'refusal';
  check(named || (refusal && input.destination === INVALID_DESTINATION), 'destination');
  if (input.kind === 'refusal') {
    check(EGRESS_REFUSAL_REASONS.includes(input.reason), 'reason');
    check(
      input.packageId === undefined || HEX64_PATTERN.test(String(input.packageId)),
      'packageId',
    );
    return {
      kind: 'refusal',
      destination: input.destination,
      at: input.at,
      reason: input.reason,
      ...(input.packageId === undefined ? {} : { packageId: input.packageId }),
      ...evidence,
    };
  }
  check(input.kind === 'intent' || input.kind === 'outcome', 'kind');
  check(text(input.url), 'url');
  check(HEX64_PATTERN.test(String(input.packageId)), 'packageId');
  check(HEX64_PATTERN.test(String(input.statementId)), 'statementId');
  check(HEX64_PATTERN.test(String(input.sha256)), 'sha256');
  check(Number.isSafeInteger(input.bytes) && input.bytes >= 0, 'bytes');
  const sent = {
    destination: input.destination,
    url: input.url,
    at: input.at,
    packageId: input.packageId,
    statementId: input.statementId,
    sha256: input.sha256,
    bytes: input.bytes,
    ...evidence,
    ...(input.onshoreAnchor ? { onshoreAnchor: input.onshoreAnchor } : {}),
  };
  check(
    input.onshoreAnchor === undefined || onshoreAnchorSchema.safeParse(input.onshoreAnchor).success,
    'onshoreAnchor',
  );
  if (input.kind === 'intent') {
    check(text(input.institution), 'institution');
    return { kind: 'intent', ...sent, institution: input.institution };
  }
  check(Number.isSafeInteger(input.intentSeq) && input.intentSeq > 0, 'intentSeq');
  check(
    Number.isInteger(input.httpStatus) && input.httpStatus >= 0 && input.httpStatus <= 599,
    'httpStatus',
  );
  check(EGRESS_OUTCOMES.includes(input.outcome), 'outcome');
  return {
    kind: 'outcome',
    intentSeq: input.intentSeq,
    ...sent,
    httpStatus: input.httpStatus,
    outcome: input.outcome,
  };
}

/**
 * The export basis and retention date of an entry: both or neither, the basis well-formed and
 * the date at least {@link MIN_RETENTION_YEARS} years after the entry. A refusal carries no
 * anchor (nothing left).
 */
function checkEvidence(
  input: EgressEntryInput,
  check: (ok: boolean, field: string) => void,
): Partial<ExportEvidence> {
  const { exportBasis, retainUntil: until } = input;
  check((exportBasis === undefined) === (until === undefined), 'retainUntil');
  if (input.kind === 'refusal') check(input.onshoreAnchor === undefined, 'onshoreAnchor');
  if (exportBasis === undefined || until === undefined) return {};
  check(exportBasisSchema.safeParse(exportBasis).success, 'exportBasis');
  check(
    typeof until === 'string' &&
      !Number.isNaN(Date.parse(until)) &&
      Date.parse(until) >= Date.parse(retainUntil(input.at, MIN_RETENTION_YEARS)),
    'retainUntil',
  );
  return { exportBasis, retainUntil: until };
}

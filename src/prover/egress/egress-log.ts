/**
 * The egress log: one entry per package sent (or attempted) offshore, hash-chained so that an
 * edited, inserted, reordered or deleted entry is detectable.
 *
 * Each entry's `hash` is SHA-256 over the canonical JSON (keys sorted) of the entry without
 * `hash`; that includes `prevHash`, the previous entry's `hash` ({@link GENESIS_HASH} for the
 * first). `seq` counts from 1 with no gaps. Deleting the newest entries leaves a valid shorter
 * chain: anchor the head hash elsewhere (the evidence export prints it) to catch that too.
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
import Redis from 'ioredis';
import {
  guardedRedis,
  REDIS_CONNECTION,
  type RedisClientOptions,
} from '../../common/redis-connection';
import { ZkAttestError } from '../../common/errors';
import { canonicalJson, sha256Hex } from '../../common/hash';

/** What happened to one egress: see {@link EgressEntry.outcome}. */
export type EgressOutcome = 'recorded' | 'existing' | 'rejected' | 'failed';

/** Every {@link EgressOutcome}, for runtime checks. */
export const EGRESS_OUTCOMES: readonly EgressOutcome[] = [
  'recorded',
  'existing',
  'rejected',
  'failed',
];

/** The caller's part of an entry; the log adds `seq`, `prevHash` and `hash`. */
export interface EgressEntryInput {
  /** Configured destination name. */
  destination: string;
  /** The exact URL the bytes were POSTed to. */
  url: string;
  /** When the request was sent (ISO 8601). */
  at: string;
  /** The package id (SHA-256 of its canonical JSON). */
  packageId: string;
  /** The id of the statement it proves: the offshore record id (common/statement-id.ts). */
  statementId: string;
  /** SHA-256 (hex) of the exact HTTP request body bytes sent. */
  sha256: string;
  /** Length of that body in bytes. */
  bytes: number;
  /** The HTTP status answered; 0 when no answer came (network error, timeout). */
  httpStatus: number;
  /**
   * recorded: 201, the offshore side recorded it now; existing: 200, it already had it;
   * rejected: a 4xx refusal; failed: no answer, a 5xx or an unexpected status.
   */
  outcome: EgressOutcome;
}

/** One entry of the egress log. */
export interface EgressEntry extends EgressEntryInput {
  /** 1, 2, 3, ... in append order. */
  seq: number;
  /** The previous entry's hash, {@link GENESIS_HASH} for the first. */
  prevHash: string;
  /** SHA-256 over the canonical JSON of this entry without `hash`. */
  hash: string;
}

/** An append-only, hash-chained egress log. */
export interface EgressLog {
  /** Appends `entry` at the head of the chain and returns it as stored. */
  append(entry: EgressEntryInput): Promise<EgressEntry>;
  /** Every entry, oldest first, exactly as stored (not verified: see verifyEgressChain). */
  list(): Promise<EgressEntry[]>;
}

/** The prevHash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

const HEX64 = /^[0-9a-f]{64}$/;

/** The hash of an entry: SHA-256 over canonical JSON of every member except `hash`. */
export function egressEntryHash(entry: Omit<EgressEntry, 'hash'> | EgressEntry): string {
  const { hash: _hash, ...rest } = entry as EgressEntry;
  return sha256Hex(canonicalJson(rest));
}

/** Builds the entry that follows `head` (undefined for an empty log). */
export function chainEntry(input: EgressEntryInput, head: EgressEntry | undefined): EgressEntry {
  const checked = checkInput(input);
  const body: Omit<EgressEntry, 'hash'> = {
    seq: head ? head.seq + 1 : 1,
    ...checked,
    prevHash: head ? head.hash : GENESIS_HASH,
  };
  return { ...body, hash: egressEntryHash(body) };
}

/**
 * Checks a chain, oldest first: seq 1, 2, 3, ...; each prevHash the previous hash (the first
 * {@link GENESIS_HASH}); each hash recomputed. `brokenAt` is the index of the first bad entry.
 */
export function verifyEgressChain(entries: readonly EgressEntry[]): {
  ok: boolean;
  brokenAt?: number;
} {
  let prev = GENESIS_HASH;
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
    const entry = chainEntry(input, this.entries[this.entries.length - 1]);
    this.entries.push(entry);
    return Promise.resolve({ ...entry });
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

/** The egress log on Redis at `url` (redis://, rediss://), or on a given ioredis client. */
export class RedisEgressLog implements EgressLog {
  private readonly redis: Redis;
  private readonly owned: boolean;
  /** The Redis key of the log. */
  readonly key: string;

  constructor(urlOrClient: string | Redis, opts: RedisEgressLogOptions = {}) {
    this.key = `${opts.keyPrefix ?? 'zkattest:'}egress`;
    this.owned = typeof urlOrClient === 'string';
    this.redis =
      typeof urlOrClient === 'string' ? new Redis(urlOrClient, REDIS_CONNECTION) : urlOrClient;
    if (this.owned) this.redis.on('error', (err: Error) => opts.onConnectionError?.(err));
    this.redis.defineCommand('zkEgressAppend', { numberOfKeys: 1, lua: COMPARE_AND_APPEND });
  }

  async append(input: EgressEntryInput): Promise<EgressEntry> {
    return guardedRedis('egress append', async () => {
      const append = (this.redis as unknown as { zkEgressAppend: AppendFn }).zkEgressAppend.bind(
        this.redis,
      );
      for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
        const raw = await this.redis.lindex(this.key, -1);
        const head = raw === null ? undefined : parseEntry(raw, -1);
        const entry = chainEntry(input, head);
        const pushed = await append(
          this.key,
          String(head ? head.seq : 0),
          head ? head.hash : GENESIS_HASH,
          JSON.stringify(entry),
        );
        if (Number(pushed) === 1) return entry;
      }
      throw new ZkAttestError(
        'STORE_UNAVAILABLE',
        `egress append lost the race ${MAX_APPEND_ATTEMPTS} times`,
      );
    });
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

function checkInput(input: EgressEntryInput): EgressEntryInput {
  const bad = (field: string): never => {
    throw new ZkAttestError('EGRESS_LOG_INVALID', `egress entry field ${field} is invalid`, {
      field,
    });
  };
  const text = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= 2048;
  if (!text(input.destination)) bad('destination');
  if (!text(input.url)) bad('url');
  if (!text(input.at) || Number.isNaN(Date.parse(input.at))) bad('at');
  if (!HEX64.test(String(input.packageId))) bad('packageId');
  if (!HEX64.test(String(input.statementId))) bad('statementId');
  if (!HEX64.test(String(input.sha256))) bad('sha256');
  if (!Number.isSafeInteger(input.bytes) || input.bytes < 0) bad('bytes');
  if (!Number.isInteger(input.httpStatus) || input.httpStatus < 0 || input.httpStatus > 599) {
    bad('httpStatus');
  }
  if (!EGRESS_OUTCOMES.includes(input.outcome)) bad('outcome');
  // Exactly the input members: nothing else rides into the log.
  return {
    destination: input.destination,
    url: input.url,
    at: input.at,
    packageId: input.packageId,
    statementId: input.statementId,
    sha256: input.sha256,
    bytes: input.bytes,
    httpStatus: input.httpStatus,
    outcome: input.outcome,
  };
}

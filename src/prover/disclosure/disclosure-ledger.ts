/**
 * The disclosure ledger: every claim admitted on a snapshot, append-only, with its canonical
 * parameters and time. Admission and the count rule are one atomic step, so two concurrent
 * requests cannot both take the last slot. A claim whose parameters are already in the ledger
 * reveals nothing new: it is recorded again (marked `repeat`) but consumes no budget.
 */
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { RedisConnection } from '../../common/redis-client';
import type { ClaimName, ClaimParams } from '../../claims';
import { guardedRedis } from '../../common/redis-connection';

export interface LedgerEntry {
  at: string;
  claim: ClaimName;
  /** The claim's parameters, canonical JSON (keys sorted), without `claim`. */
  params: string;
  /** True when the same parameters were admitted before (no budget consumed). */
  repeat: boolean;
  /** Who asked and the job, where known (the service). */
  user?: string;
  jobId?: string;
}

export type Admission = { admitted: true; repeat: boolean } | { admitted: false };

export interface DisclosureLedger {
  /**
   * Admits `params` on `snapshotId` unless `maxDistinct` distinct parameter sets of the claim
   * are already admitted (undefined: no limit), recording the entry in the same step.
   */
  admit(
    snapshotId: string,
    params: ClaimParams,
    maxDistinct: number | undefined,
    extra?: Pick<LedgerEntry, 'user' | 'jobId'>,
  ): Promise<Admission>;
  entries(snapshotId: string): Promise<LedgerEntry[]>;
}

/** The parameters without `claim`, keys sorted: one string per distinct claim. */
export function canonicalParams(params: ClaimParams): string {
  const { claim: _claim, ...rest } = params;
  const sorted = Object.fromEntries(
    Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  return JSON.stringify(sorted);
}

function entryOf(
  params: ClaimParams,
  repeat: boolean,
  extra: Pick<LedgerEntry, 'user' | 'jobId'>,
): LedgerEntry {
  return {
    at: new Date().toISOString(),
    claim: params.claim,
    params: canonicalParams(params),
    repeat,
    ...extra,
  };
}

/**
 * KEYS: entries list, distinct set, per-claim counts hash. ARGV: claim, member, max (0: none),
 * entry if new, entry if repeat. Returns 'new', 'repeat' or 'refused'.
 */
const ADMIT_SCRIPT = `
if redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 1 then
  redis.call('RPUSH', KEYS[1], ARGV[5])
  return 'repeat'
end
local max = tonumber(ARGV[3])
local n = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
if max > 0 and n >= max then return 'refused' end
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
redis.call('RPUSH', KEYS[1], ARGV[4])
return 'new'
`;

/** The service's ledger, in Redis beside its other state (persisted as Redis is). */
export class RedisDisclosureLedger implements DisclosureLedger {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix = 'zkattest:onshore:disclosure',
  ) {}

  /**
   * The start of a snapshot's three keys. The admission script touches all three, so on a
   * Redis Cluster they share a slot: the snapshot id is a hash tag there. One server keeps
   * the untagged keys, so ledgers recorded before stay in force.
   */
  private base(snapshotId: string): string {
    return this.redis.isCluster ? `${this.prefix}:{${snapshotId}}` : `${this.prefix}:${snapshotId}`;
  }

  async admit(
    snapshotId: string,
    params: ClaimParams,
    maxDistinct: number | undefined,
    extra: Pick<LedgerEntry, 'user' | 'jobId'> = {},
  ): Promise<Admission> {
    const base = this.base(snapshotId);
    const reply = await guardedRedis('disclosure admit', () =>
      this.redis.eval(
        ADMIT_SCRIPT,
        3,
        `${base}:entries`,
        `${base}:distinct`,
        `${base}:counts`,
        params.claim,
        `${params.claim}\n${canonicalParams(params)}`,
        String(maxDistinct ?? 0),
        JSON.stringify(entryOf(params, false, extra)),
        JSON.stringify(entryOf(params, true, extra)),
      ),
    );
    return reply === 'refused'
      ? { admitted: false }
      : { admitted: true, repeat: reply === 'repeat' };
  }

  async entries(snapshotId: string): Promise<LedgerEntry[]> {
    const rows = await guardedRedis('disclosure read', () =>
      this.redis.lrange(`${this.base(snapshotId)}:entries`, 0, -1),
    );
    return rows.map((row) => JSON.parse(row) as LedgerEntry);
  }
}

/**
 * The CLI's ledger: a JSON-lines file (next to the snapshot's secret file by default), one
 * entry per line with the snapshot it is about, appended and fsynced. One prover at a time:
 * it takes no lock (the CLI is one custodian's tool; the service is the shared path).
 */
export class FileDisclosureLedger implements DisclosureLedger {
  constructor(private readonly path: string) {}

  private all(): (LedgerEntry & { snapshot: string })[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as LedgerEntry & { snapshot: string });
  }

  admit(
    snapshotId: string,
    params: ClaimParams,
    maxDistinct: number | undefined,
    extra: Pick<LedgerEntry, 'user' | 'jobId'> = {},
  ): Promise<Admission> {
    const mine = this.all().filter((e) => e.snapshot === snapshotId && e.claim === params.claim);
    const repeat = mine.some((e) => e.params === canonicalParams(params));
    const distinct = new Set(mine.map((e) => e.params)).size;
    if (!repeat && maxDistinct !== undefined && distinct >= maxDistinct) {
      return Promise.resolve({ admitted: false });
    }
    const line = JSON.stringify({ snapshot: snapshotId, ...entryOf(params, repeat, extra) });
    const fd = openSync(this.path, 'a', 0o600);
    try {
      writeSync(fd, `${line}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return Promise.resolve({ admitted: true, repeat });
  }

  entries(snapshotId: string): Promise<LedgerEntry[]> {
    return Promise.resolve(
      this.all()
        .filter((e) => e.snapshot === snapshotId)
        .map(({ snapshot: _s, ...e }) => e),
    );
  }
}

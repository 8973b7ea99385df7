/**
 * The vault store on Redis (ioredis 5).
 *
 * Key layout (P = keyPrefix, default "zkattest:"). Every command and script touches exactly one
 * key, so the layout works unchanged on Redis Cluster (no {hash tags} needed):
 *
 *   P vault:<id>      string  the encrypted record (written with SET NX; rotation swaps it
 *                             with a compare-and-swap script)
 *   P vault-index     set     every id (SMEMBERS/SSCAN for listing: no cluster-wide SCAN)
 *
 * The id joins the index before the record is written: a crash in between leaves an id
 * without a record, which listing skips, rather than a record no listing (and no rotation)
 * would ever find.
 */
import {
  closeRedisClient,
  createRedisClient,
  isRedisConnection,
  type RedisConnection,
  type RedisTarget,
} from '../../common/redis-client';
import { guardedRedis, type RedisClientOptions } from '../../common/redis-connection';
import { ZkAttestError } from '../../common/errors';
import { VAULT_ID_PATTERN, type VaultStore, type VaultStoreEntry } from './vault-store';

export type RedisVaultStoreOptions = RedisClientOptions;

// Replaces KEYS[1] with ARGV[2] only if it currently holds exactly ARGV[1].
const COMPARE_AND_SWAP = `
  if redis.call('GET', KEYS[1]) == ARGV[1] then
    redis.call('SET', KEYS[1], ARGV[2])
    return 1
  end
  return 0`;

const SCAN_PAGE = 100;

function checkId(id: string): void {
  if (!VAULT_ID_PATTERN.test(id)) {
    throw new ZkAttestError('STORE_INVALID_ARGUMENT', 'a vault id is 1..64 of [A-Za-z0-9_-]');
  }
}

type CasFn = (key: string, expected: string, next: string) => Promise<number>;

/**
 * The vault store at a target (URL or cluster nodes; connects at once, lazily retried), or on a
 * given client (which close() leaves open).
 */
export class RedisVaultStore implements VaultStore {
  private readonly redis: RedisConnection;
  private readonly owned: boolean;
  private readonly prefix: string;

  constructor(urlOrClient: RedisTarget | RedisConnection, opts: RedisVaultStoreOptions = {}) {
    this.prefix = opts.keyPrefix ?? 'zkattest:';
    this.owned = !isRedisConnection(urlOrClient);
    this.redis = isRedisConnection(urlOrClient)
      ? urlOrClient
      : createRedisClient(urlOrClient, { onError: opts.onConnectionError });
    this.redis.defineCommand('zkVaultCas', { numberOfKeys: 1, lua: COMPARE_AND_SWAP });
  }

  /** The Redis key of an entry (for operators and tests). */
  keyOf(id: string): string {
    return `${this.prefix}vault:${id}`;
  }

  private get indexKey(): string {
    return `${this.prefix}vault-index`;
  }

  get(id: string): Promise<string | undefined> {
    return guardedRedis('get', async () => {
      checkId(id);
      return (await this.redis.get(this.keyOf(id))) ?? undefined;
    });
  }

  put(id: string, record: string, expected?: string): Promise<boolean> {
    return guardedRedis('put', async () => {
      checkId(id);
      if (expected !== undefined) {
        const cas = (this.redis as unknown as { zkVaultCas: CasFn }).zkVaultCas;
        return (await cas.call(this.redis, this.keyOf(id), expected, record)) === 1;
      }
      await this.redis.sadd(this.indexKey, id);
      return (await this.redis.set(this.keyOf(id), record, 'NX')) === 'OK';
    });
  }

  list(): Promise<string[]> {
    return guardedRedis('list', async () => {
      const ids = await this.redis.smembers(this.indexKey);
      const present = await Promise.all(ids.map((id) => this.redis.exists(this.keyOf(id))));
      return ids.filter((_, i) => present[i] === 1);
    });
  }

  async *scan(): AsyncIterable<VaultStoreEntry> {
    // SSCAN may return an id twice (when the set is rehashed between pages).
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, ids] = await guardedRedis('scan', () =>
        this.redis.sscan(this.indexKey, cursor, 'COUNT', SCAN_PAGE),
      );
      cursor = next;
      const fresh = [...new Set(ids)].filter((id) => !seen.has(id));
      fresh.forEach((id) => seen.add(id));
      // One GET per id (single-key commands for Cluster); ioredis pipelines them.
      const records = await guardedRedis('scan', () =>
        Promise.all(fresh.map((id) => this.redis.get(this.keyOf(id)))),
      );
      for (let i = 0; i < fresh.length; i++) {
        const record = records[i];
        if (record !== null) yield { id: fresh[i], record };
      }
    } while (cursor !== '0');
  }

  async close(): Promise<void> {
    if (this.owned) await closeRedisClient(this.redis);
  }
}

/**
 * The stores on Redis (ioredis).
 *
 * Key layout (P = keyPrefix, default "zkattest:"). Every command and every Lua script touches
 * exactly one key, so the layout works unchanged on Redis Cluster: no key needs to share a slot
 * with another, hence no {hash tags}. Where two keys are written in sequence, the write order
 * makes a crash in between harmless (see below).
 *
 *   P att:<id>                  string  {"w": write token, "r": AttestationRecord} (SET NX)
 *   P idx:all                   zset    every record id, score = recordedAt ms
 *   P idx:setId:<setId>         zset    ids by signer set, same score
 *   P idx:claim:<claim>         zset    ids by claim
 *   P idx:commitment:<commit>   zset    ids by snapshot commitment
 *   P chal:<nonce>              string  "fresh", then "used:c:<consumer>"|"used:t:<token>";
 *                                       EX = the challenge TTL
 *   P reg:institution:<id>      hash    id, name, alg, publicKeyJwk (JSON), registeredAt,
 *                                       revokedAt?
 *   P reg:institutions          set     registered institution ids
 *   P reg:key:<kind>:<keyId>    hash    FX sources (redis-key-registry.ts)
 *   P reg:keys:<kind>           set     their keyIds, per kind
 *   P reg:set:<setId>, reg:sets hash/set signer sets (redis-signer-sets.ts)
 *   P chain:<setId>             hash    a set's epoch chain and equivocation evidence
 *   P audit                     stream  one field "e" = the event's JSON; MAXLEN ~ 1,000,000
 *   P rl:<key>                  string  fixed-window counter; PEXPIRE = window
 *
 * Records: SET NX the record, then ZADD NX its four index entries. A crash between the steps
 * leaves a record no listing shows yet; the retried put finds the record and re-adds the
 * entries (ZADD is idempotent), so the indexes heal. Index members with equal scores are
 * ordered by id, which makes "newest first" a total order and pagination stable.
 *
 * Registry: the entity hash is written before the listing set, so a crash can only leave an
 * entity that `get` finds and `list` misses until the put is retried.
 */
import { randomBytes } from 'node:crypto';
import {
  closeRedisClient,
  createRedisClient,
  redisAnswers,
  whenRedisReady,
  type RedisTarget,
} from '../../common/redis-client';
import {
  guardedRedis as guardedCommands,
  storeUnavailable,
  type RedisClientOptions,
} from '../../common/redis-connection';
import {
  AUDIT_MAX_LENGTH,
  type AttestationRecord,
  type AuditEvent,
  type ChallengeState,
  type InstitutionEntry,
  type Stores,
} from './store-contracts';
import {
  checkInt,
  checkRecord,
  checkText,
  cleanAuditEvent,
  invalidArgument,
  isNonce,
  isoMs,
  newNonce,
  normalIso,
} from './store-validation';
import { listFromIndexes, recordIndexes } from './record-listing';
import { createRedisKeyRegistry } from './redis-key-registry';
import { createRedisSignerSets } from './redis-signer-sets';

export type RedisStoreOptions = RedisClientOptions;

/** Lua scripts, each on one key (KEYS[1]): atomic on a single node and in a cluster. */
const SCRIPTS = {
  // Up to ARGV[2] members after member ARGV[1] (from the top if ''), newest first; nil when
  // ARGV[1] is not in the set. Rank and range are read atomically, so no entry is skipped.
  zkListAfter: `
    local start = 0
    if ARGV[1] ~= '' then
      local rank = redis.call('ZREVRANK', KEYS[1], ARGV[1])
      if not rank then return false end
      start = rank + 1
    end
    return redis.call('ZREVRANGE', KEYS[1], start, start + tonumber(ARGV[2]) - 1)`,
  // Marks a fresh nonce used by ARGV[1], keeping its TTL so that reuse reads 'used' until it
  // expires. Returns '' if unknown, else the mark now stored (ours if we consumed it).
  zkConsume: `
    local v = redis.call('GET', KEYS[1])
    if not v then return '' end
    if v == 'fresh' then
      redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
      return ARGV[1]
    end
    return v`,
  // Sets revokedAt unless an earlier one is there (ISO strings in one format compare as
  // times); returns the revokedAt now in effect, '' if the entity does not exist.
  zkRevoke: `
    if redis.call('EXISTS', KEYS[1]) == 0 then return '' end
    local cur = redis.call('HGET', KEYS[1], 'revokedAt')
    if (not cur) or ARGV[1] < cur then
      redis.call('HSET', KEYS[1], 'revokedAt', ARGV[1])
      return ARGV[1]
    end
    return cur`,
  // INCR and the window's expiry in one step: a counter can never be left without a TTL.
  zkHit: `
    local n = redis.call('INCR', KEYS[1])
    local ttl = redis.call('PTTL', KEYS[1])
    if n == 1 or ttl < 0 then
      redis.call('PEXPIRE', KEYS[1], ARGV[1])
      ttl = tonumber(ARGV[1])
    end
    return {n, ttl}`,
} as const;

type ScriptName = keyof typeof SCRIPTS;
type ScriptFn = (key: string, ...args: Array<string | number>) => Promise<unknown>;

function parseJson<T>(raw: string, what: string): T {
  try {
    return JSON.parse(raw) as T;
  } catch (err) {
    throw storeUnavailable(`read ${what}`, err);
  }
}

/** The stored form of a record: the record and the token of the write that created it. */
interface StoredRecord {
  w: string;
  r: AttestationRecord;
}

const token = () => randomBytes(12).toString('base64url');

/** How long an operation waits for a connection under way before answering unavailable. */
export const STORE_WAIT_MS = 1500;

/**
 * The stores on the Redis at `url` (redis://, rediss://). Connects at once, reconnects in the
 * background. They sit on a request path, so they fail fast like the onshore service: a
 * request-profile client (no offline queue, no resend, 2 s command timeout), and each
 * operation waits at most STORE_WAIT_MS for a connection before STORE_UNAVAILABLE.
 */
export function createRedisStores(url: RedisTarget, opts: RedisStoreOptions = {}): Stores {
  const p = opts.keyPrefix ?? 'zkattest:';
  const redis = createRedisClient(url, { profile: 'request', onError: opts.onConnectionError });
  const guardedRedis = <T>(op: string, work: () => Promise<T>): Promise<T> =>
    guardedCommands(op, async () => {
      await whenRedisReady(redis, STORE_WAIT_MS);
      return work();
    });
  for (const [name, lua] of Object.entries(SCRIPTS)) {
    redis.defineCommand(name, { numberOfKeys: 1, lua });
  }
  // defineCommand adds methods ioredis' types cannot know about.
  const script = (name: ScriptName, key: string, ...args: Array<string | number>) =>
    (redis as unknown as Record<ScriptName, ScriptFn>)[name](key, ...args);

  const k = {
    att: (id: string) => `${p}att:${id}`,
    idx: (index: string) => `${p}idx:${index}`,
    chal: (nonce: string) => `${p}chal:${nonce}`,
    institution: (id: string) => `${p}reg:institution:${id}`,
    institutions: `${p}reg:institutions`,
    audit: `${p}audit`,
    rate: (key: string) => `${p}rl:${key}`,
  };

  async function readRecord(id: string): Promise<StoredRecord | undefined> {
    const raw = await redis.get(k.att(id));
    return raw === null ? undefined : parseJson<StoredRecord>(raw, 'record');
  }

  // Separate single-key commands rather than one MGET/MULTI, whose keys may live in different
  // cluster slots; ioredis writes them back to back, so they still share one round trip.
  async function addToIndexes(rec: AttestationRecord): Promise<void> {
    const ms = Date.parse(rec.recordedAt);
    await Promise.all(recordIndexes(rec).map((i) => redis.zadd(k.idx(i), 'NX', ms, rec.id)));
  }

  const attestations: Stores['attestations'] = {
    putIfAbsent: (rec) =>
      guardedRedis('putIfAbsent', async () => {
        checkRecord(rec);
        const mine: StoredRecord = { w: token(), r: rec };
        const raw = JSON.stringify(mine);
        let stored: StoredRecord;
        if ((await redis.set(k.att(rec.id), raw, 'NX')) === 'OK') {
          stored = JSON.parse(raw) as StoredRecord;
        } else {
          const found = await readRecord(rec.id);
          if (!found) throw storeUnavailable('putIfAbsent', new Error('the record vanished'));
          stored = found;
        }
        await addToIndexes(stored.r);
        // Our token in the stored record means our write won. (A SET whose reply was lost is
        // not resent: the caller heard 503, and its retry finds the record, created: false.)
        return { created: stored.w === mine.w, record: stored.r };
      }),
    get: (id) => guardedRedis('get', async () => (await readRecord(id))?.r),
    list: (filter, page) =>
      guardedRedis('list', () =>
        listFromIndexes(
          {
            size: (index) => redis.zcard(k.idx(index)),
            after: async (index, afterId, count) =>
              ((await script('zkListAfter', k.idx(index), afterId ?? '', count)) ?? undefined) as
                string[] | undefined,
            records: (ids) => Promise.all(ids.map(async (id) => (await readRecord(id))?.r)),
          },
          filter,
          page,
        ),
      ),
  };

  const challenges: Stores['challenges'] = {
    issue: (ttlSeconds) =>
      guardedRedis('issue', async () => {
        checkInt(ttlSeconds, 'ttlSeconds', 1, 7 * 24 * 3600);
        // NX: a (vanishingly unlikely) colliding nonce must not reset a live one.
        for (let attempt = 0; attempt < 3; attempt++) {
          const nonce = newNonce();
          if ((await redis.set(k.chal(nonce), 'fresh', 'EX', ttlSeconds, 'NX')) === 'OK') {
            return { nonce, expiresAt: new Date(Date.now() + ttlSeconds * 1000).toISOString() };
          }
        }
        throw storeUnavailable('issue', new Error('no free nonce'));
      }),
    consume: (nonce, consumer) =>
      guardedRedis('consume', async (): Promise<ChallengeState> => {
        if (consumer !== undefined) checkText(consumer, 'consumer', 256);
        if (!isNonce(nonce)) return 'unknown';
        // Without a consumer, a random per-call token: a resent script still recognises its mark.
        const mark = consumer === undefined ? `used:t:${token()}` : `used:c:${consumer}`;
        const found = (await script('zkConsume', k.chal(nonce), mark)) as string;
        return found === '' ? 'unknown' : found === mark ? 'ok' : 'used';
      }),
    peek: (nonce) =>
      guardedRedis('peek', async (): Promise<ChallengeState> => {
        if (!isNonce(nonce)) return 'unknown';
        const v = await redis.get(k.chal(nonce));
        return v === null ? 'unknown' : v === 'fresh' ? 'ok' : 'used';
      }),
  };

  const readInstitution = async (id: string): Promise<InstitutionEntry | undefined> => {
    const h = await redis.hgetall(k.institution(id));
    if (h.id === undefined) return undefined;
    const entry: InstitutionEntry = {
      id: h.id,
      name: h.name,
      alg: h.alg as InstitutionEntry['alg'],
      publicKeyJwk: parseJson<InstitutionEntry['publicKeyJwk']>(h.publicKeyJwk, 'institution'),
      registeredAt: h.registeredAt,
    };
    return h.revokedAt === undefined ? entry : { ...entry, revokedAt: h.revokedAt };
  };
  const byRegistration =
    <T extends { registeredAt: string }>(key: (e: T) => string) =>
    (a: T, b: T) =>
      Date.parse(a.registeredAt) - Date.parse(b.registeredAt) ||
      (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

  const registry: Stores['registry'] = {
    putInstitution: (e) =>
      guardedRedis('putInstitution', async () => {
        checkText(e.id, 'id', 128);
        checkText(e.name, 'name', 200);
        if (e.alg !== 'ES256' && e.alg !== 'EdDSA') throw invalidArgument('alg', 'not ES256/EdDSA');
        isoMs(e.registeredAt, 'registeredAt');
        await redis.hset(k.institution(e.id), {
          id: e.id,
          name: e.name,
          alg: e.alg,
          publicKeyJwk: JSON.stringify(e.publicKeyJwk),
          registeredAt: e.registeredAt,
        });
        await redis.sadd(k.institutions, e.id);
      }),
    revokeInstitution: (id, revokedAt) =>
      guardedRedis('revokeInstitution', async () => {
        const at = normalIso(revokedAt, 'revokedAt');
        return ((await script('zkRevoke', k.institution(id), at)) as string) || undefined;
      }),
    getInstitution: (id) => guardedRedis('getInstitution', () => readInstitution(id)),
    listInstitutions: () =>
      guardedRedis('listInstitutions', async () => {
        const all = await Promise.all((await redis.smembers(k.institutions)).map(readInstitution));
        return all
          .filter((e): e is InstitutionEntry => e !== undefined)
          .sort(byRegistration((e) => e.id));
      }),
  };

  const audit: Stores['audit'] = {
    append: (event) =>
      guardedRedis('audit.append', async () => {
        const e = JSON.stringify(cleanAuditEvent(event));
        const id = await redis.xadd(k.audit, 'MAXLEN', '~', AUDIT_MAX_LENGTH, '*', 'e', e);
        if (id === null) throw storeUnavailable('audit.append', new Error('XADD returned no id'));
        return id;
      }),
    read: (count) =>
      guardedRedis('audit.read', async () => {
        checkInt(count, 'count', 1, 10_000);
        const entries = await redis.xrevrange(k.audit, '+', '-', 'COUNT', count);
        return entries.reverse().map(([id, fields]) => {
          const raw = fields[fields.indexOf('e') + 1] ?? '';
          return { id, event: parseJson<AuditEvent>(raw, 'audit event') };
        });
      }),
  };

  const rateLimiter: Stores['rateLimiter'] = {
    hit: (key, limit, windowSeconds) =>
      guardedRedis('rateLimit', async () => {
        checkText(key, 'key');
        checkInt(limit, 'limit', 1, Number.MAX_SAFE_INTEGER);
        checkInt(windowSeconds, 'windowSeconds', 1, 366 * 24 * 3600);
        const [n, ttl] = (await script('zkHit', k.rate(key), windowSeconds * 1000)) as [
          number,
          number,
        ];
        return {
          allowed: n <= limit,
          remaining: Math.max(0, limit - n),
          resetSeconds: Math.max(1, Math.ceil(ttl / 1000)),
        };
      }),
  };

  return {
    kind: 'redis',
    attestations,
    challenges,
    registry,
    keys: createRedisKeyRegistry(redis, guardedRedis, p),
    ...createRedisSignerSets(redis, guardedRedis, p),
    audit,
    rateLimiter,
    async ping() {
      // A health check answers promptly: it does not wait out the whole reconnect window.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), 2000);
      });
      try {
        const pong = whenRedisReady(redis, STORE_WAIT_MS).then(() => redisAnswers(redis));
        return await Promise.race([pong, timeout]);
      } catch {
        return false;
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => closeRedisClient(redis),
  };
}

/**
 * The FX-source registry on Redis. Key layout (P = the stores' key prefix):
 *
 *   P reg:key:<kind>:<keyId>   hash  keyId, x, y, label, validFrom, revokedAt?
 *   P reg:keys:<kind>          set   registered keyIds of the kind (for listing)
 *
 * kind is `fx` (signer keys live in signer sets: redis-signer-sets.ts). Each script touches one key (Redis Cluster as the other stores).
 * The entry hash is created before the listing set is written, so a crash in between leaves an
 * entry `get` finds and `list` misses until the registration is retried (it re-adds the id).
 * An entry's fields other than revokedAt never change after creation, so comparing a second
 * registration with the stored one outside a script cannot race.
 */
import type { RedisConnection } from '../../common/redis-client';
import { storeUnavailable } from '../../common/redis-connection';
import type { KeyEntry, KeyKind, KeyRegistryStore } from './store-contracts';
import {
  byValidFrom,
  checkKind,
  checkRegistration,
  checkSameRegistration,
  isKeyId,
  keyTime,
  revokedBeforeValid,
} from './key-registry-rules';

// Sets revokedAt to ARGV[1] unless an earlier one is there (times in one ISO format compare
// as strings). Returns the revokedAt now in effect; '' if no entry; '<' if ARGV[1] precedes
// validFrom (nothing written). Any hash with validFrom and revokedAt fields (keys, signer sets).
export const REVOKE_LUA = `
    if redis.call('EXISTS', KEYS[1]) == 0 then return '' end
    if ARGV[1] < redis.call('HGET', KEYS[1], 'validFrom') then return '<' end
    local cur = redis.call('HGET', KEYS[1], 'revokedAt')
    if (not cur) or ARGV[1] < cur then
      redis.call('HSET', KEYS[1], 'revokedAt', ARGV[1])
      return ARGV[1]
    end
    return cur`;

const SCRIPTS = {
  // Creates the entry unless one exists: 1 if created, 0 if it was there.
  zkKeyCreate: `
    if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
    redis.call('HSET', KEYS[1], 'keyId', ARGV[1], 'x', ARGV[2], 'y', ARGV[3],
      'label', ARGV[4], 'validFrom', ARGV[5])
    return 1`,
  zkKeyRevoke: REVOKE_LUA,
} as const;

/** The key-registry scripts' names (defineCommand'd on the client). */
type ScriptName = keyof typeof SCRIPTS;

type ScriptFn = (key: string, ...args: string[]) => Promise<unknown>;

/** Runs one operation once Redis is ready; failures become STORE_UNAVAILABLE. */
export type GuardedRedis = <T>(op: string, work: () => Promise<T>) => Promise<T>;

/** The key registry on `redis`, under key prefix `p`, each operation run through `guarded`. */
export function createRedisKeyRegistry(
  redis: RedisConnection,
  guarded: GuardedRedis,
  p: string,
): KeyRegistryStore {
  for (const [name, lua] of Object.entries(SCRIPTS)) {
    redis.defineCommand(name, { numberOfKeys: 1, lua });
  }
  // defineCommand adds methods ioredis' types cannot know about.
  const script = (name: ScriptName, key: string, ...args: string[]) =>
    (redis as unknown as Record<ScriptName, ScriptFn>)[name](key, ...args);
  const k = {
    entry: (kind: KeyKind, keyId: string) => `${p}reg:key:${kind}:${keyId}`,
    list: (kind: KeyKind) => `${p}reg:keys:${kind}`,
  };

  const read = async (kind: KeyKind, keyId: string): Promise<KeyEntry | undefined> => {
    const h = await redis.hgetall(k.entry(kind, keyId));
    if (h.keyId === undefined) return undefined;
    for (const f of ['x', 'y', 'label', 'validFrom'] as const) {
      if (h[f] === undefined) throw storeUnavailable('keys.read', new Error(`entry without ${f}`));
    }
    const entry: KeyEntry = {
      keyId: h.keyId,
      publicKey: { x: h.x, y: h.y },
      label: h.label,
      validFrom: h.validFrom,
    };
    return h.revokedAt === undefined ? entry : { ...entry, revokedAt: h.revokedAt };
  };

  return {
    register: (kind, registration) =>
      guarded('keys.register', async () => {
        checkKind(kind);
        const wanted = checkRegistration(registration, Date.now());
        const { keyId, publicKey, label, validFrom } = wanted.entry;
        const key = k.entry(kind, keyId);
        const created =
          (await script('zkKeyCreate', key, keyId, publicKey.x, publicKey.y, label, validFrom)) ===
          1;
        const stored = await read(kind, keyId);
        if (!stored) throw storeUnavailable('keys.register', new Error('the entry vanished'));
        if (!created) checkSameRegistration(kind, stored, wanted);
        await redis.sadd(k.list(kind), keyId);
        return { created, entry: stored };
      }),
    revoke: (kind, keyId, effectiveAt) =>
      guarded('keys.revoke', async () => {
        checkKind(kind);
        const at = keyTime(effectiveAt, 'effectiveAt');
        if (!isKeyId(keyId)) return undefined;
        const found = (await script('zkKeyRevoke', k.entry(kind, keyId), at)) as string;
        if (found === '<') throw revokedBeforeValid(kind);
        return found || undefined;
      }),
    get: (kind, keyId) =>
      guarded('keys.get', async () => {
        checkKind(kind);
        return isKeyId(keyId) ? read(kind, keyId) : undefined;
      }),
    list: (kind) =>
      guarded('keys.list', async () => {
        checkKind(kind);
        const ids = await redis.smembers(k.list(kind));
        const all = await Promise.all(ids.filter(isKeyId).map((id) => read(kind, id)));
        return all.filter((e): e is KeyEntry => e !== undefined).sort(byValidFrom);
      }),
  };
}

/**
 * What a 201 is worth depends on the Redis behind the API: with AOF and `appendfsync always`,
 * an acknowledged record is on disk before Redis answers; with `everysec`, up to about a
 * second of acknowledged writes can be lost if Redis is killed or the machine loses power; with
 * no AOF, everything since the last snapshot. Redis 7.0 has no per-write fsync wait (WAITAOF
 * came in 7.2), so the API cannot make one write durable itself: it reads the setting at
 * start-up and says what its answers guarantee.
 */
import Redis, { Cluster } from 'ioredis';
import { closeRedisClient, type RedisTarget } from '../../common/redis-client';
import { REDIS_CONNECTION } from '../../common/redis-connection';

/** The persistence a Redis reports, and what it means for an acknowledged write. */
export interface RedisDurability {
  /** 'durable': every acknowledged write is fsynced; 'window': may lose ~1 s; 'volatile'. */
  level: 'durable' | 'window' | 'volatile' | 'unknown';
  appendonly?: string;
  appendfsync?: string;
  /** One sentence for the operator's log. */
  message: string;
}

/** CONFIG GET of one server's `appendonly` and `appendfsync`. */
async function durabilityOfServer(redis: Redis): Promise<RedisDurability> {
  // CONFIG GET answers [name, value].
  const [, appendonly] = (await redis.config('GET', 'appendonly')) as string[];
  const [, appendfsync] = (await redis.config('GET', 'appendfsync')) as string[];
  return durabilityOf(String(appendonly), String(appendfsync));
}

const WEAKEST_FIRST: ReadonlyArray<RedisDurability['level']> = ['volatile', 'window', 'durable'];

/**
 * Reads `appendonly` and `appendfsync` (CONFIG GET; 'unknown' where CONFIG is not allowed).
 * On a cluster, of every master (each holds some of the records): the weakest answers.
 */
export async function readRedisDurability(target: RedisTarget): Promise<RedisDurability> {
  const unknown: RedisDurability = {
    level: 'unknown',
    message: 'cannot read the Redis persistence settings (CONFIG)',
  };
  if (typeof target === 'string') {
    const redis = new Redis(target, { ...REDIS_CONNECTION, lazyConnect: true });
    redis.on('error', () => undefined); // the command below reports the failure
    try {
      return await durabilityOfServer(redis);
    } catch {
      return unknown;
    } finally {
      redis.disconnect();
    }
  }
  const cluster = new Cluster(
    target.clusterNodes.map((n) => ({ ...n })),
    { redisOptions: REDIS_CONNECTION },
  );
  cluster.on('error', () => undefined); // the commands below report the failure
  try {
    await cluster.ping(); // connected, the slot map known
    const masters = await Promise.all(cluster.nodes('master').map(durabilityOfServer));
    const rank = (d: RedisDurability) => WEAKEST_FIRST.indexOf(d.level);
    return masters.sort((a, b) => rank(a) - rank(b))[0] ?? unknown;
  } catch {
    return unknown;
  } finally {
    await closeRedisClient(cluster);
  }
}

/** What the settings guarantee for a record the API has answered 201 for. */
export function durabilityOf(appendonly: string, appendfsync: string): RedisDurability {
  const settings = { appendonly, appendfsync };
  if (appendonly !== 'yes') {
    return {
      level: 'volatile',
      ...settings,
      message: 'Redis runs without AOF: acknowledged records can be lost on a crash',
    };
  }
  if (appendfsync === 'always') {
    return { level: 'durable', ...settings, message: 'every acknowledged record is on disk' };
  }
  return {
    level: 'window',
    ...settings,
    message:
      appendfsync === 'everysec'
        ? 'appendfsync everysec: about 1 s of acknowledged records can be lost on a crash'
        : `appendfsync ${appendfsync}: acknowledged records can be lost on a crash`,
  };
}

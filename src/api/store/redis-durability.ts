/**
 * What a 201 is worth depends on the Redis behind the API: with AOF and `appendfsync always`,
 * an acknowledged record is on disk before Redis answers; with `everysec`, up to about a
 * second of acknowledged writes can be lost if Redis is killed or the machine loses power; with
 * no AOF, everything since the last snapshot. Redis 7.0 has no per-write fsync wait (WAITAOF
 * came in 7.2), so the API cannot make one write durable itself: it reads the setting at
 * start-up and says what its answers guarantee.
 */
import Redis from 'ioredis';
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

/** Reads `appendonly` and `appendfsync` (CONFIG GET; 'unknown' where CONFIG is not allowed). */
export async function readRedisDurability(url: string): Promise<RedisDurability> {
  const redis = new Redis(url, { ...REDIS_CONNECTION, lazyConnect: true });
  redis.on('error', () => undefined); // the command below reports the failure
  try {
    // CONFIG GET answers [name, value].
    const [, appendonly] = (await redis.config('GET', 'appendonly')) as string[];
    const [, appendfsync] = (await redis.config('GET', 'appendfsync')) as string[];
    return durabilityOf(String(appendonly), String(appendfsync));
  } catch {
    return { level: 'unknown', message: 'cannot read the Redis persistence settings (CONFIG)' };
  } finally {
    redis.disconnect();
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

import type Redis from 'ioredis';
import type { FailedAuthLimiter } from './onshore-users';

export interface FailedAuthLimits {
  /** Failed authentications a client may make per window before it must wait. */
  maxFailures: number;
  windowSeconds: number;
}

export const DEFAULT_FAILED_AUTH_LIMITS: FailedAuthLimits = { maxFailures: 10, windowSeconds: 900 };

// INCR and start the window on the first failure, in one step (no window without an expiry).
const RECORD_FAILURE = `local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/**
 * Failed staff authentications per client address, in fixed windows counted in Redis so every
 * onshore process shares them. Only failures count: a client with a valid token is never slowed
 * down, and a client that guessed wrong only blocks its own address.
 */
export class RedisFailedAuthLimiter implements FailedAuthLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly limits: FailedAuthLimits = DEFAULT_FAILED_AUTH_LIMITS,
    private readonly prefix = 'zkattest:onshore:authfail:',
  ) {}

  async retryAfter(client: string): Promise<number | undefined> {
    const key = this.prefix + client;
    const [count, ttlMs] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
    if (Number(count ?? 0) < this.limits.maxFailures) return undefined;
    return Math.max(1, Math.ceil(ttlMs / 1000));
  }

  async recordFailure(client: string): Promise<void> {
    await this.redis.eval(
      RECORD_FAILURE,
      1,
      this.prefix + client,
      String(this.limits.windowSeconds * 1000),
    );
  }
}

import type { RedisConnection } from '../../common/redis-client';
import { guardedRedis } from '../../common/redis-connection';
import type { FailedAuthLimiter, Throttled } from './onshore-users';

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

// Over budget: the window's time left, and whether this is its first refusal (marked once).
const CHECK = `local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n < tonumber(ARGV[1]) then return {0, 0} end
local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 then ttl = 1000 end
local first = redis.call('SET', KEYS[2], '1', 'NX', 'PX', ttl)
return {ttl, first and 1 or 0}`;

/**
 * Failed staff authentications per client address, in fixed windows counted in Redis so every
 * onshore process shares them. Only failures count: a client with a valid token is never slowed
 * down, and a client that guessed wrong only blocks its own address.
 */
export class RedisFailedAuthLimiter implements FailedAuthLimiter {
  constructor(
    private readonly redis: RedisConnection,
    private readonly limits: FailedAuthLimits = DEFAULT_FAILED_AUTH_LIMITS,
    private readonly prefix = 'zkattest:onshore:authfail:',
  ) {}

  // One hash slot per client (the braces), so the two keys of a check may share a script.
  private key(client: string) {
    return `${this.prefix}{${client}}`;
  }

  async check(client: string): Promise<Throttled | undefined> {
    const key = this.key(client);
    // A plain read first: most clients are far under the limit, and a read is not held up by
    // a Redis pausing writes (the script below writes the once-per-window refusal marker).
    const failures = await guardedRedis('auth limiter', () => this.redis.get(key));
    if (Number(failures ?? '0') < this.limits.maxFailures) return undefined;
    const [ttlMs, first] = (await guardedRedis('auth limiter', () =>
      this.redis.eval(CHECK, 2, key, `${key}:refused`, String(this.limits.maxFailures)),
    )) as [number, number];
    if (ttlMs === 0) return undefined;
    return { retryAfterSeconds: Math.max(1, Math.ceil(ttlMs / 1000)), firstRefusal: first === 1 };
  }

  async recordFailure(client: string): Promise<void> {
    await guardedRedis('auth limiter', () =>
      this.redis.eval(
        RECORD_FAILURE,
        1,
        this.key(client),
        String(this.limits.windowSeconds * 1000),
      ),
    );
  }
}

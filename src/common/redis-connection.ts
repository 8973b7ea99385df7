import { ZkAttestError } from './errors';
import type { RedisOptions } from 'ioredis';

/** Options shared by every Redis-backed store. */
export interface RedisClientOptions {
  /** Prefix of every key (default "zkattest:"); tests use a fresh one each. */
  keyPrefix?: string;
  /** Called with connection-level errors (reconnects); commands report their own failures. */
  onConnectionError?: (err: Error) => void;
}

/**
 * The connection policy of every store. A command issued while Redis is briefly unreachable
 * waits in ioredis' offline queue and is sent after the reconnect (enableOfflineQueue).
 * maxRetriesPerRequest bounds that wait: after 5 failed reconnects (about 3 s with the backoff
 * below) the queued commands fail, and callers answer "unavailable" instead of hanging.
 * commandTimeout covers a server that accepts the connection but does not answer. A command
 * whose reply was lost may be sent twice (at-least-once): writes that must not double carry
 * their own token or compare-and-swap.
 */
export const REDIS_CONNECTION: RedisOptions = {
  enableOfflineQueue: true,
  maxRetriesPerRequest: 5,
  retryStrategy: (times) => Math.min(times * 200, 2000),
  connectTimeout: 2000,
  commandTimeout: 10_000,
};

/**
 * Wraps a Redis failure: the caller sees STORE_UNAVAILABLE with a fixed message; the cause
 * (ioredis' text, which may name hosts and ports) is attached for the local log only.
 */
export function storeUnavailable(op: string, err: unknown): ZkAttestError {
  const error = new ZkAttestError('STORE_UNAVAILABLE', 'the store is unavailable', { op });
  error.cause = err;
  return error;
}

/** Runs one store operation; coded errors pass through, anything else is STORE_UNAVAILABLE. */
export async function guardedRedis<T>(op: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw err instanceof ZkAttestError ? err : storeUnavailable(op, err);
  }
}

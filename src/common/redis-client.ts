/**
 * The one place a Redis client is made. Every client gets a connection policy (a profile) and
 * an error listener: without one, ioredis prints an "Unhandled error event" on each failed
 * reconnect, and commands report their own failures anyway.
 */
import Redis, { type RedisOptions } from 'ioredis';
import { ZkAttestError } from './errors';
import { REDIS_CONNECTION } from './redis-connection';

/**
 * How a client behaves while Redis is unreachable:
 * - `store` (default): the shared policy of the stores (REDIS_CONNECTION): a command waits a
 *   few reconnects in the offline queue, then fails.
 * - `request`: for a request path that must answer at once. No offline queue (a command fails
 *   immediately while disconnected), no resend after a reconnect (a write the caller was told
 *   had failed must not land later), and a short command timeout. Reconnects in the background.
 * - `worker`: what BullMQ Workers and QueueEvents need (maxRetriesPerRequest null): their
 *   blocking commands wait across outages instead of failing.
 */
export type RedisProfile = 'store' | 'request' | 'worker';

/** Upper bound of one request-path command, sent but unanswered. */
export const REQUEST_COMMAND_TIMEOUT_MS = 2000;

const PROFILES: Record<RedisProfile, RedisOptions> = {
  store: REDIS_CONNECTION,
  request: {
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(times * 100, 1000),
    connectTimeout: 2000,
    commandTimeout: REQUEST_COMMAND_TIMEOUT_MS,
  },
  worker: {
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    connectTimeout: 2000,
  },
};

export interface CreateRedisClientOptions {
  profile?: RedisProfile;
  /** Connection-level errors (failed reconnects); default: ignored (commands fail on their own). */
  onError?: (err: Error) => void;
}

/** A Redis client at `url` (redis://, rediss://) with `profile`'s policy and an error listener. */
export function createRedisClient(url: string, opts: CreateRedisClientOptions = {}): Redis {
  const client = new Redis(url, { ...PROFILES[opts.profile ?? 'store'] });
  client.on('error', (err: Error) => opts.onError?.(err));
  return client;
}

/** One pending "next ready" per client, shared by every waiter (no listener per request). */
const nextReady = new WeakMap<Redis, Promise<void>>();

function readyEvent(client: Redis): Promise<void> {
  let pending = nextReady.get(client);
  if (!pending) {
    pending = new Promise<void>((resolve) => client.once('ready', () => resolve()));
    nextReady.set(client, pending);
    void pending.then(() => nextReady.delete(client));
  }
  return pending;
}

/**
 * Resolves once `client` is connected, or throws STORE_UNAVAILABLE after `timeoutMs`. A
 * request-profile client fails commands at once while disconnected; this bounded wait covers
 * start-up and a reconnect under way.
 */
export async function whenRedisReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  // The cause is for the local log: the client's state, never host or port.
  const unavailable = () => {
    const error = new ZkAttestError('STORE_UNAVAILABLE', 'the store is unavailable', {
      op: 'connect',
    });
    error.cause = new Error(`no Redis connection within ${timeoutMs} ms (${client.status})`);
    return error;
  };
  if (client.status === 'end') throw unavailable();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      readyEvent(client),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(unavailable()), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Closes a client: QUIT when connected (pending replies arrive), else drop the socket. */
export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // Fall through: drop the connection instead.
    }
  }
  client.disconnect();
}

/**
 * The one place a Redis client is made. Every client gets a connection policy (a profile) and
 * an error listener: without one, ioredis prints an "Unhandled error event" on each failed
 * reconnect, and commands report their own failures anyway.
 *
 * Redis is one server (a redis:// URL) or a Redis Cluster (some of its nodes; the client
 * discovers the rest and routes each command to the master of its key's slot). The stores
 * keep every command and script on one slot, so they run unchanged on either.
 */
import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';
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

/** A Redis Cluster node the client starts from (REDIS_CLUSTER_NODES). */
export interface RedisClusterNode {
  host: string;
  port: number;
}

/** Where Redis is: a redis:// or rediss:// URL, or the seed nodes of a Redis Cluster. */
export type RedisTarget = string | { readonly clusterNodes: readonly RedisClusterNode[] };

/** A client of either kind: ioredis gives both the same commands. */
export type RedisConnection = Redis | Cluster;

/** Whether `x` is a client (rather than a target to make one for). */
export function isRedisConnection(x: RedisTarget | RedisConnection): x is RedisConnection {
  return x instanceof Redis || x instanceof Cluster;
}

/** Whether `target` names a Redis Cluster (REDIS_CLUSTER_NODES) rather than one server. */
export function isClusterTarget(
  target: RedisTarget,
): target is { readonly clusterNodes: readonly RedisClusterNode[] } {
  return typeof target !== 'string';
}

/**
 * A profile as cluster options: each node connection gets the profile's policy, and the
 * cluster-level queue and reconnects follow it. On CLUSTERDOWN (a master lost, no replica to
 * take over) ioredis retries every 100 ms up to maxRedirections times (about 1.6 s), then the
 * command fails and the stores answer STORE_UNAVAILABLE.
 */
function clusterOptions(profile: RedisOptions): ClusterOptions {
  return {
    redisOptions: profile,
    enableOfflineQueue: profile.enableOfflineQueue,
    clusterRetryStrategy: profile.retryStrategy,
    retryDelayOnClusterDown: 100,
    maxRedirections: 16,
  };
}

export interface CreateRedisClientOptions {
  profile?: RedisProfile;
  /** Connection-level errors (failed reconnects); default: ignored (commands fail on their own). */
  onError?: (err: Error) => void;
}

/**
 * A Redis client for `target` (a redis:// or rediss:// URL, or a cluster's nodes) with
 * `profile`'s policy and an error listener.
 */
export function createRedisClient(
  target: RedisTarget,
  opts: CreateRedisClientOptions = {},
): RedisConnection {
  const profile = { ...PROFILES[opts.profile ?? 'store'] };
  const client = isClusterTarget(target)
    ? new Cluster(
        target.clusterNodes.map((n) => ({ ...n })),
        clusterOptions(profile),
      )
    : new Redis(target, profile);
  client.on('error', (err: Error) => opts.onError?.(err));
  return client;
}

/** One pending "next ready" per client, shared by every waiter (no listener per request). */
const nextReady = new WeakMap<RedisConnection, Promise<void>>();

function readyEvent(client: RedisConnection): Promise<void> {
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
export async function whenRedisReady(client: RedisConnection, timeoutMs: number): Promise<void> {
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

/**
 * Whether Redis answers: PING on one server. On a cluster any node answers PING even while a
 * lost master leaves its slots unreachable, so: every slot's master is connected (ioredis drops
 * a lost node from its pool while the slot map still names it) and answers PING.
 */
export async function redisAnswers(client: RedisConnection): Promise<boolean> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  if (client instanceof Cluster) {
    const pooled = new Set(nodes.map((n) => `${n.options.host}:${n.options.port}`));
    const owners = new Set(client.slots.map((slotNodes) => slotNodes[0]));
    if (owners.size === 0 || [...owners].some((key) => key === undefined || !pooled.has(key))) {
      return false;
    }
  }
  if (nodes.length === 0) return false;
  const replies = await Promise.all(nodes.map((node) => node.ping()));
  return replies.every((reply) => reply === 'PONG');
}

/** Closes a client: QUIT when connected (pending replies arrive), else drop the socket. */
export async function closeRedisClient(client: RedisConnection): Promise<void> {
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

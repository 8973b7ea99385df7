/**
 * A real Redis Cluster for tests: three masters (no replicas), each a redis-server of
 * redis-server.ts (loopback, a free port, its own temp dir, AOF with fsync always) started with
 * cluster mode on. The slots are split in three (CLUSTER ADDSLOTSRANGE), the nodes meet
 * (CLUSTER MEET), and start resolves once every node reports cluster_state:ok. Formed with
 * ioredis, so only redis-server is needed (not redis-cli).
 */
import Redis from 'ioredis';
import type { RedisClusterNode, RedisTarget } from '../../src/common/redis-client';
import { startRedis, type RedisServer } from './redis-server';

export interface RedisCluster {
  /** The masters, in slot order (node 0 holds slots 0..5460). */
  readonly nodes: readonly RedisServer[];
  /** Every node, as REDIS_CLUSTER_NODES would give them. */
  readonly target: RedisTarget & { readonly clusterNodes: readonly RedisClusterNode[] };
  /** The same as REDIS_CLUSTER_NODES would give them ("127.0.0.1:port,..."). */
  readonly nodesVariable: string;
  /** The index in `nodes` of the master that holds `key`'s slot. */
  nodeOf(key: string): Promise<number>;
  /** How many keys matching `pattern` each master holds (SCAN), in node order. */
  keysPerNode(pattern: string): Promise<number[]>;
  /** Resolves once every running node reports cluster_state:ok. */
  whenHealthy(timeoutMs?: number): Promise<void>;
  /** Stops every node (their dirs go when the test process exits). */
  stop(): Promise<void>;
}

/** How long a node may be unreachable before the others mark it failed (Redis: 15 s). */
const NODE_TIMEOUT_MS = 1000;
const SLOTS = 16384;
const HEALTHY_TIMEOUT_MS = 15_000;

/** The last slot of master `i` of `masters` (-1 for i = -1): the slots split evenly. */
const lastSlot = (i: number, masters: number) => Math.floor((SLOTS * (i + 1)) / masters) - 1;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A short-lived plain client to one node (no cluster routing: commands go to that node). */
async function withNode<T>(port: number, work: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

async function clusterState(port: number): Promise<string> {
  try {
    const info = await withNode(port, (r) => r.call('CLUSTER', 'INFO') as Promise<string>);
    return /cluster_state:(\w+)/.exec(info)?.[1] ?? 'unknown';
  } catch {
    return 'unreachable';
  }
}

/** Starts three cluster-mode masters, forms the cluster and waits until it is healthy. */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const nodes: RedisServer[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    const args = [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf', // in the node's dir: a restarted node rejoins as itself
      '--cluster-node-timeout',
      String(NODE_TIMEOUT_MS),
    ];
    nodes.push(
      ...(await Promise.all(Array.from({ length: masters }, () => startRedis('always', args)))),
    );
    await Promise.all(
      nodes.map((node, i) =>
        withNode(node.port, async (r) => {
          await r.call(
            'CLUSTER',
            'ADDSLOTSRANGE',
            lastSlot(i - 1, masters) + 1,
            lastSlot(i, masters),
          );
        }),
      ),
    );
    await withNode(nodes[0]!.port, async (r) => {
      for (const other of nodes.slice(1)) await r.call('CLUSTER', 'MEET', '127.0.0.1', other.port);
    });
    const cluster: RedisCluster = {
      nodes,
      target: { clusterNodes: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })) },
      nodesVariable: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
      async nodeOf(key) {
        for (const node of nodes) {
          try {
            const slot = await withNode(node.port, (r) => r.call('CLUSTER', 'KEYSLOT', key));
            return nodes.findIndex((_, i) => Number(slot) <= lastSlot(i, masters));
          } catch {
            // that node is down: ask the next
          }
        }
        throw new Error('no node answers');
      },
      keysPerNode: (pattern) =>
        Promise.all(
          nodes.map((node) =>
            withNode(node.port, async (r) => {
              let count = 0;
              let cursor = '0';
              do {
                const [next, keys] = await r.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
                cursor = next;
                count += keys.length;
              } while (cursor !== '0');
              return count;
            }),
          ),
        ),
      async whenHealthy(timeoutMs = HEALTHY_TIMEOUT_MS) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const states = await Promise.all(nodes.map((n) => clusterState(n.port)));
          if (states.every((s) => s === 'ok')) return;
          if (Date.now() > deadline) {
            throw new Error(`the cluster is not healthy: ${states.join(', ')}`);
          }
          await sleep(50);
        }
      },
      stop,
    };
    await cluster.whenHealthy();
    return cluster;
  } catch (err) {
    await stop();
    throw err;
  }
}

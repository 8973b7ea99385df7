/**
 * A proving worker process (`zkattest worker`): secrets from the encrypted vault, packages to
 * Redis. Configuration (src/entry-points/worker-config.ts), read once at start-up:
 *   REDIS_URL (or REDIS_CLUSTER_NODES), ZKATTEST_MASTER_KEYS (+ ZKATTEST_MASTER_KEY_ID); optional
 *   ZKATTEST_PROVER_THREADS=1 (one core per worker process), WORKER_CONCURRENCY (1),
 *   ZKATTEST_LOCK_DURATION_MS (30000), ZKATTEST_STALLED_INTERVAL_MS (15000),
 *   ZKATTEST_MAX_STALLED_COUNT (2), ZKATTEST_QUEUE, ZKATTEST_THROUGHPUT_LOG_SECONDS (30).
 * A bad value: {"event":"config-error","code":"CONFIG_INVALID",...} naming it, exit 2.
 * Logs JSON lines on stdout (ids, codes, timings; never snapshot data); the first is
 * {"event":"ready",...} once the circuits are loaded and the worker is connected.
 * SIGINT/SIGTERM: stop taking jobs, finish the active ones, exit 0 (a second signal exits 1).
 */
import {
  startProvingWorker,
  type PackageSink,
  type SnapshotSource,
} from '../prover/queue/proving-worker';
import { readEnvConfig, readVariable, requiredRedisTarget, type Env } from '../common/env-config';
import { ZkAttestError } from '../common/errors';
import { createRedisClient } from '../common/redis-client';
import { terminateSnarkjsCurve, useSingleThreadedCurve } from '../common/snarkjs-teardown';
import { loadPrimitives, type Primitives } from '../prover/snapshot/primitives';
import { RedisPackageSink, VaultSnapshotSource } from '../prover/service/vault-source';
import {
  masterKeysFromEnv,
  RedisCosignatures,
  RedisSnapshotChain,
  RedisVaultStore,
  Vault,
} from '../prover/vault';
import { workerConfigSchema, type WorkerSettings } from './worker-config';

const counts = { completed: 0, failed: 0 };

function log(event: Record<string, unknown>): void {
  if (event.event === 'completed') counts.completed++;
  if (event.event === 'failed') counts.failed++;
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
}

/** Live counts: every `seconds`, how many claims this worker proved and at what rate. */
function logThroughput(seconds: number): void {
  const started = Date.now();
  setInterval(() => {
    const minutes = (Date.now() - started) / 60_000;
    log({
      event: 'throughput',
      completed: counts.completed,
      failed: counts.failed,
      perMinute: Number((counts.completed / minutes).toFixed(1)),
    });
  }, seconds * 1000).unref();
}

/** Where a worker reads snapshots and keys, and where it writes packages. */
export interface WorkerIo {
  source: SnapshotSource;
  sink: PackageSink;
}

/** Runs a proving worker in this process until SIGINT/SIGTERM (`zkattest worker`). */
export async function runWorker(env: Env = process.env): Promise<void> {
  const config = readEnvConfig(workerConfigSchema, env);
  const redisUrl = requiredRedisTarget(config);
  // Reconnect failures repeat every second or two while Redis is down: log one per 30 s.
  let lastRedisError = 0;
  const onError = (err: Error) => {
    if (Date.now() - lastRedisError < 30_000) return;
    lastRedisError = Date.now();
    log({ event: 'redis-error', reason: err.message });
  };
  await runWorkerWith(config, async () => {
    const vault = new Vault(
      new RedisVaultStore(redisUrl, { onConnectionError: onError }),
      await readVariable('ZKATTEST_MASTER_KEYS', () => masterKeysFromEnv(env)),
    );
    // A wrong master key must stop the worker here, not fail (or seal) job after job.
    log({ event: 'master-key-checked', ...(await vault.checkMasterKey()) });
    // Packages, epoch chains and co-signatures: the service's Redis, one client.
    const redis = createRedisClient(redisUrl, { onError });
    return {
      source: new VaultSnapshotSource(
        vault,
        new RedisSnapshotChain(redis),
        new RedisCosignatures(redis),
      ),
      sink: new RedisPackageSink(redis),
    };
  });
}

/**
 * The worker loop over a given source and sink: the vault for `zkattest worker`; test code
 * passes its own (test/support/fixture-worker.ts).
 */
export async function runWorkerWith(
  settings: WorkerSettings,
  io: (primitives: Primitives) => Promise<WorkerIo>,
): Promise<void> {
  // One core per worker process: snarkjs otherwise spreads every proof over all cores, so
  // several workers on one machine would fight over them instead of adding capacity.
  if (settings.ZKATTEST_PROVER_THREADS === '1') await useSingleThreadedCurve();
  const { source, sink } = await io(await loadPrimitives());
  const concurrency = settings.WORKER_CONCURRENCY;
  const lockDurationMs = settings.ZKATTEST_LOCK_DURATION_MS;
  const stalledIntervalMs = settings.ZKATTEST_STALLED_INTERVAL_MS;
  const started = performance.now();
  const worker = await startProvingWorker({
    redisUrl: requiredRedisTarget(settings),
    concurrency,
    source,
    sink,
    queueName: settings.ZKATTEST_QUEUE,
    lockDurationMs,
    stalledIntervalMs,
    maxStalledCount: settings.ZKATTEST_MAX_STALLED_COUNT,
    log,
  });
  logThroughput(settings.ZKATTEST_THROUGHPUT_LOG_SECONDS);
  log({
    event: 'ready',
    pid: process.pid,
    concurrency,
    lockDurationMs,
    stalledIntervalMs,
    startMs: Math.round(performance.now() - started),
  });

  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) {
      log({ event: 'forced-exit', signal });
      process.exit(1);
    }
    closing = true;
    log({ event: 'closing', signal });
    void (async () => {
      await worker.close();
      // snarkjs' curve keeps worker threads alive.
      await terminateSnarkjsCurve();
      log({ event: 'closed' });
      process.exit(0);
    })().catch((err: unknown) => {
      log({ event: 'close-error', reason: err instanceof Error ? err.message : String(err) });
      process.exit(1);
    });
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

/** Runs a worker as this process's main: a bad configuration exits 2, any other failure 1. */
export function workerMain(start: () => Promise<void>): void {
  start().catch((err: unknown) => {
    if (err instanceof ZkAttestError && err.code === 'CONFIG_INVALID') {
      log({ event: 'config-error', code: err.code, reason: err.message });
      process.exit(2);
    }
    log({
      event: 'fatal',
      ...(err instanceof ZkAttestError ? { code: err.code } : {}),
      reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    });
    process.exit(1);
  });
}

if (require.main === module) workerMain(() => runWorker());

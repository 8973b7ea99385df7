/**
 * A proving worker process (to become `zkattest worker`):
 *
 * Onshore service mode: REDIS_URL and ZKATTEST_MASTER_KEYS (+ ZKATTEST_MASTER_KEY_ID): secrets
 * from the encrypted vault, packages to Redis. Fixture mode (tests, benches):
 *   REDIS_URL=redis://127.0.0.1:6379 ZKATTEST_SOURCE_DIR=... ZKATTEST_SINK_DIR=... \
 *     node --require tsx/cjs src/entry-points/worker.ts
 *
 * Optional: ZKATTEST_PROVER_THREADS=1 (one core per worker process), WORKER_CONCURRENCY (1), ZKATTEST_LOCK_DURATION_MS (30000),
 * ZKATTEST_STALLED_INTERVAL_MS (15000), ZKATTEST_MAX_STALLED_COUNT (2), ZKATTEST_QUEUE.
 * Logs JSON lines on stdout (ids, codes, timings; never snapshot data); the first is
 * {"event":"ready",...} once the circuits are loaded and the worker is connected.
 * SIGINT/SIGTERM: stop taking jobs, finish the active ones, exit 0 (a second signal exits 1).
 */
import { FilePackageSink, FileSnapshotSource } from '../prover/queue/file-store';
import {
  DEFAULT_LOCK_DURATION_MS,
  DEFAULT_MAX_STALLED_COUNT,
  DEFAULT_STALLED_INTERVAL_MS,
  startProvingWorker,
} from '../prover/queue/proving-worker';
import { buildBn128 } from 'ffjavascript';
import { ZkAttestError } from '../common/errors';
import { createRedisClient } from '../common/redis-client';
import { loadPrimitives } from '../prover/snapshot/primitives';
import { RedisPackageSink, VaultSnapshotSource } from '../prover/service/vault-source';
import { masterKeysFromEnv, RedisVaultStore, Vault } from '../prover/vault';

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

function env(name: string): string {
  const v = process.env[name];
  if (!v) {
    log({ event: 'config-error', reason: `${name} is not set` });
    process.exit(2);
  }
  return v;
}

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) {
    log({ event: 'config-error', reason: `${name} must be a positive integer` });
    process.exit(2);
  }
  return n;
}

/** Runs a proving worker in this process until SIGINT/SIGTERM (`zkattest worker`). */
export async function runWorker(): Promise<void> {
  const redisUrl = env('REDIS_URL');
  // One core per worker process: snarkjs otherwise spreads every proof over all cores, so
  // several workers on one machine would fight over them instead of adding capacity.
  if (process.env.ZKATTEST_PROVER_THREADS === '1') {
    (globalThis as { curve_bn128?: unknown }).curve_bn128 = await buildBn128(true);
  }
  // The onshore service's mode: secrets from the encrypted vault, packages in Redis.
  // Otherwise (tests, benchmarks) a directory of fixture files.
  const vaultMode = Boolean(process.env.ZKATTEST_MASTER_KEYS);
  const p = await loadPrimitives();
  // Reconnect failures repeat every second or two while Redis is down: log one per 30 s.
  let lastRedisError = 0;
  const onError = (err: Error) => {
    if (Date.now() - lastRedisError < 30_000) return;
    lastRedisError = Date.now();
    log({ event: 'redis-error', reason: err.message });
  };
  const vault = vaultMode
    ? new Vault(
        new RedisVaultStore(redisUrl, { onConnectionError: onError }),
        await masterKeysFromEnv(),
      )
    : undefined;
  // A wrong master key must stop the worker here, not fail (or seal) job after job.
  if (vault) log({ event: 'master-key-checked', ...(await vault.checkMasterKey()) });
  const source = vault
    ? new VaultSnapshotSource(vault, p)
    : new FileSnapshotSource(env('ZKATTEST_SOURCE_DIR'), p);
  const sink = vaultMode
    ? new RedisPackageSink(createRedisClient(redisUrl, { onError }))
    : new FilePackageSink(env('ZKATTEST_SINK_DIR'));
  const concurrency = intEnv('WORKER_CONCURRENCY', 1);
  const lockDurationMs = intEnv('ZKATTEST_LOCK_DURATION_MS', DEFAULT_LOCK_DURATION_MS);
  const stalledIntervalMs = intEnv('ZKATTEST_STALLED_INTERVAL_MS', DEFAULT_STALLED_INTERVAL_MS);
  const started = performance.now();
  const worker = await startProvingWorker({
    redisUrl,
    concurrency,
    source,
    sink,
    queueName: process.env.ZKATTEST_QUEUE || undefined,
    lockDurationMs,
    stalledIntervalMs,
    maxStalledCount: intEnv('ZKATTEST_MAX_STALLED_COUNT', DEFAULT_MAX_STALLED_COUNT),
    log,
  });
  logThroughput(intEnv('ZKATTEST_THROUGHPUT_LOG_SECONDS', 30));
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
      const curve = (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128;
      await curve?.terminate();
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

if (require.main === module) {
  runWorker().catch((err: unknown) => {
    log({
      event: 'fatal',
      reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      ...(err instanceof ZkAttestError ? { code: err.code } : {}),
    });
    process.exit(1);
  });
}

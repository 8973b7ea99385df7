/**
 * Real proving worker processes under tsx, for the queue and onshore tests and
 * bench/workers.ts: the production worker (src/entry-points/worker.ts, vault mode) or, given
 * fixture directories, the test-only file worker (test/support/fixture-worker.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const PRODUCTION_WORKER = join(ROOT, 'src', 'entry-points', 'worker.ts');
const FIXTURE_WORKER = join(__dirname, 'fixture-worker.ts');

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Parsed JSON log lines so far. */
  readonly events: Record<string, unknown>[];
  /** Resolves on the {"event":"ready"} line; rejects if the process exits first. */
  readonly ready: Promise<void>;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM and wait (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** kill -9 and wait. */
  kill9(): Promise<void>;
}

export interface WorkerEnv {
  /** A redis:// URL, or a Redis Cluster's nodes (REDIS_CLUSTER_NODES: "host:port,..."). */
  redisUrl: string | { clusterNodes: string };
  /** Fixture directories (test/support/file-store.ts); without them, the vault worker. */
  files?: { sourceDir: string; sinkDir: string };
  concurrency?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** More environment, e.g. the vault's master keys (vault mode). */
  extraEnv?: Record<string, string>;
}

export function spawnWorker(opts: WorkerEnv): WorkerProcess {
  const main = opts.files ? FIXTURE_WORKER : PRODUCTION_WORKER;
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', main], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...(typeof opts.redisUrl === 'string'
        ? { REDIS_URL: opts.redisUrl }
        : { REDIS_URL: undefined, REDIS_CLUSTER_NODES: opts.redisUrl.clusterNodes }),
      ...(opts.files
        ? { ZKATTEST_SOURCE_DIR: opts.files.sourceDir, ZKATTEST_SINK_DIR: opts.files.sinkDir }
        : {}),
      WORKER_CONCURRENCY: String(opts.concurrency ?? 1),
      ...(opts.lockDurationMs ? { ZKATTEST_LOCK_DURATION_MS: String(opts.lockDurationMs) } : {}),
      ...(opts.stalledIntervalMs
        ? { ZKATTEST_STALLED_INTERVAL_MS: String(opts.stalledIntervalMs) }
        : {}),
      ...opts.extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: Record<string, unknown>[] = [];
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try {
          const event = JSON.parse(line) as Record<string, unknown>;
          events.push(event);
          if (event.event === 'ready') resolve();
        } catch {
          // not a log line
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`worker exited before ready (${code ?? signal}):\n${stderr}`)),
    );
  });
  ready.catch(() => undefined);
  return {
    child,
    pid: child.pid!,
    events,
    ready,
    exited,
    async stop(graceMs = 20_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const result = await exited;
        clearTimeout(timer);
        return result;
      }
      return exited;
    },
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

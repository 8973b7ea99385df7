/**
 * Proving-queue benchmark: coverage claims proved per minute by 1 and by 2 worker processes
 * (src/entry-points/worker.ts) on one machine, and the queue's overhead per job: median
 * end-to-end time of a job sent alone to 1 worker (enqueue -> completed, seen by the producer)
 * minus the median time of the same proof made directly in-process (ClaimProver.prove).
 *
 * Each phase warms its workers up (one job per worker) before it is timed. Redis runs with AOF
 * and `appendfsync everysec`.
 *
 *   npm run bench:workers [-- --jobs 12 --serial 6]
 * Ends with one JSON line of the figures.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ClaimProver,
  loadPrimitives,
  parseSnapshot,
  randomSalt,
  type ClaimParams,
} from '../src/prover';
import { newSignerKey, webCryptoSigner } from '../src/common/p256-signer';
import { putSignerKey, putSnapshot } from '../test/support/file-store';
import { createProvingQueue, type ProvingQueue } from '../src/prover/queue/proving-queue';
import { startRedis } from '../test/support/redis-server';
import { spawnWorker, type WorkerProcess } from '../test/support/worker-process';
import { terminateSnarkjsCurve } from '../src/common/snarkjs-teardown';

const PARAMS: ClaimParams = { claim: 'coverage', minCoverageBps: 12000 };
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

let nextContext = 1;
const enqueue = (queue: ProvingQueue) =>
  queue.enqueueClaim({
    snapshotId: 'bench',
    signerKeyId: 'bench',
    params: PARAMS,
    context: String(nextContext++),
  });

/** Waits for a job; returns the worker's proof time. */
async function expectCompleted(queue: ProvingQueue, jobId: string): Promise<number> {
  const s = await queue.waitForJob(jobId, 300_000);
  if (s.state !== 'completed') {
    throw new Error(`job ${jobId} ended ${s.state}: ${s.failure?.code} ${s.failure?.message}`);
  }
  return s.proveMs ?? 0;
}

/** Claims per minute: `jobs` jobs enqueued at once, timed until the last one completed. */
async function throughput(queue: ProvingQueue, jobs: number): Promise<number> {
  const started = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < jobs; i++) ids.push(await enqueue(queue));
  for (const id of ids) await expectCompleted(queue, id); // one listener at a time
  return (jobs / (performance.now() - started)) * 60_000;
}

async function main() {
  const jobs = arg('jobs', 24);
  const serial = arg('serial', 6);
  const redis = await startRedis('everysec');
  const dir = mkdtempSync(join(tmpdir(), 'zkattest-bench-workers-'));
  // One core per worker process (the deployment model), unless --all-threads.
  const singleThread = !process.argv.includes('--all-threads');
  const sourceDir = join(dir, 'source');
  const sinkDir = join(dir, 'sink');
  const text = readFileSync(join(__dirname, '..', 'examples', 'snapshot.json'), 'utf8');
  const snapshot = parseSnapshot(text, 'json');
  const salt = randomSalt();
  const p = await loadPrimitives();
  const key = await newSignerKey();
  const signer = await webCryptoSigner(key);
  putSnapshot(sourceDir, 'bench', text, salt);
  putSignerKey(sourceDir, 'bench', key);
  const queue = createProvingQueue(redis.url);
  const start = async (n: number): Promise<WorkerProcess[]> => {
    const ws = Array.from({ length: n }, () =>
      spawnWorker({
        redisUrl: redis.url,
        files: { sourceDir, sinkDir },
        extraEnv: singleThread ? { ZKATTEST_PROVER_THREADS: '1' } : {},
      }),
    );
    await Promise.all(ws.map((w) => w.ready));
    // Warm-up: one job per worker (snarkjs builds its curve and threads on the first proof).
    const warm = await Promise.all(ws.map(() => enqueue(queue)));
    await Promise.all(warm.map((id) => expectCompleted(queue, id)));
    return ws;
  };
  const stop = (ws: WorkerProcess[]) => Promise.all(ws.map((w) => w.stop()));

  try {
    // 1 worker: throughput, then jobs one at a time for the end-to-end latency, alternating
    // with the same proof made directly in this process (the worker idles meanwhile), so that
    // both see the same machine load.
    const prover = new ClaimProver(p);
    const proveDirect = () =>
      prover.prove({ snapshot, salt, signer, params: PARAMS, context: BigInt(nextContext++) });
    await proveDirect(); // warm-up
    let ws = await start(1);
    const perMinute1 = await throughput(queue, jobs);
    const e2e: number[] = [];
    const direct: number[] = [];
    const overhead: number[] = [];
    for (let i = 0; i < serial; i++) {
      let t0 = performance.now();
      await proveDirect();
      direct.push(performance.now() - t0);
      t0 = performance.now();
      const workerProveMs = await expectCompleted(queue, await enqueue(queue));
      const total = performance.now() - t0;
      e2e.push(total);
      // Everything but the worker's own witness + proof: queueing, loading, saving, notifying.
      overhead.push(total - workerProveMs);
    }
    await stop(ws);

    ws = await start(2);
    const perMinute2 = await throughput(queue, jobs);
    await stop(ws);

    const e2eMs = median(e2e);
    const directMs = median(direct);
    const scaling = perMinute2 / perMinute1;
    const rows: [string, string][] = [
      [`claims/min, 1 worker process (${jobs} jobs)`, perMinute1.toFixed(1)],
      [`claims/min, 2 worker processes (${jobs} jobs)`, perMinute2.toFixed(1)],
      ['scaling 2 vs 1', `${scaling.toFixed(2)}x`],
      [`median direct proof, in-process (${serial})`, `${Math.round(directMs)} ms`],
      [`median job end to end, 1 worker, one by one (${serial})`, `${Math.round(e2eMs)} ms`],
      [
        "queue overhead per job (end to end minus the worker's proof time)",
        `${Math.round(median(overhead))} ms`,
      ],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
    await terminateSnarkjsCurve();
    console.log(
      JSON.stringify({
        bench: 'workers',
        proverThreads: singleThread ? 1 : 'all',
        perMinute1: Number(perMinute1.toFixed(1)),
        perMinute2: Number(perMinute2.toFixed(1)),
        scaling: Number(scaling.toFixed(2)),
        queueOverheadMs: Math.round(median(overhead)),
        directProofMs: Math.round(directMs),
        jobEndToEndMs: Math.round(e2eMs),
      }),
    );
  } finally {
    await queue.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/**
 * Proving-queue benchmark: coverage claims proved per minute by 1 and by 2 worker processes
 * (src/entry-points/worker.ts) on one machine, and the queue's overhead per job: median
 * end-to-end time of a job sent alone to 1 worker (enqueue -> completed, seen by the producer)
 * minus the median time of the same proof made directly in-process (ClaimProver.prove).
 *
 * Each phase warms its workers up (`--warmup` jobs per worker, default 6) before it is timed:
 * V8 compiles the circuits' and the curve's wasm to optimised code in background threads
 * during a process's first ~5 proofs (~1.5-2 s of CPU), which, with 2 workers on 2 cores, is
 * taken from the other worker's proofs; one warm-up job each left most of it in the timed
 * phase. Redis runs with AOF
 * and `appendfsync everysec`. Each timed phase also reports (Linux /proc) the CPU each worker
 * process used, in cores, the machine's busy cores and the part of them no process of the
 * benchmark used (`otherCores`: load from elsewhere, which makes the run noisy), and each
 * worker's peak resident memory.
 *
 *   npm run bench:workers [-- --jobs 24 --serial 6 --warmup 6]
 * Ends with one JSON line of the figures.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
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
import { peakRssMbOf, startCpuMeter, type CpuFigures } from './proc-stats';

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

interface Phase {
  perMinute: number;
  /** The workers' CPU per claim, ms: all their threads, and their main threads alone. */
  cpuMsPerClaim?: number;
  mainThreadMsPerClaim?: number;
  cpu?: CpuFigures;
  /** Peak resident memory of each worker process over its life, MiB. */
  peakRssMb: (number | undefined)[];
}

/**
 * Claims per minute: `jobs` jobs enqueued at once, timed until the last one completed; with
 * the CPU the workers, this process and Redis used meanwhile.
 */
async function throughput(
  queue: ProvingQueue,
  jobs: number,
  ws: WorkerProcess[],
  redisPid: number | undefined,
): Promise<Phase> {
  const pids: Record<string, number> = Object.fromEntries(
    ws.map((w, i) => [`worker${i + 1}`, w.pid]),
  );
  if (redisPid !== undefined) pids.redis = redisPid;
  const meter = startCpuMeter(pids);
  const started = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < jobs; i++) ids.push(await enqueue(queue));
  for (const id of ids) await expectCompleted(queue, id); // one listener at a time
  const wallMs = performance.now() - started;
  const cpu = meter.stop();
  const perClaim = (cores: Record<string, number> | undefined) => {
    if (!cores) return undefined;
    const sum = ws.reduce((total, _, i) => total + (cores[`worker${i + 1}`] ?? 0), 0);
    return Math.round((sum * wallMs) / jobs);
  };
  return {
    perMinute: (jobs / wallMs) * 60_000,
    cpu,
    cpuMsPerClaim: perClaim(cpu?.cores),
    mainThreadMsPerClaim: perClaim(cpu?.mainThreadCores),
    peakRssMb: ws.map((w) => peakRssMbOf(w.pid)),
  };
}

/** The redis-server's pid, from its pidfile. */
function pidOf(redis: { dir: string }): number | undefined {
  try {
    return Number(readFileSync(join(redis.dir, 'redis.pid'), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

async function main() {
  const jobs = arg('jobs', 24);
  const serial = arg('serial', 6);
  const warmup = arg('warmup', 6);
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
    // Warm-up: the curve is built on the first proof, the wasm optimised over the first few.
    const warm: string[] = [];
    for (let i = 0; i < warmup * n; i++) warm.push(await enqueue(queue));
    for (const id of warm) await expectCompleted(queue, id);
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
    for (let i = 0; i < warmup; i++) await proveDirect(); // warm-up, as the workers'
    const loadBefore = loadavg()[0]!;
    let ws = await start(1);
    const one = await throughput(queue, jobs, ws, pidOf(redis));
    const perMinute1 = one.perMinute;
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
    const two = await throughput(queue, jobs, ws, pidOf(redis));
    const perMinute2 = two.perMinute;
    await stop(ws);
    const loadAfter = loadavg()[0]!;

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
      ...[one, two].map((phase, i): [string, string] => [
        `CPU, ${i + 1} worker(s): cores per process, machine busy, other load`,
        phase.cpu
          ? `${JSON.stringify(phase.cpu.cores)} busy ${phase.cpu.machineBusyCores}/` +
            `${phase.cpu.machineCores} other ${phase.cpu.otherCores}`
          : 'n/a (no /proc)',
      ]),
      [
        "workers' CPU per claim, ms: all threads / main threads (1 worker; 2 workers)",
        `${one.cpuMsPerClaim}/${one.mainThreadMsPerClaim}; ` +
          `${two.cpuMsPerClaim}/${two.mainThreadMsPerClaim}`,
      ],
      [
        'peak RSS per worker process, MiB (1 worker; 2 workers)',
        `${one.peakRssMb.join(', ')}; ${two.peakRssMb.join(', ')}`,
      ],
      ['load average (1 min) before; after', `${loadBefore.toFixed(2)}; ${loadAfter.toFixed(2)}`],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
    await terminateSnarkjsCurve();
    console.log(
      JSON.stringify({
        bench: 'workers',
        proverThreads: singleThread ? 1 : 'all',
        warmupJobsPerWorker: warmup,
        perMinute1: Number(perMinute1.toFixed(1)),
        perMinute2: Number(perMinute2.toFixed(1)),
        scaling: Number(scaling.toFixed(2)),
        queueOverheadMs: Math.round(median(overhead)),
        directProofMs: Math.round(directMs),
        jobEndToEndMs: Math.round(e2eMs),
        // Per phase: cores each worker process used, the machine's busy cores, the load from
        // outside the benchmark (otherCores), and each worker's peak RSS (MiB).
        cpu1: one.cpu,
        cpu2: two.cpu,
        cpuMsPerClaim: [one.cpuMsPerClaim, two.cpuMsPerClaim],
        mainThreadMsPerClaim: [one.mainThreadMsPerClaim, two.mainThreadMsPerClaim],
        peakRssMb1: one.peakRssMb,
        peakRssMb2: two.peakRssMb,
        loadAvg: [Number(loadBefore.toFixed(2)), Number(loadAfter.toFixed(2))],
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

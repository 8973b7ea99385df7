/**
 * A worker_threads pool for the per-proof part of a large batch (G2 subgroup test of pi_b,
 * r_i A_i, the Miller loops): each thread returns its share's partial product in GT, the
 * caller multiplies them and does the one final exponentiation.
 *
 * The thread's code is the plain JavaScript below plus the kernel's (pairing-kernel.ts),
 * started with `eval: true` and told where mcl-wasm lives: it runs the same under tsx,
 * ts-jest or compiled output, with no file to locate. Threads are unref'd whenever no task is pending, so an idle pool never keeps a
 * process alive; closePairingPool (called by the snarkjs teardown) ends them.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { KERNEL_SOURCE, type ShareResult, type ShareTask } from './pairing-kernel';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const mcl = require(workerData.mcl);
const raw = require(workerData.mclRaw);
const kernel = mcl.init(mcl.BN_SNARK1).then(() => {
  mcl.verifyOrderG1(false);
  mcl.verifyOrderG2(false);
  return new Function('mcl', 'raw', workerData.kernel)(mcl, raw);
});
parentPort.on('message', ({ id, task }) => {
  kernel
    .then((k) => parentPort.postMessage({ id, result: k.share(task) }))
    .catch((err) => parentPort.postMessage({ id, error: String(err) }));
});
`;

interface Pending {
  resolve(result: ShareResult): void;
  reject(err: Error): void;
}

interface Reply {
  id: number;
  result?: ShareResult;
  error?: string;
}

class PairingPool {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  constructor(private readonly workers: Worker[]) {
    for (const worker of workers) {
      worker.unref();
      worker.on('message', (reply: Reply) => this.settle(reply));
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', () => this.fail(new Error('pairing pool thread exited')));
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Runs one share per thread (at most `size` shares) and answers in their order. */
  run(tasks: ShareTask[]): Promise<ShareResult[]> {
    return Promise.all(tasks.map((task, i) => this.send(this.workers[i % this.size]!, task)));
  }

  private send(worker: Worker, task: ShareTask): Promise<ShareResult> {
    const id = this.nextId++;
    return new Promise<ShareResult>((resolve, reject) => {
      if (this.closed) return reject(new Error('pairing pool closed'));
      // A pending task keeps the process alive until its answer comes back.
      if (this.pending.size === 0) for (const w of this.workers) w.ref();
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, task });
    });
  }

  private settle({ id, result, error }: Reply): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    if (this.pending.size === 0) for (const w of this.workers) w.unref();
    if (result) pending.resolve(result);
    else pending.reject(new Error(`pairing pool thread failed: ${error}`));
  }

  /** Ends the pool; tasks still pending are rejected (their batch goes on inline). */
  private fail(err: Error): void {
    for (const { reject } of this.pending.values()) reject(err);
    this.pending.clear();
    if (pool === this) pool = undefined; // the next batch starts a fresh pool
    void this.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.fail(new Error('pairing pool closed'));
  }
}

/** Batches from this many proofs up go to the pool (smaller ones cost less inline). */
const DEFAULT_MIN_BATCH = 8;

let pool: PairingPool | undefined;
let settings = { size: availableParallelism(), minBatch: DEFAULT_MIN_BATCH };

/**
 * Tunes the pool: `size` threads (default os.availableParallelism(); below 2 it is never
 * used), used for groups of at least `minBatch` proofs. Closes a running pool.
 */
export async function configurePairingPool(options: {
  size?: number;
  minBatch?: number;
}): Promise<void> {
  await closePairingPool();
  settings = {
    size: options.size ?? availableParallelism(),
    minBatch: options.minBatch ?? DEFAULT_MIN_BATCH,
  };
}

/** The pool for a group of `n` proofs, or undefined when the group should run inline. */
export function poolFor(n: number): PairingPool | undefined {
  if (settings.size < 2 || n < settings.minBatch) return undefined;
  pool ??= new PairingPool(
    Array.from(
      { length: settings.size },
      () =>
        new Worker(WORKER_SOURCE, {
          eval: true,
          workerData: {
            mcl: require.resolve('mcl-wasm'),
            mclRaw: require.resolve('mcl-wasm/dist/mcl'),
            kernel: KERNEL_SOURCE,
          },
        }),
    ),
  );
  return pool;
}

/** Ends the pool's threads (if any); a later large batch starts a new pool. */
export async function closePairingPool(): Promise<void> {
  const running = pool;
  pool = undefined;
  await running?.close();
}

/**
 * Large claims on the worker fleet (LARGESPEC §7), on a real redis-server: the claim's job
 * splits into chunk jobs that two real worker processes prove in parallel, the final proof
 * is made once they completed; progress per chunk on the job status, `zkattest queue watch`
 * and the onshore API; a chunk that fails for good fails the claim with its code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import request from 'supertest';
import { QUEUE_COMMAND } from '../../../src/cli/queue-command';
import { ZkAttestError } from '../../../src/common/errors';
import { randomSalt } from '../../../src/prover';
import { decodeChunkJob } from '../../../src/prover/queue/job-payload';
import {
  chunkProgressLine,
  createProvingQueue,
  PROVING_QUEUE,
  type ProvingJobStatus,
  type ProvingQueue,
} from '../../../src/prover/queue/proving-queue';
import { startProvingWorker, type SnapshotSource } from '../../../src/prover/queue/proving-worker';
import { masterKeysFromEnv } from '../../../src/prover/vault';
import { VerificationKeyRegistry, verifyPackage } from '../../../src/verifier';
import {
  FilePackageSink,
  FileSnapshotSource,
  putSignerKey,
  putSnapshot,
} from '../../support/file-store';
import {
  AUDITOR,
  as,
  buildTestOnshoreService,
  testMasterEnv,
  testSignerKey,
} from '../../support/onshore-harness';
import { largeSnapshotJson } from '../../support/large-snapshot';
import { startRedis, type RedisServer } from '../../support/redis-server';
import { spawnWorker, type WorkerProcess } from '../../support/worker-process';

const POSITIONS = 100; // 4 chunks of 32 slots
const CHUNKS = 4;
const COVERAGE = { claim: 'coverage' as const, minCoverageBps: 12000 };

let redis: RedisServer;
let dir: string;
let sourceDir: string;
let sinkDir: string;
let queue: ProvingQueue;
const workers: WorkerProcess[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  redis = await startRedis('everysec');
  dir = mkdtempSync(join(tmpdir(), 'zkattest-large-queue-'));
  sourceDir = join(dir, 'source');
  sinkDir = join(dir, 'sink');
  putSnapshot(sourceDir, 'large-1', largeSnapshotJson(POSITIONS), randomSalt());
  putSignerKey(sourceDir, 'signer-1', await testSignerKey(1));
  queue = createProvingQueue(redis.url, { backoffMs: 100 });
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill9()));
  await queue?.close();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('chunk job payloads', () => {
  it('carry the snapshot id and the chunk index only', () => {
    const ok = { v: 2, snapshotId: 'large-1', chunks: 4, chunk: 3 };
    expect(decodeChunkJob(ok)).toEqual(ok);
    for (const bad of [
      { ...ok, salt: '12' },
      { ...ok, positions: [] },
      { ...ok, chunk: 4 },
      { ...ok, chunks: 3 },
      { ...ok, chunks: 256 },
      { ...ok, snapshotId: '../x' },
    ]) {
      expect(() => decodeChunkJob(bad)).toThrow(ZkAttestError);
    }
  });

  it('print one watch line per large claim', () => {
    expect(chunkProgressLine('job-7', { done: 37, total: 128 })).toBe('claim job-7: 37/128 chunks');
  });
});

describe('a large claim on two worker processes', () => {
  it('is proved chunk by chunk in parallel, shows its progress, verifies; a second claim reuses the chunk proofs', async () => {
    for (let i = 0; i < 2; i++) {
      workers.push(spawnWorker({ redisUrl: redis.url, files: { sourceDir, sinkDir } }));
    }
    await Promise.all(workers.map((w) => w.ready));
    const jobId = await queue.enqueueClaim(
      { snapshotId: 'large-1', signerKeyId: 'signer-1', params: COVERAGE, context: '7' },
      { jobId: 'large-claim-1' },
    );

    const seen: number[] = [];
    const raw: unknown[] = []; // the claim job's own progress, as BullMQ keeps it
    const bull = new Queue(PROVING_QUEUE, { connection: { host: '127.0.0.1', port: redis.port } });
    const watchLines: string[] = [];
    const apiChunks: unknown[] = [];
    const previousUrl = process.env.REDIS_URL;
    process.env.REDIS_URL = redis.url;
    const onshore = buildTestOnshoreService({
      redisUrl: redis.url,
      masterKeys: await masterKeysFromEnv(testMasterEnv()),
    });
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    let status: ProvingJobStatus;
    try {
      const deadline = Date.now() + 240_000;
      for (;;) {
        status = await queue.jobStatus(jobId);
        if (status.chunks) seen.push(status.chunks.done);
        raw.push((await bull.getJob(jobId))?.progress);
        if (status.state === 'completed' || status.state === 'failed') break;
        if (status.chunks && status.chunks.done < CHUNKS && watchLines.length === 0) {
          // Mid-claim: `zkattest queue watch --once` and the onshore API show the chunks.
          log.mockClear();
          await QUEUE_COMMAND.run({ once: true, interval: '2' }, []);
          watchLines.push(...log.mock.calls.map((c) => String(c[0])));
          const res = await request(onshore.app).get(`/v1/jobs/${jobId}`).set(as(AUDITOR));
          expect(res.status).toBe(200);
          apiChunks.push(res.body.chunks);
        }
        if (Date.now() > deadline) throw new Error('the large claim did not finish');
        await sleep(50);
      }
    } finally {
      log.mockRestore();
      process.env.REDIS_URL = previousUrl;
      await onshore.close();
      await bull.close();
    }

    expect(status).toMatchObject({ state: 'completed', chunks: { done: CHUNKS, total: CHUNKS } });
    // Progress went 0..C, never backwards.
    expect(seen[0]).toBe(0);
    expect(seen.at(-1)).toBe(CHUNKS);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(watchLines.join('\n')).toMatch(
      new RegExp(`^claim ${jobId}: [0-${CHUNKS - 1}]/${CHUNKS} chunks$`, 'm'),
    );
    expect(apiChunks[0]).toEqual({ done: expect.any(Number), total: CHUNKS });
    // The workers record {done, total} on the claim's job as its chunks complete.
    expect(raw).toContainEqual({ done: 0, total: CHUNKS });
    expect(raw.some((p) => [1, 2, 3].includes((p as { done?: number })?.done ?? -1))).toBe(true);
    expect(raw.at(-1)).toEqual({ done: CHUNKS, total: CHUNKS });

    // Both workers proved chunks; every chunk was proved once.
    const chunkJobsOf = (w: WorkerProcess) =>
      w.events
        .filter((e) => e.event === 'completed' && typeof e.chunk === 'number')
        .map((e) => e.chunk as number);
    const [a, b] = workers.map(chunkJobsOf) as [number[], number[]];
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    expect([...a, ...b].sort()).toEqual([0, 1, 2, 3]);

    const pkg = await new FilePackageSink(sinkDir).get(jobId);
    expect(pkg?.circuitId).toBe('coverage-4096');
    expect(pkg?.chunks).toHaveLength(CHUNKS);
    const registry = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true });
    const verdict = await verifyPackage(pkg!, registry);
    expect(verdict).toMatchObject({ valid: true, claim: 'coverage', reasons: [] });

    // A second claim on the snapshot reuses its chunk proofs (public data, cached per snapshot).
    const second = await queue.enqueueClaim(
      { snapshotId: 'large-1', signerKeyId: 'signer-1', params: COVERAGE, context: '9' },
      { jobId: 'large-claim-1b' },
    );
    const before = workers.map((w) => w.events.length);
    expect(await queue.waitForJob(second, 120_000)).toMatchObject({ state: 'completed' });
    const reused = workers.flatMap((w, i) =>
      w.events.slice(before[i]).filter((e) => e.event === 'completed' && 'chunk' in e),
    );
    expect(reused).toHaveLength(CHUNKS);
    expect(reused.every((e) => e.cached === true)).toBe(true);
    const again = await new FilePackageSink(sinkDir).get(second);
    expect(again?.chunks).toEqual(pkg?.chunks);
    expect(await verifyPackage(again!, registry)).toMatchObject({ valid: true, reasons: [] });
  }, 300_000);
});

describe('a large claim that fails', () => {
  it('fails with the code of a chunk that fails for good', async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    const queueName = 'zkattest-prove-failing';
    const files = new FileSnapshotSource(sourceDir);
    let loads = 0;
    // The claim's own job reads the snapshot; every chunk job after it finds it gone.
    const source: SnapshotSource = {
      load: async (id) => {
        if (++loads > 1) throw new ZkAttestError('VAULT_NOT_FOUND', 'no such snapshot');
        return files.load(id);
      },
      signer: (id) => files.signer(id),
    };
    const failing = createProvingQueue(redis.url, { queueName, backoffMs: 100 });
    const worker = await startProvingWorker({
      redisUrl: redis.url,
      queueName,
      source,
      sink: new FilePackageSink(join(dir, 'sink-failing')),
    });
    try {
      const jobId = await failing.enqueueClaim(
        { snapshotId: 'large-1', signerKeyId: 'signer-1', params: COVERAGE, context: '8' },
        { jobId: 'large-claim-2' },
      );
      const status = await failing.waitForJob(jobId, 60_000);
      expect(status.state).toBe('failed');
      expect(status.failure).toEqual({
        code: 'VAULT_NOT_FOUND',
        message: expect.stringMatching(/^chunk [0-3] failed: no such snapshot$/),
      });
      expect(status.chunks).toEqual({ done: 0, total: CHUNKS });
    } finally {
      await worker.close();
      await failing.close();
    }
  }, 120_000);

  it('proves no chunk for a claim the book does not satisfy', async () => {
    const queueName = 'zkattest-prove-unsatisfied';
    const unsatisfied = createProvingQueue(redis.url, { queueName, backoffMs: 100 });
    const worker = await startProvingWorker({
      redisUrl: redis.url,
      queueName,
      source: new FileSnapshotSource(sourceDir),
      sink: new FilePackageSink(join(dir, 'sink-unsatisfied')),
    });
    try {
      const jobId = await unsatisfied.enqueueClaim({
        snapshotId: 'large-1',
        signerKeyId: 'signer-1',
        params: { claim: 'coverage', minCoverageBps: 60000 },
        context: '10',
      });
      const status = await unsatisfied.waitForJob(jobId, 60_000);
      expect(status).toMatchObject({ state: 'failed', attemptsMade: 1 });
      expect(status.failure?.code).toBe('CLAIM_NOT_SATISFIED');
      expect(status.chunks).toBeUndefined(); // no chunk job was added
      expect((await unsatisfied.counts()).completed).toBe(0);
    } finally {
      await worker.close();
      await unsatisfied.close();
    }
  }, 120_000);
});

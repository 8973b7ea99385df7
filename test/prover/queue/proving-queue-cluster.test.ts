/**
 * The proving queue on a real 3-master Redis Cluster (test/support/redis-cluster.ts): a
 * producer and a worker process configured with REDIS_CLUSTER_NODES, a real coverage proof.
 * BullMQ's scripts touch several keys of a queue at once; on a cluster they only run if the
 * queue's keys share a slot (queuePrefix's hash tag).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomSalt } from '../../../src/prover';
import {
  createProvingQueue,
  PROVING_QUEUE,
  type ProvingQueue,
} from '../../../src/prover/queue/proving-queue';
import { VerificationKeyRegistry, verifyPackage } from '../../../src/verifier';
import { FilePackageSink, putSignerKey, putSnapshot } from '../../support/file-store';
import { testSignerKey } from '../../support/onshore-harness';
import { startRedisCluster, type RedisCluster } from '../../support/redis-cluster';
import { spawnWorker, type WorkerProcess } from '../../support/worker-process';

const SAMPLE = join(__dirname, '..', '..', '..', 'examples', 'snapshot.json');
const COVERAGE = { claim: 'coverage' as const, minCoverageBps: 12000 };

let cluster: RedisCluster;
let dir: string;
let sink: FilePackageSink;
let queue: ProvingQueue;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  cluster = await startRedisCluster();
  dir = mkdtempSync(join(tmpdir(), 'zkattest-queue-cluster-'));
  const sourceDir = join(dir, 'source');
  const sinkDir = join(dir, 'sink');
  putSnapshot(sourceDir, 'snap-1', readFileSync(SAMPLE, 'utf8'), randomSalt());
  putSignerKey(sourceDir, 'signer-1', await testSignerKey(1));
  sink = new FilePackageSink(sinkDir);
  queue = createProvingQueue(cluster.target, { backoffMs: 100 });
  worker = spawnWorker({
    redisUrl: { clusterNodes: cluster.nodesVariable },
    files: { sourceDir, sinkDir },
  });
  await worker.ready;
});

afterAll(async () => {
  await worker?.stop();
  await queue?.close();
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('proving queue on a Redis Cluster', () => {
  it('a job enqueued by the producer is proved by a worker; the producer sees the result', async () => {
    const jobId = await queue.enqueueClaim({
      snapshotId: 'snap-1',
      signerKeyId: 'signer-1',
      params: COVERAGE,
      context: '42',
    });
    const done = await queue.waitForJob(jobId, 60_000);
    expect(done).toMatchObject({ jobId, state: 'completed', progress: 100, attemptsMade: 1 });
    expect(done.packageId).toMatch(/^[0-9a-f]{64}$/);
    const pkg = await sink.get(jobId);
    const registry = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true });
    expect(await verifyPackage(pkg!, registry)).toMatchObject({ valid: true, claim: 'coverage' });
    expect((await queue.counts()).completed).toBe(1);
    expect(await queue.jobStatus(jobId)).toEqual(done);
  });

  it("keeps each queue's keys in one slot (a hash tag), none under the plain prefix", async () => {
    const tagged = await cluster.keysPerNode(`bull:{${PROVING_QUEUE}}:*`);
    expect(tagged.filter((n) => n > 0)).toHaveLength(1);
    expect(tagged.reduce((a, b) => a + b, 0)).toBeGreaterThan(2);
    expect(await cluster.keysPerNode(`bull:${PROVING_QUEUE}:*`)).toEqual([0, 0, 0]);
  });

  it('holds a co-signed claim and queues it on release', async () => {
    const setId = 'ab'.repeat(32);
    const claim = { snapshotId: 'snap-1', setId, params: COVERAGE, context: '7' };
    const jobId = await queue.holdClaim(claim, { jobId: 'held-on-cluster' });
    expect((await queue.jobStatus(jobId)).state).toBe('awaiting-signatures');
    expect(await queue.releaseHeld(setId, 'snap-1')).toEqual([jobId]);
    // Queued now (the fixture source knows no such set: the worker fails it, which is fine).
    expect(['waiting', 'active', 'failed', 'delayed']).toContain(
      (await queue.jobStatus(jobId)).state,
    );
  });
});

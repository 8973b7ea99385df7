/**
 * A large claim's flow on a real 3-master Redis Cluster: the claim's job, its chunk jobs and
 * their results all live under the queue's hash tag (BullMQ's flow scripts touch the parent's
 * and the child's keys at once), a worker process proves the chunks and the final proof.
 */
import { mkdtempSync, rmSync } from 'node:fs';
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
import { largeSnapshotJson } from '../../support/large-snapshot';
import { testSignerKey } from '../../support/onshore-harness';
import { startRedisCluster, type RedisCluster } from '../../support/redis-cluster';
import { spawnWorker, type WorkerProcess } from '../../support/worker-process';

const COVERAGE = { claim: 'coverage' as const, minCoverageBps: 12000 };

let cluster: RedisCluster;
let dir: string;
let sink: FilePackageSink;
let queue: ProvingQueue;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  cluster = await startRedisCluster();
  dir = mkdtempSync(join(tmpdir(), 'zkattest-large-cluster-'));
  const sourceDir = join(dir, 'source');
  const sinkDir = join(dir, 'sink');
  putSnapshot(sourceDir, 'large-1', largeSnapshotJson(64), randomSalt());
  putSignerKey(sourceDir, 'signer-1', await testSignerKey(1));
  sink = new FilePackageSink(sinkDir);
  queue = createProvingQueue(cluster.target, { backoffMs: 100 });
  worker = spawnWorker({
    redisUrl: { clusterNodes: cluster.nodesVariable },
    files: { sourceDir, sinkDir },
  });
  await worker.ready;
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await queue?.close();
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a large claim on a Redis Cluster', () => {
  it('runs as a flow of chunk jobs under the queue hash tag and verifies', async () => {
    const jobId = await queue.enqueueClaim(
      { snapshotId: 'large-1', signerKeyId: 'signer-1', params: COVERAGE, context: '9' },
      { jobId: 'large-on-cluster' },
    );
    const done = await queue.waitForJob(jobId, 120_000);
    expect(done).toMatchObject({ state: 'completed', chunks: { done: 2, total: 2 } });
    const pkg = await sink.get(jobId);
    expect(pkg?.chunks).toHaveLength(2);
    const registry = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true });
    expect(await verifyPackage(pkg!, registry)).toMatchObject({ valid: true, claim: 'coverage' });
    const tagged = await cluster.keysPerNode(`bull:{${PROVING_QUEUE}}:*`);
    expect(tagged.filter((n) => n > 0)).toHaveLength(1);
    expect(await cluster.keysPerNode(`bull:${PROVING_QUEUE}:*`)).toEqual([0, 0, 0]);
  }, 180_000);
});

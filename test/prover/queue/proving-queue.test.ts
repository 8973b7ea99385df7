/**
 * The proving queue on a real redis-server with real worker processes (the worker loop of
 * src/entry-points/worker.ts over fixture files: test/support/fixture-worker.ts).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import IORedis from 'ioredis';
import { packageId } from '../../../src/common/attestation-package';
import { findLeaks, parseSnapshot, randomSalt, sensitiveStrings } from '../../../src/prover';
import { FilePackageSink, putSignerKey, putSnapshot } from '../../support/file-store';
import {
  MULTI_SNAPSHOT,
  signedFx,
  testSignerKey,
  USD_CNY_HKD,
} from '../../support/onshore-harness';
import { loadSnapshotFile } from '../../../src/prover/snapshot/ingest-snapshot';
import { assertIdsOnly, decodeJob, encodeJob } from '../../../src/prover/queue/job-payload';
import {
  createProvingQueue,
  PROVING_QUEUE,
  type ProvingQueue,
} from '../../../src/prover/queue/proving-queue';
import { VerificationKeyRegistry, verifyPackage } from '../../../src/verifier';
import { startRedis, type RedisServer } from '../../support/redis-server';
import { spawnWorker, type WorkerProcess } from '../../support/worker-process';

const SAMPLE = join(__dirname, '..', '..', '..', 'examples', 'snapshot.json');
const SNAPSHOT_TEXT = readFileSync(SAMPLE, 'utf8');
const snapshot = parseSnapshot(SNAPSHOT_TEXT, 'json');
const salt = randomSalt();
const COVERAGE = { claim: 'coverage' as const, minCoverageBps: 12000 };
// Short enough for a test to see a killed worker's job recovered within seconds, long enough
// that a live worker's renewal (every 2 s) never misses it during a ~1 s proof.
const LOCK_MS = 4000;
const STALLED_MS = 1000;

let redis: RedisServer;
let dir: string;
let sourceDir: string;
let sinkDir: string;
let sink: FilePackageSink;
let queue: ProvingQueue;
const workers: WorkerProcess[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function worker(): WorkerProcess {
  const w = spawnWorker({
    redisUrl: redis.url,
    files: { sourceDir, sinkDir },
    lockDurationMs: LOCK_MS,
    stalledIntervalMs: STALLED_MS,
  });
  workers.push(w);
  return w;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Every value of every key in the Redis db, as text. */
async function dumpRedis(url: string): Promise<{ keys: number; text: string }> {
  const r = new IORedis(url);
  try {
    const keys = await r.keys('*');
    const parts: string[] = [];
    for (const key of keys) {
      const type = await r.type(key);
      parts.push(key);
      if (type === 'string') parts.push((await r.get(key)) ?? '');
      else if (type === 'hash') parts.push(JSON.stringify(await r.hgetall(key)));
      else if (type === 'list') parts.push(...(await r.lrange(key, 0, -1)));
      else if (type === 'set') parts.push(...(await r.smembers(key)));
      else if (type === 'zset') parts.push(...(await r.zrange(key, 0, -1, 'WITHSCORES')));
      else if (type === 'stream') parts.push(JSON.stringify(await r.xrange(key, '-', '+')));
      else parts.push(`(${type})`);
    }
    return { keys: keys.length, text: parts.join('\n') };
  } finally {
    r.disconnect();
  }
}

async function expectVerifiedPackage(jobId: string, expectedPackageId?: string) {
  const pkg = await sink.get(jobId);
  expect(pkg).toBeDefined();
  const registry = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true });
  const verdict = await verifyPackage(pkg!, registry);
  expect(verdict).toMatchObject({ valid: true, claim: 'coverage', reasons: [] });
  if (expectedPackageId) expect(packageId(pkg!)).toBe(expectedPackageId);
  return verdict;
}

beforeAll(async () => {
  redis = await startRedis('everysec');
  dir = mkdtempSync(join(tmpdir(), 'zkattest-queue-'));
  sourceDir = join(dir, 'source');
  sinkDir = join(dir, 'sink');
  putSnapshot(sourceDir, 'snap-1', SNAPSHOT_TEXT, salt);
  putSignerKey(sourceDir, 'signer-1', await testSignerKey(1));
  // The three-currency example as snapshot JSON, with its signed FX table beside it.
  const multi = loadSnapshotFile(MULTI_SNAPSHOT);
  const cents = (v: bigint) => `${v / 100n}.${(v % 100n).toString().padStart(2, '0')}`;
  const multiJson = JSON.stringify({
    asOf: multi.asOf,
    currency: multi.currency,
    decimals: multi.decimals,
    liabilities: cents(multi.liabilities),
    positions: multi.positions.map((p) => ({
      identifier: p.identifier,
      assetClass: p.assetClass,
      value: cents(p.value),
      haircutBps: p.haircutBps,
      yieldBps: p.yieldBps,
      currency: p.currency,
    })),
  });
  putSnapshot(sourceDir, 'multi-1', multiJson, salt, await signedFx(USD_CNY_HKD, multi.asOf));
  sink = new FilePackageSink(sinkDir);
  queue = createProvingQueue(redis.url, { backoffMs: 100 });
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill9()));
  await queue?.close();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('job payloads', () => {
  it('carry ids and public parameters only, in the canonical encoding', () => {
    const data = encodeJob({
      snapshotId: 'snap-1',
      signerKeyId: 'signer-1',
      params: { claim: 'concentration', maxShareBps: 2000, allowedClasses: [4, 0, 1, 2, 3, 3] },
      context: '0xfeed',
    });
    const canonical = {
      claim: 'concentration',
      maxShareBps: 2000,
      allowedClasses: [0, 1, 2, 3, 4],
    };
    expect(data).toEqual({
      v: 2,
      snapshotId: 'snap-1',
      signerKeyId: 'signer-1',
      params: canonical,
      context: '65261',
    });
    expect(decodeJob(JSON.parse(JSON.stringify(data))).params).toEqual(canonical);
    // A job queued by an older service carries the mask as a decimal string: still read.
    const legacy = { ...data, params: { ...canonical, allowedClasses: '31' } };
    expect(decodeJob(legacy).params).toEqual(canonical);
  });

  it('name the vault signer key or a co-signing set by id, exactly one of them', () => {
    const setId = 'ab'.repeat(32);
    const cosigned = encodeJob({ snapshotId: 'snap-1', setId, params: COVERAGE, context: '1' });
    expect(cosigned).toEqual({ v: 2, snapshotId: 'snap-1', setId, params: COVERAGE, context: '1' });
    expect(decodeJob(cosigned)).toMatchObject({ setId, snapshotId: 'snap-1' });
    const keyed = { v: 2, snapshotId: 's', signerKeyId: 'k', params: COVERAGE, context: '1' };
    for (const bad of [
      { ...keyed, setId },
      { v: 2, snapshotId: 's', params: COVERAGE, context: '1' },
      { ...cosigned, setId: 'AB'.repeat(32) },
      { ...cosigned, setId: `${setId}0` },
    ]) {
      expect(() => assertIdsOnly(bad)).toThrow(
        expect.objectContaining({ code: 'REQUEST_INVALID' }),
      );
    }
  });

  it('refuses a statement v1 payload (EdDSA attestorKeyId) with its own code', () => {
    const v1 = { v: 1, snapshotId: 's', attestorKeyId: 'k', params: COVERAGE, context: '1' };
    for (const old of [v1, { ...v1, v: 2 }, { ...v1, v: undefined }]) {
      expect(() => decodeJob(old)).toThrow(
        expect.objectContaining({ code: 'JOB_VERSION_UNSUPPORTED' }),
      );
    }
  });

  it('refuses anything that could carry snapshot data', async () => {
    const good = encodeJob({
      snapshotId: 'snap-1',
      signerKeyId: 'signer-1',
      params: COVERAGE,
      context: '1',
    });
    expect(() => assertIdsOnly({ ...good, salt: salt.toString() })).toThrow(
      expect.objectContaining({ code: 'REQUEST_INVALID' }),
    );
    expect(() => assertIdsOnly({ ...good, params: { ...COVERAGE, positions: [] } })).toThrow(
      expect.objectContaining({ code: 'REQUEST_INVALID' }),
    );
    await expect(
      queue.enqueueClaim({
        snapshotId: SNAPSHOT_TEXT,
        signerKeyId: 'signer-1',
        params: COVERAGE,
        context: '1',
      }),
    ).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    await expect(
      queue.enqueueClaim({
        snapshotId: 'snap-1',
        signerKeyId: 'signer-1',
        params: COVERAGE,
        context: (1n << 128n).toString(),
      }),
    ).rejects.toMatchObject({ code: 'CLAIM_PARAMS_INVALID' });
  });
});

describe('proving queue with worker processes', () => {
  let first: WorkerProcess;

  it('keeps snapshot data out of Redis, before and after the job is proved', async () => {
    const sensitive = sensitiveStrings(snapshot, salt);
    const jobId = await queue.enqueueClaim({
      snapshotId: 'snap-1',
      signerKeyId: 'signer-1',
      params: COVERAGE,
      context: '7',
    });
    const waiting = await dumpRedis(redis.url);
    expect(waiting.text).toContain(jobId);
    expect(waiting.text).toContain('snap-1');
    expect(findLeaks(waiting.text, sensitive)).toEqual([]);

    first = worker();
    await first.ready;
    const done = await queue.waitForJob(jobId, 60_000);
    expect(done.state).toBe('completed');
    const after = await dumpRedis(redis.url);
    expect(after.keys).toBeGreaterThan(0);
    expect(after.text).toContain(done.packageId);
    expect(findLeaks(after.text, sensitive)).toEqual([]);
  });

  it('proves a coverage claim end to end, progress observable', async () => {
    const events = new QueueEvents(PROVING_QUEUE, { connection: { port: redis.port } });
    await events.waitUntilReady();
    const progress: number[] = [];
    events.on('progress', ({ data }) => progress.push(Number(data)));
    try {
      const context = 0x0123_4567_89ab_cdefn;
      const jobId = await queue.enqueueClaim({
        snapshotId: 'snap-1',
        signerKeyId: 'signer-1',
        params: COVERAGE,
        context: `0x${context.toString(16)}`,
      });
      const done = await queue.waitForJob(jobId, 60_000);
      expect(done).toMatchObject({ jobId, state: 'completed', progress: 100, attemptsMade: 1 });
      const verdict = await expectVerifiedPackage(jobId, done.packageId);
      expect(verdict.publicValues?.context).toBe(context.toString());
      expect(verdict.publicValues?.asOf).toBe(snapshot.asOf);
      await until('progress events', async () => (progress.includes(100) ? true : undefined));
      expect(progress).toEqual([10, 50, 100]);
    } finally {
      await events.close();
    }
  });

  it('proves a three-currency snapshot with its signed FX table (signer and table resolved by id)', async () => {
    const jobId = await queue.enqueueClaim({
      snapshotId: 'multi-1',
      signerKeyId: 'signer-1',
      params: { claim: 'coverage', minCoverageBps: 13000 },
      context: '9',
    });
    const done = await queue.waitForJob(jobId, 60_000);
    expect([done.state, done.failure]).toEqual(['completed', undefined]);
    const verdict = await expectVerifiedPackage(jobId, done.packageId);
    const pkg = (await sink.get(jobId))!;
    expect(pkg.fx.table).toEqual(USD_CNY_HKD);
    expect(pkg.fx.source?.keyId).toBe((await testSignerKey(7)).keyId);
    expect(pkg.signatures[0]!.keyId).toBe((await testSignerKey(1)).keyId);
    expect(verdict.publicValues).toMatchObject({ currency: 'USD', decimals: 2 });
    // Above 139% it does not hold: the prover refuses at once, no retries.
    const over = await queue.enqueueClaim({
      snapshotId: 'multi-1',
      signerKeyId: 'signer-1',
      params: { claim: 'coverage', minCoverageBps: 14000 },
      context: '9',
    });
    expect(await queue.waitForJob(over, 60_000)).toMatchObject({
      state: 'failed',
      attemptsMade: 1,
      failure: { code: 'CLAIM_NOT_SATISFIED' },
    });
  });

  it('fails a job on an unknown snapshot with a coded reason, after its retries', async () => {
    const jobId = await queue.enqueueClaim({
      snapshotId: 'no-such-snapshot',
      signerKeyId: 'signer-1',
      params: COVERAGE,
      context: '1',
    });
    const done = await queue.waitForJob(jobId, 30_000);
    expect(done).toMatchObject({
      state: 'failed',
      attemptsMade: 3,
      failure: { code: 'NOT_FOUND' },
    });
    expect(done.failure!.message).toContain('no-such-snapshot');
    expect(await sink.get(jobId)).toBeUndefined();
  });

  it('fails a job written by v1 code (attestorKeyId) at once with a code, no crash', async () => {
    const raw = new Queue(PROVING_QUEUE, { connection: { port: redis.port } });
    try {
      // As a v1 service queued it: no v2 worker can prove it (that key is gone).
      await raw.add(
        'prove',
        { v: 1, snapshotId: 'snap-1', attestorKeyId: 'attestor-1', params: COVERAGE, context: '1' },
        { jobId: 'v1-job', attempts: 3, backoff: { type: 'fixed', delay: 100 } },
      );
    } finally {
      await raw.close();
    }
    const done = await queue.waitForJob('v1-job', 30_000);
    expect(done).toMatchObject({
      state: 'failed',
      attemptsMade: 1,
      failure: { code: 'JOB_VERSION_UNSUPPORTED' },
    });
    expect(await sink.get('v1-job')).toBeUndefined();
    // The worker is still there: the next job is proved.
    const next = await queue.enqueueClaim({
      snapshotId: 'snap-1',
      signerKeyId: 'signer-1',
      params: COVERAGE,
      context: '2',
    });
    expect((await queue.waitForJob(next, 60_000)).state).toBe('completed');
  });

  it('closes a worker process cleanly on SIGTERM', async () => {
    expect(await first.stop()).toEqual({ code: 0, signal: null });
    expect(first.events.map((e) => e.event)).toEqual(
      expect.arrayContaining(['ready', 'closing', 'closed']),
    );
  });

  it('recovers a job whose worker was SIGKILLed mid-proof: one package', async () => {
    const doomed = worker();
    await doomed.ready;
    const jobId = await queue.enqueueClaim({
      snapshotId: 'snap-1',
      signerKeyId: 'signer-1',
      params: COVERAGE,
      context: '42',
    });
    await until('the job to be active with progress >= 10', async () => {
      const s = await queue.jobStatus(jobId);
      return s.state === 'active' && s.progress >= 10 ? s : undefined;
    });
    await doomed.kill9();
    const killed = await queue.jobStatus(jobId);
    expect(killed.state).toBe('active'); // still locked by the dead worker
    expect(killed.progress).toBeLessThan(100);
    expect(await sink.get(jobId)).toBeUndefined();

    const rescuer = worker();
    await rescuer.ready;
    const done = await queue.waitForJob(jobId, 60_000);
    expect(done).toMatchObject({ state: 'completed', progress: 100 });
    // The rescuer found the dead worker's job stalled and proved it (its log may lag a little).
    await until('the rescuer to log the completion', async () =>
      rescuer.events.some((e) => e.event === 'completed' && e.jobId === jobId) ? true : undefined,
    );
    expect(rescuer.events).toEqual(
      expect.arrayContaining([expect.objectContaining({ event: 'stalled', jobId })]),
    );
    expect(readdirSync(sinkDir).filter((f) => f.startsWith(jobId))).toEqual([`${jobId}.json`]);
    await expectVerifiedPackage(jobId, done.packageId);
    await rescuer.stop();
  });
});

import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import request from 'supertest';
import { ZkAttestError } from '../../../src/common/errors';
import { whenRedisReady } from '../../../src/common/redis-client';
import { readOnshoreStartup } from '../../../src/entry-points/onshore-startup';
import type { DisclosurePolicy } from '../../../src/prover/disclosure';
import { PROVING_QUEUE } from '../../../src/prover/queue/proving-queue';
import type { OnshoreService } from '../../../src/prover/service/onshore-service';
import { masterKeysFromEnv, type MasterKeyProvider } from '../../../src/prover/vault';
import {
  AUDITOR,
  OPERATOR,
  as,
  buildTestOnshoreService,
  testMasterEnv,
  uploadSnapshot,
} from '../../support/onshore-harness';
import { startRedis, type RedisServer } from '../../support/redis-server';

// The disclosure budget of the onshore service: claims more precise than the policy allows,
// or beyond its count per snapshot, are refused before a job exists; every admitted claim is
// in the snapshot's ledger, which survives a restart.

const POLICY: DisclosurePolicy = {
  'yield-range': { minWidthBps: 25, maxPerSnapshot: 3 },
  coverage: { gridBps: 500, maxPerSnapshot: 2 },
  concentration: { gridBps: 100 },
};

let redis: RedisServer;
let masterKeys: MasterKeyProvider;
let service: OnshoreService;
let jobs: Queue;
let snapshotId: string;

const start = () =>
  buildTestOnshoreService({ redisUrl: redis.url, masterKeys, disclosurePolicy: POLICY });

beforeAll(async () => {
  redis = await startRedis();
  masterKeys = await masterKeysFromEnv(testMasterEnv());
  service = start();
  snapshotId = await uploadSnapshot(service.app);
  jobs = new Queue(PROVING_QUEUE, { connection: { url: redis.url } });
}, 60_000);
afterAll(async () => {
  await jobs?.close();
  await service?.close();
  await redis?.stop();
});

const claim = (body: object, snapshot = snapshotId) =>
  request(service.app)
    .post(`/v1/snapshots/${snapshot}/claims`)
    .set(as(OPERATOR))
    .send({ context: '7', ...body });
const ledger = async (snapshot = snapshotId) =>
  (await request(service.app).get(`/v1/snapshots/${snapshot}/claims`).set(as(AUDITOR)).expect(200))
    .body.items as { claim: string; params: string; repeat: boolean; user: string }[];
const jobCount = async () => Object.values(await jobs.getJobCounts()).reduce((a, b) => a + b, 0);

/** Asserts a refusal naming `rule`, with no job created. */
async function expectRefused(body: object, rule: string, snapshot = snapshotId) {
  const before = await jobCount();
  const res = await claim(body, snapshot);
  expect(res.status).toBe(422);
  expect(res.body.error.code).toBe('DISCLOSURE_BUDGET_EXCEEDED');
  expect(res.body.error.details).toEqual({ claim: (body as { claim: string }).claim, rule });
  expect(await jobCount()).toBe(before);
}

describe('the disclosure budget of the onshore service', () => {
  it('refuses a yield range one step too precise (width 24 under a minimum of 25), before any job', async () => {
    const other = await uploadSnapshot(service.app);
    await expectRefused(
      { claim: 'yield-range', minYieldBps: 200, maxYieldBps: 224 },
      'minWidthBps',
      other,
    );
    // min = max would reveal the exact yield.
    await expectRefused(
      { claim: 'yield-range', minYieldBps: 300, maxYieldBps: 300 },
      'minWidthBps',
      other,
    );
    expect(await ledger(other)).toEqual([]);
    // Exactly at the limit: accepted, queued and ledgered.
    const ok = await claim({ claim: 'yield-range', minYieldBps: 200, maxYieldBps: 225 }, other);
    expect(ok.status).toBe(202);
    expect(await ledger(other)).toEqual([
      expect.objectContaining({
        claim: 'yield-range',
        params: '{"maxYieldBps":225,"minYieldBps":200}',
        repeat: false,
        user: 'olivia',
        jobId: ok.body.jobId,
      }),
    ]);
  });

  it('refuses a coverage threshold off the grid and accepts one on it', async () => {
    await expectRefused({ claim: 'coverage', minCoverageBps: 12001 }, 'gridBps');
    await expectRefused({ claim: 'concentration', maxShareBps: 2550 }, 'gridBps');
    expect((await claim({ claim: 'coverage', minCoverageBps: 12000 })).status).toBe(202);
    expect((await claim({ claim: 'concentration', maxShareBps: 2500 })).status).toBe(202);
  });

  it('counts distinct claims per snapshot: a repeat is ledgered without consuming budget', async () => {
    // coverage: max 2 per snapshot; 12000 was admitted above.
    expect((await claim({ claim: 'coverage', minCoverageBps: 11000 })).status).toBe(202);
    const repeat = await claim({ claim: 'coverage', minCoverageBps: 11000 });
    expect(repeat.status).toBe(202);
    await expectRefused({ claim: 'coverage', minCoverageBps: 10000 }, 'maxPerSnapshot');
    const coverage = (await ledger()).filter((e) => e.claim === 'coverage');
    expect(coverage.map((e) => [e.params, e.repeat])).toEqual([
      ['{"minCoverageBps":12000}', false],
      ['{"minCoverageBps":11000}', false],
      ['{"minCoverageBps":11000}', true],
    ]);
    // The budget is per snapshot: another snapshot has its own.
    const other = await uploadSnapshot(service.app);
    expect((await claim({ claim: 'coverage', minCoverageBps: 10000 }, other)).status).toBe(202);
  });

  it('refuses an Idempotency-Key reused for other parameters before it spends any budget', async () => {
    const fresh = await uploadSnapshot(service.app);
    const keyed = (minCoverageBps: number) =>
      request(service.app)
        .post(`/v1/snapshots/${fresh}/claims`)
        .set(as(OPERATOR))
        .set('Idempotency-Key', 'budget-key-1')
        .send({ context: '7', claim: 'coverage', minCoverageBps });
    expect((await keyed(12000)).status).toBe(202);
    const reused = await keyed(11000);
    expect([reused.status, reused.body.error.code]).toEqual([409, 'CONFLICT']);
    // Nothing was ledgered for the conflicting request: the last coverage slot is still free.
    expect((await ledger(fresh)).map((e) => e.params)).toEqual(['{"minCoverageBps":12000}']);
    expect((await claim({ claim: 'coverage', minCoverageBps: 10000 }, fresh)).status).toBe(202);
  });

  it('lets exactly one of concurrent requests take the last slot', async () => {
    const fresh = await uploadSnapshot(service.app);
    // yield-range: 3 per snapshot; two taken, then eight race for the last one.
    for (const min of [100, 200]) {
      expect(
        (await claim({ claim: 'yield-range', minYieldBps: min, maxYieldBps: min + 50 }, fresh))
          .status,
      ).toBe(202);
    }
    const racing = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        claim({ claim: 'yield-range', minYieldBps: 300 + i, maxYieldBps: 400 }, fresh),
      ),
    );
    const statuses = racing.map((r) => r.status).sort();
    expect(statuses).toEqual([202, 422, 422, 422, 422, 422, 422, 422]);
    expect((await ledger(fresh)).filter((e) => !e.repeat)).toHaveLength(3);
  });

  it('keeps the ledger and its counts across a restart of Redis and of the service', async () => {
    const before = await ledger();
    expect(before.length).toBeGreaterThan(0);
    await service.close();
    await redis.restart();
    service = start();
    await whenRedisReady(service.redis, 10_000);
    expect(await ledger()).toEqual(before);
    // The count survived too: coverage is still exhausted on this snapshot.
    await expectRefused({ claim: 'coverage', minCoverageBps: 9000 }, 'maxPerSnapshot');
  }, 60_000);

  it('shows the ledger to staff only, and refuses a malformed snapshot id', async () => {
    await request(service.app).get(`/v1/snapshots/${snapshotId}/claims`).expect(401);
    const bad = await request(service.app).get('/v1/snapshots/a%20b/claims').set(as(AUDITOR));
    expect(bad.status).toBe(400);
  });
});

describe('the disclosure policy file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zkattest-policy-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const env = (policyFile: string) => ({
    REDIS_URL: 'redis://127.0.0.1:1',
    ONSHORE_USERS: `olivia:operator:${'a'.repeat(64)}`,
    ONSHORE_SIGNER_KEY_ID: 'x',
    ONSHORE_DESTINATIONS: file('dest.json', '[]'),
    ZKATTEST_MASTER_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    ONSHORE_DISCLOSURE_POLICY_FILE: policyFile,
  });

  it('is read at start-up', async () => {
    const good = file('good.json', JSON.stringify(POLICY));
    expect((await readOnshoreStartup(env(good))).disclosurePolicy).toEqual(POLICY);
  });

  it.each([
    ['missing', '/nonexistent/policy.json'],
    ['not JSON', 'not json'],
    ['an unknown claim', JSON.stringify({ solvency: { maxPerSnapshot: 1 } })],
    ['a rule another claim has', JSON.stringify({ coverage: { minWidthBps: 25 } })],
    ['a zero grid', JSON.stringify({ coverage: { gridBps: 0 } })],
    ['a fractional count', JSON.stringify({ coverage: { maxPerSnapshot: 1.5 } })],
  ])('refuses a policy file %s with CONFIG_INVALID naming the variable', async (_, text) => {
    const path = text.startsWith('/') ? text : file(`${randomBytes(4).toString('hex')}.json`, text);
    const err = await readOnshoreStartup(env(path)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ZkAttestError);
    expect((err as ZkAttestError).code).toBe('CONFIG_INVALID');
    expect((err as ZkAttestError).message).toContain('ONSHORE_DISCLOSURE_POLICY_FILE');
  });
});

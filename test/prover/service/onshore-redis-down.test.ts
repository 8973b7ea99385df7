import Redis from 'ioredis';
import request from 'supertest';
import type { OnshoreService } from '../../../src/prover/service/onshore-service';
import { masterKeysFromEnv } from '../../../src/prover/vault';
import {
  as,
  AUDITOR,
  buildTestOnshoreService,
  OPERATOR,
  SAMPLE_CSV as csv,
  testMasterEnv,
  uploadSnapshot,
  vaultSignerKey,
} from '../../support/onshore-harness';
import { startRedis, type RedisServer } from '../../support/redis-server';

// The onshore service while its Redis is down, slow or back: coded 503s within seconds, no job
// the caller does not know of, and recovery without a restart. A real redis-server is stopped,
// paused and restarted under a running service.

/** A request must answer within this, or the test fails instead of hanging. */
const HTTP_TIMEOUT_MS = 10_000;
/** "Within a few seconds". */
const FAST_MS = 4000;

let redis: RedisServer;
let admin: Redis;
let service: OnshoreService;
let snapshotId: string;

beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
  const masterKeys = await masterKeysFromEnv(testMasterEnv());
  const { signerKeyId } = await vaultSignerKey(redis.url, masterKeys);
  service = buildTestOnshoreService({ redisUrl: redis.url, masterKeys, signerKeyId });
  snapshotId = await uploadSnapshot(service.app);
});

afterAll(async () => {
  await service?.close();
  admin?.disconnect();
  await redis?.stop();
});

const claim = (key?: string, minCoverageBps = 12000) => {
  const req = request(service.app)
    .post(`/v1/snapshots/${snapshotId}/claims`)
    .set(as(OPERATOR))
    .timeout(HTTP_TIMEOUT_MS);
  if (key) req.set('Idempotency-Key', key);
  return req.send({ claim: 'coverage', minCoverageBps, context: '123456789' });
};

/** Every route that touches Redis, as the staff would call it. */
const routes: Array<[string, () => request.Test]> = [
  ['POST claim', () => claim()],
  ['GET job', () => request(service.app).get('/v1/jobs/job-1').set(as(OPERATOR))],
  ['GET snapshots', () => request(service.app).get('/v1/snapshots').set(as(AUDITOR))],
  ['GET package', () => request(service.app).get('/v1/jobs/job-1/package').set(as(OPERATOR))],
  [
    'POST send',
    () =>
      request(service.app)
        .post('/v1/jobs/job-1/send')
        .set(as(OPERATOR))
        .send({ destination: 'hk-platform' }),
  ],
  ['GET egress', () => request(service.app).get('/v1/egress').set(as(AUDITOR))],
  ['GET audit', () => request(service.app).get('/v1/audit').set(as(AUDITOR))],
  [
    'GET claims ledger',
    () => request(service.app).get('/v1/snapshots/snap-1/claims').set(as(AUDITOR)),
  ],
  [
    'POST snapshot',
    () =>
      request(service.app)
        .post('/v1/snapshots')
        .set(as(OPERATOR))
        .set('Content-Type', 'text/csv')
        .send(csv),
  ],
];

async function jobCount(): Promise<number> {
  const c = await service.queue.counts();
  return c.waiting + c.active + c.completed + c.failed + c.delayed;
}

describe('the onshore service with Redis down', () => {
  it('answers every route with a coded 503 within seconds, creates no job, and recovers', async () => {
    expect(await jobCount()).toBe(0);
    await redis.stop();
    for (const [name, call] of routes) {
      const started = Date.now();
      const res = await call().timeout(HTTP_TIMEOUT_MS);
      const ms = Date.now() - started;
      expect([name, res.status, res.body.error?.code]).toEqual([name, 503, 'STORE_UNAVAILABLE']);
      expect([name, ms < FAST_MS]).toEqual([name, true]);
      // A fixed message: nothing of ioredis' text (hosts, ports, errno).
      expect(res.body.error.message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|\d{4,5}|stream/i);
    }

    await redis.restart();
    // Back without restarting the service.
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await request(service.app).get('/v1/snapshots').set(as(AUDITOR))).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
    // Nothing queued while Redis was down reached it afterwards.
    await new Promise((r) => setTimeout(r, 500));
    expect(await jobCount()).toBe(0);
    const accepted = await claim().expect(202);
    expect(await jobCount()).toBe(1);
    await request(service.app).get(`/v1/jobs/${accepted.body.jobId}`).set(as(OPERATOR)).expect(200);
  });

  it('a claim whose reply is lost: the caller has the id, and a repeat adds no second job', async () => {
    const before = await jobCount();
    // Redis holds every write for 4 s: the add is sent, but its reply comes too late.
    await admin.call('CLIENT', 'PAUSE', '4000', 'WRITE');
    const started = Date.now();
    const lost = await claim('request-0001');
    expect(Date.now() - started).toBeLessThan(FAST_MS);
    expect([lost.status, lost.body.error.code]).toEqual([503, 'STORE_UNAVAILABLE']);
    const jobId = lost.body.error.details.jobId as string;
    expect(jobId).toMatch(/^claim-[0-9a-f]{40}$/);

    // Once the pause is over, whatever was sent lands (the job's desk is written first, then
    // the add): at most one job, and only under the id the caller holds.
    await new Promise((r) => setTimeout(r, 4500));
    expect(await jobCount()).toBeLessThanOrEqual(before + 1);
    const looked = await request(service.app).get(`/v1/jobs/${jobId}`).set(as(OPERATOR));
    expect([200, 404]).toContain(looked.status);
    // Repeating the request finds that job (or adds it, once) instead of adding another.
    const repeated = await claim('request-0001').expect(202);
    expect(repeated.body.jobId).toBe(jobId);
    expect(await jobCount()).toBe(before + 1);
    // The same key for a different claim is refused.
    const other = await claim('request-0001', 15000);
    expect([other.status, other.body.error.code]).toEqual([409, 'CONFLICT']);
    expect(await jobCount()).toBe(before + 1);
  });
});

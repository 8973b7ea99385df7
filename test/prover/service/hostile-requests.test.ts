import request from 'supertest';
import {
  as,
  OPERATOR,
  startOnshoreClaimsHarness,
  type OnshoreClaimsHarness,
} from '../../support/onshore-harness';

// Hostile ids, keys and bodies on the onshore routes: each a coded 400, and no job created.

let onshore: OnshoreClaimsHarness;
beforeAll(async () => {
  onshore = await startOnshoreClaimsHarness();
}, 60_000);
afterAll(async () => onshore?.close());

const BAD_IDS = ['..', '.hidden', 'a'.repeat(129), 'a b', 'a%2Fb', '%00'];
const codeOf = (res: request.Response) => [res.status, res.body.error?.code];

describe('hostile onshore requests', () => {
  it('a malformed job id is 400 REQUEST_INVALID on every job route', async () => {
    for (const id of BAD_IDS) {
      for (const call of [
        request(onshore.app).get(`/v1/jobs/${id}`),
        request(onshore.app).get(`/v1/jobs/${id}/package`),
        request(onshore.app).post(`/v1/jobs/${id}/send`).send({ destination: 'hk-platform' }),
      ]) {
        expect([id, ...codeOf(await call.set(as(OPERATOR)))]).toEqual([id, 400, 'REQUEST_INVALID']);
      }
    }
  });

  it('a send body that is not exactly { destination } is 400, whatever the job', async () => {
    for (const body of [
      {},
      { destination: '' },
      { destination: 'x'.repeat(65) },
      { destination: 'hk-platform', url: 'http://127.0.0.1:1' },
      { destination: 7 },
    ]) {
      const res = await request(onshore.app)
        .post('/v1/jobs/some-job/send')
        .set(as(OPERATOR))
        .send(body);
      expect([JSON.stringify(body), ...codeOf(res)]).toEqual([
        JSON.stringify(body),
        400,
        'REQUEST_INVALID',
      ]);
    }
  });

  it('a malformed Idempotency-Key is 400 and queues nothing; a good one queues once', async () => {
    const before = await onshore.jobCount();
    const claim = { claim: 'coverage', minCoverageBps: 12000, context: '9' };
    for (const key of ['a b', 'k'.repeat(129), '.dot', 'a/b']) {
      const res = await onshore.requestClaim(claim, { 'Idempotency-Key': key });
      expect([key, ...codeOf(res)]).toEqual([key, 400, 'REQUEST_INVALID']);
    }
    expect(await onshore.jobCount()).toBe(before);
    const first = await onshore.requestClaim(claim, { 'Idempotency-Key': 'req-1' });
    const again = await onshore.requestClaim(claim, { 'Idempotency-Key': 'req-1' });
    expect([first.status, again.status]).toEqual([202, 202]);
    expect(again.body.jobId).toBe(first.body.jobId);
    expect(await onshore.jobCount()).toBe(before + 1);
    // Without a key each request is its own job (a fresh id, no read-back needed).
    const a = await onshore.requestClaim(claim);
    const b = await onshore.requestClaim(claim);
    expect(a.body.jobId).not.toBe(b.body.jobId);
    expect(await onshore.jobCount()).toBe(before + 3);
  });
});

import request from 'supertest';
import { createLogger } from '../../src/common/logger';
import { newInstitution } from '../support/attestation-factory';
import { ADMIN_TOKEN, startApi, type ApiUnderTest } from './api-harness';

// With Redis down every route answers a coded 503 whose body says nothing about Redis: the
// client learns that the service is unavailable, the operator's log learns why.

const logLines: string[] = [];
let api: ApiUnderTest;

beforeAll(async () => {
  api = await startApi(
    {},
    {},
    createLogger('info', (line) => logLines.push(line)),
  );
});
afterAll(async () => {
  await api.close();
});

const GENERIC = {
  error: { code: 'STORE_UNAVAILABLE', message: 'the store is unavailable, retry later' },
};

it('every store-backed route answers a generic 503; the cause is logged', async () => {
  const bank = await newInstitution('onshore-bank');
  const envelope = await bank.seal({ any: 'payload' });
  await api.redis.stop();

  const admin = (r: request.Test) => r.set('Authorization', `Bearer ${ADMIN_TOKEN}`);
  const app = request(api.app);
  const calls: Array<[string, request.Test]> = [
    ['challenge', app.post('/v1/challenges')],
    ['submit', app.post('/v1/attestations').send({ envelope })],
    ['batch', app.post('/v1/attestations/batch').send({ envelopes: [envelope] })],
    ['verify', app.post('/v1/verify').send({ package: {} })],
    ['get', app.get(`/v1/attestations/${'a'.repeat(64)}`)],
    ['list', app.get('/v1/attestations')],
    ['attestors', admin(app.get('/v1/admin/attestors'))],
    ['register', admin(app.post('/v1/admin/attestors')).send({ keyHash: '12', label: 'x' })],
    ['revoke', admin(app.post('/v1/admin/attestors/12/revoke')).send({})],
    ['institutions', admin(app.get('/v1/admin/institutions'))],
    ['revoke institution', admin(app.post('/v1/admin/institutions/some-bank/revoke')).send({})],
  ];
  const answers = await Promise.all(calls.map(async ([name, call]) => [name, await call]));
  for (const [name, res] of answers as Array<[string, request.Response]>) {
    expect([name, res.status, res.body]).toEqual([name, 503, GENERIC]);
  }

  const ready = await app.get('/readyz');
  expect([ready.status, ready.body]).toEqual([503, { status: 'unavailable', store: 'redis' }]);

  // Nothing of the dependency's own words reached a client...
  const sent = (answers as Array<[string, request.Response]>).map(([, r]) => r.text).join();
  for (const leak of [/redis/i, /127\.0\.0\.1/, String(api.redis.port), /max ?retries/i, /ECONN/]) {
    expect(sent).not.toMatch(leak);
  }
  // ...and the operator's log has it.
  const faults = logLines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'server fault');
  expect(faults.length).toBeGreaterThanOrEqual(calls.length);
  expect(faults[0]).toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.any(String) });
  expect(
    faults.some((f) => /redis|retries|connection|ECONN/i.test(`${f.message} ${f.cause ?? ''}`)),
  ).toBe(true);

  // Back without a restart of the API.
  await api.redis.restart();
  await app.get('/v1/attestations').expect(200);
  await app.get('/readyz').expect(200);
});

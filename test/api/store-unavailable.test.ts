import Redis from 'ioredis';
import request from 'supertest';
import { createLogger } from '../../src/common/logger';
import { newInstitution } from '../support/attestation-factory';
import { singleKeySetId } from '../../src/common/snapshot-message';
import { newP256Key } from '../support/p256-keys';
import { ADMIN_TOKEN, startApi, type ApiUnderTest } from './api-harness';

// With Redis down or hung every route answers a coded 503 within seconds (like the onshore
// service), whose body says nothing about Redis: the client learns that the service is
// unavailable, the operator's log learns why. Then the API recovers without a restart.

/** "Within a few seconds", per request. */
const FAST_MS = 3000;
/** A request must answer within this, or the test fails instead of hanging. */
const HTTP_TIMEOUT_MS = 15_000;

const logLines: string[] = [];
let api: ApiUnderTest;
let envelope: string;
const signerKey = newP256Key();

beforeAll(async () => {
  api = await startApi(
    {},
    {},
    createLogger('info', (line) => logLines.push(line)),
  );
  envelope = await (await newInstitution('onshore-bank')).seal({ any: 'payload' });
});
afterAll(async () => {
  await api.close();
});

const GENERIC = {
  error: { code: 'STORE_UNAVAILABLE', message: 'the store is unavailable, retry later' },
};

/** Every store-backed route, as a client would call it. */
function calls(): Array<[string, () => request.Test]> {
  const app = request(api.app);
  const admin = (r: request.Test) => r.set('Authorization', `Bearer ${ADMIN_TOKEN}`);
  const { keyId, publicKey } = signerKey;
  const keyRoutes = (path: string): Array<[string, () => request.Test]> => [
    [
      `register ${path}`,
      () => admin(app.post(`/v1/admin/${path}`)).send({ publicKey, label: 'x' }),
    ],
    [`revoke ${path}`, () => admin(app.post(`/v1/admin/${path}/${keyId}/revoke`)).send({})],
    [`list ${path}`, () => app.get(`/v1/${path}`)],
    [`get ${path}`, () => app.get(`/v1/${path}/${keyId}`)],
  ];
  // A well-formed chain link (its one signature is merely wrong): it reaches the store.
  const setId = singleKeySetId(keyId);
  const link = {
    message: {
      setId,
      epoch: 0,
      prevCommitment: '0'.repeat(64),
      commitment: '1'.repeat(64),
      asOf: 1_735_689_600,
      currency: 'USD',
      decimals: 2,
      fxTableHash: '0',
      allocations: '2'.repeat(64),
      chunks: 1,
    },
    signerSet: { threshold: 1, keyIds: [keyId] },
    signatures: [{ keyId, publicKey, signature: '11'.repeat(64) }],
  };
  const setRoutes: Array<[string, () => request.Test]> = [
    [
      'register signer-set',
      () =>
        admin(app.post('/v1/admin/signer-sets')).send({
          threshold: 1,
          signers: [{ publicKey, label: 'x' }],
        }),
    ],
    ['revoke signer-set', () => admin(app.post(`/v1/admin/signer-sets/${setId}/revoke`)).send({})],
    ['list signer-sets', () => app.get('/v1/signer-sets')],
    ['get signer-set', () => app.get(`/v1/signer-sets/${setId}`)],
    ['list epochs', () => app.get(`/v1/signer-sets/${setId}/epochs`)],
    ['post epoch', () => app.post(`/v1/signer-sets/${setId}/epochs`).send(link)],
  ];
  return [
    ...setRoutes,
    ...keyRoutes('fx-sources'),
    ['challenge', () => app.post('/v1/challenges')],
    ['submit', () => app.post('/v1/attestations').send({ envelope })],
    ['batch', () => app.post('/v1/attestations/batch').send({ envelopes: [envelope] })],
    ['verify', () => app.post('/v1/verify').send({ package: {} })],
    ['get', () => app.get(`/v1/attestations/${'a'.repeat(64)}`)],
    ['list', () => app.get('/v1/attestations')],
    ['institutions', () => admin(app.get('/v1/admin/institutions'))],
    [
      'revoke institution',
      () => admin(app.post('/v1/admin/institutions/some-bank/revoke')).send({}),
    ],
  ];
}

type Timed = { name: string; ms: number; res: request.Response };

/** Calls every route at once, each timed on its own. */
async function callAllTimed(): Promise<Timed[]> {
  return Promise.all(
    calls().map(async ([name, call]) => {
      const started = Date.now();
      const res = await call().timeout(HTTP_TIMEOUT_MS);
      return { name, ms: Date.now() - started, res };
    }),
  );
}

function expectFast503(answers: Timed[]): void {
  for (const { name, ms, res } of answers) {
    expect([name, res.status, res.body]).toEqual([name, 503, GENERIC]);
    expect([name, ms < FAST_MS]).toEqual([name, true]);
  }
}

/** Polls until `path` answers 200 (bounded): the API is back without a restart. */
async function expectRecovered(path: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  let status = 0;
  while (status !== 200 && Date.now() < deadline) {
    status = (await request(api.app).get(path)).status;
    if (status !== 200) await new Promise((r) => setTimeout(r, 200));
  }
  expect([path, status]).toEqual([path, 200]);
}

it('Redis down: every route answers a generic 503 within seconds; the cause is logged', async () => {
  await api.redis.stop();
  let restarted = false;
  try {
    // Twice: right after the connection dropped, and again once the client is reconnecting.
    for (let round = 0; round < 2; round++) {
      const answers = await callAllTimed();
      expectFast503(answers);
      // Nothing of the dependency's own words reached a client...
      const sent = answers.map(({ res }) => res.text).join();
      for (const leak of [
        /redis/i,
        /127\.0\.0\.1/,
        String(api.redis.port),
        /max ?retries/i,
        /ECONN/,
      ]) {
        expect(sent).not.toMatch(leak);
      }
    }

    const started = Date.now();
    const ready = await request(api.app).get('/readyz');
    expect([ready.status, ready.body]).toEqual([503, { status: 'unavailable', store: 'redis' }]);
    expect(Date.now() - started).toBeLessThan(FAST_MS);

    // ...and the operator's log has it.
    const faults = logLines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'server fault');
    expect(faults.length).toBeGreaterThanOrEqual(calls().length);
    expect(faults[0]).toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.any(String) });
    expect(
      faults.some((f) => /redis|retries|connection|ECONN/i.test(`${f.message} ${f.cause ?? ''}`)),
    ).toBe(true);

    // Back without a restart of the API, and its answers are the usual ones.
    await api.redis.restart();
    restarted = true;
    await expectRecovered('/v1/attestations');
    await request(api.app).get('/readyz').expect(200);
    await request(api.app).post('/v1/challenges').expect(201);
  } finally {
    // The next test needs the server, whatever happened here.
    if (!restarted) await api.redis.restart();
  }
});

it('Redis hung (accepts, never answers): every route answers 503 within seconds', async () => {
  const admin = new Redis(api.redis.url);
  try {
    await request(api.app).get('/v1/attestations').expect(200);
    await admin.call('CLIENT', 'PAUSE', '8000', 'ALL');
    expectFast503(await callAllTimed());
  } finally {
    admin.disconnect();
  }
  // Once the pause is over the API answers again, without a restart.
  await expectRecovered('/v1/attestations');
  await request(api.app).post('/v1/challenges').expect(201);
});

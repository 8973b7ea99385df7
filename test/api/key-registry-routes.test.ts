import request from 'supertest';
import { createRedisStores } from '../../src/api/store';
import { newP256Key, offCurve } from '../support/p256-keys';
import { startRedis } from '../support/redis-server';
import { adminCaller, createTestApp, startApi, type ApiUnderTest } from './api-harness';

// The FX-source endpoints (signer sets: signer-set-routes.test.ts) on a real redis-server: admins register and revoke,
// anyone reads; every bad input gets its 4xx and stable code and writes nothing.

let api: ApiUnderTest;
beforeAll(async () => {
  api = await startApi({}, { bodyLimitBytes: 16 * 1024 });
});
afterAll(async () => {
  await api.close();
});

const JAN = '2025-01-01T00:00:00.000Z';
const FEB = '2025-02-01T00:00:00.000Z';
const MAR = '2025-03-01T00:00:00.000Z';

async function audited(type: string) {
  return (await api.stores.audit.read(1000))
    .filter((e) => e.event.type === type)
    .map((e) => e.event);
}

describe.each([['fx-sources', 'fx', 'fx-source']] as const)(
  '/v1/admin/%s',
  (path, kind, auditName) => {
    it('registers (201, then 200 for the same data), lists and reads publicly', async () => {
      const k = newP256Key();
      const body = { publicKey: k.publicKey, label: 'Custodian A', validFrom: JAN };
      const entry = { keyId: k.keyId, ...body };
      const created = await api.admin('post', `/v1/admin/${path}`, body).expect(201);
      expect(created.body).toEqual(entry);
      const again = await api
        .admin('post', `/v1/admin/${path}`, { ...body, keyId: k.keyId })
        .expect(200);
      expect(again.body).toEqual(entry);
      // Without validFrom, a retry of the same registration is still the same one.
      const { validFrom: _, ...noValidFrom } = body;
      expect((await api.admin('post', `/v1/admin/${path}`, noValidFrom).expect(200)).body).toEqual(
        entry,
      );

      // Reading needs no credentials.
      expect((await request(api.app).get(`/v1/${path}/${k.keyId}`).expect(200)).body).toEqual(
        entry,
      );
      const list = await request(api.app).get(`/v1/${path}`).expect(200);
      expect(list.body.items).toContainEqual(entry);
      expect(await api.stores.keys.get(kind, k.keyId)).toEqual(entry);

      const events = await audited(`admin.${auditName}.registered`);
      expect(events.filter((e) => e.keyId === k.keyId).map((e) => e.created)).toEqual([
        true,
        false,
        false,
      ]);
    });

    it('revokes: the earliest time wins and is what the call answers and audits', async () => {
      const k = newP256Key();
      await api
        .admin('post', `/v1/admin/${path}`, {
          publicKey: k.publicKey,
          label: 'rev',
          validFrom: JAN,
        })
        .expect(201);
      const revoke = (effectiveAt?: string) =>
        api.admin(
          'post',
          `/v1/admin/${path}/${k.keyId}/revoke`,
          effectiveAt ? { effectiveAt } : {},
        );
      expect((await revoke(MAR).expect(200)).body).toEqual({ keyId: k.keyId, revokedAt: MAR });
      expect((await revoke().expect(200)).body.revokedAt).toBe(MAR);
      expect((await revoke(FEB).expect(200)).body.revokedAt).toBe(FEB);
      expect(
        (await request(api.app).get(`/v1/${path}/${k.keyId}`).expect(200)).body.revokedAt,
      ).toBe(FEB);
      const events = (await audited(`admin.${auditName}.revoked`)).filter(
        (e) => e.keyId === k.keyId,
      );
      expect(
        events.map((e) => [e.requestedAt === MAR || e.requestedAt === FEB, e.revokedAt]),
      ).toEqual([
        [true, MAR],
        [false, MAR],
        [true, FEB],
      ]);
    });

    it('revoking "now" a key not yet valid revokes it from its validFrom', async () => {
      const k = newP256Key();
      const validFrom = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString();
      await api
        .admin('post', `/v1/admin/${path}`, { publicKey: k.publicKey, label: 'future', validFrom })
        .expect(201);
      const now = await api.admin('post', `/v1/admin/${path}/${k.keyId}/revoke`, {}).expect(200);
      expect(now.body).toEqual({ keyId: k.keyId, revokedAt: validFrom });
    });

    it('refuses bad inputs with stable codes, writing nothing', async () => {
      const k = newP256Key();
      const good = { publicKey: k.publicKey, label: 'bank', validFrom: FEB };
      const post = (body: unknown) => api.admin('post', `/v1/admin/${path}`).send(body as object);
      const cases: Array<[string, () => request.Test, number, string]> = [
        [
          'off-curve key',
          () => post({ ...good, publicKey: offCurve(k.publicKey) }),
          400,
          'KEY_MALFORMED',
        ],
        [
          'key at infinity',
          () => post({ ...good, publicKey: { x: '0'.repeat(64), y: '0'.repeat(64) } }),
          400,
          'KEY_MALFORMED',
        ],
        [
          'uppercase key',
          () => post({ ...good, publicKey: { ...k.publicKey, y: k.publicKey.y.toUpperCase() } }),
          400,
          'KEY_MALFORMED',
        ],
        [
          'key as a JWK',
          () => post({ ...good, publicKey: { kty: 'EC', crv: 'P-256', ...k.publicKey } }),
          400,
          'KEY_MALFORMED',
        ],
        [
          'key as a string',
          () => post({ ...good, publicKey: k.publicKey.x + k.publicKey.y }),
          400,
          'KEY_MALFORMED',
        ],
        [
          'keyId of another key',
          () => post({ ...good, keyId: newP256Key().keyId }),
          400,
          'KEY_MALFORMED',
        ],
        ['keyId not hex', () => post({ ...good, keyId: 'zz' }), 400, 'REQUEST_INVALID'],
        ['no key', () => post({ label: 'bank' }), 400, 'REQUEST_INVALID'],
        [
          'label with a newline',
          () => post({ ...good, label: 'bank\nforged' }),
          400,
          'REQUEST_INVALID',
        ],
        [
          'label with an escape',
          () => post({ ...good, label: 'bank\u001b[31m' }),
          400,
          'REQUEST_INVALID',
        ],
        [
          'label with a bidi override',
          () => post({ ...good, label: 'bank\u202e' }),
          400,
          'REQUEST_INVALID',
        ],
        ['empty label', () => post({ ...good, label: '' }), 400, 'REQUEST_INVALID'],
        [
          '65-character label',
          () => post({ ...good, label: 'a'.repeat(65) }),
          400,
          'REQUEST_INVALID',
        ],
        [
          'validFrom not a time',
          () => post({ ...good, validFrom: 'yesterday' }),
          400,
          'REQUEST_INVALID',
        ],
        ['unknown field', () => post({ ...good, revokedAt: MAR }), 400, 'REQUEST_INVALID'],
        ['not an object', () => post([good]), 400, 'REQUEST_INVALID'],
        [
          'oversized body',
          () => post({ ...good, label: 'a'.repeat(20_000) }),
          413,
          'PAYLOAD_TOO_LARGE',
        ],
        [
          'not JSON',
          () => api.admin('post', `/v1/admin/${path}`).set('Content-Type', 'text/plain').send('x'),
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        ],
        [
          'no credentials',
          () => request(api.app).post(`/v1/admin/${path}`).send(good),
          401,
          'UNAUTHORIZED',
        ],
      ];
      for (const [name, send, status, code] of cases) {
        const res = await send();
        expect([name, res.status, res.body.error?.code]).toEqual([name, status, code]);
        // Messages name fields, never values.
        expect([name, res.text.includes(k.publicKey.x.slice(0, 16))]).toEqual([name, false]);
      }
      expect(await api.stores.keys.get(kind, k.keyId)).toBeUndefined();
      const mismatch = await post({ ...good, keyId: newP256Key().keyId });
      expect(mismatch.body.error.details).toEqual({ field: 'keyId' });
    });

    it('refuses conflicting re-registration, early revocation, unknown and malformed keyIds', async () => {
      const k = newP256Key();
      const body = { publicKey: k.publicKey, label: 'bank', validFrom: FEB };
      await api.admin('post', `/v1/admin/${path}`, body).expect(201);
      const conflict = await api
        .admin('post', `/v1/admin/${path}`, { ...body, label: 'other' })
        .expect(409);
      expect(conflict.body.error).toMatchObject({ code: 'CONFLICT', details: { fields: 'label' } });
      await api.admin('post', `/v1/admin/${path}`, { ...body, validFrom: MAR }).expect(409);

      const early = await api
        .admin('post', `/v1/admin/${path}/${k.keyId}/revoke`, { effectiveAt: JAN })
        .expect(400);
      expect(early.body.error).toMatchObject({
        code: 'REQUEST_INVALID',
        details: { field: 'effectiveAt' },
      });
      expect((await api.stores.keys.get(kind, k.keyId))?.revokedAt).toBeUndefined();
      await api
        .admin('post', `/v1/admin/${path}/${k.keyId}/revoke`, { effectiveAt: 'soon' })
        .expect(400);

      const unknown = newP256Key().keyId;
      for (const res of [
        await api.admin('post', `/v1/admin/${path}/${unknown}/revoke`, { effectiveAt: MAR }),
        await request(api.app).get(`/v1/${path}/${unknown}`),
      ]) {
        expect([res.status, res.body.error.code, res.body.error.details]).toEqual([
          404,
          'NOT_FOUND',
          { field: 'keyId' },
        ]);
      }
      await request(api.app).get(`/v1/${path}/${k.keyId.toUpperCase()}`).expect(400);
      await api.admin('post', `/v1/admin/${path}/not-a-key/revoke`, {}).expect(400);
      await request(api.app).post(`/v1/admin/${path}/${k.keyId}/revoke`).send({}).expect(401);
    });
  },
);

it('the OpenAPI document lists the FX-source and signer-set paths, no signer keys', async () => {
  const doc = await request(api.app).get('/openapi.json').expect(200);
  const paths = Object.keys(doc.body.paths);
  expect(paths.filter((p) => /\/signers\b/.test(p))).toEqual([]);
  expect(paths).toEqual(
    expect.arrayContaining([
      '/v1/admin/signer-sets',
      '/v1/admin/signer-sets/{setId}/revoke',
      '/v1/signer-sets',
      '/v1/signer-sets/{setId}',
      '/v1/signer-sets/{setId}/epochs',
      '/v1/admin/fx-sources',
      '/v1/admin/fx-sources/{keyId}/revoke',
      '/v1/fx-sources',
      '/v1/fx-sources/{keyId}',
    ]),
  );
  const keySchema =
    doc.body.paths['/v1/admin/fx-sources'].post.requestBody.content['application/json'].schema;
  expect(keySchema.required).toEqual(['publicKey', 'label']);
  const setSchema =
    doc.body.paths['/v1/admin/signer-sets'].post.requestBody.content['application/json'].schema;
  expect(setSchema.required).toEqual(['threshold', 'signers']);
});

it('the signer-key endpoints are gone', async () => {
  const k = newP256Key();
  const body = { publicKey: k.publicKey, label: 'x' };
  await api.admin('post', '/v1/admin/signers', body).expect(404);
  await request(api.app).get('/v1/signers').expect(404);
  await request(api.app).get(`/v1/signers/${k.keyId}`).expect(404);
});

it('registrations survive an API restart (new process state) and a Redis restart', async () => {
  const redis = await startRedis();
  const prefix = `restart-${Date.now()}:`;
  let stores = createRedisStores(redis.url, { keyPrefix: prefix });
  try {
    const signer = newP256Key();
    const fx = newP256Key();
    const admin = adminCaller(createTestApp(stores));
    const set = await admin('post', '/v1/admin/signer-sets', {
      threshold: 1,
      signers: [{ publicKey: signer.publicKey, label: 's' }],
      validFrom: JAN,
    }).expect(201);
    await admin('post', '/v1/admin/fx-sources', {
      publicKey: fx.publicKey,
      label: 'f',
      validFrom: JAN,
    }).expect(201);
    await admin('post', `/v1/admin/fx-sources/${fx.keyId}/revoke`, { effectiveAt: MAR }).expect(
      200,
    );

    await stores.close();
    await redis.restart();
    stores = createRedisStores(redis.url, { keyPrefix: prefix });
    const app = createTestApp(stores);
    const s = await request(app).get(`/v1/signer-sets/${set.body.setId}`).expect(200);
    expect(s.body).toEqual({
      setId: set.body.setId,
      threshold: 1,
      signers: [{ keyId: signer.keyId, publicKey: signer.publicKey, label: 's' }],
      validFrom: JAN,
      firstEpoch: 0,
      chain: { head: null, links: 0 },
      equivocations: [],
    });
    const f = await request(app).get('/v1/fx-sources').expect(200);
    expect(f.body.items).toEqual([
      { keyId: fx.keyId, publicKey: fx.publicKey, label: 'f', validFrom: JAN, revokedAt: MAR },
    ]);
  } finally {
    await stores.close();
    await redis.stop();
  }
});

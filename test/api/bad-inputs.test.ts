import request from 'supertest';
import type { AttestationPackage } from '../../src/common/attestation-package';
import { SNARK_SCALAR_FIELD, BN254_BASE_FIELD } from '../../src/common/field';
import { challengeNonce, registerInstitution, startApi, type ApiUnderTest } from './api-harness';
import {
  AttestationFactory,
  newInstitution,
  type Institution,
} from '../support/attestation-factory';
import { newP256Key, offCurve } from '../support/p256-keys';

// A catalogue of bad inputs: each must get its 4xx and stable code, none a 5xx, and none may
// end up recorded. Real proofs, real envelopes, a real redis-server.

let api: ApiUnderTest;
let factory: AttestationFactory;
let bank: Institution;
let valid: AttestationPackage; // recorded once, in the first test
const packages: Record<string, AttestationPackage> = {};
const DAY = 24 * 3600;

const challenge = () => challengeNonce(api.app);

const clone = (pkg: AttestationPackage) => JSON.parse(JSON.stringify(pkg)) as AttestationPackage;
const submit = async (envelope: unknown) =>
  request(api.app).post('/v1/attestations').send({ envelope });

beforeAll(async () => {
  api = await startApi({ maxAgeSeconds: 30 * DAY });
  factory = await AttestationFactory.create();
  bank = await newInstitution('onshore-bank');
  const revokedBank = await newInstitution('revoked-bank');
  for (const inst of [bank, revokedBank]) await registerInstitution(api, inst, inst.id);
  await api.admin('post', '/v1/admin/institutions/revoked-bank/revoke', {}).expect(200);
  const longAgo = new Date(Date.now() - 365 * DAY * 1000).toISOString();
  const [custodian, revoked] = await Promise.all([factory.signer(1), factory.signer(3)]);
  const setIds: string[] = [];
  for (const [signer, label] of [
    [custodian, 'custodian'],
    [revoked, 'revoked auditor'],
  ] as const) {
    const res = await api
      .admin('post', '/v1/admin/signer-sets', {
        threshold: 1,
        signers: [{ publicKey: signer.publicKey, label }],
        validFrom: longAgo,
      })
      .expect(201);
    setIds.push(res.body.setId as string);
  }
  await api
    .admin('post', `/v1/admin/signer-sets/${setIds[1]}/revoke`, {
      effectiveAt: new Date(Date.now() - 10 * DAY * 1000).toISOString(),
    })
    .expect(200);

  const now = Math.floor(Date.now() / 1000);
  const shared = await challenge();
  valid = await factory.package({ context: shared });
  packages.reuse = await factory.package({
    context: shared,
    params: { claim: 'yield-range', minYieldBps: 100, maxYieldBps: 500 },
  });
  packages.stale = await factory.package({ context: await challenge(), asOf: now - 60 * DAY });
  packages.future = await factory.package({ context: await challenge(), asOf: now + 3600 });
  packages.foreign = await factory.package({ context: 123456789n });
  packages.unknownSigner = await factory.package({ context: await challenge(), signerSeed: 2 });
  packages.revokedSigner = await factory.package({
    context: await challenge(),
    signerSeed: 3,
    asOf: now - 2 * DAY,
  });
  packages.unrevoked = valid;
  const recorded = await submit(await bank.seal(valid));
  if (recorded.status !== 201) throw new Error('the valid package was not recorded');
});

afterAll(async () => {
  await api.close();
});

const { publicKey: key } = newP256Key();
const setBody = { threshold: 1, signers: [{ publicKey: key, label: 'x' }] };

type Case = [name: string, send: () => Promise<request.Response>, status: number, code: string];

const withEnvelope = (mutate: (pkg: AttestationPackage) => unknown) => async () =>
  submit(await bank.seal(mutate(clone(valid))));

const cases: Case[] = [
  [
    'malformed JSON',
    () =>
      request(api.app)
        .post('/v1/attestations')
        .set('Content-Type', 'application/json')
        .send('{"envelope":'),
    400,
    'REQUEST_INVALID',
  ],
  [
    'not JSON at all',
    () => request(api.app).post('/v1/attestations').set('Content-Type', 'text/plain').send('hello'),
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  ],
  [
    'a JSON array body',
    () => request(api.app).post('/v1/attestations').send([1, 2]),
    400,
    'REQUEST_INVALID',
  ],
  [
    'missing envelope',
    () => request(api.app).post('/v1/attestations').send({}),
    400,
    'REQUEST_INVALID',
  ],
  ['envelope of the wrong type', () => submit(42), 400, 'REQUEST_INVALID'],
  [
    'an unknown body field',
    async () =>
      request(api.app)
        .post('/v1/attestations')
        .send({ envelope: await bank.seal(valid), extra: 1 }),
    400,
    'REQUEST_INVALID',
  ],
  [
    'a huge body',
    () =>
      request(api.app)
        .post('/v1/attestations')
        .send({ envelope: 'a'.repeat(200_000) }),
    413,
    'PAYLOAD_TOO_LARGE',
  ],
  ['an envelope with two parts', () => submit('abc.def'), 400, 'REQUEST_INVALID'],
  [
    'an unsigned (alg none) envelope',
    async () => {
      const header = Buffer.from(
        JSON.stringify({ alg: 'none', kid: bank.id, typ: 'zkattest-package+jws' }),
      ).toString('base64url');
      return submit(`${header}.${Buffer.from(JSON.stringify(valid)).toString('base64url')}.AAAA`);
    },
    400,
    'ENVELOPE_INVALID',
  ],
  [
    'an unregistered institution',
    async () => submit(await (await newInstitution('ghost-bank')).seal(valid)),
    403,
    'INSTITUTION_UNKNOWN',
  ],
  [
    'a revoked institution',
    async () => {
      const revoked = await newInstitution('revoked-bank');
      return submit(await revoked.seal(valid));
    },
    403,
    'INSTITUTION_REVOKED',
  ],
  [
    'a signature by another key under a registered name',
    async () => submit(await (await newInstitution('onshore-bank')).seal(valid)),
    401,
    'ENVELOPE_SIGNATURE_INVALID',
  ],
  [
    'a payload changed after signing',
    async () => {
      const [h, , s] = (await bank.seal(valid)).split('.');
      const other = clone(valid);
      other.createdAt = new Date(0).toISOString();
      return submit(`${h}.${Buffer.from(JSON.stringify(other)).toString('base64url')}.${s}`);
    },
    401,
    'ENVELOPE_SIGNATURE_INVALID',
  ],
  [
    'a payload that is not JSON',
    async () => submit(await bank.seal('not json {')),
    400,
    'PACKAGE_INVALID',
  ],
  [
    'a package without its proof',
    withEnvelope(({ proof: _p, ...rest }) => rest),
    400,
    'PACKAGE_INVALID',
  ],
  [
    'a package with an extra field',
    withEnvelope((p) => ({ ...p, positions: [] })),
    400,
    'PACKAGE_INVALID',
  ],
  [
    'a public signal >= r',
    withEnvelope((p) => {
      p.publicSignals.statement = (
        BigInt(p.publicSignals.statement) + SNARK_SCALAR_FIELD
      ).toString();
      return p;
    }),
    400,
    'SIGNAL_OUT_OF_FIELD',
  ],
  [
    'a proof coordinate >= q',
    withEnvelope((p) => {
      p.proof.pi_a[0] = (BigInt(p.proof.pi_a[0]) + BN254_BASE_FIELD).toString();
      return p;
    }),
    400,
    'SIGNAL_OUT_OF_FIELD',
  ],
  [
    'a tampered statement (context + 1)',
    withEnvelope((p) => {
      p.publicSignals.statement = (BigInt(p.publicSignals.statement) + 1n).toString();
      return p;
    }),
    422,
    'ATTESTATION_REJECTED',
  ],
  [
    'a tampered commitment',
    withEnvelope((p) => {
      p.publicSignals.commitment = (BigInt(p.publicSignals.commitment) + 1n).toString();
      return p;
    }),
    422,
    'ATTESTATION_REJECTED',
  ],
  [
    'a tampered proof (C negated)',
    withEnvelope((p) => {
      p.proof.pi_c[1] = (BN254_BASE_FIELD - BigInt(p.proof.pi_c[1])).toString();
      return p;
    }),
    422,
    'ATTESTATION_REJECTED',
  ],
  [
    'a swapped circuit id',
    withEnvelope((p) => {
      p.circuitId = 'yield-range-32';
      return p;
    }),
    422,
    'VKEY_UNKNOWN',
  ],
  [
    'an unknown circuit',
    withEnvelope((p) => ({ ...p, circuitId: 'coverage-1024' })),
    422,
    'CIRCUIT_UNKNOWN',
  ],
  [
    'an unknown verification key',
    withEnvelope((p) => ({ ...p, vkeyHash: 'ab'.repeat(32) })),
    422,
    'VKEY_UNKNOWN',
  ],
  [
    'a signature by a key of no registered set',
    async () => submit(await bank.seal(packages.unknownSigner)),
    422,
    'ATTESTATION_REJECTED',
  ],
  [
    'a signer set revoked before the snapshot',
    async () => submit(await bank.seal(packages.revokedSigner)),
    422,
    'ATTESTATION_REJECTED',
  ],
  [
    'a stale snapshot',
    async () => submit(await bank.seal(packages.stale)),
    422,
    'ATTESTATION_REJECTED',
  ],
  [
    'a snapshot from the future',
    async () => submit(await bank.seal(packages.future)),
    422,
    'ATTESTATION_REJECTED',
  ],
  [
    'a foreign challenge',
    async () => submit(await bank.seal(packages.foreign)),
    422,
    'ATTESTATION_REJECTED',
  ],
  [
    'a reused challenge',
    async () => submit(await bank.seal(packages.reuse)),
    422,
    'ATTESTATION_REJECTED',
  ],
  [
    'admin without credentials',
    () => request(api.app).post('/v1/admin/signer-sets').send(setBody),
    401,
    'UNAUTHORIZED',
  ],
  [
    'admin with wrong credentials',
    () =>
      request(api.app)
        .post('/v1/admin/signer-sets')
        .set('Authorization', 'Bearer wrong-token')
        .send(setBody),
    401,
    'UNAUTHORIZED',
  ],
  [
    'admin: a private key as an institution key',
    () =>
      api.admin('post', '/v1/admin/institutions', {
        id: 'leaky',
        name: 'x',
        alg: 'ES256',
        publicKeyJwk: bank.privateJwk,
      }),
    400,
    'ENVELOPE_INVALID',
  ],
  [
    'admin: a signer key off the curve',
    () =>
      api.admin('post', '/v1/admin/signer-sets', {
        threshold: 1,
        signers: [{ publicKey: offCurve(key), label: 'x' }],
      }),
    400,
    'KEY_MALFORMED',
  ],
  [
    'a malformed attestation id',
    () => request(api.app).get('/v1/attestations/not-an-id'),
    400,
    'REQUEST_INVALID',
  ],
  [
    'an unknown attestation id',
    () => request(api.app).get(`/v1/attestations/${'0'.repeat(64)}`),
    404,
    'NOT_FOUND',
  ],
  [
    'a bad list filter',
    () => request(api.app).get('/v1/attestations?claim=solvency'),
    400,
    'REQUEST_INVALID',
  ],
  [
    'a batch of 65 envelopes',
    () =>
      request(api.app)
        .post('/v1/attestations/batch')
        .send({ envelopes: Array(65).fill('a.b.c') }),
    400,
    'REQUEST_INVALID',
  ],
  [
    'verify with a malformed package',
    () =>
      request(api.app)
        .post('/v1/verify')
        .send({ package: { claim: 'coverage' } }),
    400,
    'PACKAGE_INVALID',
  ],
  // A body that does not decompress as its Content-Encoding says, on any route.
  ...(['gzip', 'deflate', 'br'] as const).flatMap((encoding): Case[] => {
    const garbled = (r: request.Test) =>
      r
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', encoding)
        .send('{"not":"compressed"}');
    return [
      [
        `a ${encoding} body that does not decompress, on /healthz`,
        () => garbled(request(api.app).get('/healthz')),
        400,
        'REQUEST_INVALID',
      ],
      [
        `a ${encoding} body that does not decompress, on /v1/attestations`,
        () => garbled(request(api.app).post('/v1/attestations')),
        400,
        'REQUEST_INVALID',
      ],
    ];
  }),
];

describe('the offshore API refuses bad input', () => {
  it.each(cases)('%s -> %i %s', async (_name, send, status, code) => {
    const res = await send();
    expect(res.body?.error?.code).toBe(code);
    expect(res.status).toBe(status);
  });

  it('gives the reason of each rejected attestation', async () => {
    const reasons = async (pkg: AttestationPackage) =>
      (await submit(await bank.seal(pkg))).body.error.details.reasons;
    expect(await reasons(packages.unknownSigner)).toContain('SIGNER_SET_UNKNOWN');
    expect(await reasons(packages.revokedSigner)).toContain('SIGNER_SET_REVOKED');
    expect(await reasons(packages.stale)).toContain('SNAPSHOT_STALE');
    expect(await reasons(packages.future)).toContain('SNAPSHOT_FROM_FUTURE');
    expect(await reasons(packages.foreign)).toContain('CONTEXT_UNKNOWN');
    expect(await reasons(packages.reuse)).toContain('CONTEXT_REUSED');
  });

  it('recorded only the one valid attestation, and audited the refusals', async () => {
    const list = await request(api.app).get('/v1/attestations?limit=100').expect(200);
    expect(list.body.items.map((r: { id: string }) => r.id)).toHaveLength(1);
    expect(list.body.items[0].valid).toBe(true);
    const events = await api.stores.audit.read(1000);
    expect(events.filter((e) => e.event.type === 'attestation.recorded')).toHaveLength(1);
    expect(
      events.filter((e) => String(e.event.type).startsWith('attestation.re')).length,
    ).toBeGreaterThan(20);
  });
});

import { VerificationKeyRegistry } from '../../src/verifier';
import { rerandomize } from '../support/rerandomize';
import request from 'supertest';
import type { AttestationPackage } from '../../src/common/attestation-package';
import { packageId } from '../../src/common/attestation-package';
import { statementId } from '../../src/common/statement-id';
import type { AttestationFactory, Institution } from '../support/attestation-factory';
import { challengeNonce, startApi, startApiWithCustodian, type ApiUnderTest } from './api-harness';

let api: ApiUnderTest;
let factory: AttestationFactory;
let bank: Institution;

const challenge = () => challengeNonce(api.app);
const submit = async (pkg: AttestationPackage) =>
  request(api.app)
    .post('/v1/attestations')
    .send({ envelope: await bank.seal(pkg) });

beforeAll(async () => {
  ({ api, factory, bank } = await startApiWithCustodian('EdDSA'));
});

afterAll(async () => {
  await api.close();
});

describe('recording attestations', () => {
  it('verifies and records a package, then serves it by id and in lists', async () => {
    const pkg = await factory.package({ context: await challenge() });
    const res = await submit(pkg);
    expect(res.status).toBe(201);
    expect(res.body.attestation).toMatchObject({
      id: statementId(pkg),
      claim: 'coverage',
      valid: true,
      institution: 'onshore-bank',
      commitment: pkg.publicSignals.commitment,
      setId: pkg.snapshot.setId,
      threshold: 1,
      epoch: pkg.snapshot.epoch,
      prevCommitment: pkg.snapshot.prevCommitment,
      signers: [{ keyId: pkg.signatures[0]!.keyId, label: 'custodian' }],
      signedBy: 'signed by 1 of 1: custodian',
    });
    const got = await request(api.app)
      .get(`/v1/attestations/${statementId(pkg)}`)
      .expect(200);
    expect(got.body.meaning).toContain('at least 120.00%');
    const bySignerSet = await request(api.app)
      .get(`/v1/attestations?setId=${pkg.snapshot.setId}&claim=coverage`)
      .expect(200);
    expect(bySignerSet.body.items.map((r: { id: string }) => r.id)).toContain(statementId(pkg));
  });

  it('is idempotent: the same package again answers 200 with the same record', async () => {
    const pkg = await factory.package({ context: await challenge() });
    const first = await submit(pkg);
    const again = await submit(pkg);
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.attestation.id).toBe(first.body.attestation.id);
  });

  it('records the same package submitted 25 times concurrently exactly once', async () => {
    const pkg = await factory.package({ context: await challenge() });
    const envelope = await bank.seal(pkg);
    const results = await Promise.all(
      Array.from({ length: 25 }, () =>
        request(api.app).post('/v1/attestations').send({ envelope }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(24);
    const events = await api.stores.audit.read(10_000);
    const recorded = events.filter(
      (e) => e.event.type === 'attestation.recorded' && e.event.packageId === packageId(pkg),
    );
    expect(recorded).toHaveLength(1);
  });

  it('answers a re-randomized copy of a recorded proof with the record: one statement, one record', async () => {
    const pkg = await factory.package({ context: await challenge() });
    const first = await submit(pkg);
    expect(first.status).toBe(201);
    const vk = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true }).get(
      pkg.circuitId,
      pkg.vkeyHash,
    ).vk;
    const proof = (await rerandomize(vk, pkg.proof)) as AttestationPackage['proof'];
    const copy: AttestationPackage = { ...pkg, proof };
    expect(packageId(copy)).not.toBe(packageId(pkg));
    const check = await request(api.app).post('/v1/verify').send({ package: copy }).expect(200);
    expect(check.body.reasons).toEqual(['CONTEXT_REUSED']); // a valid proof, a used challenge
    const res = await submit(copy);
    expect(res.status).toBe(200);
    expect(res.body.attestation).toEqual(first.body.attestation);
  });

  it('checks without recording or consuming the challenge on /v1/verify', async () => {
    const pkg = await factory.package({ context: await challenge() });
    const check = await request(api.app).post('/v1/verify').send({ package: pkg }).expect(200);
    expect(check.body).toMatchObject({ valid: true, claim: 'coverage', reasons: [] });
    await request(api.app)
      .get(`/v1/attestations/${statementId(pkg)}`)
      .expect(404);
    // The investor's own minimum: the proof shows 120%, this investor wants 125%.
    const stricter = await request(api.app)
      .post('/v1/verify')
      .send({ package: pkg, requirements: { coverage: { minCoverageBps: 12500 } } })
      .expect(200);
    expect(stricter.body).toMatchObject({ valid: false, reasons: ['REQUIREMENT_NOT_MET'] });
    expect((await submit(pkg)).status).toBe(201); // the challenge was still fresh
  });

  it('records a batch in one call and says which envelope failed', async () => {
    // Three claims on one snapshot (one epoch): envelopes of one batch are checked concurrently,
    // so snapshots of consecutive epochs in one batch could reach the chain out of order.
    const asOf = Math.floor(Date.now() / 1000) - 3600;
    const good = await Promise.all(
      [1, 2, 3].map(async () => factory.package({ context: await challenge(), asOf })),
    );
    const bad = JSON.parse(JSON.stringify(good[1])) as AttestationPackage;
    bad.publicSignals.commitment = (BigInt(bad.publicSignals.commitment) + 1n).toString();
    const envelopes = await Promise.all([good[0]!, bad, good[2]!].map((p) => bank.seal(p)));
    const res = await request(api.app)
      .post('/v1/attestations/batch')
      .send({ envelopes })
      .expect(200);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual([
      'created',
      'rejected',
      'created',
    ]);
    expect(res.body.results[1].error.details.reasons).toContain('PROOF_INVALID');
  });

  it('pages through the list without duplicates, newest first', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await request(api.app)
        .get('/v1/attestations')
        .query({ limit: 2, ...(cursor ? { cursor } : {}) })
        .expect(200);
      seen.push(...res.body.items.map((r: { id: string }) => r.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(7); // 1 + 1 + 1 + 1 + 1 + 2 recorded above
  });

  it('records a batch of consecutive epochs sent in any order, in epoch order', async () => {
    const base = Math.floor(Date.now() / 1000) - 1800;
    const snapshots = [];
    for (const dt of [10, 20, 30]) {
      snapshots.push(await factory.package({ context: await challenge(), asOf: base + dt }));
    }
    const epochs = snapshots.map((p) => p.snapshot.epoch);
    expect(epochs).toEqual([epochs[0], epochs[0]! + 1, epochs[0]! + 2]);
    const envelopes = await Promise.all([...snapshots].reverse().map((p) => bank.seal(p)));
    const res = await request(api.app)
      .post('/v1/attestations/batch')
      .send({ envelopes })
      .expect(200);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual([
      'created',
      'created',
      'created',
    ]);
  });

  it('keeps every acknowledged record across a Redis restart', async () => {
    const before = await request(api.app).get('/v1/attestations?limit=100').expect(200);
    await api.redis.restart();
    const after = await request(api.app).get('/v1/attestations?limit=100').expect(200);
    expect(after.body.items.map((r: { id: string }) => r.id)).toEqual(
      before.body.items.map((r: { id: string }) => r.id),
    );
    const pkg = await factory.package({ context: await challenge() });
    expect((await submit(pkg)).status).toBe(201);
  });
});

describe('operating the API', () => {
  it('answers liveness, readiness, metrics and the OpenAPI document', async () => {
    await request(api.app).get('/healthz').expect(200);
    expect((await request(api.app).get('/readyz').expect(200)).body.store).toBe('redis');
    const metrics = await request(api.app).get('/metrics').expect(200);
    expect(metrics.text).toContain('zkattest_verifications_total');
    const doc = await request(api.app).get('/openapi.json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/v1/challenges', '/v1/attestations', '/v1/verify']),
    );
    await request(api.app).get('/docs/').expect(200);
  });

  it('sends security headers and a request id', async () => {
    const res = await request(api.app).get('/healthz');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('rate-limits write endpoints per client', async () => {
    const limited = await startApi({}, { writeRateLimitPerMinute: 3 });
    try {
      const codes = [];
      for (let i = 0; i < 5; i++)
        codes.push((await request(limited.app).post('/v1/challenges')).status);
      expect(codes).toEqual([201, 201, 201, 429, 429]);
    } finally {
      await limited.close();
    }
  });

  it('lets admins revoke a signer set: later submissions signed by it are refused', async () => {
    const pkg = await factory.package({ context: await challenge() });
    await api
      .admin('post', `/v1/admin/signer-sets/${pkg.snapshot.setId}/revoke`, {
        effectiveAt: new Date(Date.now() - 24 * 3600 * 1000).toISOString(),
      })
      .expect(200);
    const res = await submit(pkg);
    expect(res.status).toBe(422);
    expect(res.body.error.details.reasons).toContain('SIGNER_SET_REVOKED');
  });
});

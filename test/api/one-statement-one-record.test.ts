import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import type { AttestationPackage } from '../../src/common/attestation-package';
import { packageId } from '../../src/common/attestation-package';
import { createMemoryStores, createRedisStores, type Stores } from '../../src/api/store';
import { statementId } from '../../src/common/statement-id';
import { VerificationKeyRegistry } from '../../src/verifier';
import { negate, rerandomize } from '../support/rerandomize';
import {
  AttestationFactory,
  newInstitution,
  type Institution,
} from '../support/attestation-factory';
import { startRedis, type RedisServer } from '../support/redis-server';
import { adminCaller, createTestApp, freshPackage, registerCustodian } from './api-harness';

// Groth16 proofs are malleable: anyone holding a valid proof can make other valid proofs of the
// same statement. Whatever REQUIRE_CHALLENGE says, one statement must be one record.

let redis: RedisServer;
let factory: AttestationFactory;
let bank: Institution;
let vk: Record<string, unknown>;

beforeAll(async () => {
  redis = await startRedis();
  factory = await AttestationFactory.create();
  bank = await newInstitution('onshore-bank', 'EdDSA');
});
afterAll(async () => {
  await redis.stop();
});

const STORES = {
  redis: () => createRedisStores(redis.url, { keyPrefix: `stmt-${randomUUID()}:` }),
  memory: () => createMemoryStores(),
};

describe.each([
  ['redis', true],
  ['redis', false],
  ['memory', true],
  ['memory', false],
] as const)('%s stores, REQUIRE_CHALLENGE=%s', (kind, requireChallenge) => {
  let stores: Stores;
  let app: Express;
  let pkg: AttestationPackage;
  const submit = async (p: AttestationPackage) =>
    request(app)
      .post('/v1/attestations')
      .send({ envelope: await bank.seal(p) });

  beforeAll(async () => {
    stores = STORES[kind]();
    app = createTestApp(stores, { requireChallenge });
    pkg = await freshPackage(app, factory);
    // One factory signs for every block's API: each API's chain starts where this package is.
    await registerCustodian({ admin: adminCaller(app) }, bank, await factory.signer(), {
      firstEpoch: pkg.snapshot.epoch,
    });
    vk = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true }).get(
      pkg.circuitId,
      pkg.vkeyHash,
    ).vk;
  });
  afterAll(async () => {
    await stores.close();
  });

  it('records the statement once: copies answer 200 with the first record', async () => {
    const first = await submit(pkg);
    expect(first.status).toBe(201);
    const id = statementId(pkg);
    expect(first.body.attestation.id).toBe(id);
    expect(first.headers.location).toBe(`/v1/attestations/${id}`);

    const proof = (p: Promise<unknown>) => p as Promise<AttestationPackage['proof']>;
    const copies: AttestationPackage[] = [
      pkg, // the same bytes again
      { ...pkg, proof: await proof(rerandomize(vk, pkg.proof)) },
      { ...pkg, proof: await proof(rerandomize(vk, pkg.proof)) },
      { ...pkg, proof: await proof(negate(pkg.proof)) },
      { ...pkg, proof: await proof(negate(await rerandomize(vk, pkg.proof))) },
      { ...pkg, createdAt: new Date(Date.now() + 1000).toISOString() },
    ];
    expect(new Set(copies.map(packageId)).size).toBe(copies.length);
    for (const copy of copies) {
      const res = await submit(copy);
      expect([res.status, res.body.status]).toEqual([200, 'existing']);
      // First write wins: the record, its package and its time are those of the first one.
      expect(res.body.attestation).toEqual(first.body.attestation);
    }

    const all = await request(app).get('/v1/attestations?limit=100').expect(200);
    expect(all.body.items.map((r: { id: string }) => r.id)).toEqual([id]);
    const events = (await stores.audit.read(1000)).map((e) => e.event);
    expect(events.filter((e) => e.type === 'attestation.recorded')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'attestation.repeated')).toHaveLength(copies.length);
  });

  it('the copies are valid proofs (so the test above can fail)', async () => {
    const copy = { ...pkg, proof: (await negate(pkg.proof)) as AttestationPackage['proof'] };
    const check = await request(app).post('/v1/verify').send({ package: copy }).expect(200);
    // With challenges the used nonce is the only objection; without, there is none.
    expect(check.body.reasons).toEqual(requireChallenge ? ['CONTEXT_REUSED'] : []);
  });

  it('still refuses an invalid proof of a recorded statement', async () => {
    const forged: AttestationPackage = {
      ...pkg,
      proof: {
        ...pkg.proof,
        pi_c: (await rerandomize(vk, pkg.proof)).pi_c as [string, string, '1'],
      },
    };
    const res = await submit(forged);
    expect(res.status).toBe(422);
    expect(res.body.error.details.reasons).toBe('PROOF_INVALID');
    const all = await request(app).get('/v1/attestations?limit=100').expect(200);
    expect(all.body.items).toHaveLength(1);
  });

  // Redis only: the memory store runs each request's steps without real interleaving.
  if (kind !== 'redis') return;
  it('concurrent copies of a new statement: exactly one creation', async () => {
    const fresh = await freshPackage(app, factory);
    const copies = [fresh, fresh];
    for (let i = 0; i < 4; i++) {
      copies.push({ ...fresh, proof: (await rerandomize(vk, fresh.proof)) as typeof fresh.proof });
    }
    const results = await Promise.all(copies.map(submit));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(results.map((r) => r.body.attestation.id))).toEqual(
      new Set([statementId(fresh)]),
    );
    const all = await request(app).get('/v1/attestations?limit=100').expect(200);
    expect(all.body.items).toHaveLength(2);
  });
});

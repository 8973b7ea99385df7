/**
 * The offshore API on a real 3-master Redis Cluster (test/support/redis-cluster.ts): records,
 * the challenge ledger and the rate limiter through the routes, then a master crashing under
 * it: the coded 503 (never a 500), and every acknowledged write there after it returns.
 */
import type { Express } from 'express';
import request from 'supertest';
import { readConfig } from '../../src/api/config';
import { createRedisStores, createStores, type Stores } from '../../src/api/store';
import { readRedisDurability } from '../../src/api/store/redis-durability';
import { redisTargetOf } from '../../src/common/env-config';
import { statementId } from '../../src/common/statement-id';
import type { AttestationFactory, Institution } from '../support/attestation-factory';
import { AttestationFactory as Factory, newInstitution } from '../support/attestation-factory';
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster';
import { adminCaller, challengeNonce, createTestApp, registerCustodian } from './api-harness';

const PREFIX = `zkattest-cluster-api:${Date.now()}:`;
const GENERIC = {
  error: { code: 'STORE_UNAVAILABLE', message: 'the store is unavailable, retry later' },
};
/** "Within a few seconds", per request, while a master is down. */
const FAST_MS = 5000;

let cluster: RedisCluster;
let stores: Stores;
let app: Express;
let factory: AttestationFactory;
let bank: Institution;

const submit = async (nonce: bigint) =>
  request(app)
    .post('/v1/attestations')
    .send({ envelope: await bank.seal(await factory.package({ context: nonce })) });

beforeAll(async () => {
  [cluster, factory, bank] = await Promise.all([
    startRedisCluster(),
    Factory.create(),
    newInstitution('onshore-bank', 'EdDSA'),
  ]);
  stores = createRedisStores(cluster.target, { keyPrefix: PREFIX });
  app = createTestApp(stores);
  await registerCustodian({ admin: adminCaller(app) }, bank, await factory.signer());
});

afterAll(async () => {
  await stores?.close();
  await cluster?.stop();
});

describe('the offshore API on a Redis Cluster', () => {
  it('REDIS_CLUSTER_NODES gives the API its stores on the cluster; start-up reads persistence', async () => {
    const target = redisTargetOf(readConfig({ REDIS_CLUSTER_NODES: cluster.nodesVariable }));
    expect(target).toEqual(cluster.target);
    const fromConfig = createStores(target);
    try {
      expect([fromConfig.kind, await fromConfig.ping()]).toEqual(['redis', true]);
    } finally {
      await fromConfig.close();
    }
    // Every master runs appendfsync always (the weakest one is what a 201 is worth).
    expect(await readRedisDurability(cluster.target)).toMatchObject({ level: 'durable' });
  });

  it('records an attestation for a challenge; the spent challenge cannot be used again', async () => {
    const pkg = await factory.package({ context: await challengeNonce(app) });
    const first = await request(app)
      .post('/v1/attestations')
      .send({ envelope: await bank.seal(pkg) });
    expect(first.status).toBe(201);
    const id = first.body.attestation.id as string;
    expect(id).toBe(statementId(pkg));
    // The challenge ledger: the nonce is spent; a nonce never issued is unknown.
    const reused = await request(app).post('/v1/verify').send({ package: pkg }).expect(200);
    expect(reused.body.reasons).toEqual(['CONTEXT_REUSED']);
    const unissued = await factory.package({ context: 12345n });
    const unknown = await request(app).post('/v1/verify').send({ package: unissued }).expect(200);
    expect(unknown.body.reasons).toEqual(['CONTEXT_UNKNOWN']);
    await request(app).get(`/v1/attestations/${id}`).expect(200);
    const listed = await request(app).get('/v1/attestations?claim=coverage').expect(200);
    expect(listed.body.items.map((r: { id: string }) => r.id)).toContain(id);
  });

  it('rate-limits writes per client across the cluster', async () => {
    const limited = createRedisStores(cluster.target, { keyPrefix: `${PREFIX}rl:` });
    try {
      const limitedApp = createTestApp(limited, {}, { writeRateLimitPerMinute: 3 });
      const codes = [];
      for (let i = 0; i < 5; i++)
        codes.push((await request(limitedApp).post('/v1/challenges')).status);
      expect(codes).toEqual([201, 201, 201, 429, 429]);
    } finally {
      await limited.close();
    }
  });

  it('a master crashes: coded 503s within seconds, never a 500; nothing acknowledged is lost', async () => {
    // Records and challenges spread over the masters, all acknowledged before the crash.
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await submit(await challengeNonce(app));
      expect(res.status).toBe(201);
      ids.push(res.body.attestation.id as string);
    }
    const fresh = await Promise.all(Array.from({ length: 12 }, () => stores.challenges.issue(600)));
    const before = await Promise.all(
      ids.map(async (id) => (await request(app).get(`/v1/attestations/${id}`).expect(200)).body),
    );
    // Crash the master holding the first record (SIGKILL: no shutdown, no final fsync).
    const victim = await cluster.nodeOf(`${PREFIX}att:${ids[0]}`);
    const spread = new Set(
      await Promise.all(fresh.map((c) => cluster.nodeOf(`${PREFIX}chal:${c.nonce}`))),
    );
    expect(spread.size).toBeGreaterThan(1);
    await cluster.nodes[victim]!.crash();
    let restarted = false;
    try {
      const calls: Array<[string, () => request.Test]> = [
        ['get the record on the lost master', () => request(app).get(`/v1/attestations/${ids[0]}`)],
        ...ids
          .slice(1)
          .map((id): [string, () => request.Test] => [
            'get another record',
            () => request(app).get(`/v1/attestations/${id}`),
          ]),
        ['list', () => request(app).get('/v1/attestations')],
        ['challenge', () => request(app).post('/v1/challenges')],
        ['readyz', () => request(app).get('/readyz')],
      ];
      // Twice: right after the crash, and once the others have marked the master failed.
      for (const wait of [0, 2000]) {
        await new Promise((resolve) => setTimeout(resolve, wait));
        for (const [name, call] of calls) {
          const started = Date.now();
          const res = await call().timeout(15_000);
          expect([name, Date.now() - started < FAST_MS]).toEqual([name, true]);
          expect([name, res.status]).not.toEqual([name, 500]);
          if (name === 'readyz') {
            // Every node still answers PING; readiness asks each master.
            expect(res.body).toEqual({ status: 'unavailable', store: 'redis' });
          } else if (res.status === 503) {
            expect(res.body).toEqual(GENERIC);
          }
          if (name === 'get the record on the lost master') expect(res.status).toBe(503);
        }
      }
      await cluster.nodes[victim]!.restart();
      restarted = true;
      await cluster.whenHealthy();
    } finally {
      if (!restarted) await cluster.nodes[victim]!.restart();
    }
    // Back without restarting the API: every record as it was, every challenge still fresh.
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      status = (await request(app).get(`/v1/attestations/${ids[0]}`)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status).toBe(200);
    for (const [i, id] of ids.entries()) {
      expect((await request(app).get(`/v1/attestations/${id}`).expect(200)).body).toEqual(
        before[i],
      );
    }
    for (const c of fresh) expect(await stores.challenges.peek(c.nonce)).toBe('ok');
    const res = await submit(BigInt(fresh[0]!.nonce));
    expect(res.status).toBe(201);
  });
});

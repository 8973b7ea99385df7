import Redis from 'ioredis';
import request from 'supertest';
import type { AttestationPackage } from '../../../src/common/attestation-package';
import { generateTransportKey } from '../../../src/common/transport-key';
import type { OnshoreService } from '../../../src/prover/service/onshore-service';
import { RedisPackageSink } from '../../../src/prover/service/vault-source';
import { masterKeysFromEnv } from '../../../src/prover/vault';
import { fakePackage } from '../../support/fake-package';
import {
  as,
  AUDITOR,
  buildTestOnshoreService,
  hkPlatform,
  OPERATOR,
  testMasterEnv,
  uploadSnapshot,
} from '../../support/onshore-harness';
import { startRedis, type RedisServer } from '../../support/redis-server';
import { startStubOffshore, type StubOffshore } from '../../support/stub-offshore';

// The leak scan on the service's egress path: each package is checked against the identifiers,
// values and salt of its job's snapshot (from the vault) before anything leaves.

const IDENTIFIER = 'acme-bond-2031';
const CSV = [
  '# asOf=2026-11-20T00:00:00+08:00',
  '# currency=CNY',
  '# decimals=2',
  '# liabilities=1000000.00',
  'identifier,assetClass,value,haircutBps,yieldBps',
  `${IDENTIFIER},1,1234567.89,0,200`,
  'beta-dep-2027,0,7654321.00,0,150',
  '',
].join('\n');

let redis: RedisServer;
let client: Redis;
let offshore: StubOffshore;
let service: OnshoreService;

beforeAll(async () => {
  [redis, offshore] = await Promise.all([startRedis(), startStubOffshore()]);
  client = new Redis(redis.url);
  const transport = await generateTransportKey('ES256');
  service = buildTestOnshoreService({
    redisUrl: redis.url,
    masterKeys: await masterKeysFromEnv(testMasterEnv()),
    destinations: [hkPlatform(offshore.url, transport.privateJwk)],
  });
});

afterAll(async () => {
  await service?.close();
  client?.disconnect();
  await offshore?.close();
  await redis?.stop();
});

/** A job on the uploaded snapshot (no worker runs: its package is planted in the sink). */
async function jobWithPackage(snapshotId: string, pkg: AttestationPackage): Promise<string> {
  const job = await request(service.app)
    .post(`/v1/snapshots/${snapshotId}/claims`)
    .set(as(OPERATOR))
    .send({ claim: 'coverage', minCoverageBps: 12000, context: '42' })
    .expect(202);
  await new RedisPackageSink(client).save(job.body.jobId as string, pkg);
  return job.body.jobId as string;
}

const send = (jobId: string) =>
  request(service.app)
    .post(`/v1/jobs/${jobId}/send`)
    .set(as(OPERATOR))
    .send({ destination: 'hk-platform' });

describe("the service's egress leak scan", () => {
  it('refuses and logs a package carrying an identifier, a value or the salt; sends a clean one', async () => {
    const snapshotId = await uploadSnapshot(service.app, CSV);
    const { salt } = await service.vault.getSnapshot(snapshotId);
    const signals = fakePackage().publicSignals;
    const leaking = [
      fakePackage({ circuitId: IDENTIFIER }),
      fakePackage({ publicSignals: { ...signals, statement: salt.toString() } }),
      fakePackage({ vkeyHash: salt.toString(16).padStart(64, '0') }),
      fakePackage({ publicSignals: { ...signals, commitment: '123456789' } }),
    ];
    for (const pkg of leaking) {
      const refused = await send(await jobWithPackage(snapshotId, pkg));
      expect([refused.status, refused.body.error.code]).toEqual([422, 'EGRESS_REFUSED']);
      expect(JSON.stringify(refused.body)).not.toContain(IDENTIFIER);
      expect(JSON.stringify(refused.body)).not.toContain(salt.toString());
    }
    expect(offshore.bodies).toHaveLength(0);

    const clean = await send(await jobWithPackage(snapshotId, fakePackage()));
    expect(clean.status).toBe(200);
    expect(clean.body).toMatchObject({ outcome: 'recorded', httpStatus: 201 });
    expect(offshore.bodies).toHaveLength(1);

    const egress = await request(service.app).get('/v1/egress').set(as(AUDITOR)).expect(200);
    const items = egress.body.items as Array<{ kind: string; reason?: string }>;
    expect(items.map((e) => e.reason ?? e.kind)).toEqual([
      'leak',
      'leak',
      'leak',
      'leak',
      'intent',
      'outcome',
    ]);
    const logged = JSON.stringify(items);
    expect(logged).not.toContain(IDENTIFIER);
    expect(logged).not.toContain(salt.toString());
    expect(logged).not.toContain('123456789');
  });
});

/**
 * Both sides on one real 3-master Redis Cluster (test/support/redis-cluster.ts): the onshore
 * service (vault, disclosure ledger, failed-auth limiter, egress log, proving queue), a
 * production worker process and `zkattest queue watch` configured with REDIS_CLUSTER_NODES,
 * and the offshore API recording what the service sends.
 */
import { execFile } from 'node:child_process';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Express } from 'express';
import request from 'supertest';
import { createRedisStores, type Stores } from '../../../src/api/store';
import { generateTransportKey } from '../../../src/common/transport-key';
import { verifyEgressChain } from '../../../src/prover/egress';
import type { OnshoreService } from '../../../src/prover/service/onshore-service';
import { masterKeysFromEnv } from '../../../src/prover/vault';
import {
  adminCaller,
  createTestApp,
  listenOnLoopback,
  registerInstitution,
} from '../../api/api-harness';
import {
  as,
  AUDITOR,
  buildTestOnshoreService,
  hkPlatform,
  OPERATOR,
  SAMPLE_CSV,
  testMasterEnv,
  vaultSignerKey,
} from '../../support/onshore-harness';
import { startRedisCluster, type RedisCluster } from '../../support/redis-cluster';
import { spawnWorker, type WorkerProcess } from '../../support/worker-process';

let cluster: RedisCluster;
let offshoreStores: Stores;
let offshore: Server;
let offshoreUrl: string;
let onshore: Express;
let service: OnshoreService;
let worker: WorkerProcess;
const masterEnv = testMasterEnv();
const NOW = Math.floor(Date.now() / 1000);
const csv = SAMPLE_CSV.replace(/^# asOf=.*$/m, `# asOf=${NOW - 600}`);

beforeAll(async () => {
  cluster = await startRedisCluster();
  offshoreStores = createRedisStores(cluster.target, { keyPrefix: 'offshore:' });
  const app = createTestApp(offshoreStores, { maxAgeSeconds: 86400 });
  ({ server: offshore, url: offshoreUrl } = await listenOnLoopback(app));
  const masterKeys = await masterKeysFromEnv(masterEnv);
  const { signerKeyId, key } = await vaultSignerKey(cluster.target, masterKeys, 1, 'signer');
  const transport = await generateTransportKey('ES256');
  const admin = adminCaller(app);
  await registerInstitution(
    { admin },
    { id: 'mainland-custodian', alg: 'ES256', publicJwk: transport.publicJwk },
  );
  await admin('post', '/v1/admin/signer-sets', {
    threshold: 1,
    signers: [{ publicKey: key.publicKey, label: 'custodian' }],
    validFrom: new Date(Date.now() - 30 * 24 * 3600 * 1000).toISOString(),
  }).expect(201);
  service = buildTestOnshoreService({
    redisUrl: cluster.target,
    masterKeys,
    signerKeyId,
    destinations: [hkPlatform(offshoreUrl, transport.privateJwk)],
    // One distinct claim per snapshot: the ledger's admission script runs on the cluster.
    disclosurePolicy: { coverage: { maxPerSnapshot: 1 } },
  });
  onshore = service.app;
  worker = spawnWorker({
    redisUrl: { clusterNodes: cluster.nodesVariable },
    extraEnv: masterEnv,
  });
  await worker.ready;
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await service?.close();
  await new Promise((resolve) => offshore?.close(resolve));
  await offshoreStores?.close();
  await cluster?.stop();
});

it('uploads, proves on a worker, sends offshore: every step on the cluster', async () => {
  const uploaded = await request(onshore)
    .post('/v1/snapshots')
    .set(as(OPERATOR))
    .set('Content-Type', 'text/csv')
    .send(csv)
    .expect(201);
  const snapshotId = uploaded.body.id as string;
  const challenge = await request(offshoreUrl).post('/v1/challenges').expect(201);
  const claim = { claim: 'coverage', minCoverageBps: 12000, context: challenge.body.nonce };
  const job = await request(onshore)
    .post(`/v1/snapshots/${snapshotId}/claims`)
    .set(as(OPERATOR))
    .send(claim)
    .expect(202);
  // The disclosure budget (one distinct claim) holds: other parameters are refused.
  const other = await request(onshore)
    .post(`/v1/snapshots/${snapshotId}/claims`)
    .set(as(OPERATOR))
    .send({ ...claim, minCoverageBps: 11000 });
  expect([other.status, other.body.error.code]).toEqual([422, 'DISCLOSURE_BUDGET_EXCEEDED']);
  const done = await service.queue.waitForJob(job.body.jobId, 90_000);
  expect(done.state).toBe('completed');

  const sent = await request(onshore)
    .post(`/v1/jobs/${job.body.jobId}/send`)
    .set(as(OPERATOR))
    .send({ destination: 'hk-platform' })
    .expect(200);
  expect(sent.body).toMatchObject({ outcome: 'recorded', httpStatus: 201 });
  const records = await request(offshoreUrl).get('/v1/attestations?claim=coverage').expect(200);
  expect(records.body.items.map((r: { institution: string }) => r.institution)).toEqual([
    'mainland-custodian',
  ]);
  const egress = await request(onshore).get('/v1/egress').set(as(AUDITOR)).expect(200);
  expect(verifyEgressChain(egress.body.items).ok).toBe(true);

  // The failed-auth limiter's two keys share a slot: a bad token is counted, not a 500.
  await request(onshore).get('/v1/snapshots').set(as('not-a-staff-token')).expect(401);

  // The operator's CLI on the same cluster.
  const watch = await promisify(execFile)(
    process.execPath,
    [join(__dirname, '..', '..', '..', 'bin', 'zkattest.cjs'), 'queue', 'watch', '--once'],
    {
      env: { ...process.env, REDIS_URL: undefined, REDIS_CLUSTER_NODES: cluster.nodesVariable },
    },
  );
  expect(watch.stdout).toMatch(/waiting 0 {2}active 0 {2}completed 1 {2}failed 0/);

  // Both sides' keys landed on every master.
  for (const pattern of ['offshore:*', 'zkattest:*']) {
    for (const keys of await cluster.keysPerNode(pattern)) expect(keys).toBeGreaterThan(0);
  }
});

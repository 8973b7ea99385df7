import { execFile } from 'node:child_process';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import request from 'supertest';
import { createRedisStores, type Stores } from '../../../src/api/store';
import { generateTransportKey } from '../../../src/common/transport-key';
import { findLeaks, loadSnapshotFile, sensitiveStrings } from '../../../src/prover';
import { verifyEgressChain } from '../../../src/prover/egress';
import type { ProvingQueue } from '../../../src/prover/queue/proving-queue';
import type { OnshoreService } from '../../../src/prover/service/onshore-service';
import { masterKeysFromEnv, RedisVaultStore } from '../../../src/prover/vault';
import { VerificationKeyRegistry, verifyPackage } from '../../../src/verifier';
import { RedisPackageSink } from '../../../src/prover/service/vault-source';
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
  SAMPLE_SNAPSHOT as SAMPLE,
  MULTI_CSV,
  signedFx,
  testMasterEnv,
  testSignerKey,
  uploadSnapshot,
  USD_CNY_HKD,
  vaultSignerKey,
} from '../../support/onshore-harness';
import { startRedis, type RedisServer } from '../../support/redis-server';
import { spawnWorker, type WorkerProcess } from '../../support/worker-process';
import type { Express } from 'express';

// The onshore service end to end, with real parts: redis-server, a proving worker process, the
// encrypted vault, the egress path, and the offshore API listening on loopback.

let redis: RedisServer;
let offshoreStores: Stores;
let offshore: Server;
let offshoreUrl: string;
let onshore: Express;
let queue: ProvingQueue;
let worker: WorkerProcess;
let client: Redis;
let service: OnshoreService;
const masterEnv = testMasterEnv();
// Today's snapshots (the offshore freshness policy refuses old ones).
const NOW = Math.floor(Date.now() / 1000);
const csv = SAMPLE_CSV.replace(/^# asOf=.*$/m, `# asOf=${NOW - 600}`);
const multiCsv = MULTI_CSV.replace(/^# asOf=.*$/m, `# asOf=${NOW - 600}`);
/** Test key seeds: the custodian's snapshot signer and its FX source. */
const SIGNER_SEED = 1;
const FX_SOURCE_SEED = 7;

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  // Offshore: the verifier API on its own key prefix, served over real HTTP.
  offshoreStores = createRedisStores(redis.url, { keyPrefix: 'offshore:' });
  const app = createTestApp(offshoreStores, { maxAgeSeconds: 86400 });
  ({ server: offshore, url: offshoreUrl } = await listenOnLoopback(app));

  // Onshore: the P-256 signer key goes into the vault first; then the service on the same Redis.
  const masterKeys = await masterKeysFromEnv(masterEnv);
  const { signerKeyId, key } = await vaultSignerKey(
    redis.url,
    masterKeys,
    SIGNER_SEED,
    'custodian signer',
  );
  // Offshore trusts the custodian's transport key, its snapshot signer and its FX source.
  const transport = await generateTransportKey('ES256');
  const admin = adminCaller(app);
  await registerInstitution(
    { admin },
    { id: 'mainland-custodian', alg: 'ES256', publicJwk: transport.publicJwk },
  );
  const validFrom = new Date(Date.now() - 30 * 24 * 3600 * 1000).toISOString();
  // The vault key signs as a 1-of-1 set; its snapshots chain from epoch 0.
  await admin('post', '/v1/admin/signer-sets', {
    threshold: 1,
    signers: [{ publicKey: key.publicKey, label: 'custodian' }],
    validFrom,
  }).expect(201);
  await admin('post', '/v1/admin/fx-sources', {
    publicKey: (await testSignerKey(FX_SOURCE_SEED)).publicKey,
    label: 'fx desk',
    validFrom,
  }).expect(201);
  service = buildTestOnshoreService({
    redisUrl: redis.url,
    masterKeys,
    signerKeyId,
    destinations: [hkPlatform(offshoreUrl, transport.privateJwk)],
  });
  onshore = service.app;
  queue = service.queue;
  worker = spawnWorker({
    redisUrl: redis.url,
    extraEnv: masterEnv,
  });
  await worker.ready;
}, 120_000);

afterAll(async () => {
  const exited = new Promise((r) => worker?.child.once('exit', r));
  worker?.child.kill('SIGTERM');
  await exited;
  await service?.close();
  client?.disconnect();
  await new Promise((r) => offshore?.close(r));
  await offshoreStores?.close();
  await redis?.stop();
});

describe('the onshore service', () => {
  it('uploads, proves on a worker, sends offshore, and the offshore side records it', async () => {
    const uploaded = await request(onshore)
      .post('/v1/snapshots?label=daily')
      .set(as(OPERATOR))
      .set('Content-Type', 'text/csv')
      .send(csv)
      .expect(201);
    const snapshotId = uploaded.body.id as string;
    const listed = await request(onshore).get('/v1/snapshots').set(as(AUDITOR)).expect(200);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: snapshotId, positions: 12 })]);

    const challenge = await request(offshoreUrl).post('/v1/challenges').expect(201);
    const job = await request(onshore)
      .post(`/v1/snapshots/${snapshotId}/claims`)
      .set(as(OPERATOR))
      .send({ claim: 'coverage', minCoverageBps: 12000, context: challenge.body.nonce })
      .expect(202);
    const done = await queue.waitForJob(job.body.jobId, 90_000);
    expect(done.state).toBe('completed');
    const status = await request(onshore)
      .get(`/v1/jobs/${job.body.jobId}`)
      .set(as(OPERATOR))
      .expect(200);
    expect(status.body.progress).toBe(100);

    const sent = await request(onshore)
      .post(`/v1/jobs/${job.body.jobId}/send`)
      .set(as(OPERATOR))
      .send({ destination: 'hk-platform' })
      .expect(200);
    expect(sent.body).toMatchObject({ outcome: 'recorded', httpStatus: 201 });
    const records = await request(offshoreUrl).get('/v1/attestations?claim=coverage').expect(200);
    expect(records.body.items).toHaveLength(1);
    expect(records.body.items[0].institution).toBe('mainland-custodian');

    const egress = await request(onshore).get('/v1/egress').set(as(AUDITOR)).expect(200);
    // The intent (logged before the bytes left), then the outcome.
    expect(egress.body.items.map((e: { kind: string }) => e.kind)).toEqual(['intent', 'outcome']);
    // The offshore record holds the head the intent followed (the empty log's).
    expect(records.body.items[0].egressHead).toEqual({
      seq: 0,
      hash: egress.body.items[0].prevHash,
    });
    expect(verifyEgressChain(egress.body.items).ok).toBe(true);
    // The operator's live counts of the queue.
    const watch = await promisify(execFile)(
      process.execPath,
      [join(__dirname, '..', '..', '..', 'bin', 'zkattest.cjs'), 'queue', 'watch', '--once'],
      { env: { ...process.env, REDIS_URL: redis.url } },
    );
    expect(watch.stdout).toMatch(/waiting 0 {2}active 0 {2}completed 1 {2}failed 0/);
    const audit = await request(onshore).get('/v1/audit').set(as(AUDITOR)).expect(200);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['snapshot.uploaded', 'claim.requested', 'package.sent']),
    );
  });

  it('proves a three-currency snapshot with its signed FX table through the queue and sends it', async () => {
    const fx = await signedFx(USD_CNY_HKD, NOW - 1200, FX_SOURCE_SEED);
    const snapshotId = await uploadSnapshot(onshore, multiCsv, fx);
    const challenge = await request(offshoreUrl).post('/v1/challenges').expect(201);
    const job = await request(onshore)
      .post(`/v1/snapshots/${snapshotId}/claims`)
      .set(as(OPERATOR))
      .send({ claim: 'coverage', minCoverageBps: 13000, context: challenge.body.nonce })
      .expect(202);
    const done = await queue.waitForJob(job.body.jobId, 90_000);
    expect([done.state, done.failure]).toEqual(['completed', undefined]);

    // The package converts with the uploaded table and carries its source signature.
    const pkg = (await new RedisPackageSink(client).get(job.body.jobId as string))!;
    expect(pkg.fx).toEqual(fx);
    expect(pkg.snapshot).toMatchObject({ currency: 'USD', decimals: 2 });
    expect(pkg.signatures.map((s) => s.keyId)).toEqual([(await testSignerKey(SIGNER_SEED)).keyId]);
    const registry = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true });
    expect(await verifyPackage(pkg, registry)).toMatchObject({ valid: true, reasons: [] });

    // Through the egress path (leak scan included) to the offshore API, which records it.
    const sent = await request(onshore)
      .post(`/v1/jobs/${job.body.jobId}/send`)
      .set(as(OPERATOR))
      .send({ destination: 'hk-platform' })
      .expect(200);
    expect(sent.body).toMatchObject({ outcome: 'recorded', httpStatus: 201 });
  });

  it('refuses wrong credentials, wrong roles and malformed uploads with coded errors', async () => {
    const upload = (token: string, type: string, body: string) =>
      request(onshore).post('/v1/snapshots').set(as(token)).set('Content-Type', type).send(body);
    expect((await upload('nope', 'text/csv', csv)).body.error.code).toBe('UNAUTHORIZED');
    const wrongRole = await upload(AUDITOR, 'text/csv', csv);
    expect([wrongRole.status, wrongRole.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const bad = await upload(OPERATOR, 'text/csv', csv.replace(/,0,165$/m, ',0,-5'));
    expect([bad.status, bad.body.error.code]).toEqual([400, 'SNAPSHOT_INVALID_FIELD']);
    const noFx = await upload(OPERATOR, 'text/csv', multiCsv);
    expect([noFx.status, noFx.body.error.code]).toEqual([400, 'FX_CURRENCY_MISSING']);
    const notCsv = await upload(OPERATOR, 'text/plain', 'hello');
    expect(notCsv.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const noEgress = await request(onshore).get('/v1/egress').set(as(OPERATOR));
    expect(noEgress.body.error.code).toBe('FORBIDDEN');
  });

  it('writes no raw value, identifier or salt to Redis in plaintext (vault, queue, audit, egress)', async () => {
    const snapshot = loadSnapshotFile(SAMPLE);
    // The salt is random per upload and only inside the vault ciphertext: scan for the rest.
    const sensitive = sensitiveStrings(snapshot, 0n).filter((s) => s !== '0');
    const keys = await client.keys('*');
    expect(keys.length).toBeGreaterThan(10);
    const leaks: string[] = [];
    for (const key of keys) {
      const type = await client.type(key);
      const dump =
        type === 'string'
          ? await client.get(key)
          : type === 'hash'
            ? JSON.stringify(await client.hgetall(key))
            : type === 'list'
              ? JSON.stringify(await client.lrange(key, 0, -1))
              : type === 'set'
                ? JSON.stringify(await client.smembers(key))
                : type === 'zset'
                  ? JSON.stringify(await client.zrange(key, 0, -1))
                  : type === 'stream'
                    ? JSON.stringify(await client.xrange(key, '-', '+'))
                    : '';
      leaks.push(...findLeaks(dump ?? '', sensitive).map((s) => `${key}: ${s.slice(0, 4)}…`));
    }
    expect(leaks).toEqual([]);
    // ...nor in what the worker logged.
    expect(findLeaks(JSON.stringify(worker.events), sensitive)).toEqual([]);
    expect(worker.events.some((e) => e.event === 'completed')).toBe(true);
  });

  it('lists around a malformed vault entry; a claim on a missing, malformed or tampered one fails once, without retries', async () => {
    const claimOn = async (snapshotId: string) => {
      const job = await request(onshore)
        .post(`/v1/snapshots/${snapshotId}/claims`)
        .set(as(OPERATOR))
        .send({ claim: 'coverage', minCoverageBps: 12000, context: '42' })
        .expect(202);
      return queue.waitForJob(job.body.jobId as string, 60_000);
    };
    const upload = () => uploadSnapshot(onshore, csv);
    const store = new RedisVaultStore(redis.url);
    try {
      const malformed = await upload();
      await client.set(store.keyOf(malformed), '{"v":1,"kind":"snapshot"');
      const tampered = await upload();
      const record = JSON.parse((await client.get(store.keyOf(tampered)))!) as {
        ciphertext: string;
      };
      record.ciphertext = Buffer.from('not the ciphertext').toString('base64');
      await client.set(store.keyOf(tampered), JSON.stringify(record));

      // The listing reports the malformed entry by id and still lists the others.
      const listed = await request(onshore).get('/v1/snapshots').set(as(AUDITOR)).expect(200);
      expect(listed.body.unreadable).toEqual([{ id: malformed, code: 'VAULT_RECORD_INVALID' }]);
      expect(listed.body.items.map((i: { id: string }) => i.id)).toContain(tampered);
      expect(listed.body.items.map((i: { id: string }) => i.id)).not.toContain(malformed);

      // A snapshot gone from the vault after its desk was recorded (deleted by hand).
      const gone = 'f'.repeat(32);
      const desk = await client.hget('zkattest:onshore:desk:snapshots', tampered);
      await client.hset('zkattest:onshore:desk:snapshots', gone, desk!);
      for (const [snapshotId, code] of [
        [gone, 'VAULT_NOT_FOUND'],
        [malformed, 'VAULT_RECORD_INVALID'],
        [tampered, 'VAULT_DECRYPT_FAILED'],
      ]) {
        const done = await claimOn(snapshotId!);
        expect([done.state, done.attemptsMade, done.failure?.code]).toEqual(['failed', 1, code]);
      }
    } finally {
      await store.close();
    }
  });
});

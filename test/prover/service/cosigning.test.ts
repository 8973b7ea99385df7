import { p256 } from '@noble/curves/p256';
import Redis from 'ioredis';
import request from 'supertest';
import type { AttestationPackage } from '../../../src/common/attestation-package';
import {
  commitmentHex,
  messageBytes,
  parseMessageFile,
  SIGNATURE_FILE_TYPE,
  snapshotDigest,
  type SnapshotMessageJson,
} from '../../../src/common/signed-snapshot';
import { buildSignerSet, type SignerSet } from '../../../src/common/signer-set';
import { singleKeySetId, ZERO_BYTES32 } from '../../../src/common/snapshot-message';
import { findLeaks, sensitiveStrings } from '../../../src/prover';
import { assertIdsOnly } from '../../../src/prover/queue/job-payload';
import type { OnshoreService } from '../../../src/prover/service/onshore-service';
import {
  tokenHash,
  usersFromEnv,
  type OnshoreUser,
} from '../../../src/prover/service/onshore-users';
import { RedisPackageSink } from '../../../src/prover/service/vault-source';
import { parseSnapshot } from '../../../src/prover/snapshot/ingest-snapshot';
import { masterKeysFromEnv } from '../../../src/prover/vault';
import { VerificationKeyRegistry, verifyPackage } from '../../../src/verifier';
import { testSigner } from '../../fixtures';
import {
  as,
  AUDITOR,
  buildTestOnshoreService,
  OPERATOR,
  SAMPLE_CSV,
  STAFF,
  testMasterEnv,
  vaultSignerKey,
} from '../../support/onshore-harness';
import { startRedis, type RedisServer } from '../../support/redis-server';
import { spawnWorker, type WorkerProcess } from '../../support/worker-process';

// Co-signing onshore (issue 10), with real parts: redis-server, a proving worker process and
// the encrypted vault. A 2-of-3 set is configured; each snapshot takes its set's next epoch at
// upload; members fetch its message and upload detached signatures; a claim waits for two.

const SIGNER = 'signer-token-0123456789abcdef012345';
/** The staff, and a member of the set as ONSHORE_USERS names it (role `signer`). */
const USERS: OnshoreUser[] = [...STAFF, ...usersFromEnv(`sam:signer:${tokenHash(SIGNER)}`)];
/** Test key seeds: the set's three members, and a key outside it. */
const MEMBERS = [21, 22, 23];
const OUTSIDER = 24;
const NOW = Math.floor(Date.now() / 1000);
const csvAt = (asOf: number) => SAMPLE_CSV.replace(/^# asOf=.*$/m, `# asOf=${asOf}`);
const masterEnv = testMasterEnv();

let redis: RedisServer;
let client: Redis;
let set: SignerSet;
let service: OnshoreService;
/** A second service on the same Redis that signs with the vault's key (1-of-1). */
let keyService: OnshoreService;
let signerKeyId: string;
let worker: WorkerProcess;
/** Two snapshots of the set, uploaded in as-of order, and their messages. */
const snaps: Array<{ id: string; message: SnapshotMessageJson }> = [];

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  const masterKeys = await masterKeysFromEnv(masterEnv);
  const members = await Promise.all(MEMBERS.map((seed) => testSigner(seed)));
  set = buildSignerSet(
    2,
    members.map((m, i) => ({ publicKey: m.publicKey, label: `Member ${i + 1}` })),
  );
  service = buildTestOnshoreService({
    redisUrl: redis.url,
    masterKeys,
    users: USERS,
    signerSet: set,
    disclosurePolicy: { coverage: { gridBps: 500, maxPerSnapshot: 3 } },
  });
  ({ signerKeyId } = await vaultSignerKey(redis.url, masterKeys, 1));
  keyService = buildTestOnshoreService({ redisUrl: redis.url, masterKeys, signerKeyId });
  worker = spawnWorker({ redisUrl: redis.url, extraEnv: masterEnv });
  await worker.ready;
}, 120_000);

afterAll(async () => {
  await worker?.stop(60_000);
  await service?.close();
  await keyService?.close();
  client?.disconnect();
  await redis?.stop();
});

const upload = (app: OnshoreService['app'], asOf: number) =>
  request(app)
    .post('/v1/snapshots')
    .set(as(OPERATOR))
    .set('Content-Type', 'text/csv')
    .send(csvAt(asOf));

const messageOf = async (snapshotId: string, token = SIGNER) => {
  const res = await request(service.app)
    .get(`/v1/snapshots/${snapshotId}/message`)
    .set(as(token))
    .expect(200);
  return parseMessageFile(res.body).message;
};

/** The detached signature file `zkattest sign` writes: member `seed` over `signed`'s bytes. */
async function detached(seed: number, message: SnapshotMessageJson, signed = message) {
  const s = await testSigner(seed);
  return {
    type: SIGNATURE_FILE_TYPE,
    setId: message.setId,
    digest: snapshotDigest(message),
    keyId: s.keyId,
    publicKey: s.publicKey,
    signature: await s.sign(messageBytes(signed)),
  };
}

const uploadSignature = (snapshotId: string, file: object, token = SIGNER) =>
  request(service.app).post(`/v1/snapshots/${snapshotId}/signatures`).set(as(token)).send(file);

const claim = (app: OnshoreService['app'], snapshotId: string, minCoverageBps = 12000) =>
  request(app)
    .post(`/v1/snapshots/${snapshotId}/claims`)
    .set(as(OPERATOR))
    .send({ claim: 'coverage', minCoverageBps, context: '42' });

const keyIdOf = async (seed: number) => (await testSigner(seed)).keyId;
const registry = () => VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true });
const packageOf = async (jobId: string) => (await new RedisPackageSink(client).get(jobId))!;

describe('co-signing on the onshore service', () => {
  it('commits each upload at the set’s next epoch, linked to the previous one, and serves its message', async () => {
    for (const asOf of [NOW - 7200, NOW - 3600]) {
      const res = await upload(service.app, asOf).expect(201);
      snaps.push({ id: res.body.id, message: await messageOf(res.body.id) });
      expect(res.body).toMatchObject({ setId: set.setId, epoch: snaps.length - 1 });
    }
    const [first, second] = snaps;
    expect(first!.message).toMatchObject({
      setId: set.setId,
      epoch: 0,
      prevCommitment: ZERO_BYTES32,
      asOf: NOW - 7200,
    });
    expect(second!.message).toMatchObject({
      epoch: 1,
      prevCommitment: first!.message.commitment,
      asOf: NOW - 3600,
    });
    expect(second!.message.commitment).not.toBe(first!.message.commitment);
    // The same message for every reader (operator, auditor, signer) and every read.
    expect(await messageOf(second!.id, OPERATOR)).toEqual(second!.message);
    expect(await messageOf(second!.id, AUDITOR)).toEqual(second!.message);

    // An older snapshot would be a rollback offshore: refused before it is sealed.
    const older = await upload(service.app, NOW - 10_800);
    expect([older.status, older.body.error.code]).toEqual([409, 'CONFLICT']);
  });

  it('checks each uploaded signature at once: member, digest, validity, low s, one per member', async () => {
    const [{ id, message }, other] = [snaps[0]!, snaps[1]!];
    const good = await detached(MEMBERS[0]!, message);
    const first = await uploadSignature(id, good).expect(201);
    expect(first.body).toEqual({ collected: 1, threshold: 2, signers: [good.keyId] });
    // The same file again: nothing changes.
    expect((await uploadSignature(id, good).expect(200)).body).toEqual(first.body);
    // The same member with another signature (ECDSA draws a new nonce): a conflict.
    const resigned = await detached(MEMBERS[0]!, message);
    expect(resigned.signature).not.toBe(good.signature);
    const conflict = await uploadSignature(id, resigned);
    expect([conflict.status, conflict.body.error.code]).toEqual([409, 'CONFLICT']);

    const refusals: Array<[string, object, number, string, string?]> = [
      // A member's valid signature of the other snapshot's message.
      [
        'wrong digest',
        await detached(MEMBERS[1]!, other.message),
        422,
        'SNAPSHOT_SIGNATURES_REFUSED',
        'DIGEST_MISMATCH',
      ],
      [
        'not a member',
        await detached(OUTSIDER, message),
        422,
        'SNAPSHOT_SIGNATURES_REFUSED',
        'SIGNER_NOT_IN_SET',
      ],
      // Claims this message's digest, but signed other bytes.
      [
        'bad signature',
        await detached(MEMBERS[1]!, message, other.message),
        422,
        'SNAPSHOT_SIGNATURES_REFUSED',
        'SIGNATURE_INVALID',
      ],
      ['high s', highS(await detached(MEMBERS[1]!, message)), 400, 'SIGNATURE_MALFORMED'],
      [
        'not a signature file',
        { type: SIGNATURE_FILE_TYPE, keyId: good.keyId },
        400,
        'SIGNED_SNAPSHOT_INVALID',
      ],
    ];
    for (const [what, file, status, code, reason] of refusals) {
      const res = await uploadSignature(id, file);
      expect([what, res.status, res.body.error?.code, res.body.error?.details?.reason]).toEqual([
        what,
        status,
        code,
        reason,
      ]);
    }
    // None of them counted.
    expect((await uploadSignature(id, good).expect(200)).body.collected).toBe(1);

    // Who may: signers and operators upload; an auditor reads; a signer requests no claim.
    const auditor = await uploadSignature(id, good, AUDITOR);
    expect([auditor.status, auditor.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const signerClaims = await request(service.app)
      .post(`/v1/snapshots/${id}/claims`)
      .set(as(SIGNER))
      .send({ claim: 'coverage', minCoverageBps: 12000, context: '1' });
    expect([signerClaims.status, signerClaims.body.error.code]).toEqual([403, 'FORBIDDEN']);
  });

  it('holds a claim with k-1 signatures and proves it by itself after the k-th: a valid 2-of-3 package', async () => {
    const { id, message } = snaps[1]!;
    await uploadSignature(id, await detached(MEMBERS[1]!, message)).expect(201);
    const requested = await claim(service.app, id).expect(202);
    const jobId = requested.body.jobId as string;
    expect(requested.body).toMatchObject({
      state: 'awaiting-signatures',
      signatures: { collected: 1, threshold: 2 },
    });
    // Still waiting a while later: nothing was queued for the worker.
    await new Promise((r) => setTimeout(r, 1500));
    const status = await request(service.app).get(`/v1/jobs/${jobId}`).set(as(OPERATOR));
    expect(status.body).toMatchObject({
      state: 'awaiting-signatures',
      snapshotId: id,
      signatures: { collected: 1, threshold: 2 },
    });
    expect(await service.queue.counts()).toMatchObject({ waiting: 0, active: 0, completed: 0 });

    // The held job is ids and public parameters only, like a queued one.
    const held = JSON.parse((await client.get(`zkattest:zkattest-prove:held:${jobId}`))!);
    expect(assertIdsOnly(held)).toMatchObject({ snapshotId: id, setId: set.setId });
    expect(held).not.toHaveProperty('signerKeyId');

    const kth = await uploadSignature(id, await detached(MEMBERS[2]!, message)).expect(201);
    expect(kth.body.collected).toBe(2);
    const done = await service.queue.waitForJob(jobId, 120_000);
    expect([done.state, done.failure]).toEqual(['completed', undefined]);

    const pkg = await packageOf(jobId);
    const verdict = await verifyPackage(pkg, registry());
    expect([verdict.valid, verdict.reasons]).toEqual([true, []]);
    expect(verdict.publicValues).toMatchObject({
      setId: set.setId,
      threshold: 2,
      epoch: 1,
      prevCommitment: snaps[0]!.message.commitment,
      digest: snapshotDigest(message),
    });
    expect([...verdict.publicValues!.signers].sort()).toEqual(
      (await Promise.all([MEMBERS[1]!, MEMBERS[2]!].map(keyIdOf))).sort(),
    );
    expect(pkg.signerSet).toEqual({ threshold: 2, keyIds: set.signers.map((s) => s.keyId) });
  }, 180_000);

  it('refuses a claim over the disclosure budget before it waits; queues one at once once k signed', async () => {
    const { id } = snaps[0]!;
    const heldBefore = await client.keys('zkattest:zkattest-prove:held:*');
    const tooPrecise = await claim(service.app, id, 12345);
    expect([tooPrecise.status, tooPrecise.body.error.code]).toEqual([
      422,
      'DISCLOSURE_BUDGET_EXCEEDED',
    ]);
    expect(await client.keys('zkattest:zkattest-prove:held:*')).toEqual(heldBefore);

    // Snapshot 2 has its two signatures: a second claim goes to the worker at once, and it
    // carries the very message the first one did (same epoch, same digest).
    const { id: signed, message } = snaps[1]!;
    const requested = await claim(service.app, signed, 11000).expect(202);
    expect(requested.body).not.toHaveProperty('state');
    const done = await service.queue.waitForJob(requested.body.jobId, 120_000);
    expect(done.state).toBe('completed');
    const verdict = await verifyPackage(await packageOf(requested.body.jobId), registry());
    expect(verdict.valid).toBe(true);
    expect(verdict.publicValues).toMatchObject({ epoch: 1, digest: snapshotDigest(message) });
  }, 180_000);

  it('chains the vault key’s 1-of-1 snapshots too: consecutive epochs, linked commitments', async () => {
    const packages: AttestationPackage[] = [];
    for (const asOf of [NOW - 7000, NOW - 3000]) {
      const up = await upload(keyService.app, asOf).expect(201);
      const job = await claim(keyService.app, up.body.id).expect(202);
      const done = await keyService.queue.waitForJob(job.body.jobId, 120_000);
      expect([done.state, done.failure]).toEqual(['completed', undefined]);
      packages.push(await packageOf(job.body.jobId));
    }
    const [a, b] = packages;
    const setId = singleKeySetId(await keyIdOf(1));
    expect(a!.snapshot).toMatchObject({ setId, epoch: 0, prevCommitment: ZERO_BYTES32 });
    expect(b!.snapshot).toMatchObject({
      setId,
      epoch: 1,
      prevCommitment: commitmentHex(BigInt(a!.publicSignals.commitment)),
    });
    for (const pkg of packages) expect((await verifyPackage(pkg, registry())).valid).toBe(true);
    // Nothing to co-sign on a service that signs with its own key.
    const none = await request(keyService.app)
      .get(`/v1/snapshots/${snaps[0]!.id}/message`)
      .set(as(AUDITOR));
    expect([none.status, none.body.error.code]).toEqual([404, 'NOT_FOUND']);
  }, 240_000);

  it('keeps positions out of Redis: messages, signatures and held jobs carry public values only', async () => {
    const snapshot = parseSnapshot(csvAt(NOW - 3600), 'csv');
    const sensitive = sensitiveStrings(snapshot, 0n).filter((s) => s !== '0');
    const keys = [
      ...(await client.keys('zkattest:onshore:chain:*')),
      ...(await client.keys('zkattest:onshore:signer-set:*')),
      ...(await client.keys('zkattest:zkattest-prove:*')),
    ];
    expect(keys.length).toBeGreaterThan(5);
    const leaks: string[] = [];
    for (const key of keys) {
      const type = await client.type(key);
      const dump =
        type === 'string'
          ? await client.get(key)
          : type === 'hash'
            ? JSON.stringify(await client.hgetall(key))
            : type === 'set'
              ? JSON.stringify(await client.smembers(key))
              : '';
      leaks.push(...findLeaks(dump ?? '', sensitive).map((s) => `${key}: ${s.slice(0, 4)}…`));
    }
    expect(leaks).toEqual([]);
  });

  it('answers the co-signing routes with a coded 503 while Redis is down', async () => {
    const { id, message } = snaps[0]!;
    const file = await detached(MEMBERS[1]!, message);
    await redis.stop();
    try {
      const calls: Array<[string, () => request.Test]> = [
        ['message', () => request(service.app).get(`/v1/snapshots/${id}/message`).set(as(SIGNER))],
        ['signature', () => uploadSignature(id, file)],
        ['claim', () => claim(service.app, id)],
      ];
      for (const [name, call] of calls) {
        const res = await call().timeout(10_000);
        expect([name, res.status, res.body.error?.code]).toEqual([name, 503, 'STORE_UNAVAILABLE']);
      }
    } finally {
      await redis.restart();
    }
  });
});

/** The same signature with s replaced by n - s: valid to plain ECDSA, refused as malformed. */
function highS(file: { signature: string }) {
  const s = BigInt(`0x${file.signature.slice(64)}`);
  const high = (p256.CURVE.n - s).toString(16).padStart(64, '0');
  return { ...file, signature: file.signature.slice(0, 64) + high };
}

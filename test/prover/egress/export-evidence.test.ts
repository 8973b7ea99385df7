import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import request from 'supertest';
import type { AttestationPackage } from '../../../src/common/attestation-package';
import { ZkAttestError } from '../../../src/common/errors';
import { generateTransportKey } from '../../../src/common/transport-key';
import { readOnshoreStartup } from '../../../src/entry-points/onshore-startup';
import {
  MemoryEgressLog,
  readEvidence,
  readExportBasisFile,
  reconcile,
  reconcileClean,
  retainUntil,
  verifyEgressChain,
  type EgressEntry,
  type ExportBasis,
} from '../../../src/prover/egress';
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
  SAMPLE_CSV,
  testMasterEnv,
  uploadSnapshot,
} from '../../support/onshore-harness';
import { startRedis, type RedisServer } from '../../support/redis-server';
import { startStubOffshore, type StubOffshore } from '../../support/stub-offshore';

// Export evidence (issue 12): every egress log entry carries the custodian's export basis and
// its retention date, intents and outcomes the snapshot's onshore anchor once recorded; the
// hash chain covers them (an edit is detected), `zkattest egress export` carries them, and a
// bad ONSHORE_EXPORT_BASIS_FILE stops start-up naming the variable.

const BIN = join(__dirname, '..', '..', '..', 'bin', 'zkattest.cjs');
const run = promisify(execFile);

const BASIS: ExportBasis = {
  assessmentRef: 'CAC-DSA-2026-0042',
  standardContractFilingId: 'SC-PI-2026-1187',
  dataClassification: 'aggregate proof and public statement; no personal information',
  retentionYears: 5,
};
const ANCHOR = {
  chainId: '31337',
  anchor: '0x' + 'ab'.repeat(20),
  txHash: '0x' + 'cd'.repeat(32),
};

let dir: string;
let redis: RedisServer;
let client: Redis;
let offshore: StubOffshore;
let service: OnshoreService;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zkattest-basis-'));
  [redis, offshore] = await Promise.all([startRedis(), startStubOffshore()]);
  client = new Redis(redis.url);
  const transport = await generateTransportKey('ES256');
  service = buildTestOnshoreService({
    redisUrl: redis.url,
    masterKeys: await masterKeysFromEnv(testMasterEnv()),
    destinations: [hkPlatform(offshore.url, transport.privateJwk)],
    exportBasis: BASIS,
  });
});

afterAll(async () => {
  await service?.close();
  client?.disconnect();
  await offshore?.close();
  await redis?.stop();
});

async function jobWithPackage(snapshotId: string, pkg: AttestationPackage): Promise<string> {
  const job = await request(service.app)
    .post(`/v1/snapshots/${snapshotId}/claims`)
    .set(as(OPERATOR))
    .send({ claim: 'coverage', minCoverageBps: 12000, context: '42' })
    .expect(202);
  await new RedisPackageSink(client).save(job.body.jobId as string, pkg);
  return job.body.jobId as string;
}

const send = (jobId: string, destination = 'hk-platform') =>
  request(service.app).post(`/v1/jobs/${jobId}/send`).set(as(OPERATOR)).send({ destination });

const entries = async () =>
  (await request(service.app).get('/v1/egress').set(as(AUDITOR)).expect(200)).body
    .items as EgressEntry[];

async function zkattest(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('egress log entries carry the export basis, retention and the onshore anchor', () => {
  it('logs basis + retainUntil on every entry, the anchor on intent and outcome once recorded', async () => {
    const snapshotId = await uploadSnapshot(service.app, SAMPLE_CSV);
    // Before the anchor is recorded: basis and retention, no anchor.
    expect((await send(await jobWithPackage(snapshotId, fakePackage()))).status).toBe(200);
    // A refusal (unknown destination) carries them too.
    expect((await send(await jobWithPackage(snapshotId, fakePackage()), 'nowhere')).status).toBe(
      422,
    );

    const recorded = await request(service.app)
      .post(`/v1/snapshots/${snapshotId}/anchor`)
      .set(as(OPERATOR))
      // As `zkattest anchor --json` writes it (checksummed address, set and epoch beside).
      .send({
        ...ANCHOR,
        anchor: ANCHOR.anchor.toUpperCase().replace('0X', '0x'),
        setId: 'ab'.repeat(32),
        epoch: 0,
        status: 'anchored',
      });
    expect(recorded.status).toBe(201);
    expect(recorded.body).toEqual({ snapshotId, ...ANCHOR });
    // The same again is fine; another anchor for the snapshot is a conflict.
    await request(service.app)
      .post(`/v1/snapshots/${snapshotId}/anchor`)
      .set(as(OPERATOR))
      .send(ANCHOR)
      .expect(200);
    const other = await request(service.app)
      .post(`/v1/snapshots/${snapshotId}/anchor`)
      .set(as(OPERATOR))
      .send({ ...ANCHOR, txHash: '0x' + 'ee'.repeat(32) });
    expect([other.status, other.body.error.code]).toEqual([409, 'CONFLICT']);
    const malformed = await request(service.app)
      .post(`/v1/snapshots/${snapshotId}/anchor`)
      .set(as(OPERATOR))
      .send({ ...ANCHOR, txHash: '0x1234' });
    expect(malformed.status).toBe(400);
    // Only an operator records anchors.
    await request(service.app)
      .post(`/v1/snapshots/${snapshotId}/anchor`)
      .set(as(AUDITOR))
      .send(ANCHOR)
      .expect(403);

    expect((await send(await jobWithPackage(snapshotId, fakePackage()))).status).toBe(200);

    const log = await entries();
    expect(log.map((e) => e.kind)).toEqual(['intent', 'outcome', 'refusal', 'intent', 'outcome']);
    for (const e of log) {
      expect(e.exportBasis).toEqual(BASIS);
      expect(e.retainUntil).toBe(retainUntil(e.at, 5));
      expect(Date.parse(e.retainUntil!) - Date.parse(e.at)).toBeGreaterThanOrEqual(
        3 * 365 * 24 * 3600 * 1000,
      );
    }
    expect(log.map((e) => e.onshoreAnchor)).toEqual([
      undefined,
      undefined,
      undefined,
      ANCHOR,
      ANCHOR,
    ]);
    expect(verifyEgressChain(log).ok).toBe(true);
    // Reconcile reads the log with its new fields as before: the (one) package matched, clean.
    const report = await reconcile(log, {
      fetchRecord: () => Promise.resolve({ found: true }),
      listRecords: () => Promise.resolve([]),
    });
    expect(report.chainOk).toBe(true);
    expect(report.matched.map((m) => m.seqs)).toEqual([[1, 2, 4, 5]]);
    expect(reconcileClean(report)).toBe(true);
  });

  it('`zkattest egress export` carries them; a tampered basis, retention or anchor breaks the chain', async () => {
    const prefix = 'zkattest:';
    const out = join(dir, 'evidence.jsonl');
    const clean = await zkattest(['egress', 'export', '--redis', redis.url, '--out', out]);
    expect(clean.code).toBe(0);
    const evidence = readEvidence(readFileSync(out, 'utf8'));
    expect(evidence.ok).toBe(true);
    expect(
      evidence.entries.every((e) => e.exportBasis?.assessmentRef === BASIS.assessmentRef),
    ).toBe(true);
    expect(evidence.entries.at(-1)!.onshoreAnchor).toEqual(ANCHOR);

    const key = `${prefix}egress`;
    const original = await client.lrange(key, 0, -1);
    const tamper = async (index: number, edit: (e: EgressEntry) => void) => {
      const entry = JSON.parse(original[index]!) as EgressEntry;
      edit(entry);
      await client.lset(key, index, JSON.stringify(entry));
      const res = await zkattest(['egress', 'export', '--redis', redis.url, '--out', out]);
      await client.lset(key, index, original[index]!);
      return { res, evidence: readEvidence(readFileSync(out, 'utf8')) };
    };
    const cases: Array<[number, (e: EgressEntry) => void]> = [
      [0, (e) => (e.exportBasis!.standardContractFilingId = 'SC-PI-2026-9999')],
      [1, (e) => (e.exportBasis!.retentionYears = 3)],
      [2, (e) => (e.retainUntil = retainUntil(e.at, 3))],
      [3, (e) => (e.onshoreAnchor!.txHash = '0x' + 'ee'.repeat(32))],
      [4, (e) => delete e.onshoreAnchor],
    ];
    for (const [index, edit] of cases) {
      const { res, evidence: tampered } = await tamper(index, edit);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`chain broken at entry index ${index}`);
      expect(tampered.ok).toBe(false);
    }
    // Restored: clean again.
    expect((await zkattest(['egress', 'export', '--redis', redis.url, '--out', out])).code).toBe(0);
  }, 120_000);

  it('refuses to log a retention under 3 years, or a basis without its date', async () => {
    const log = new MemoryEgressLog();
    const at = new Date().toISOString();
    const refusal = { kind: 'refusal', destination: 'x', at, reason: 'guard' } as const;
    await expect(
      log.append({ ...refusal, exportBasis: BASIS, retainUntil: retainUntil(at, 2) }),
    ).rejects.toMatchObject({ code: 'EGRESS_LOG_INVALID', details: { field: 'retainUntil' } });
    await expect(log.append({ ...refusal, exportBasis: BASIS })).rejects.toMatchObject({
      code: 'EGRESS_LOG_INVALID',
    });
    await expect(
      log.append({
        ...refusal,
        exportBasis: { ...BASIS, retentionYears: 2 },
        retainUntil: retainUntil(at, 3),
      }),
    ).rejects.toMatchObject({ code: 'EGRESS_LOG_INVALID', details: { field: 'exportBasis' } });
    // An extra member of the basis does not ride along either.
    await expect(
      log.append({
        ...refusal,
        exportBasis: { ...BASIS, note: 'x' } as ExportBasis,
        retainUntil: retainUntil(at, 5),
      }),
    ).rejects.toMatchObject({ code: 'EGRESS_LOG_INVALID' });
    expect(await log.list()).toEqual([]);
  });
});

describe('ONSHORE_EXPORT_BASIS_FILE', () => {
  const file = (name: string, body: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
    return path;
  };
  const configError = (work: () => unknown): ZkAttestError => {
    try {
      work();
    } catch (err) {
      expect(err).toBeInstanceOf(ZkAttestError);
      return err as ZkAttestError;
    }
    throw new Error('not refused');
  };

  it('reads a good file', () => {
    expect(readExportBasisFile(file('good.json', BASIS))).toEqual(BASIS);
  });

  it.each([
    ['a retention under 3 years', { ...BASIS, retentionYears: 2 }, 'retentionYears'],
    ['a fractional retention', { ...BASIS, retentionYears: 3.5 }, 'retentionYears'],
    ['no filing id', { ...BASIS, standardContractFilingId: undefined }, 'standardContractFilingId'],
    ['an empty assessment', { ...BASIS, assessmentRef: ' ' }, 'assessmentRef'],
    ['an unknown field', { ...BASIS, extra: 1 }, 'the file'],
    ['not JSON', '{nope', 'not JSON'],
  ])('refuses %s with CONFIG_INVALID naming the variable', (_what, body, where) => {
    const err = configError(() => readExportBasisFile(file('bad.json', body)));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('ONSHORE_EXPORT_BASIS_FILE');
    expect(err.message).toContain(where);
    expect(err.message).not.toContain('CAC-DSA'); // values are not echoed
  });

  it('stops start-up when the file is bad or missing', async () => {
    const env = {
      REDIS_URL: 'redis://127.0.0.1:1',
      ONSHORE_USERS: `olivia:operator:${'a'.repeat(64)}`,
      ONSHORE_DESTINATIONS: file('destinations.json', []),
      ONSHORE_SIGNER_KEY_ID: 'signer-1',
      ...testMasterEnv(),
    };
    for (const path of [file('short.json', { ...BASIS, retentionYears: 1 }), join(dir, 'none')]) {
      const err = await readOnshoreStartup({ ...env, ONSHORE_EXPORT_BASIS_FILE: path }).then(
        () => undefined,
        (e: unknown) => e as ZkAttestError,
      );
      expect(err?.code).toBe('CONFIG_INVALID');
      expect(err?.message).toContain('ONSHORE_EXPORT_BASIS_FILE');
    }
    const good = await readOnshoreStartup({
      ...env,
      ONSHORE_EXPORT_BASIS_FILE: file('ok.json', BASIS),
    });
    expect(good.exportBasis).toEqual(BASIS);
    expect((await readOnshoreStartup(env)).exportBasis).toBeUndefined();
  });
});

import type { Server } from 'node:http';
import Redis from 'ioredis';
import request from 'supertest';
import { packageId } from '../../../src/common/attestation-package';
import { statementId } from '../../../src/common/statement-id';
import {
  EgressSender,
  RedisEgressLog,
  egressEntryHash,
  reconcile,
  reconcileClean,
  verifyEgressChain,
  type EgressEntry,
  type ReconcileReport,
} from '../../../src/prover/egress';
import { EGRESS_COMMANDS } from '../../../src/cli/egress-commands';
import {
  freshPackage,
  listenOnLoopback,
  startApiWithCustodian,
  type ApiUnderTest,
} from '../../api/api-harness';
import type { AttestationFactory, Institution } from '../../support/attestation-factory';

// The log head anchored offshore: each envelope carries the head its intent follows, the
// offshore API records it, and reconcile compares. Deleting the newest entries, or rewriting
// the chain and re-hashing it so that it verifies, is then reported.

let api: ApiUnderTest;
let server: Server;
let baseUrl: string;
let factory: AttestationFactory;
let bank: Institution;
let log: RedisEgressLog;
let raw: Redis;
let sent: Array<{ packageId: string; statementId: string }>;
let original: EgressEntry[];

beforeAll(async () => {
  ({ api, factory, bank } = await startApiWithCustodian('ES256'));
  ({ server, url: baseUrl } = await listenOnLoopback(api.app));
  // The egress log on its own Redis key (the offshore API's Redis serves as a plain Redis here).
  log = new RedisEgressLog(api.redis.url, { keyPrefix: 'onshore-anchor:' });
  raw = new Redis(api.redis.url);
  const sender = new EgressSender({
    destinations: [
      {
        name: 'offshore',
        url: baseUrl,
        institutionId: bank.id,
        privateJwk: bank.privateJwk,
        alg: bank.alg,
      },
    ],
    log,
  });
  sent = [];
  for (let i = 0; i < 3; i++) {
    const pkg = await freshPackage(api.app, factory);
    const result = await sender.send(pkg, 'offshore');
    expect(result.entry.outcome).toBe('recorded');
    sent.push({ packageId: packageId(pkg), statementId: statementId(pkg) });
  }
  original = await log.list();
}, 120_000);

afterAll(async () => {
  await log.close();
  raw.disconnect();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await api.close();
});

/** Replaces the whole stored log, as someone with write access to the onshore Redis could. */
async function overwrite(entries: readonly EgressEntry[]): Promise<void> {
  await raw.del(log.key);
  if (entries.length) await raw.rpush(log.key, ...entries.map((e) => JSON.stringify(e)));
}

describe('the anchored egress head', () => {
  afterEach(async () => {
    await overwrite(original);
  });

  it('is recorded offshore with each attestation, and reconcile finds every anchor in the log', async () => {
    expect(original).toHaveLength(6);
    const record = await request(api.app)
      .get(`/v1/attestations/${sent[2]!.statementId}`)
      .expect(200);
    // The third send's intent is entry 5: it followed entry 4, the second send's outcome.
    expect(record.body.egressHead).toEqual({ seq: 4, hash: original[3]!.hash });
    const report = await reconcile(await log.list());
    expect(report.anchors).toEqual([
      expect.objectContaining({
        offshore: baseUrl,
        institution: bank.id,
        checked: 3,
        truncated: [],
        rewritten: [],
        unanchored: [],
        newestAnchoredSeq: 4,
      }),
    ]);
    expect(reconcileClean(report)).toBe(true);
  });

  it('reports deleted newest entries, though the shorter chain still verifies', async () => {
    await overwrite(original.slice(0, 4)); // the third send (intent + outcome) is gone
    const entries = await log.list();
    expect(verifyEgressChain(entries)).toEqual({ ok: true });
    // The log no longer names the third package, so only the anchors can see the loss.
    const report = await reconcile(entries, {
      targets: [{ offshore: baseUrl, institution: bank.id }],
    });
    expect(report.missing).toEqual([]);
    expect(report.anchors[0]!.truncated).toEqual([
      expect.objectContaining({
        packageId: sent[2]!.packageId,
        anchor: { seq: 4, hash: original[3]!.hash },
      }),
    ]);
    expect(reconcileClean(report)).toBe(false);

    // The command says so too (exit code 1), given the offshore API and institution.
    const reconcileCmd = EGRESS_COMMANDS.find((c) => c.name === 'egress reconcile')!;
    const printed: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((text: string) => {
      printed.push(text);
    });
    const exitCode = process.exitCode;
    try {
      await reconcileCmd.run(
        {
          redis: api.redis.url,
          prefix: 'onshore-anchor:',
          'timeout-ms': '5000',
          offshore: baseUrl,
          institution: bank.id,
        },
        [],
      );
      expect(process.exitCode).toBe(1);
    } finally {
      spy.mockRestore();
      process.exitCode = exitCode;
    }
    const printedReport = JSON.parse(printed.join('')) as ReconcileReport;
    expect(printedReport.anchors[0]!.truncated).toHaveLength(1);

    // Every entry deleted: the explicit target still finds all three sends.
    await overwrite([]);
    const empty = await reconcile([], { targets: [{ offshore: baseUrl, institution: bank.id }] });
    expect(empty.anchors[0]!.truncated.map((t) => t.packageId).sort()).toEqual(
      sent.map((s) => s.packageId).sort(),
    );
  });

  it('reports a rewritten entry even when the chain after it was re-hashed to verify', async () => {
    // Rewrite the second send's intent (another body hash), then re-chain everything after it.
    const rewritten = original.map((e) => ({ ...e }));
    rewritten[2] = { ...rewritten[2]!, sha256: 'ee'.repeat(32) } as EgressEntry;
    for (let i = 2; i < rewritten.length; i++) {
      const prevHash = rewritten[i - 1]!.hash;
      const { hash: _old, ...body } = { ...rewritten[i]!, prevHash };
      rewritten[i] = { ...body, hash: egressEntryHash(body as EgressEntry) } as EgressEntry;
    }
    await overwrite(rewritten);
    const entries = await log.list();
    expect(verifyEgressChain(entries)).toEqual({ ok: true });
    const report = await reconcile(entries);
    expect(report.chainOk).toBe(true);
    expect(report.anchors[0]!.truncated).toEqual([]);
    // The third send anchored entry 4 as it was: the log now holds another entry 4.
    expect(report.anchors[0]!.rewritten).toEqual([
      expect.objectContaining({
        packageId: sent[2]!.packageId,
        reason: 'entry 4 is not the anchored head',
      }),
    ]);
    expect(reconcileClean(report)).toBe(false);
  });

  it('reports a package recorded offshore that was sent around the log (no anchor)', async () => {
    const pkg = await freshPackage(api.app, factory);
    await request(api.app)
      .post('/v1/attestations')
      .send({ envelope: await bank.seal(pkg) })
      .expect(201);
    const report = await reconcile(await log.list());
    expect(report.anchors[0]!.unanchored).toEqual([
      expect.objectContaining({ packageId: packageId(pkg) }),
    ]);
    expect(reconcileClean(report)).toBe(false);
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { AttestationPackage } from '../../../src/common/attestation-package';
import { packageId } from '../../../src/common/attestation-package';
import { sha256Hex } from '../../../src/common/hash';
import { statementId } from '../../../src/common/statement-id';
import {
  EVIDENCE_TYPE,
  EgressSender,
  MemoryEgressLog,
  RedisEgressLog,
  egressEntryHash,
  exportEvidence,
  readEvidence,
  reconcile,
  verifyEgressChain,
  type ReconcileReport,
  type EgressDestination,
  type EgressEntry,
  type EgressEntryInput,
  type EgressOutcome,
} from '../../../src/prover/egress';
import { EGRESS_COMMANDS } from '../../../src/cli/egress-commands';
import {
  freshPackage as packageFor,
  listenOnLoopback as listen,
  registerCustodian,
  startApi,
  startApiWithCustodian,
  type ApiUnderTest,
  type ApiWithCustodian,
} from '../../api/api-harness';
import type { AttestationFactory, Institution } from '../../support/attestation-factory';
import { rejectionOf as refusal } from '../../support/zk-error';
import { startRedis, type RedisServer } from '../../support/redis-server';

let api: ApiUnderTest;
let other: ApiUnderTest;
let server: Server;
let otherServer: Server;
let baseUrl: string;
let otherUrl: string;
let factory: AttestationFactory;
let bank: Institution;
let logRedis: RedisServer;
const logs: RedisEgressLog[] = [];

const close = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));

/** A port nothing listens on: bound, then released. */
async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as AddressInfo).port;
  await close(s);
  return `http://127.0.0.1:${port}`;
}

const freshPackage = (target: ApiUnderTest = api) => packageFor(target.app, factory);

function destination(name: string, url: string): EgressDestination {
  return { name, url, institutionId: bank.id, privateJwk: bank.privateJwk, alg: bank.alg };
}

function redisLog(): RedisEgressLog {
  const log = new RedisEgressLog(logRedis.url, {
    keyPrefix: `egress-test-${Date.now()}-${logs.length}:`,
  });
  logs.push(log);
  return log;
}

function sample(i: number): EgressEntryInput & { kind: 'intent' } {
  return {
    kind: 'intent',
    destination: 'offshore',
    url: 'http://127.0.0.1:1/v1/attestations',
    institution: 'onshore-bank',
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    packageId: sha256Hex(`package-${i}`),
    statementId: sha256Hex(`statement-${i}`),
    sha256: sha256Hex(`body-${i}`),
    bytes: 100 + i,
  };
}

function outcomeOf(
  intent: EgressEntryInput & { kind: 'intent' },
  intentSeq: number,
  httpStatus: number,
  outcome: EgressOutcome,
): EgressEntryInput {
  const { institution: _i, kind: _k, ...sent } = intent;
  return { kind: 'outcome', intentSeq, ...sent, httpStatus, outcome };
}

beforeAll(async () => {
  let custodian: ApiWithCustodian;
  [custodian, other, logRedis] = await Promise.all([
    startApiWithCustodian('ES256'),
    startApi(),
    startRedis(),
  ]);
  ({ api, factory, bank } = custodian);
  await registerCustodian(other, bank, await factory.signer());
  ({ server, url: baseUrl } = await listen(api.app));
  ({ server: otherServer, url: otherUrl } = await listen(other.app));
});

afterAll(async () => {
  await Promise.all(logs.map((l) => l.close()));
  await Promise.all([close(server), close(otherServer)]);
  await Promise.all([api.close(), other.close(), logRedis.stop()]);
});

describe('sending through the egress path', () => {
  it('logs the intent (SHA-256 of the exact bytes POSTed), sends, logs the outcome; a resend is existing', async () => {
    const log = redisLog();
    const sender = new EgressSender({
      destinations: [destination('offshore', baseUrl)],
      log,
    });
    const pkg = await freshPackage();
    const first = await sender.send(pkg, 'offshore');
    expect(first.intent).toMatchObject({
      kind: 'intent',
      seq: 1,
      destination: 'offshore',
      url: `${baseUrl}/v1/attestations`,
      institution: bank.id,
      packageId: packageId(pkg),
      bytes: first.body.length,
      sha256: sha256Hex(first.body),
    });
    expect(first.entry).toMatchObject({
      kind: 'outcome',
      seq: 2,
      intentSeq: 1,
      destination: 'offshore',
      url: `${baseUrl}/v1/attestations`,
      packageId: packageId(pkg),
      statementId: statementId(pkg),
      httpStatus: 201,
      outcome: 'recorded',
      bytes: first.body.length,
      sha256: sha256Hex(first.body),
    });
    // The offshore record is the statement's, under the statement id.
    expect(first.offshoreId).toBe(statementId(pkg));
    // Nothing but the package leaves: the body is exactly {"envelope": "<JWS of the package>"}.
    const body = JSON.parse(first.body.toString('utf8')) as { envelope: string };
    expect(Object.keys(body)).toEqual(['envelope']);
    const payload = JSON.parse(Buffer.from(body.envelope.split('.')[1]!, 'base64url').toString());
    expect(packageId(payload as AttestationPackage)).toBe(packageId(pkg));

    // The offshore side holds it.
    await request(api.app)
      .get(`/v1/attestations/${statementId(pkg)}`)
      .expect(200);

    const again = await sender.send(pkg, 'offshore');
    expect(again.entry).toMatchObject({ seq: 4, httpStatus: 200, outcome: 'existing' });
    expect(again.intent.prevHash).toBe(first.entry.hash);
    expect(again.entry.sha256).toBe(sha256Hex(again.body));

    const entries = await log.list();
    expect(entries).toEqual([first.intent, first.entry, again.intent, again.entry]);
    expect(verifyEgressChain(entries)).toEqual({ ok: true });
  });

  it('captures the bytes on the wire: a proxy in front of the API sees exactly the logged hash', async () => {
    const seen: Buffer[] = [];
    const proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        seen.push(raw);
        void fetch(`${baseUrl}${req.url ?? ''}`, {
          method: req.method,
          headers: { 'content-type': 'application/json' },
          body: raw,
        }).then(async (upstream) => {
          res.writeHead(upstream.status, { 'content-type': 'application/json' });
          res.end(Buffer.from(await upstream.arrayBuffer()));
        });
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
    try {
      const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const log = new MemoryEgressLog();
      const sender = new EgressSender({ destinations: [destination('via-proxy', proxyUrl)], log });
      const result = await sender.send(await freshPackage(), 'via-proxy');
      expect(result.entry.outcome).toBe('recorded');
      expect(seen).toHaveLength(1);
      expect(sha256Hex(seen[0]!)).toBe(result.intent.sha256);
      expect(seen[0]!.length).toBe(result.entry.bytes);
    } finally {
      await close(proxy);
    }
  });

  it('refuses a candidate with an extra field: nothing is sent, the refusal is logged', async () => {
    const log = new MemoryEgressLog();
    let calls = 0;
    const sender = new EgressSender({
      destinations: [destination('offshore', baseUrl)],
      log,
      fetch: (...args) => {
        calls++;
        return fetch(...args);
      },
    });
    const pkg = await freshPackage();
    const smuggled = { ...pkg, positions: [{ asset: 'X', amount: '1' }] };
    const err = await refusal(sender.send(smuggled, 'offshore'));
    expect(err.code).toBe('EGRESS_REFUSED');
    expect(calls).toBe(0);
    // The refusal names no field value: the refused content stays out of the log.
    expect(await log.list()).toEqual([
      expect.objectContaining({
        seq: 1,
        kind: 'refusal',
        reason: 'guard',
        destination: 'offshore',
      }),
    ]);
    expect(JSON.stringify(await log.list())).not.toContain('positions');
    await request(api.app)
      .get(`/v1/attestations/${statementId(pkg)}`)
      .expect(404);
  });

  it('refuses an unknown destination and logs the refusal', async () => {
    const log = new MemoryEgressLog();
    const sender = new EgressSender({ destinations: [destination('offshore', baseUrl)], log });
    const err = await refusal(sender.send(await freshPackage(), 'somewhere-else'));
    expect(err.code).toBe('EGRESS_REFUSED');
    const bad = await refusal(sender.send(await freshPackage(), 'no such/name'));
    expect(bad.code).toBe('EGRESS_REFUSED');
    expect(await log.list()).toEqual([
      expect.objectContaining({
        kind: 'refusal',
        reason: 'unknown-destination',
        destination: 'somewhere-else',
      }),
      expect.objectContaining({
        kind: 'refusal',
        reason: 'unknown-destination',
        destination: '(invalid)',
      }),
    ]);
  });

  it('refuses bad configuration', () => {
    expect(
      () =>
        new EgressSender({
          destinations: [destination('a', baseUrl), destination('a', otherUrl)],
          log: new MemoryEgressLog(),
        }),
    ).toThrow(expect.objectContaining({ code: 'EGRESS_CONFIG_INVALID' }));
    expect(
      () =>
        new EgressSender({
          destinations: [destination('a', 'ftp://example.test')],
          log: new MemoryEgressLog(),
        }),
    ).toThrow(expect.objectContaining({ code: 'EGRESS_CONFIG_INVALID' }));
  });

  it('logs an unreachable destination as failed with status 0', async () => {
    const log = redisLog();
    const sender = new EgressSender({
      destinations: [destination('down', await deadUrl())],
      log,
      timeoutMs: 2000,
    });
    const pkg = await freshPackage();
    const result = await sender.send(pkg, 'down');
    expect(result.entry).toMatchObject({
      seq: 2,
      outcome: 'failed',
      httpStatus: 0,
      packageId: packageId(pkg),
      sha256: sha256Hex(result.body),
    });
    expect(result.offshoreId).toBeUndefined();
    expect(await log.list()).toEqual([result.intent, result.entry]);
  });

  it('logs an offshore refusal as rejected', async () => {
    const log = new MemoryEgressLog();
    // The other API does not know this package's challenge: a 4xx refusal.
    const sender = new EgressSender({ destinations: [destination('other', otherUrl)], log });
    const result = await sender.send(await freshPackage(api), 'other');
    expect(result.entry.outcome).toBe('rejected');
    expect(result.entry.httpStatus).toBeGreaterThanOrEqual(400);
    expect(result.entry.httpStatus).toBeLessThan(500);
  });
});

describe('the hash chain', () => {
  it('keeps one chain under concurrent appends on Redis', async () => {
    const log = redisLog();
    await Promise.all(Array.from({ length: 20 }, (_, i) => log.append(sample(i))));
    const entries = await log.list();
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(verifyEgressChain(entries)).toEqual({ ok: true });
  });

  it('detects an edited entry and a deleted entry', async () => {
    const log = redisLog();
    for (let i = 0; i < 4; i++) await log.append(sample(i));
    const entries = await log.list();
    expect(verifyEgressChain(entries)).toEqual({ ok: true });

    const edited: EgressEntry[] = entries.map((e) => ({ ...e }));
    edited[1] = { ...edited[1]!, destination: 'elsewhere' };
    expect(verifyEgressChain(edited)).toEqual({ ok: false, brokenAt: 1 });

    // Editing and re-hashing one entry breaks the next link instead.
    const rehashed = entries.map((e) => ({ ...e }));
    const { hash: _h, ...rest } = { ...rehashed[1]!, sha256: sha256Hex('other bytes') };
    rehashed[1] = { ...rest, hash: egressEntryHash(rest) };
    expect(verifyEgressChain(rehashed)).toEqual({ ok: false, brokenAt: 2 });

    const deleted = entries.filter((_, i) => i !== 2);
    expect(verifyEgressChain(deleted)).toEqual({ ok: false, brokenAt: 2 });
    expect(verifyEgressChain(entries.slice(1))).toEqual({ ok: false, brokenAt: 0 });
  });

  it('detects an entry edited in Redis itself', async () => {
    const log = redisLog();
    for (let i = 0; i < 3; i++) await log.append(sample(i));
    const Redis = (await import('ioredis')).default;
    const raw = new Redis(logRedis.url);
    try {
      const stored = JSON.parse((await raw.lindex(log.key, 0))!) as EgressEntry;
      await raw.lset(log.key, 0, JSON.stringify({ ...stored, httpStatus: 500 }));
    } finally {
      await raw.quit();
    }
    expect(verifyEgressChain(await log.list())).toEqual({ ok: false, brokenAt: 0 });
  });
});

describe('evidence', () => {
  it('exports JSONL: a header, then one line per entry, re-checkable by the reader', async () => {
    const log = new MemoryEgressLog();
    for (let i = 0; i < 3; i++) await log.append(sample(i));
    const entries = await log.list();
    const at = new Date('2026-02-01T00:00:00.000Z');
    const jsonl = await exportEvidence(log, at);
    const lines = jsonl.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines[0]!)).toEqual({
      type: EVIDENCE_TYPE,
      exportedAt: at.toISOString(),
      entries: 3,
      chainOk: true,
      headHash: entries[2]!.hash,
    });
    expect(lines.slice(1).map((l) => JSON.parse(l) as unknown)).toEqual(entries);
    expect(readEvidence(jsonl).ok).toBe(true);

    // A line dropped from the export is caught by the reader.
    const tampered = [lines[0], lines[1], lines[3]].join('\n');
    expect(readEvidence(tampered)).toMatchObject({ ok: false, brokenAt: 1 });
    // So is a dropped tail, by the header's count and head hash.
    expect(readEvidence([lines[0], lines[1], lines[2]].join('\n')).ok).toBe(false);

    const empty = JSON.parse((await exportEvidence(new MemoryEgressLog(), at)).trim());
    expect(empty).toMatchObject({ entries: 0, chainOk: true, headHash: null });
  });

  it('reconciles sends with the offshore records, and reports a missing one', async () => {
    const log = redisLog();
    const sender = new EgressSender({ destinations: [destination('offshore', baseUrl)], log });
    const pkgA = await freshPackage();
    const a = await sender.send(pkgA, 'offshore');
    const b = await sender.send(await freshPackage(), 'offshore');
    await sender.send(pkgA, 'offshore'); // a resend: logged as existing
    const entries = await log.list();
    expect(entries.map((e) => (e.kind === 'outcome' ? e.outcome : e.kind))).toEqual([
      'intent',
      'recorded',
      'intent',
      'recorded',
      'intent',
      'existing',
    ]);
    const ok = await reconcile(entries);
    expect(ok).toMatchObject({ chainOk: true, missing: [], unexpected: [], unchecked: [] });
    expect(ok.matched).toEqual([
      expect.objectContaining({ packageId: a.entry.packageId, seqs: [1, 2, 5, 6] }),
      expect.objectContaining({ packageId: b.entry.packageId, seqs: [3, 4] }),
    ]);

    // An entry that claims a record at the other API (fresh Redis): no such record there.
    const forged = new MemoryEgressLog();
    await forged.append({ ...a.entry, url: `${otherUrl}/v1/attestations` });
    const report = await reconcile(await forged.list());
    expect(report.matched).toEqual([]);
    expect(report.missing).toEqual([
      expect.objectContaining({ packageId: a.entry.packageId, url: `${otherUrl}/v1/attestations` }),
    ]);
  });

  it('flags a package logged as failed that the offshore side recorded anyway, and lookups that fail', async () => {
    const pkg = await freshPackage();
    const ok = new EgressSender({
      destinations: [destination('offshore', baseUrl)],
      log: new MemoryEgressLog(),
    });
    await ok.send(pkg, 'offshore');
    const log = new MemoryEgressLog();
    const dead = await deadUrl();
    const failed = {
      ...sample(0),
      url: `${baseUrl}/v1/attestations`,
      packageId: packageId(pkg),
      statementId: statementId(pkg),
    };
    await log.append(failed);
    await log.append(outcomeOf(failed, 1, 0, 'failed'));
    const unreachable = { ...sample(1), url: `${dead}/v1/attestations` };
    await log.append(unreachable);
    await log.append(outcomeOf(unreachable, 3, 201, 'recorded'));
    const report = await reconcile(await log.list());
    expect(report.unexpected.map((u) => u.packageId)).toEqual([packageId(pkg)]);
    expect(report.unchecked.map((u) => u.url)).toEqual([`${dead}/v1/attestations`]);
    expect(report.matched).toEqual([]);
    expect(report.missing).toEqual([]);
  });

  it('runs as commands: egress export writes the evidence file, egress reconcile reports', async () => {
    const prefix = `egress-cli-${Date.now()}:`;
    const log = new RedisEgressLog(logRedis.url, { keyPrefix: prefix });
    logs.push(log);
    // The other API: no other log sent to it, so every record it holds from us is anchored here.
    const sender = new EgressSender({ destinations: [destination('offshore', otherUrl)], log });
    const sent = await sender.send(await freshPackage(other), 'offshore');
    expect(sent.entry.outcome).toBe('recorded');
    const [exportCmd, reconcileCmd] = EGRESS_COMMANDS;
    const dir = mkdtempSync(join(tmpdir(), 'egress-'));
    const out = join(dir, 'evidence.jsonl');
    const before = process.exitCode;
    let text: string;
    try {
      await exportCmd!.run({ redis: logRedis.url, prefix, out }, []);
      text = readFileSync(out, 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const evidence = readEvidence(text);
    expect(evidence.ok).toBe(true);
    expect(evidence.entries).toEqual([sent.intent, sent.entry]);

    const printed: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((text: string) => {
      printed.push(text);
    });
    try {
      await reconcileCmd!.run({ redis: logRedis.url, prefix, 'timeout-ms': '5000' }, []);
    } finally {
      spy.mockRestore();
    }
    const report = JSON.parse(printed.join('')) as ReconcileReport;
    expect(report.matched).toHaveLength(1);
    expect(report.missing).toEqual([]);
    expect(report.anchors).toEqual([
      expect.objectContaining({ offshore: otherUrl, checked: 1, truncated: [], rewritten: [] }),
    ]);
    expect(process.exitCode).toBe(before);
  });
});

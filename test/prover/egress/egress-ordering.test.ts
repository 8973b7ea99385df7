import { packageId } from '../../../src/common/attestation-package';
import { readEnvelopeHeader } from '../../../src/common/transport-envelope';
import { ZkAttestError } from '../../../src/common/errors';
import { sha256Hex } from '../../../src/common/hash';
import {
  EgressSender,
  MemoryEgressLog,
  RedisEgressLog,
  reconcile,
  verifyEgressChain,
  type EgressEntry,
  type EgressEntryInput,
  type EgressLog,
  type EgressSenderOptions,
} from '../../../src/prover/egress';
import type { EgressHead } from '../../../src/common/egress-head';
import { newInstitution, type Institution } from '../../support/attestation-factory';
import { startRedis } from '../../support/redis-server';
import { fakePackage } from '../../support/fake-package';
import { startStubOffshore, type StubOffshore } from '../../support/stub-offshore';
import { rejectionOf as failure } from '../../support/zk-error';

// The order of an egress: intent logged, then the bytes sent, then the outcome logged. If the
// intent cannot be logged nothing leaves; refusals are logged too.

let offshore: StubOffshore;
let bank: Institution;

beforeAll(async () => {
  [offshore, bank] = await Promise.all([startStubOffshore(), newInstitution('onshore-bank')]);
});

afterAll(async () => {
  await offshore.close();
});

function sender(log: EgressLog, options: Partial<EgressSenderOptions> = {}): EgressSender {
  return new EgressSender({
    destinations: [
      {
        name: 'offshore',
        url: offshore.url,
        institutionId: bank.id,
        privateJwk: bank.privateJwk,
        alg: bank.alg,
      },
    ],
    log,
    timeoutMs: 5000,
    ...options,
  });
}

/** A memory log whose appends fail from the `failFrom`-th on (1-based), as a store that died. */
class FailingLog implements EgressLog {
  private readonly inner = new MemoryEgressLog();
  private appends = 0;
  constructor(private readonly failFrom: number) {}

  private gate(): void {
    if (++this.appends >= this.failFrom) {
      throw new ZkAttestError('STORE_UNAVAILABLE', 'redis egress append failed: test');
    }
  }
  append(entry: EgressEntryInput): Promise<EgressEntry> {
    this.gate();
    return this.inner.append(entry);
  }
  appendAtHead(build: (head: EgressHead) => Promise<EgressEntryInput>): Promise<EgressEntry> {
    this.gate();
    return this.inner.appendAtHead(build);
  }
  list(): Promise<EgressEntry[]> {
    return this.inner.list();
  }
}

describe('egress ordering', () => {
  it('sends nothing when the intent cannot be logged (a log store failing on append)', async () => {
    const before = offshore.bodies.length;
    const err = await failure(sender(new FailingLog(1)).send(fakePackage(), 'offshore'));
    expect(err.code).toBe('STORE_UNAVAILABLE');
    expect(offshore.bodies.length).toBe(before);
  });

  it('sends nothing, and answers STORE_UNAVAILABLE within seconds, when redis-server is down', async () => {
    const redis = await startRedis();
    const log = new RedisEgressLog(redis.url, { keyPrefix: 'ordering:' });
    try {
      // One entry first: the log worked, then its Redis stops.
      const ok = await sender(log).send(
        fakePackage({ createdAt: '2026-11-30T08:00:01.000Z' }),
        'offshore',
      );
      expect(ok.entry.outcome).toBe('recorded');
      const before = offshore.bodies.length;
      await redis.stop();
      const started = Date.now();
      const err = await failure(sender(log).send(fakePackage(), 'offshore'));
      expect(err.code).toBe('STORE_UNAVAILABLE');
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(offshore.bodies.length).toBe(before);
    } finally {
      await log.close();
      await redis.stop().catch(() => undefined);
    }
  });

  it('logs the intent before the bytes leave: the offshore side receives exactly the bytes logged', async () => {
    const log = new MemoryEgressLog();
    const seenAtSend: EgressEntry[][] = [];
    // Wrap the fetch: what the log held at the moment the POST went out.
    const s = sender(log, {
      fetch: async (...args) => {
        seenAtSend.push(await log.list());
        return fetch(...args);
      },
    });
    const pkg = fakePackage({ createdAt: '2026-11-30T08:00:02.000Z' });
    const result = await s.send(pkg, 'offshore');
    expect(seenAtSend).toEqual([[result.intent]]);
    expect(result.intent).toMatchObject({
      kind: 'intent',
      seq: 1,
      packageId: packageId(pkg),
      sha256: sha256Hex(offshore.bodies[offshore.bodies.length - 1]!),
    });
    expect(await log.list()).toEqual([result.intent, result.entry]);
    expect(result.entry).toMatchObject({ kind: 'outcome', intentSeq: 1, outcome: 'recorded' });
    // The envelope carries the head the intent follows (here the empty log's).
    const { envelope } = JSON.parse(result.body.toString('utf8')) as { envelope: string };
    expect(readEnvelopeHeader(envelope).egressHead).toEqual({
      seq: 0,
      hash: result.intent.prevHash,
    });
    expect(verifyEgressChain(await log.list()).ok).toBe(true);
  });

  it('when the outcome cannot be logged: a coded error naming the intent, and reconcile resolves it', async () => {
    const log = new FailingLog(2);
    const before = offshore.bodies.length;
    const pkg = fakePackage({ createdAt: '2026-11-30T08:00:03.000Z' });
    const err = await failure(sender(log).send(pkg, 'offshore'));
    expect(err.code).toBe('STORE_UNAVAILABLE');
    expect(err.details).toMatchObject({ intentSeq: 1, httpStatus: 201 });
    expect(offshore.bodies.length).toBe(before + 1);
    const entries = await log.list();
    expect(entries).toEqual([expect.objectContaining({ kind: 'intent', seq: 1 })]);
    const report = await reconcile(entries, {
      fetchRecord: () => Promise.resolve({ found: true }),
      listRecords: () => Promise.resolve([]),
    });
    expect(report.unexpected).toEqual([
      expect.objectContaining({
        packageId: packageId(pkg),
        reason: 'recorded offshore, no outcome logged',
      }),
    ]);
  });

  it('refuses a package carrying a sensitive string: logged as a leak, nothing sent, nothing named', async () => {
    const log = new MemoryEgressLog();
    const before = offshore.bodies.length;
    const pkg = fakePackage({ circuitId: 'acme-bond-2031' });
    const err = await failure(
      sender(log).send(pkg, 'offshore', {
        sensitive: () => Promise.resolve(['acme-bond-2031', '9876543210']),
      }),
    );
    expect(err.code).toBe('EGRESS_REFUSED');
    expect(err.message).not.toContain('acme-bond-2031');
    expect(offshore.bodies.length).toBe(before);
    const entries = await log.list();
    expect(entries).toEqual([
      expect.objectContaining({ kind: 'refusal', reason: 'leak', packageId: packageId(pkg) }),
    ]);
    expect(JSON.stringify(entries)).not.toContain('acme-bond-2031');

    // A scan that cannot run refuses too.
    const unscanned = await failure(
      sender(log).send(fakePackage(), 'offshore', {
        sensitive: () => Promise.reject(new ZkAttestError('VAULT_NOT_FOUND', 'no such record')),
      }),
    );
    expect(unscanned.code).toBe('VAULT_NOT_FOUND');
    expect((await log.list())[1]).toMatchObject({ reason: 'leak-scan-unavailable' });
    expect(offshore.bodies.length).toBe(before);
  });
});

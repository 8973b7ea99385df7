import { randomBytes, randomUUID } from 'node:crypto';
import {
  createMemoryStores,
  createRedisStores,
  type AttestationFilter,
  type AttestationRecord,
  type Stores,
} from '../../../src/api/store';
import { ZkAttestError } from '../../../src/common/errors';
import { startRedisCluster, type RedisCluster } from '../../support/redis-cluster';
import { startRedis, type RedisServer } from '../../support/redis-server';

// One Redis for the file; every test gets its own key prefix under the file's fresh one.
const FILE_PREFIX = `zkattest-test:${randomUUID()}:`;
let server: RedisServer | undefined;
let testNo = 0;
const redisStores = () => {
  if (!server) throw new Error('redis-server not started');
  return createRedisStores(server.url, { keyPrefix: `${FILE_PREFIX}${++testNo}:` });
};
// The same contract on a real 3-master Redis Cluster (test/support/redis-cluster.ts).
let cluster: RedisCluster | undefined;
const clusterStores = () => {
  if (!cluster) throw new Error('redis cluster not started');
  return createRedisStores(cluster.target, { keyPrefix: `${FILE_PREFIX}${++testNo}:` });
};

beforeAll(async () => {
  [server, cluster] = await Promise.all([startRedis(), startRedisCluster()]);
});
afterAll(async () => {
  await Promise.all([server?.stop(), cluster?.stop()]);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const BASE_MS = Date.parse('2025-01-01T00:00:00.000Z');
const SET_A = 'a'.repeat(64);
const SET_B = 'b'.repeat(64);

function record(over: Partial<AttestationRecord> = {}): AttestationRecord {
  return {
    id: randomBytes(32).toString('hex'),
    claim: 'coverage',
    circuitId: 'coverage-v1',
    commitment: '1234567890',
    setId: SET_A,
    threshold: 1,
    epoch: 0,
    prevCommitment: '0'.repeat(64),
    digest: 'e'.repeat(64),
    signers: [{ keyId: 'c'.repeat(64), label: 'custodian A' }],
    signedBy: 'signed by 1 of 1: custodian A',
    currency: 'USD',
    decimals: 2,
    amounts: { liabilities: 'USD 0.05' },
    fx: { sourceKeyId: 'd'.repeat(64), label: 'fx desk', asOf: 1_735_686_000, currencies: ['CNY'] },
    asOf: 1_735_689_600,
    context: '42',
    institution: 'bank-a',
    valid: true,
    reasons: [],
    meaning: 'assets cover liabilities',
    publicValues: { minCoverageBps: 10_000, liabilities: '5', classes: [1, 2] },
    package: { type: 'zkattest.attestation/v2', nested: { a: [1, '2'] } },
    recordedAt: new Date(BASE_MS).toISOString(),
    ...over,
  };
}

/** Newest first: recordedAt descending, then id descending (the stores' total order). */
const newestFirst = (a: AttestationRecord, b: AttestationRecord) =>
  Date.parse(b.recordedAt) - Date.parse(a.recordedAt) || (a.id < b.id ? 1 : -1);

async function listAll(stores: Stores, filter: AttestationFilter, limit: number) {
  const ids: string[] = [];
  const pageSizes: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await stores.attestations.list(filter, { limit, cursor });
    pageSizes.push(page.items.length);
    ids.push(...page.items.map((r) => r.id));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return { ids, pageSizes };
}

async function codeOf(work: Promise<unknown>): Promise<string | undefined> {
  try {
    await work;
    return undefined;
  } catch (err) {
    return err instanceof ZkAttestError ? err.code : 'not a ZkAttestError';
  }
}

describe.each([
  ['memory', createMemoryStores],
  ['redis', redisStores],
  ['redis cluster', clusterStores],
] as const)('%s stores', (kind, make) => {
  let stores: Stores;
  beforeEach(() => {
    stores = make();
  });
  afterEach(async () => {
    await stores.close();
  });

  test('reports its kind and answers ping', async () => {
    expect(stores.kind).toBe(kind === 'memory' ? 'memory' : 'redis');
    expect(await stores.ping()).toBe(true);
  });

  describe('attestations', () => {
    test('putIfAbsent is idempotent: the first write wins', async () => {
      const first = record();
      const put1 = await stores.attestations.putIfAbsent(first);
      expect(put1).toEqual({ created: true, record: first });
      const put2 = await stores.attestations.putIfAbsent({ ...first, meaning: 'changed' });
      expect(put2).toEqual({ created: false, record: first });
      expect(await stores.attestations.get(first.id)).toEqual(first);
      expect(await stores.attestations.get('0'.repeat(64))).toBeUndefined();
    });

    test('50 concurrent puts of one record: exactly one creation', async () => {
      const rec = record();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          stores.attestations.putIfAbsent({ ...rec, meaning: `writer ${i}` }),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const winner = results.find((r) => r.created)!.record;
      for (const r of results) expect(r.record).toEqual(winner);
      expect(await stores.attestations.get(rec.id)).toEqual(winner);
      const listed = await stores.attestations.list({}, { limit: 10 });
      expect(listed.items.map((r) => r.id)).toEqual([rec.id]);
    });

    test('refuses a malformed record', async () => {
      expect(await codeOf(stores.attestations.putIfAbsent(record({ id: 'nope' })))).toBe(
        'STORE_INVALID_ARGUMENT',
      );
      expect(await codeOf(stores.attestations.putIfAbsent(record({ recordedAt: 'x' })))).toBe(
        'STORE_INVALID_ARGUMENT',
      );
      for (const bad of [
        { setId: '987654321' },
        { currency: 'usd' },
        { amounts: null },
        { threshold: 1.5 },
        { prevCommitment: 'ab' },
        { digest: undefined },
      ]) {
        const rec = record(bad as Partial<AttestationRecord>);
        expect(await codeOf(stores.attestations.putIfAbsent(rec))).toBe('STORE_INVALID_ARGUMENT');
        expect(await stores.attestations.get(rec.id)).toBeUndefined();
      }
    });

    describe('listing', () => {
      const claims = ['coverage', 'yield-range', 'concentration'] as const;
      let all: AttestationRecord[];
      beforeEach(async () => {
        // 25 records; pairs share a millisecond, so the id tie-break is exercised.
        all = Array.from({ length: 25 }, (_, i) =>
          record({
            setId: i % 2 === 0 ? SET_A : SET_B,
            claim: claims[i % 3],
            commitment: i < 7 ? '333' : '444',
            recordedAt: new Date(BASE_MS + Math.floor(i / 2)).toISOString(),
          }),
        );
        // Written in shuffled order: the listing order must not depend on write order.
        for (const rec of [...all].sort((a, b) => (a.id < b.id ? -1 : 1))) {
          expect((await stores.attestations.putIfAbsent(rec)).created).toBe(true);
        }
        all.sort(newestFirst);
      });

      test('unfiltered: pages of 10, newest first, no duplicates', async () => {
        const { ids, pageSizes } = await listAll(stores, {}, 10);
        expect(pageSizes).toEqual([10, 10, 5]);
        expect(ids).toEqual(all.map((r) => r.id));
        const first = await stores.attestations.list({}, { limit: 10 });
        expect(first.items).toEqual(all.slice(0, 10));
      });

      test.each<[string, AttestationFilter]>([
        ['setId', { setId: SET_A }],
        ['claim', { claim: 'yield-range' }],
        ['commitment', { commitment: '333' }],
        ['setId + claim', { setId: SET_B, claim: 'coverage' }],
        ['all three', { setId: SET_A, claim: 'concentration', commitment: '444' }],
        ['no match', { setId: 'f'.repeat(64) }],
      ])('filter by %s', async (_name, filter) => {
        const expected = all
          .filter((r) => Object.entries(filter).every(([f, v]) => r[f as 'claim'] === v))
          .map((r) => r.id);
        for (const limit of [1, 3, 10]) {
          const { ids, pageSizes } = await listAll(stores, filter, limit);
          expect(ids).toEqual(expected);
          expect(Math.max(...pageSizes)).toBeLessThanOrEqual(limit);
        }
      });

      test('pages stay stable while newer records arrive', async () => {
        const page1 = await stores.attestations.list({}, { limit: 10 });
        await stores.attestations.putIfAbsent(
          record({ recordedAt: new Date(BASE_MS + 60_000).toISOString() }),
        );
        const rest = await listAll(stores, {}, 10);
        expect(rest.ids).toHaveLength(26);
        let cursor = page1.nextCursor;
        const ids = page1.items.map((r) => r.id);
        while (cursor) {
          const page = await stores.attestations.list({}, { limit: 10, cursor });
          ids.push(...page.items.map((r) => r.id));
          cursor = page.nextCursor;
        }
        expect(ids).toEqual(all.map((r) => r.id));
      });

      test('refuses a forged cursor or one from another listing', async () => {
        const page = await stores.attestations.list({ setId: SET_A }, { limit: 2 });
        expect(page.nextCursor).toBeDefined();
        const other = stores.attestations.list({}, { limit: 2, cursor: page.nextCursor });
        expect(await codeOf(other)).toBe('REQUEST_INVALID');
        const forged = stores.attestations.list({}, { limit: 2, cursor: 'garbage' });
        expect(await codeOf(forged)).toBe('REQUEST_INVALID');
        const bad = stores.attestations.list({}, { limit: 0 });
        expect(await codeOf(bad)).toBe('STORE_INVALID_ARGUMENT');
      });
    });
  });

  describe('challenges', () => {
    test('issues 128-bit decimal nonces that expire in the future', async () => {
      const before = Date.now();
      const { nonce, expiresAt } = await stores.challenges.issue(60);
      expect(nonce).toMatch(/^(0|[1-9][0-9]*)$/);
      expect(BigInt(nonce) < 2n ** 128n).toBe(true);
      expect(Date.parse(expiresAt)).toBeGreaterThanOrEqual(before + 60_000);
      expect((await stores.challenges.issue(60)).nonce).not.toBe(nonce);
    });

    test('consume: ok once, then used; unknown nonces are unknown', async () => {
      const { nonce } = await stores.challenges.issue(60);
      expect(await stores.challenges.peek(nonce)).toBe('ok');
      expect(await stores.challenges.consume(nonce)).toBe('ok');
      expect(await stores.challenges.consume(nonce)).toBe('used');
      expect(await stores.challenges.peek(nonce)).toBe('used');
      expect(await stores.challenges.consume('12345678901234567890')).toBe('unknown');
      expect(await stores.challenges.consume('not a nonce')).toBe('unknown');
    });

    test('a named consumer gets ok again; any other gets used', async () => {
      const { nonce } = await stores.challenges.issue(60);
      expect(await stores.challenges.consume(nonce, 'package-a')).toBe('ok');
      expect(await stores.challenges.consume(nonce, 'package-a')).toBe('ok');
      expect(await stores.challenges.consume(nonce, 'package-b')).toBe('used');
      expect(await stores.challenges.consume(nonce)).toBe('used');
    });

    test('an expired nonce is never ok', async () => {
      const fresh = await stores.challenges.issue(1);
      const used = await stores.challenges.issue(1);
      expect(await stores.challenges.consume(used.nonce)).toBe('ok');
      await sleep(1200);
      expect(await stores.challenges.consume(fresh.nonce)).toBe('unknown');
      expect(await stores.challenges.consume(used.nonce)).toBe('unknown');
    });

    test('20 concurrent consumers of one nonce: exactly one ok', async () => {
      const { nonce } = await stores.challenges.issue(60);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          stores.challenges.consume(nonce, i % 2 ? `consumer-${i}` : undefined),
        ),
      );
      expect(results.filter((r) => r === 'ok')).toHaveLength(1);
      expect(results.filter((r) => r === 'used')).toHaveLength(19);
    });
  });

  describe('registry', () => {
    // FX sources: key-registry.test.ts; signer sets and chains: signer-sets.test.ts.
    test('institutions: put, get, revoke, list', async () => {
      const bank = {
        id: 'bank-a',
        name: 'Bank A',
        alg: 'ES256' as const,
        publicKeyJwk: { kty: 'EC', crv: 'P-256', x: 'abc', y: 'def', key_ops: ['verify'] },
        registeredAt: '2025-01-01T00:00:00.000Z',
      };
      await stores.registry.putInstitution(bank);
      expect(await stores.registry.getInstitution('bank-a')).toEqual(bank);
      expect(await stores.registry.getInstitution('bank-b')).toBeUndefined();
      expect(
        await stores.registry.revokeInstitution('bank-b', '2025-02-01T00:00:00Z'),
      ).toBeUndefined();
      expect(await stores.registry.revokeInstitution('bank-a', '2025-02-01T00:00:00Z')).toBe(
        '2025-02-01T00:00:00.000Z',
      );
      expect(await stores.registry.revokeInstitution('bank-a', '2025-05-01T00:00:00Z')).toBe(
        '2025-02-01T00:00:00.000Z',
      );
      expect(await stores.registry.listInstitutions()).toEqual([
        { ...bank, revokedAt: '2025-02-01T00:00:00.000Z' },
      ]);
    });
  });

  describe('audit log', () => {
    test('reads back the latest events in append order', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push(await stores.audit.append({ type: 'test.event', n: i, ok: i % 2 === 0 }));
      }
      ids.push(await stores.audit.append({ type: 'test.last', note: 'x', dropped: undefined }));
      const all = await stores.audit.read(100);
      expect(all.map((e) => e.id)).toEqual(ids);
      expect(all[1].event).toEqual({ type: 'test.event', n: 1, ok: false });
      expect(all[5].event).toEqual({ type: 'test.last', note: 'x' });
      const latest = await stores.audit.read(2);
      expect(latest.map((e) => e.id)).toEqual(ids.slice(-2));
      expect(await codeOf(stores.audit.append({ type: '' }))).toBe('STORE_INVALID_ARGUMENT');
    });
  });

  describe('rate limiter', () => {
    test('allows `limit` hits per window, then refuses until it resets', async () => {
      const hits = [];
      for (let i = 0; i < 4; i++) hits.push(await stores.rateLimiter.hit('client-a', 3, 1));
      expect(hits.map((h) => h.allowed)).toEqual([true, true, true, false]);
      expect(hits.map((h) => h.remaining)).toEqual([2, 1, 0, 0]);
      for (const h of hits) expect(h.resetSeconds).toBe(1);
      expect((await stores.rateLimiter.hit('client-b', 3, 1)).allowed).toBe(true);
      await sleep(1100);
      const after = await stores.rateLimiter.hit('client-a', 3, 1);
      expect(after).toEqual({ allowed: true, remaining: 2, resetSeconds: 1 });
    });
  });

  test('a closed store refuses work', async () => {
    await stores.close();
    expect(await codeOf(stores.attestations.get('0'.repeat(64)))).toBe('STORE_UNAVAILABLE');
    expect(await stores.ping()).toBe(false);
  });
});

describe('redis only', () => {
  test('every acknowledged record survives a server restart', async () => {
    const stores = redisStores();
    try {
      const recs = Array.from({ length: 20 }, (_, i) =>
        record({ recordedAt: new Date(BASE_MS + i).toISOString() }),
      );
      for (const rec of recs) await stores.attestations.putIfAbsent(rec);
      await server!.restart();
      // The same client reconnects; reads issued meanwhile wait in ioredis' offline queue.
      for (const rec of recs) expect(await stores.attestations.get(rec.id)).toEqual(rec);
      const { ids } = await listAll(stores, {}, 7);
      expect(ids).toEqual(recs.map((r) => r.id).reverse());
    } finally {
      await stores.close();
    }
  });

  test('Redis down: commands fail with STORE_UNAVAILABLE, then work after it returns', async () => {
    const stores = redisStores();
    try {
      await stores.audit.append({ type: 'before' });
      await server!.stop();
      expect(await stores.ping()).toBe(false);
      expect(await codeOf(stores.audit.append({ type: 'during' }))).toBe('STORE_UNAVAILABLE');
      await server!.restart();
      await stores.audit.append({ type: 'after' });
      expect((await stores.audit.read(10)).map((e) => e.event.type)).toEqual(['before', 'after']);
    } finally {
      await stores.close();
    }
  });
});

describe('redis cluster', () => {
  // Runs after the contract above: its keys must have landed on every master, or the suite
  // would not have exercised cross-node routing.
  test('the contract suite spread its keys over all three masters', async () => {
    const perNode = await cluster!.keysPerNode(`${FILE_PREFIX}*`);
    expect(perNode).toHaveLength(3);
    for (const keys of perNode) expect(keys).toBeGreaterThan(0);
  });
});

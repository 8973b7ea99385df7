import { randomUUID } from 'node:crypto';
import {
  createMemoryStores,
  createRedisStores,
  type KeyKind,
  type Stores,
} from '../../../src/api/store';
import { ZkAttestError } from '../../../src/common/errors';
import { newP256Key, offCurve, type TestP256Key } from '../../support/p256-keys';
import { startRedisCluster, type RedisCluster } from '../../support/redis-cluster';
import { startRedis, type RedisServer } from '../../support/redis-server';

// The FX-source registry contract (signer sets: signer-sets.test.ts), run against both implementations (memory and
// a real redis-server), like stores.test.ts.

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

const JAN = '2025-01-01T00:00:00.000Z';
const FEB = '2025-02-01T00:00:00.000Z';
const MAR = '2025-03-01T00:00:00.000Z';

async function refusal(work: Promise<unknown>): Promise<{ code: string; details: object }> {
  try {
    await work;
  } catch (err) {
    if (err instanceof ZkAttestError) return { code: err.code, details: err.details };
    throw err;
  }
  throw new Error('the operation succeeded');
}

const reg = (key: TestP256Key, over: object = {}) => ({
  publicKey: key.publicKey,
  label: 'custodian A',
  validFrom: JAN,
  ...over,
});

describe.each([
  ['memory', createMemoryStores],
  ['redis', redisStores],
  ['redis cluster', clusterStores],
] as const)('%s key registry', (_kind, make) => {
  let stores: Stores;
  beforeEach(() => {
    stores = make();
  });
  afterEach(async () => {
    await stores.close();
  });

  test.each(['fx'] as const)('%s: register, get, list', async (kind: KeyKind) => {
    const a = newP256Key();
    const b = newP256Key();
    const first = await stores.keys.register(kind, reg(a, { validFrom: '2025-01-01T00:00:00Z' }));
    const entryA = { keyId: a.keyId, publicKey: a.publicKey, label: 'custodian A', validFrom: JAN };
    expect(first).toEqual({ created: true, entry: entryA });
    expect(await stores.keys.get(kind, a.keyId)).toEqual(entryA);
    expect(await stores.keys.get(kind, b.keyId)).toBeUndefined();
    expect(await stores.keys.get(kind, 'not-a-key-id')).toBeUndefined();

    // Listed by validFrom, then keyId.
    await stores.keys.register(
      kind,
      reg(b, { label: 'custodian B', validFrom: '2024-06-01T00:00:00Z' }),
    );
    const c = newP256Key();
    const d = newP256Key();
    await stores.keys.register(kind, reg(c, { validFrom: FEB }));
    await stores.keys.register(kind, reg(d, { validFrom: FEB }));
    const listed = await stores.keys.list(kind);
    expect(listed.map((e) => e.keyId)).toEqual([b.keyId, a.keyId, ...[c.keyId, d.keyId].sort()]);
    expect(listed[1]).toEqual(entryA);
  });

  test('registering again: same data is idempotent, other data CONFLICT', async () => {
    const k = newP256Key();
    const { entry } = await stores.keys.register('fx', reg(k));
    expect(await stores.keys.register('fx', reg(k))).toEqual({ created: false, entry });
    // With the keyId given (and right), and with validFrom left out: the same registration.
    expect(await stores.keys.register('fx', reg(k, { keyId: k.keyId }))).toEqual({
      created: false,
      entry,
    });
    expect(
      await stores.keys.register('fx', { publicKey: k.publicKey, label: 'custodian A' }),
    ).toEqual({
      created: false,
      entry,
    });
    expect(await refusal(stores.keys.register('fx', reg(k, { label: 'renamed' })))).toEqual({
      code: 'CONFLICT',
      details: { fields: 'label' },
    });
    expect(
      await refusal(stores.keys.register('fx', reg(k, { label: 'x', validFrom: FEB }))),
    ).toEqual({
      code: 'CONFLICT',
      details: { fields: 'label,validFrom' },
    });
    expect(await stores.keys.get('fx', k.keyId)).toEqual(entry);
    expect(await stores.keys.list('fx')).toEqual([entry]);
  });

  test('without validFrom a new key is valid from now', async () => {
    const k = newP256Key();
    const before = Date.now();
    const { entry } = await stores.keys.register('fx', { publicKey: k.publicKey, label: 'ECB' });
    const at = Date.parse(entry.validFrom);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
  });

  test('20 concurrent registrations of one key: exactly one creation', async () => {
    const k = newP256Key();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => stores.keys.register('fx', reg(k))),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect((await stores.keys.list('fx')).map((e) => e.keyId)).toEqual([k.keyId]);
  });

  test('refuses malformed registrations, writing nothing', async () => {
    const k = newP256Key();
    const other = newP256Key();
    const cases: Array<[object, string, string]> = [
      [reg(k, { publicKey: offCurve(k.publicKey) }), 'KEY_MALFORMED', 'publicKey'],
      [
        reg(k, { publicKey: { x: k.publicKey.x.toUpperCase(), y: k.publicKey.y } }),
        'KEY_MALFORMED',
        'publicKey.x',
      ],
      [reg(k, { keyId: other.keyId }), 'KEY_MALFORMED', 'keyId'],
      [reg(k, { label: '' }), 'STORE_INVALID_ARGUMENT', 'label'],
      [reg(k, { label: 'a'.repeat(65) }), 'STORE_INVALID_ARGUMENT', 'label'],
      [reg(k, { label: 'bank\nforged log line' }), 'STORE_INVALID_ARGUMENT', 'label'],
      [reg(k, { label: 'bank\u202Eevil' }), 'STORE_INVALID_ARGUMENT', 'label'],
      [reg(k, { label: 'bank\u0000' }), 'STORE_INVALID_ARGUMENT', 'label'],
      [reg(k, { validFrom: 'soon' }), 'STORE_INVALID_ARGUMENT', 'validFrom'],
      [reg(k, { validFrom: '+010000-01-01T00:00:00.000Z' }), 'STORE_INVALID_ARGUMENT', 'validFrom'],
    ];
    for (const [registration, code, field] of cases) {
      const r = await refusal(stores.keys.register('fx', registration as never));
      expect([field, r.code, r.details]).toEqual([field, code, { field }]);
    }
    expect(await stores.keys.list('fx')).toEqual([]);
    expect(await refusal(stores.keys.register('other' as KeyKind, reg(k)))).toMatchObject({
      code: 'STORE_INVALID_ARGUMENT',
    });
    // 64 printable characters of any script are a label.
    const label = 'Banque de Genève – 銀行 '.padEnd(64, '.');
    expect([...label]).toHaveLength(64);
    expect((await stores.keys.register('fx', reg(k, { label }))).entry.label).toBe(label);
  });

  test('revocation: one-way, earliest wins, never before validFrom', async () => {
    const k = newP256Key();
    await stores.keys.register('fx', reg(k, { validFrom: FEB }));
    expect(await stores.keys.revoke('fx', newP256Key().keyId, MAR)).toBeUndefined();
    expect(await stores.keys.revoke('fx', 'nope', MAR)).toBeUndefined();

    expect(await refusal(stores.keys.revoke('fx', k.keyId, JAN))).toEqual({
      code: 'REQUEST_INVALID',
      details: { field: 'effectiveAt' },
    });
    expect((await stores.keys.get('fx', k.keyId))?.revokedAt).toBeUndefined();

    // Each call answers the time in effect; sub-millisecond digits are not kept.
    expect(await stores.keys.revoke('fx', k.keyId, '2025-04-01T00:00:00.000999Z')).toBe(
      '2025-04-01T00:00:00.000Z',
    );
    expect(await stores.keys.revoke('fx', k.keyId, '2025-05-01T00:00:00Z')).toBe(
      '2025-04-01T00:00:00.000Z',
    );
    expect(await stores.keys.revoke('fx', k.keyId, MAR)).toBe(MAR);
    // Re-registering does not revive the key.
    expect((await stores.keys.register('fx', reg(k, { validFrom: FEB }))).entry.revokedAt).toBe(
      MAR,
    );
    // At validFrom exactly: allowed (the key never counted).
    expect(await stores.keys.revoke('fx', k.keyId, FEB)).toBe(FEB);
    expect(await refusal(stores.keys.revoke('fx', k.keyId, JAN))).toMatchObject({
      code: 'REQUEST_INVALID',
    });
    expect(await stores.keys.get('fx', k.keyId)).toEqual({
      keyId: k.keyId,
      publicKey: k.publicKey,
      label: 'custodian A',
      validFrom: FEB,
      revokedAt: FEB,
    });
    expect(await refusal(stores.keys.revoke('fx', k.keyId, 'later'))).toMatchObject({
      code: 'STORE_INVALID_ARGUMENT',
    });
  });

  test('a closed store refuses work', async () => {
    await stores.close();
    expect(await refusal(stores.keys.list('fx'))).toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});

describe('redis key registry', () => {
  test('registrations and revocations survive a server restart', async () => {
    const stores = redisStores();
    try {
      const keys = Array.from({ length: 5 }, () => newP256Key());
      for (const k of keys) await stores.keys.register('fx', reg(k));
      await stores.keys.revoke('fx', keys[2].keyId, MAR);
      const before = await stores.keys.list('fx');
      await server!.restart();
      expect(await stores.keys.list('fx')).toEqual(before);
      expect((await stores.keys.get('fx', keys[2].keyId))?.revokedAt).toBe(MAR);
    } finally {
      await stores.close();
    }
  });

  test('Redis down: STORE_UNAVAILABLE, then the registry works again', async () => {
    const stores = redisStores();
    try {
      const k = newP256Key();
      await server!.stop();
      expect(await refusal(stores.keys.register('fx', reg(k)))).toMatchObject({
        code: 'STORE_UNAVAILABLE',
      });
      expect(await refusal(stores.keys.get('fx', k.keyId))).toMatchObject({
        code: 'STORE_UNAVAILABLE',
      });
      await server!.restart();
      expect((await stores.keys.register('fx', reg(k))).created).toBe(true);
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

import { randomBytes, randomUUID } from 'node:crypto';
import {
  createMemoryStores,
  createRedisStores,
  MAX_EVIDENCE_PER_SET,
  type Stores,
} from '../../../src/api/store';
import { ZkAttestError } from '../../../src/common/errors';
import {
  snapshotDigest,
  type SignedSnapshot,
  type SnapshotMessageJson,
} from '../../../src/common/signed-snapshot';
import { buildSignerSet } from '../../../src/common/signer-set';
import { chainAnswer, type ChainAnswer, type ChainLink } from '../../../src/verifier';
import { newP256Key, offCurve } from '../../support/p256-keys';
import { startRedisCluster, type RedisCluster } from '../../support/redis-cluster';
import { startRedis, type RedisServer } from '../../support/redis-server';

// The signer-set registry and the epoch-chain ledger, one contract run against both stores
// (memory and a real redis-server); the chain cases also run against chainAnswer itself, so
// the stores cannot judge a link otherwise than the verifier's rule.

const PREFIX = `zkattest-test:${randomUUID()}:`;
let server: RedisServer | undefined;
let testNo = 0;
const redisStores = () => {
  if (!server) throw new Error('redis-server not started');
  return createRedisStores(server.url, { keyPrefix: `${PREFIX}${++testNo}:` });
};
// The same contract on a real 3-master Redis Cluster (test/support/redis-cluster.ts).
let cluster: RedisCluster | undefined;
const clusterStores = () => {
  if (!cluster) throw new Error('redis cluster not started');
  return createRedisStores(cluster.target, { keyPrefix: `${PREFIX}${++testNo}:` });
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

const hex = () => randomBytes(32).toString('hex');
const members = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ publicKey: newP256Key().publicKey, label: `S${i}` }));

/** A signed snapshot of set `setId` (the store does not check signatures: shapes only). */
function signed(setId: string, epoch: number, prevCommitment: string, asOf: number) {
  const message: SnapshotMessageJson = {
    setId,
    epoch,
    prevCommitment,
    commitment: hex(),
    asOf,
    currency: 'USD',
    decimals: 2,
    fxTableHash: '0',
    allocations: hex(),
    chunks: 1,
  };
  const key = newP256Key();
  const snapshot: SignedSnapshot = {
    message,
    signerSet: { threshold: 1, keyIds: [key.keyId] },
    signatures: [{ keyId: key.keyId, publicKey: key.publicKey, signature: 'ab'.repeat(64) }],
  };
  const link: ChainLink = {
    setId,
    epoch,
    prevCommitment,
    commitment: message.commitment,
    asOf,
    digest: snapshotDigest(message),
  };
  return { link, snapshot };
}
type Signed = ReturnType<typeof signed>;

/** The link after `prev` in its chain, an hour later. */
const next = (prev: Signed, over: { epoch?: number; asOf?: number; prev?: string } = {}) =>
  signed(
    prev.link.setId,
    over.epoch ?? prev.link.epoch + 1,
    over.prev ?? prev.link.commitment,
    over.asOf ?? prev.link.asOf + 3600,
  );

const FIRST = 5;
const T0 = 1_735_689_600;

/** A chain case: links recorded in order, then the link judged, and the answer expected. */
interface ChainCase {
  name: string;
  recorded: (setId: string) => Signed[];
  offered: (chain: Signed[], setId: string) => Signed;
  answer: ChainAnswer;
}

const start = (setId: string) => signed(setId, FIRST, '0'.repeat(64), T0);
const two = (setId: string) => {
  const a = start(setId);
  return [a, next(a)];
};
const CASES: ChainCase[] = [
  {
    name: 'empty, firstEpoch',
    recorded: () => [],
    offered: (_c, id) => start(id),
    answer: 'extends',
  },
  {
    name: 'empty, after firstEpoch',
    recorded: () => [],
    offered: (_c, id) => signed(id, FIRST + 1, hex(), T0),
    answer: 'gap',
  },
  {
    name: 'empty, before firstEpoch',
    recorded: () => [],
    offered: (_c, id) => signed(id, FIRST - 1, hex(), T0),
    answer: 'rollback',
  },
  {
    name: 'the next epoch',
    recorded: (id) => [start(id)],
    offered: ([a]) => next(a!),
    answer: 'extends',
  },
  {
    name: 'the next epoch, same asOf',
    recorded: (id) => [start(id)],
    offered: ([a]) => next(a!, { asOf: a!.link.asOf }),
    answer: 'extends',
  },
  {
    name: 'the next epoch linking to another commitment',
    recorded: (id) => two(id),
    offered: ([a, b]) => next(b!, { prev: a!.link.commitment }),
    answer: 'broken-link',
  },
  {
    name: 'the next epoch dated before the head',
    recorded: (id) => [start(id)],
    offered: ([a]) => next(a!, { asOf: a!.link.asOf - 1 }),
    answer: 'rollback',
  },
  {
    name: 'two epochs ahead',
    recorded: (id) => [start(id)],
    offered: ([a]) => next(a!, { epoch: FIRST + 2 }),
    answer: 'gap',
  },
  { name: 'a recorded link again', recorded: two, offered: ([a]) => a!, answer: 'known' },
  {
    name: 'another snapshot for a recorded epoch',
    recorded: two,
    offered: (_c, id) => signed(id, FIRST, '0'.repeat(64), T0),
    answer: 'equivocation',
  },
  {
    name: 'another snapshot for the head epoch',
    recorded: two,
    offered: ([a]) => next(a!),
    answer: 'equivocation',
  },
  {
    name: 'an epoch below the chain',
    recorded: two,
    offered: (_c, id) => signed(id, FIRST - 1, hex(), T0 - 3600),
    answer: 'rollback',
  },
];

describe('chainAnswer (the rule both stores must follow)', () => {
  test.each(CASES)('$name: $answer', ({ recorded, offered, answer }) => {
    const setId = hex();
    const chain = recorded(setId);
    const link = offered(chain, setId).link;
    const head = chain.at(-1)?.link;
    const atEpoch = chain.find((c) => c.link.epoch === link.epoch)?.link;
    expect(chainAnswer({ firstEpoch: FIRST, head, atEpoch }, link)).toBe(answer);
  });
});

describe.each([
  ['memory', createMemoryStores],
  ['redis', redisStores],
  ['redis cluster', clusterStores],
] as const)('%s epoch chains', (_kind, make) => {
  let stores: Stores;
  beforeEach(() => {
    stores = make();
  });
  afterEach(async () => {
    await stores.close();
  });

  test.each(CASES)('$name: $answer, and only extends / equivocation write', async (c) => {
    const setId = hex();
    const chain = c.recorded(setId);
    for (const s of chain) {
      expect(await stores.chains.append(s.link, FIRST, s.snapshot)).toBe('extends');
    }
    const offered = c.offered(chain, setId);
    const before = await stores.chains.summary(setId);
    expect(await stores.chains.peek(offered.link, FIRST)).toBe(c.answer);
    expect(await stores.chains.summary(setId)).toEqual(before); // peek never writes
    expect(await stores.chains.append(offered.link, FIRST, offered.snapshot)).toBe(c.answer);
    const after = await stores.chains.summary(setId);
    const evidence = await stores.chains.equivocations(setId);
    if (c.answer === 'extends') {
      const { epoch, commitment, asOf, digest } = offered.link;
      expect(after).toEqual({ head: { epoch, commitment, asOf, digest }, links: chain.length + 1 });
    } else {
      expect(after).toEqual(before);
    }
    if (c.answer === 'equivocation') {
      const recorded = chain.find((s) => s.link.epoch === offered.link.epoch)!;
      expect(evidence).toEqual([
        {
          setId,
          epoch: offered.link.epoch,
          recorded: recorded.snapshot,
          conflicting: offered.snapshot,
          detectedAt: expect.any(String),
        },
      ]);
    } else {
      expect(evidence).toEqual([]);
    }
  });

  test('evidence: the same conflicting snapshot is kept once; at most MAX_EVIDENCE_PER_SET', async () => {
    const setId = hex();
    const a = start(setId);
    await stores.chains.append(a.link, FIRST, a.snapshot);
    const rival = signed(setId, FIRST, '0'.repeat(64), T0);
    for (let i = 0; i < 3; i++) {
      expect(await stores.chains.append(rival.link, FIRST, rival.snapshot)).toBe('equivocation');
    }
    expect(await stores.chains.equivocations(setId)).toHaveLength(1);
    for (let i = 0; i < MAX_EVIDENCE_PER_SET + 5; i++) {
      const r = signed(setId, FIRST, '0'.repeat(64), T0 + i);
      expect(await stores.chains.append(r.link, FIRST, r.snapshot)).toBe('equivocation');
    }
    const kept = await stores.chains.equivocations(setId);
    expect(kept).toHaveLength(MAX_EVIDENCE_PER_SET);
    expect(kept[0]!.conflicting).toEqual(rival.snapshot);
    // Chains are per set: another set's chain is untouched.
    expect(await stores.chains.equivocations(hex())).toEqual([]);
    expect(await stores.chains.summary(hex())).toEqual({ head: null, links: 0 });
  });

  test('two different links for one epoch at once: one extends, the other is equivocation', async () => {
    for (let round = 0; round < 5; round++) {
      const setId = hex();
      const a = start(setId);
      await stores.chains.append(a.link, FIRST, a.snapshot);
      const rivals = Array.from({ length: 6 }, (_, i) => next(a, { asOf: a.link.asOf + 1 + i }));
      const answers = await Promise.all(
        rivals.map((r) => stores.chains.append(r.link, FIRST, r.snapshot)),
      );
      expect(answers.filter((x) => x === 'extends')).toHaveLength(1);
      expect(answers.filter((x) => x === 'equivocation')).toHaveLength(5);
      const winner = rivals[answers.indexOf('extends')]!;
      expect((await stores.chains.summary(setId)).head?.digest).toBe(winner.link.digest);
      const evidence = await stores.chains.equivocations(setId);
      expect(evidence.map((e) => e.recorded)).toEqual(Array(5).fill(winner.snapshot));
    }
  });

  test('links: newest first, in pages with a cursor', async () => {
    const setId = hex();
    let s = start(setId);
    const all = [s];
    await stores.chains.append(s.link, FIRST, s.snapshot);
    for (let i = 0; i < 6; i++) {
      s = next(s);
      all.push(s);
      await stores.chains.append(s.link, FIRST, s.snapshot);
    }
    const p1 = await stores.chains.links(setId, { limit: 4 });
    expect(p1.items.map((l) => l.epoch)).toEqual([11, 10, 9, 8]);
    expect(p1.items[0]).toMatchObject({ ...all[6]!.link, signed: all[6]!.snapshot });
    const p2 = await stores.chains.links(setId, { limit: 4, cursor: p1.nextCursor });
    expect(p2.items.map((l) => l.epoch)).toEqual([7, 6, 5]);
    expect(p2.nextCursor).toBeUndefined();
    expect(await stores.chains.links(hex(), { limit: 4 })).toEqual({ items: [] });
    for (const cursor of ['abc', '12', '4', '-1', '07']) {
      expect(await refusal(stores.chains.links(setId, { limit: 4, cursor }))).toMatchObject({
        code: 'REQUEST_INVALID',
      });
    }
  });

  test('refuses a malformed link, writing nothing', async () => {
    const s = start(hex());
    for (const bad of [
      { ...s.link, epoch: -1 },
      { ...s.link, epoch: 1.5 },
      { ...s.link, digest: 'AB' },
      { ...s.link, setId: 'x' },
    ]) {
      expect(await refusal(stores.chains.append(bad, FIRST, s.snapshot))).toMatchObject({
        code: 'STORE_INVALID_ARGUMENT',
      });
    }
    expect(await stores.chains.summary(s.link.setId)).toEqual({ head: null, links: 0 });
  });
});

describe.each([
  ['memory', createMemoryStores],
  ['redis', redisStores],
  ['redis cluster', clusterStores],
] as const)('%s signer-set registry', (_kind, make) => {
  let stores: Stores;
  beforeEach(() => {
    stores = make();
  });
  afterEach(async () => {
    await stores.close();
  });

  test('register (any member order), get, list; the same again is a no-op', async () => {
    const m = members(3);
    const expected = buildSignerSet(2, m);
    const first = await stores.signerSets.register({ threshold: 2, signers: m, validFrom: JAN });
    const entry = { ...expected, validFrom: JAN, firstEpoch: 0 };
    expect(first).toEqual({ created: true, entry });
    expect(await stores.signerSets.get(expected.setId)).toEqual(entry);
    const reversed = [...m].reverse();
    expect(
      await stores.signerSets.register({ threshold: 2, signers: reversed, validFrom: JAN }),
    ).toEqual({ created: false, entry });
    // validFrom and firstEpoch left out match the registered ones.
    expect(await stores.signerSets.register({ threshold: 2, signers: m })).toEqual({
      created: false,
      entry,
    });
    // The same keys with another threshold are another set.
    const other = await stores.signerSets.register({
      threshold: 1,
      signers: m,
      validFrom: FEB,
      firstEpoch: 9,
    });
    expect(other.created).toBe(true);
    expect(other.entry.setId).not.toBe(expected.setId);
    expect((await stores.signerSets.list()).map((e) => [e.setId, e.firstEpoch])).toEqual([
      [expected.setId, 0],
      [other.entry.setId, 9],
    ]);
    expect(await stores.signerSets.get('nope')).toBeUndefined();
    expect(await stores.signerSets.get(hex())).toBeUndefined();
  });

  test('other labels, validFrom or firstEpoch: CONFLICT, nothing changes', async () => {
    const m = members(2);
    const { entry } = await stores.signerSets.register({
      threshold: 1,
      signers: m,
      validFrom: JAN,
    });
    const renamed = [{ ...m[0]!, label: 'renamed' }, m[1]!];
    expect(
      await refusal(stores.signerSets.register({ threshold: 1, signers: renamed, validFrom: JAN })),
    ).toEqual({ code: 'CONFLICT', details: { fields: 'labels' } });
    expect(
      await refusal(
        stores.signerSets.register({ threshold: 1, signers: m, validFrom: FEB, firstEpoch: 3 }),
      ),
    ).toEqual({ code: 'CONFLICT', details: { fields: 'validFrom,firstEpoch' } });
    expect(await stores.signerSets.list()).toEqual([entry]);
  });

  test('20 concurrent registrations of one set: exactly one creation', async () => {
    const m = members(3);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        stores.signerSets.register({ threshold: 2, signers: m, validFrom: JAN }),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await stores.signerSets.list()).toHaveLength(1);
  });

  test('refuses hostile registrations, writing nothing', async () => {
    const m = members(3);
    const cases: Array<[object, string]> = [
      [{ threshold: 0, signers: m }, 'SIGNER_SET_INVALID'],
      [{ threshold: 4, signers: m }, 'SIGNER_SET_INVALID'],
      [{ threshold: 1.5, signers: m }, 'SIGNER_SET_INVALID'],
      [{ threshold: 1, signers: members(9) }, 'SIGNER_SET_INVALID'],
      [{ threshold: 1, signers: [] }, 'SIGNER_SET_INVALID'],
      [{ threshold: 1, signers: [m[0], { ...m[0], label: 'again' }] }, 'SIGNER_SET_INVALID'],
      [{ threshold: 1, signers: [{ ...m[0], label: 'bank\u202Eevil' }] }, 'SIGNER_SET_INVALID'],
      [{ threshold: 1, signers: [{ ...m[0], label: 'a\nb' }] }, 'SIGNER_SET_INVALID'],
      [{ threshold: 1, signers: [{ ...m[0], label: '' }] }, 'SIGNER_SET_INVALID'],
      [
        { threshold: 1, signers: [{ ...m[0], publicKey: offCurve(m[0]!.publicKey) }] },
        'KEY_MALFORMED',
      ],
      [{ threshold: 1, signers: [{ ...m[0], keyId: newP256Key().keyId }] }, 'KEY_MALFORMED'],
      [{ threshold: 1, signers: m, validFrom: 'soon' }, 'STORE_INVALID_ARGUMENT'],
      [{ threshold: 1, signers: m, firstEpoch: -1 }, 'STORE_INVALID_ARGUMENT'],
    ];
    for (const [registration, code] of cases) {
      const r = await refusal(stores.signerSets.register(registration as never));
      expect([registration, r.code]).toEqual([registration, code]);
    }
    expect(await stores.signerSets.list()).toEqual([]);
  });

  test('revocation: one-way, earliest wins, never before validFrom', async () => {
    const m = members(2);
    const { entry } = await stores.signerSets.register({
      threshold: 2,
      signers: m,
      validFrom: FEB,
    });
    const { setId } = entry;
    expect(await stores.signerSets.revoke(hex(), MAR)).toBeUndefined();
    expect(await stores.signerSets.revoke('nope', MAR)).toBeUndefined();
    expect(await refusal(stores.signerSets.revoke(setId, JAN))).toEqual({
      code: 'REQUEST_INVALID',
      details: { field: 'effectiveAt' },
    });
    expect(await stores.signerSets.revoke(setId, '2025-04-01T00:00:00Z')).toBe(
      '2025-04-01T00:00:00.000Z',
    );
    expect(await stores.signerSets.revoke(setId, '2025-05-01T00:00:00Z')).toBe(
      '2025-04-01T00:00:00.000Z',
    );
    expect(await stores.signerSets.revoke(setId, MAR)).toBe(MAR);
    // Registering again does not revive the set.
    expect(
      (await stores.signerSets.register({ threshold: 2, signers: m, validFrom: FEB })).entry
        .revokedAt,
    ).toBe(MAR);
    expect(await stores.signerSets.get(setId)).toEqual({ ...entry, revokedAt: MAR });
  });

  test('a closed store refuses work', async () => {
    await stores.close();
    expect(await refusal(stores.signerSets.list())).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const s = start(hex());
    expect(await refusal(stores.chains.append(s.link, FIRST, s.snapshot))).toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
  });
});

describe('redis signer sets and chains', () => {
  test('sets, revocations, links and evidence survive a server restart', async () => {
    const stores = redisStores();
    try {
      const { entry } = await stores.signerSets.register({
        threshold: 2,
        signers: members(3),
        validFrom: JAN,
        firstEpoch: FIRST,
      });
      await stores.signerSets.revoke(entry.setId, MAR);
      const a = start(entry.setId);
      const b = next(a);
      await stores.chains.append(a.link, FIRST, a.snapshot);
      await stores.chains.append(b.link, FIRST, b.snapshot);
      const rival = next(a);
      await stores.chains.append(rival.link, FIRST, rival.snapshot);
      const before = {
        sets: await stores.signerSets.list(),
        summary: await stores.chains.summary(entry.setId),
        links: await stores.chains.links(entry.setId, { limit: 10 }),
        evidence: await stores.chains.equivocations(entry.setId),
      };
      expect(before.summary.links).toBe(2);
      expect(before.evidence).toHaveLength(1);
      await server!.restart();
      expect({
        sets: await stores.signerSets.list(),
        summary: await stores.chains.summary(entry.setId),
        links: await stores.chains.links(entry.setId, { limit: 10 }),
        evidence: await stores.chains.equivocations(entry.setId),
      }).toEqual(before);
      // And the chain goes on where it was.
      const c = next(b);
      expect(await stores.chains.append(c.link, FIRST, c.snapshot)).toBe('extends');
    } finally {
      await stores.close();
    }
  });

  test('Redis down: STORE_UNAVAILABLE, then the registry and chains work again', async () => {
    const stores = redisStores();
    try {
      const m = members(2);
      const s = start(hex());
      await server!.stop();
      for (const work of [
        () => stores.signerSets.register({ threshold: 1, signers: m }),
        () => stores.signerSets.get(s.link.setId),
        () => stores.chains.append(s.link, FIRST, s.snapshot),
        () => stores.chains.peek(s.link, FIRST),
        () => stores.chains.summary(s.link.setId),
      ]) {
        expect(await refusal(work())).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      }
      await server!.restart();
      expect((await stores.signerSets.register({ threshold: 1, signers: m })).created).toBe(true);
      expect(await stores.chains.append(s.link, FIRST, s.snapshot)).toBe('extends');
    } finally {
      await stores.close();
    }
  });
});

describe('redis cluster', () => {
  // Runs after the contract above: its keys must have landed on every master, or the suite
  // would not have exercised cross-node routing.
  test('the contract suite spread its keys over all three masters', async () => {
    const perNode = await cluster!.keysPerNode(`${PREFIX}*`);
    expect(perNode).toHaveLength(3);
    for (const keys of perNode) expect(keys).toBeGreaterThan(0);
  });
});

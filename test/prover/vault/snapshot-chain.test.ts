import Redis from 'ioredis';
import { commitmentHex, type SnapshotMessageJson } from '../../../src/common/signed-snapshot';
import { singleKeySetId, ZERO_BYTES32 } from '../../../src/common/snapshot-message';
import { ClaimProver, loadPrimitives, loadSnapshotFile, randomSalt } from '../../../src/prover';
import { RedisSnapshotChain } from '../../../src/prover/vault';
import { testSigner } from '../../fixtures';
import { SAMPLE_SNAPSHOT } from '../../support/onshore-harness';
import { startRedis, type RedisServer } from '../../support/redis-server';
import { rejectionOf } from '../../support/zk-error';

// The onshore epoch chain on a real redis-server (AOF, fsync always): each snapshot committed
// for a set takes head+1 and links to the head's commitment, atomically, across restarts.

let redis: RedisServer;
let client: Redis;
let chain: RedisSnapshotChain;

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  chain = new RedisSnapshotChain(client);
});

afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});

/** A message draft (epoch and link are the chain's to set) with a distinct commitment. */
function draft(setId: string, n: number, asOf = 1_763_568_000): SnapshotMessageJson {
  return {
    setId,
    epoch: 0,
    prevCommitment: ZERO_BYTES32,
    commitment: commitmentHex(BigInt(n) * 7919n + 1n),
    asOf,
    currency: 'USD',
    decimals: 2,
    fxTableHash: '12345',
    allocations: ZERO_BYTES32,
    chunks: 0,
  };
}

const setIdOf = (n: number) => singleKeySetId(n.toString(16).padStart(64, '0'));

describe('the onshore epoch chain', () => {
  it('gives two snapshots of one set consecutive epochs, the second linked to the first', async () => {
    const prover = new ClaimProver(await loadPrimitives());
    const setId = singleKeySetId((await testSigner(1)).keyId);
    const snapshot = loadSnapshotFile(SAMPLE_SNAPSHOT);
    const first = prover.message({ snapshot, salt: randomSalt() }, setId);
    const second = prover.message(
      { snapshot: { ...snapshot, asOf: snapshot.asOf + 86400 }, salt: randomSalt() },
      setId,
    );
    const a = await chain.commit('snap-a', first);
    const b = await chain.commit('snap-b', second);
    expect([a.epoch, a.prevCommitment]).toEqual([0, ZERO_BYTES32]);
    expect([b.epoch, b.prevCommitment]).toEqual([1, a.commitment]);
    // Everything else is ClaimProver.message's, unchanged.
    expect(b).toEqual({ ...second, epoch: 1, prevCommitment: first.commitment });
    // A snapshot keeps its message: committing it again (a second claim) changes nothing.
    expect(await chain.commit('snap-a', first)).toEqual(a);
    expect(await chain.message(setId, 'snap-b')).toEqual(b);
    expect(await chain.head(setId)).toEqual({
      epoch: 1,
      commitment: second.commitment,
      asOf: second.asOf,
    });
  });

  it('never gives one epoch to two snapshots committed at once, and links each to its predecessor', async () => {
    const setId = setIdOf(2);
    // Separate connections: the commits really interleave at the server.
    const clients = Array.from({ length: 4 }, () => new Redis(redis.url));
    try {
      const chains = clients.map((c) => new RedisSnapshotChain(c));
      const committed = await Promise.all(
        Array.from({ length: 24 }, (_, i) => chains[i % 4]!.commit(`c-${i}`, draft(setId, i))),
      );
      const byEpoch = [...committed].sort((x, y) => x.epoch - y.epoch);
      expect(byEpoch.map((m) => m.epoch)).toEqual(Array.from({ length: 24 }, (_, i) => i));
      byEpoch.forEach((m, i) =>
        expect(m.prevCommitment).toBe(i === 0 ? ZERO_BYTES32 : byEpoch[i - 1]!.commitment),
      );
    } finally {
      clients.forEach((c) => c.disconnect());
    }
  });

  it('keeps the chains apart per set', async () => {
    const a = await chain.commit('x', draft(setIdOf(3), 1));
    const b = await chain.commit('x', draft(setIdOf(4), 2));
    expect([a.epoch, b.epoch]).toEqual([0, 0]);
    expect((await chain.commit('y', draft(setIdOf(3), 3))).epoch).toBe(1);
  });

  it('refuses a snapshot older than the head (a rollback offshore), changing nothing', async () => {
    const setId = setIdOf(5);
    await chain.commit('new', draft(setId, 1, 2_000_000_000));
    const before = await chain.head(setId);
    expect((await rejectionOf(chain.commit('old', draft(setId, 2, 1_999_999_999)))).code).toBe(
      'CONFLICT',
    );
    expect(await chain.head(setId)).toEqual(before);
    expect(await chain.message(setId, 'old')).toBeUndefined();
    // The same as-of is no rollback.
    expect((await chain.commit('same', draft(setId, 3, 2_000_000_000))).epoch).toBe(1);
  });

  it('keeps the chain across a Redis restart', async () => {
    const setId = setIdOf(6);
    const first = await chain.commit('r-1', draft(setId, 1));
    await redis.restart();
    const again = new Redis(redis.url);
    try {
      const after = new RedisSnapshotChain(again);
      expect(await after.message(setId, 'r-1')).toEqual(first);
      const next = await after.commit('r-2', draft(setId, 2));
      expect([next.epoch, next.prevCommitment]).toEqual([1, first.commitment]);
    } finally {
      again.disconnect();
    }
  });
});

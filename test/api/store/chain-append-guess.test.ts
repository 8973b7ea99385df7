import { randomBytes, randomUUID } from 'node:crypto';
import { createRedisStores, type Stores } from '../../../src/api/store';
import {
  snapshotDigest,
  type SignedSnapshot,
  type SnapshotMessageJson,
} from '../../../src/common/signed-snapshot';
import type { ChainLink } from '../../../src/verifier';
import { newP256Key } from '../../support/p256-keys';
import { startRedis, type RedisServer } from '../../support/redis-server';

// The Redis chain append first guesses the chain from the last head it saw (or an empty chain)
// and sends the guarded write at once. Two store instances on one Redis (two API processes)
// make each other's guesses stale: every answer must still be the chain's.

let server: RedisServer;
let a: Stores;
let b: Stores;

beforeAll(async () => {
  server = await startRedis();
  const keyPrefix = `zkattest-test:${randomUUID()}:`;
  a = createRedisStores(server.url, { keyPrefix });
  b = createRedisStores(server.url, { keyPrefix });
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
  await server.stop();
});

const hex = () => randomBytes(32).toString('hex');
const SET = hex();
const T0 = 1_735_689_600;

function signed(epoch: number, prevCommitment: string, asOf = T0 + epoch * 3600) {
  const message: SnapshotMessageJson = {
    setId: SET,
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
    setId: SET,
    epoch,
    prevCommitment,
    commitment: message.commitment,
    asOf,
    digest: snapshotDigest(message),
  };
  return { link, snapshot };
}

it('answers what the chain says whatever each instance last saw', async () => {
  const e0 = signed(0, '0'.repeat(64));
  expect(await a.chains.append(e0.link, 0, e0.snapshot)).toBe('extends'); // a saw head 0
  const e1 = signed(1, e0.link.commitment);
  // b guesses an empty chain: wrong, it judges what the write found instead.
  expect(await b.chains.append(e1.link, 0, e1.snapshot)).toBe('extends');
  // a still guesses head 0: for epoch 1 that looks like "extends", but epoch 1 is taken.
  const rival = signed(1, e0.link.commitment);
  expect(await a.chains.append(rival.link, 0, rival.snapshot)).toBe('equivocation');
  expect(await a.chains.equivocations(SET)).toHaveLength(1);
  expect(await a.chains.append(e1.link, 0, e1.snapshot)).toBe('known');
  // b saw head 1; a now too (the write answered it). Epoch 2 after 1, then 3 over a stale guess.
  const e2 = signed(2, e1.link.commitment);
  expect(await a.chains.append(e2.link, 0, e2.snapshot)).toBe('extends');
  const e3 = signed(3, e2.link.commitment);
  expect(await b.chains.append(e3.link, 0, e3.snapshot)).toBe('extends');
  // A link that breaks the chain after a stale guess is judged on the real head.
  const broken = signed(4, hex());
  expect(await a.chains.append(broken.link, 0, broken.snapshot)).toBe('broken-link');
  const gap = signed(6, e3.link.commitment);
  expect(await a.chains.append(gap.link, 0, gap.snapshot)).toBe('gap');
  expect((await b.chains.summary(SET)).head?.epoch).toBe(3);
  expect((await b.chains.summary(SET)).links).toBe(4);
});

/**
 * SnapshotAnchor on a real anvil: the custodian's onshore record of its signed snapshots
 * (setId, epoch, commitment, asOf), append-only; and the TypeScript helpers around it.
 */
import { JsonRpcProvider, type Contract, type JsonRpcSigner } from 'ethers';
import { startAnvil, type Anvil } from '../../src/chain/anvil';
import {
  anchorHead,
  anchorSnapshot,
  attachAnchor,
  deployAnchor,
  readAnchor,
} from '../../src/chain/snapshot-anchor';
import { commitmentHex, signedSnapshotOf } from '../../src/common/signed-snapshot';
import { mintFixture, TestP256Key } from '../support/v2-mint-fixture';

let anvil: Anvil;
let provider: JsonRpcProvider;
let custodian: JsonRpcSigner;
let outsider: JsonRpcSigner;
let anchor: Contract;
const SET = `0x${'a1'.repeat(32)}`;
const c = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;

async function revertOf(action: Promise<unknown>, on: Contract = anchor): Promise<string> {
  try {
    await action;
  } catch (e) {
    const err = e as { revert?: { name?: string }; data?: string };
    if (err.revert?.name) return err.revert.name;
    if (err.data) return on.interface.parseError(err.data)?.name ?? `unknown ${err.data}`;
    throw e;
  }
  throw new Error('expected a revert, but it succeeded');
}

const put = (epoch: number, commitment: string, asOf: number, setId = SET, on = anchor) =>
  on.getFunction('anchor')(setId, BigInt(epoch), commitment, asOf);
const putOk = async (...a: Parameters<typeof put>) => (await put(...a)).wait();

beforeAll(async () => {
  anvil = await startAnvil();
  provider = new JsonRpcProvider(anvil.rpcUrl, undefined, {
    staticNetwork: true,
    cacheTimeout: -1,
  });
  [custodian, outsider] = await Promise.all([0, 1].map((i) => provider.getSigner(i)));
}, 120_000);

beforeEach(async () => {
  anchor = await deployAnchor(custodian);
}, 60_000);

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
});

describe('SnapshotAnchor', () => {
  test('the first anchor may be any epoch; then head + 1 only (no gap), as-of not earlier', async () => {
    await putOk(5, c(1), 1000);
    expect(await revertOf(put(7, c(3), 1100))).toBe('SnapshotAnchor__Gap');
    expect(await revertOf(put(6, c(2), 999))).toBe('SnapshotAnchor__Rollback');
    await putOk(6, c(2), 1000);
    expect(await anchor.getFunction('firstEpochOf')(SET)).toBe(5n);
    const head = await anchor.getFunction('headOf')(SET);
    expect([head.epoch, head.asOf, head.started]).toEqual([6n, 1000n, true]);
  });

  test('rollback below the first anchor and equivocation are refused; the same anchor again is a no-op', async () => {
    await putOk(3, c(1), 1000);
    await putOk(4, c(2), 2000);
    expect(await revertOf(put(2, c(9), 500))).toBe('SnapshotAnchor__Rollback');
    expect(await revertOf(put(4, c(3), 2000))).toBe('SnapshotAnchor__Equivocation');
    expect(await revertOf(put(3, c(1), 1001))).toBe('SnapshotAnchor__Equivocation');
    const again = await putOk(3, c(1), 1000); // an old epoch, identical: idempotent
    expect(again.logs).toHaveLength(0);
    const repeat = await putOk(4, c(2), 2000);
    expect(repeat.logs).toHaveLength(0);
    expect((await anchor.getFunction('headOf')(SET)).epoch).toBe(4n);
  });

  test('only ANCHORER_ROLE anchors; the admin grants it', async () => {
    const theirs = anchor.connect(outsider) as Contract;
    expect(await revertOf(put(0, c(1), 1, SET, theirs))).toBe('AccessControlUnauthorizedAccount');
    const role = (await anchor.getFunction('ANCHORER_ROLE')()) as string;
    await (await anchor.getFunction('grantRole')(role, await outsider.getAddress())).wait();
    await (await put(0, c(1), 1, SET, theirs)).wait();
    expect(await revertOf(put(1, c(0), 1))).toBe('SnapshotAnchor__Invalid');
  });

  test('history reads: every anchored epoch, per set; events for supervisors', async () => {
    const other = `0x${'b2'.repeat(32)}`;
    const r0 = await putOk(0, c(10), 100);
    await putOk(1, c(11), 200);
    await putOk(0, c(20), 150, other);
    const a = await anchor.getFunction('anchorOf')(SET, 1n);
    expect([a.commitment, a.asOf, a.anchored]).toEqual([c(11), 200n, true]);
    expect((await anchor.getFunction('anchorOf')(SET, 2n)).anchored).toBe(false);
    expect((await anchor.getFunction('anchorOf')(other, 0n)).commitment).toBe(c(20));
    const ev = anchor.interface.parseLog(r0.logs[0]);
    expect(ev?.name).toBe('SnapshotAnchored');
    expect([ev?.args.setId, ev?.args.epoch, ev?.args.commitment, ev?.args.anchorer]).toEqual([
      SET,
      0n,
      c(10),
      await custodian.getAddress(),
    ]);
    const logs = await anchor.queryFilter(anchor.filters.SnapshotAnchored!(SET));
    expect(logs).toHaveLength(2);
  });
});

describe('anchorSnapshot', () => {
  const signer = new TestP256Key();
  const base = {
    context: 1n,
    signer,
    currency: 'USD',
    decimals: 2,
    asOf: 1_700_000_000,
    capacity: 1n,
    fxTable: 5n,
  };

  test('anchors a signed snapshot once (then already-anchored), reads it back, refuses an unsigned one and equivocation', async () => {
    const e0 = mintFixture(base);
    const link = signedSnapshotOf(e0);
    const r = await anchorSnapshot(anchor, link);
    expect(r.status).toBe('anchored');
    expect(r.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(r.chainId).toBe(anvil.chainId);
    // Anchoring again sends nothing and names the transaction that anchored it.
    expect(await anchorSnapshot(anchor, link)).toMatchObject({
      status: 'already-anchored',
      txHash: r.txHash,
    });
    const handle = attachAnchor(await anchor.getAddress(), provider);
    expect(await readAnchor(handle, link.message.setId, 0)).toEqual({
      setId: link.message.setId,
      epoch: 0,
      commitment: commitmentHex(e0.publicSignals.commitment),
      asOf: base.asOf,
    });
    expect(await anchorHead(handle, link.message.setId)).toEqual({ epoch: 0, asOf: base.asOf });
    expect(await readAnchor(handle, link.message.setId, 1)).toBeUndefined();

    const forged = structuredClone(link);
    forged.message.asOf += 1; // the signature no longer matches
    await expect(anchorSnapshot(anchor, forged)).rejects.toMatchObject({
      code: 'SNAPSHOT_SIGNATURES_REFUSED',
    });
    // The set signs a second snapshot for epoch 0: the anchor refuses it.
    const twin = signedSnapshotOf(mintFixture({ ...base, asOf: base.asOf + 5 }));
    await expect(anchorSnapshot(anchor, twin)).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { reason: 'SnapshotAnchor__Equivocation' },
    });
  });
});

/**
 * The relay across two real anvil chains with distinct chain ids (a token on each, one signer
 * set registered on both): one package with a 2-row allocation table is posted on both, each
 * token takes only its row; packages relayed in any order, repeated or dropped never let a
 * token mint beyond the newest posted share; a deployment on the wrong chain id, or a chain
 * whose id changed (fork), refuses. Verifier: test/contracts/fixtures/MockVerifier.
 */
import {
  ContractFactory,
  JsonRpcProvider,
  Wallet,
  type Contract,
  type TransactionRequest,
} from 'ethers';
import { anvilRpc, startAnvil, type Anvil } from '../../src/chain/anvil';
import { contractContext } from '../../src/chain/context-binding';
import { compileExtraContract } from '../../src/chain/contracts-build';
import {
  attach,
  deployAll,
  deployToken,
  identityFxTableHash,
  registerSignerSet,
} from '../../src/chain/deploy';
import {
  advanceChainArgs,
  headWitness,
  POST_PROOF_SELECTOR,
  postProofArgs,
} from '../../src/chain/mint-call';
import {
  parseDeployments,
  parseRelayPackage,
  relayLine,
  relayPackage,
  type RelayDeployment,
} from '../../src/chain/relay';
import {
  allocationContext,
  allocationsHash,
  type AllocationTable,
} from '../../src/common/allocations';
import { commitmentHex, signedSnapshotOf } from '../../src/common/signed-snapshot';
import {
  mintFixture,
  soloSet,
  TestP256Key,
  type FixtureOptions,
  type FixturePackage,
} from '../support/v2-mint-fixture';

// anvil's first pre-funded development account: a public test key.
const DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const HOLDER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

interface Side {
  anvil: Anvil;
  provider: JsonRpcProvider;
  registry: string;
  mock: string;
}
let a: Side;
let b: Side;
let usd: bigint;
let asOf: number;
const signer = new TestP256Key();

async function side(chainId: number): Promise<Side> {
  const anvil = await startAnvil({ chainId });
  const provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { cacheTimeout: -1 });
  const admin = new Wallet(DEV_KEY, provider);
  const m = compileExtraContract('test/contracts/fixtures/MockVerifier.sol', 'MockVerifier');
  const mock = await new ContractFactory(m.abi as never[], m.bytecode, admin).deploy();
  await mock.waitForDeployment();
  const d = await deployAll(admin, { currency: 'USD', decimals: 2 }, await mock.getAddress());
  await registerSignerSet(d.registry, soloSet(signer).set, 0);
  return { anvil, provider, registry: d.addresses.registry, mock: await mock.getAddress() };
}

/** A fresh token on a side (the set's chain starts empty there). */
async function token(s: Side): Promise<Contract> {
  return deployToken(new Wallet(DEV_KEY, s.provider), s.mock, s.registry, {
    currency: 'USD',
    decimals: 2,
  });
}

const deployment = async (name: string, s: Side, t: Contract): Promise<RelayDeployment> => ({
  name,
  rpcUrl: s.anvil.rpcUrl,
  chainId: s.anvil.chainId.toString(),
  token: await t.getAddress(),
});

async function table(rows: [Side, Contract, bigint][]): Promise<AllocationTable> {
  return {
    rows: await Promise.all(
      rows.map(async ([s, t, amount]) => ({
        chainId: s.anvil.chainId.toString(),
        token: (await t.getAddress()).toLowerCase(),
        amount: amount.toString(),
      })),
    ),
  };
}

function pkg(o: Partial<FixtureOptions> & { allocations: AllocationTable }): FixturePackage {
  return mintFixture({
    context: allocationContext(allocationsHash(o.allocations)),
    signer,
    set: soloSet(signer),
    currency: 'USD',
    decimals: 2,
    asOf,
    capacity: 1_000n,
    fxTable: usd,
    ...o,
  });
}

const nextOf = (prev: FixturePackage) => ({
  epoch: prev.snapshot.epoch + 1,
  prevCommitment: commitmentHex(prev.publicSignals.commitment),
  asOf: prev.snapshot.asOf + 60,
});

async function revertName(action: Promise<unknown>, on: Contract): Promise<string> {
  try {
    await action;
  } catch (e) {
    const err = e as { revert?: { name?: string }; data?: string };
    if (err.revert?.name) return err.revert.name;
    if (err.data) return on.interface.parseError(err.data)?.name ?? 'unknown';
    throw e;
  }
  return 'ok';
}

const shareOf = async (t: Contract) =>
  ((await t.getFunction('posted')()) as { share: bigint }).share;

beforeAll(async () => {
  usd = await identityFxTableHash({ currency: 'USD', decimals: 2 });
  [a, b] = [await side(7101), await side(7102)];
  asOf = (await a.provider.getBlock('latest'))!.timestamp - 3600;
}, 240_000);

afterAll(async () => {
  for (const s of [a, b]) {
    s?.provider.destroy();
    await s?.anvil.stop();
  }
});

describe('relayPackage', () => {
  test('one package, two chains: each token posts its own row; a repeat is already-posted; a deployment without a row is skipped', async () => {
    const [ta, tb, tc] = [await token(a), await token(b), await token(b)];
    const p = pkg({
      allocations: await table([
        [a, ta, 600n],
        [b, tb, 400n],
      ]),
    });
    const deployments = [
      await deployment('offshore-a', a, ta),
      await deployment('offshore-b', b, tb),
      await deployment('unlisted', b, tc),
    ];
    // Any funded account relays: a fresh key, no role anywhere.
    const relayer = Wallet.createRandom();
    for (const s of [a, b]) {
      await anvilRpc(s.anvil.rpcUrl, 'anvil_setBalance', [relayer.address, '0xde0b6b3a7640000']);
    }
    const first = await relayPackage(p, deployments, relayer.privateKey);
    expect(first.map((o) => [o.name, o.status, o.share])).toEqual([
      ['offshore-a', 'posted', '600'],
      ['offshore-b', 'posted', '400'],
      ['unlisted', 'not-allocated', undefined],
    ]);
    expect(relayLine(first[0]!)).toMatch(
      /^offshore-a \(chain 7101, token 0x[0-9a-f]{40}\): posted, share 600, tx 0x/,
    );
    const again = await relayPackage(p, deployments, relayer.privateKey);
    expect(again.map((o) => o.status)).toEqual([
      'already-posted',
      'already-posted',
      'not-allocated',
    ]);
    expect([await shareOf(ta), await shareOf(tb), await shareOf(tc)]).toEqual([600n, 400n, 0n]);
    // Mints within each share; one past it refused on each chain.
    for (const [t, share] of [
      [ta, 600n],
      [tb, 400n],
    ] as const) {
      await (await t.getFunction('mint')(HOLDER, share)).wait();
      expect(await revertName(t.getFunction('mint')(HOLDER, 1n), t)).toBe(
        'ProofGatedToken__OverCapacity',
      );
    }
  }, 120_000);

  test('packages relayed in any order, repeated or dropped: never more than the newest posted share', async () => {
    const orders = [
      [1, 0, 1],
      [0, 1, 0],
      [1, 1, 0, 0, 1],
      [0, 0],
      [2, 0, 2, 1, 2],
    ];
    for (const order of orders) {
      const [ta, tb] = [await token(a), await token(b)];
      const deployments = [await deployment('a', a, ta), await deployment('b', b, tb)];
      const e0 = pkg({
        allocations: await table([
          [a, ta, 700n],
          [b, tb, 300n],
        ]),
      });
      const e1 = pkg({
        ...nextOf(e0),
        allocations: await table([
          [a, ta, 100n],
          [b, tb, 50n],
        ]),
      });
      const e2 = pkg({
        ...nextOf(e1),
        allocations: await table([
          [a, ta, 400n],
          [b, tb, 600n],
        ]),
      });
      const epochs = [e0, e1, e2];
      let newest = -1; // the highest epoch each token took so far (links go in turn)
      for (const i of order) {
        const outcomes = await relayPackage(epochs[i]!, deployments, DEV_KEY);
        const statuses = new Set(outcomes.map((o) => o.status));
        expect(statuses.size).toBe(1); // both chains agree
        const [status] = [...statuses];
        if (i === newest + 1) {
          expect([order, i, status]).toEqual([order, i, 'posted']);
          newest = i;
        } else if (i === newest) {
          expect([order, i, status]).toEqual([order, i, 'already-posted']);
        } else if (i < newest) {
          expect([order, i, status, outcomes[0]!.reason]).toEqual([
            order,
            i,
            'superseded',
            'ProofGatedToken__EpochRollback',
          ]);
        } else {
          expect([order, i, status, outcomes[0]!.reason]).toEqual([
            order,
            i,
            'failed',
            'ProofGatedToken__EpochGap',
          ]);
        }
        // Whatever arrived, each token's share is exactly the newest taken epoch's row.
        const expected =
          newest < 0 ? [0n, 0n] : epochs[newest]!.allocations!.rows.map((r) => BigInt(r.amount));
        expect([order, i, await shareOf(ta), await shareOf(tb)]).toEqual([order, i, ...expected]);
      }
      for (const [t, k] of [
        [ta, 0],
        [tb, 1],
      ] as const) {
        const share = epochs[newest]!.allocations!.rows[k]!.amount;
        expect(
          await revertName(t.getFunction('mint').staticCall(HOLDER, BigInt(share) + 1n), t),
        ).toBe('ProofGatedToken__OverCapacity');
      }
    }
  }, 240_000);

  test('the head moves between the witness read and the post (StaleHead): one retry with a fresh witness posts', async () => {
    const t = await token(a);
    const address = await t.getAddress();
    const e0 = pkg({ allocations: await table([[a, t, 70n]]) });
    const e1 = pkg({ ...nextOf(e0), allocations: await table([[a, t, 90n]]) });
    expect((await relayPackage(e0, [await deployment('a', a, t)], DEV_KEY))[0]!.status).toBe(
      'posted',
    );
    // Another account moves the head to e1 (advanceChain) just before the relayer's first ask
    // (its staticCall of postProof), after the relayer read the head witness (e0).
    const other = await a.provider.getSigner(3);
    const moveHead = async () => {
      const on = attach('ProofGatedToken', address, other);
      const link = { ...signedSnapshotOf(e1), allocations: e1.allocations! };
      const args = await advanceChainArgs(link, await headWitness(on, e1.snapshot.setId));
      await (await on.getFunction('advanceChain')(...args)).wait();
    };
    const postProof = POST_PROOF_SELECTOR;
    let moved = 0;
    class HeadMovingWallet extends Wallet {
      override async call(tx: TransactionRequest): Promise<string> {
        if (moved === 0 && String(tx.data).startsWith(postProof)) {
          moved += 1;
          await moveHead();
        }
        return super.call(tx);
      }
    }
    const out = await relayPackage(
      e1,
      [await deployment('a', a, t)],
      (provider) => new HeadMovingWallet(DEV_KEY, provider),
    );
    expect(moved).toBe(1);
    expect([out[0]!.status, out[0]!.share]).toEqual(['posted', '90']);
    expect(await shareOf(t)).toBe(90n);
  }, 60_000);

  test('a deployment whose RPC answers another chain id fails (CHAIN_MISMATCH); the others still post', async () => {
    const [ta, tb] = [await token(a), await token(b)];
    const p = pkg({
      allocations: await table([
        [a, ta, 10n],
        [b, tb, 10n],
      ]),
    });
    const wrong = { ...(await deployment('a-wrong-url', b, ta)), chainId: '7101' };
    const out = await relayPackage(p, [wrong, await deployment('b', b, tb)], DEV_KEY);
    expect(out.map((o) => [o.status, o.reason])).toEqual([
      ['failed', 'CHAIN_MISMATCH'],
      ['posted', undefined],
    ]);
  }, 60_000);

  test('a chain that stops mining is TX_NOT_MINED with the sent hash, a node that is down CHAIN_UNAVAILABLE; the others still post', async () => {
    const [ta, tb] = [await token(a), await token(b)];
    const p = pkg({
      allocations: await table([
        [a, ta, 10n],
        [b, tb, 10n],
      ]),
    });
    const down = { ...(await deployment('down', a, ta)), rpcUrl: 'http://127.0.0.1:9' };
    const before = process.env.ZKATTEST_TX_TIMEOUT_MS;
    process.env.ZKATTEST_TX_TIMEOUT_MS = '1500';
    await anvilRpc(a.anvil.rpcUrl, 'evm_setAutomine', [false]);
    try {
      const out = await relayPackage(
        p,
        [down, await deployment('a', a, ta), await deployment('b', b, tb)],
        DEV_KEY,
      );
      expect(out.map((o) => [o.name, o.status, o.reason])).toEqual([
        ['down', 'failed', 'CHAIN_UNAVAILABLE'],
        ['a', 'failed', 'TX_NOT_MINED'],
        ['b', 'posted', undefined],
      ]);
      expect(out[1]!.txHash).toMatch(/^0x[0-9a-f]{64}$/);
      expect(relayLine(out[1]!)).toContain(`FAILED (TX_NOT_MINED), tx ${out[1]!.txHash} sent`);
    } finally {
      if (before === undefined) delete process.env.ZKATTEST_TX_TIMEOUT_MS;
      else process.env.ZKATTEST_TX_TIMEOUT_MS = before;
      await anvilRpc(a.anvil.rpcUrl, 'evm_setAutomine', [true]);
      await anvilRpc(a.anvil.rpcUrl, 'evm_mine', []);
    }
    // The sent transaction was only late: once mined, relaying again finds it posted.
    const again = await relayPackage(p, [await deployment('a', a, ta)], DEV_KEY);
    expect(again.map((o) => o.status)).toEqual(['already-posted']);
  }, 60_000);

  test('parseDeployments and parseRelayPackage refuse malformed input with coded errors', () => {
    expect(() => parseDeployments({ deployments: [{ name: 'x' }] })).toThrow(
      /not a deployments file/,
    );
    expect(() => parseDeployments({ deployments: [] })).toThrow(/not a deployments file/);
    const p = pkg({
      allocations: { rows: [{ chainId: '1', token: `0x${'11'.repeat(20)}`, amount: '1' }] },
    });
    expect(parseRelayPackage(JSON.parse(JSON.stringify(p))).allocations).toEqual(p.allocations);
    expect(() =>
      parseRelayPackage({
        ...p,
        allocations: { rows: [{ chainId: '0', token: 'x', amount: '1' }] },
      }),
    ).toThrow(expect.objectContaining({ code: 'ALLOCATIONS_INVALID' }));
  });
});

describe('chain-id fork', () => {
  test('after the chain id changes: the relay refuses the old id, a proof bound to the old chain is refused, rows go by the new id', async () => {
    const s = await side(7301);
    try {
      const t = await token(s);
      const address = await t.getAddress();
      const oldRow = pkg({ allocations: await table([[s, t, 20n]]) });
      const before = await relayPackage(oldRow, [await deployment('s', s, t)], DEV_KEY);
      expect(before[0]!.status).toBe('posted');

      await anvilRpc(s.anvil.rpcUrl, 'anvil_setChainId', [7302]);
      const fork = new JsonRpcProvider(s.anvil.rpcUrl, undefined, { cacheTimeout: -1 });
      try {
        expect((await fork.getNetwork()).chainId).toBe(7302n);
        const on = attach('ProofGatedToken', address, new Wallet(DEV_KEY, fork));
        expect(await on.getFunction('contextBinding')()).toBe(contractContext(7302n, address));
        // The deployments file still names 7301: the relay refuses to post there.
        const refused = await relayPackage(oldRow, [await deployment('s', s, t)], DEV_KEY);
        expect([refused[0]!.status, refused[0]!.reason]).toEqual(['failed', 'CHAIN_MISMATCH']);
        // Sent anyway: a proof bound to (7301, token) and a row for chain 7301 mean nothing here.
        const e1 = { ...nextOf(oldRow) };
        const boundNext = mintFixture({
          context: contractContext(7301n, address),
          signer,
          set: soloSet(signer),
          currency: 'USD',
          decimals: 2,
          capacity: 50n,
          fxTable: usd,
          ...e1,
        });
        const head = await headWitness(on, oldRow.snapshot.setId);
        expect(
          await revertName(on.getFunction('postProof')(...postProofArgs(boundNext, head)), on),
        ).toBe('ProofGatedToken__InvalidProof'); // its statement is rebuilt with 7302's context
        const rowOld = pkg({
          ...e1,
          allocations: { rows: [{ chainId: '7301', token: address.toLowerCase(), amount: '20' }] },
        });
        expect(
          await revertName(on.getFunction('postProof')(...postProofArgs(rowOld, head)), on),
        ).toBe('ProofGatedToken__NoAllocation');
        const rowNew = pkg({
          ...e1,
          allocations: { rows: [{ chainId: '7302', token: address.toLowerCase(), amount: '30' }] },
        });
        const forked = { ...(await deployment('s', s, t)), chainId: '7302' };
        const after = await relayPackage(rowNew, [forked], DEV_KEY);
        expect([after[0]!.status, after[0]!.share]).toEqual(['posted', '30']);
      } finally {
        fork.destroy();
      }
    } finally {
      s.provider.destroy();
      await s.anvil.stop();
    }
  }, 120_000);
});

/**
 * postProof / mint / allocation rows (ALLOCSPEC) on a real anvil. The Groth16 verifier is
 * test/contracts/fixtures/MockVerifier (every other check is the token's own); snapshots are
 * really signed (P-256 through the precompile) with their allocation tables' hashes.
 */
import {
  ContractFactory,
  JsonRpcProvider,
  Wallet,
  type Contract,
  type JsonRpcSigner,
} from 'ethers';
import { anvilRpc, startAnvil, type Anvil } from '../../src/chain/anvil';
import { contractContext } from '../../src/chain/context-binding';
import { compileExtraContract } from '../../src/chain/contracts-build';
import {
  deployAll,
  deployToken,
  identityFxTableHash,
  registerSignerSet,
  type TokenConfig,
} from '../../src/chain/deploy';
import {
  advanceChainArgs,
  chainLinkOf,
  headWitness,
  mintCalldata,
  mintStructs,
  mintWithProofArgs,
  postProofArgs,
} from '../../src/chain/mint-call';
import {
  allocationContext,
  allocationsHash,
  type AllocationTable,
} from '../../src/common/allocations';
import { commitmentHex, signedSnapshotOf, snapshotDigest } from '../../src/common/signed-snapshot';
import {
  mintFixture,
  soloSet,
  TestP256Key,
  type FixtureOptions,
  type FixturePackage,
} from '../support/v2-mint-fixture';

const MAX_AGE = 86_400;
const USD2: TokenConfig = { currency: 'USD', decimals: 2, maxSnapshotAge: MAX_AGE };
const CAPACITY = 1_000_000n;

let anvil: Anvil;
let provider: JsonRpcProvider;
let admin: JsonRpcSigner;
let outsider: JsonRpcSigner;
let holder: string;
let mockAddress: string;
let registry: Contract;
let tokenA: Contract;
let tokenB: Contract;
let chainId: bigint;
let asOf: number;
let usdIdentity: bigint;

async function revertOf(action: Promise<unknown>, on: Contract): Promise<string> {
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

const tableOf = (rows: [bigint, Contract | string, bigint][]): Promise<AllocationTable> =>
  Promise.all(
    rows.map(async ([c, t, amount]) => ({
      chainId: c.toString(),
      token: (typeof t === 'string' ? t : await t.getAddress()).toLowerCase(),
      amount: amount.toString(),
    })),
  ).then((r) => ({ rows: r }));

/** A package of a freshly registered 1-of-1 set (its own chain) unless `set`/`signer` given. */
async function pkg(o: Partial<FixtureOptions> = {}): Promise<FixturePackage> {
  const signer = o.signer ?? new TestP256Key();
  if (!o.signer && !o.set) await registerSignerSet(registry, soloSet(signer).set, 0);
  const context = o.allocations
    ? allocationContext(allocationsHash(o.allocations))
    : contractContext(chainId, await tokenA.getAddress());
  return mintFixture({
    context,
    signer,
    currency: 'USD',
    decimals: 2,
    asOf,
    capacity: CAPACITY,
    fxTable: usdIdentity,
    ...o,
  });
}

/** The next link of `prev`'s chain, signed by the same key. */
const next = (prev: FixturePackage, signer: TestP256Key, o: Partial<FixtureOptions> = {}) =>
  pkg({
    signer,
    epoch: prev.snapshot.epoch + 1,
    prevCommitment: commitmentHex(prev.publicSignals.commitment),
    ...o,
  });

/** The set's head witness on `on` now (POSTSPEC §3), read right before each call. */
const headOf = (on: Contract, p: FixturePackage) => headWitness(on, p.snapshot.setId);
const post = async (p: FixturePackage, on: Contract, by: JsonRpcSigner = outsider) =>
  (on.connect(by) as Contract).getFunction('postProof')(...postProofArgs(p, await headOf(on, p)));
const postOk = async (p: FixturePackage, on: Contract) => (await post(p, on)).wait();
const mint = (on: Contract, amount: bigint, to = holder) => on.getFunction('mint')(to, amount);

beforeAll(async () => {
  anvil = await startAnvil();
  provider = new JsonRpcProvider(anvil.rpcUrl, undefined, {
    staticNetwork: true,
    cacheTimeout: -1,
  });
  [admin, outsider] = await Promise.all([0, 1].map((i) => provider.getSigner(i)));
  holder = await (await provider.getSigner(2)).getAddress();
  const m = compileExtraContract('test/contracts/fixtures/MockVerifier.sol', 'MockVerifier');
  const mock = await new ContractFactory(m.abi as never[], m.bytecode, admin).deploy();
  await mock.waitForDeployment();
  mockAddress = await mock.getAddress();
  const d = await deployAll(admin, USD2, mockAddress);
  registry = d.registry;
  tokenA = d.token;
  chainId = d.chainId;
  usdIdentity = await identityFxTableHash({ currency: 'USD', decimals: 2 });
  asOf = (await provider.getBlock('latest'))!.timestamp - 3600;
}, 180_000);

beforeEach(async () => {
  // A fresh pair of tokens on the shared registry for each test: supplies and posts start at 0.
  tokenA = await deployToken(admin, mockAddress, await registry.getAddress(), USD2);
  tokenB = await deployToken(admin, mockAddress, await registry.getAddress(), USD2);
}, 60_000);

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
});

describe('allocation rows', () => {
  test('on-chain allocationContext is the TypeScript one', async () => {
    const table = await tableOf([[chainId, tokenA, 1n]]);
    const h = allocationsHash(table);
    expect(await tokenA.getFunction('allocationContext')(`0x${h}`)).toBe(allocationContext(h));
  });

  test('each token posts only its own row; the sum may not exceed the proven capacity', async () => {
    const table = await tableOf([
      [chainId, tokenA, 600_000n],
      [chainId, tokenB, 400_000n],
    ]);
    const p = await pkg({ allocations: table });
    await postOk(p, tokenA);
    await postOk(p, tokenB);
    expect((await tokenA.getFunction('posted')()).share).toBe(600_000n);
    expect((await tokenB.getFunction('posted')()).share).toBe(400_000n);

    const over = await pkg({
      allocations: await tableOf([
        [chainId, tokenA, 600_000n],
        [chainId, tokenB, 400_001n],
      ]),
    });
    expect(await revertOf(post(over, tokenA), tokenA)).toBe(
      'ProofGatedToken__AllocationsOverCapacity',
    );
    expect(
      await revertOf(
        tokenA.getFunction('mintWithProof')(
          ...mintWithProofArgs(over, holder, 1n, await headOf(tokenA, over)),
        ),
        tokenA,
      ),
    ).toBe('ProofGatedToken__AllocationsOverCapacity');
  });

  test('a share claimed on the wrong chain or by the wrong token is refused', async () => {
    const otherChain = await pkg({ allocations: await tableOf([[chainId + 1n, tokenA, 10n]]) });
    expect(await revertOf(post(otherChain, tokenA), tokenA)).toBe('ProofGatedToken__NoAllocation');
    const onlyB = await pkg({ allocations: await tableOf([[chainId, tokenB, 10n]]) });
    expect(await revertOf(post(onlyB, tokenA), tokenA)).toBe('ProofGatedToken__NoAllocation');
    await postOk(onlyB, tokenB);
  });

  test('rows that are not the signed table, or a table-bound proof without its table, are refused', async () => {
    // The signed `allocations` is the rows' hash, never sent (POSTSPEC section 2): other rows
    // are another message, which the set did not sign.
    const table = await tableOf([
      [chainId, tokenA, 100n],
      [chainId, tokenB, 100n],
    ]);
    const p = await pkg({ allocations: table });
    const edit = async (f: (rows: ReturnType<typeof mintStructs>['allocations']) => void) => {
      const m = mintStructs(p);
      f(m.allocations);
      return revertOf(
        tokenA.connect(outsider).getFunction('postProof')(mintCalldata(m, await headOf(tokenA, p))),
        tokenA,
      );
    };
    expect(await edit((r) => (r[0]!.amount = 101n))).toBe('ProofGatedToken__InvalidSignature');
    expect(await edit((r) => r.reverse())).toBe('ProofGatedToken__AllocationsMismatch');
    expect(await edit((r) => r.splice(0, 2))).toBe('ProofGatedToken__InvalidSignature');
    // The token rebuilds the statement with the table's context, not its own binding: a proof
    // bound to token A alone does not carry a table's shares.
    const bound = await pkg({
      allocations: table,
      context: contractContext(chainId, await tokenA.getAddress()),
    });
    expect(await revertOf(post(bound, tokenA), tokenA)).toBe('ProofGatedToken__InvalidProof');
    // Rows beside a snapshot that signed no table.
    const plain = await pkg();
    const m = mintStructs(plain);
    m.allocations = mintStructs(p).allocations;
    expect(
      await revertOf(
        tokenA.getFunction('postProof')(mintCalldata(m, await headOf(tokenA, plain))),
        tokenA,
      ),
    ).toBe('ProofGatedToken__InvalidSignature');
  });

  test('mintWithProof takes the row as its capacity', async () => {
    const p = await pkg({ allocations: await tableOf([[chainId, tokenA, 500n]]) });
    await (
      await tokenA.getFunction('mintWithProof')(
        ...mintWithProofArgs(p, holder, 500n, await headOf(tokenA, p)),
      )
    ).wait();
    expect(
      await revertOf(
        tokenA.getFunction('mintWithProof')(
          ...mintWithProofArgs(p, holder, 1n, await headOf(tokenA, p)),
        ),
        tokenA,
      ),
    ).toBe('ProofGatedToken__OverCapacity');
  });
});

describe('postProof and mint against the posted share', () => {
  test('anyone posts; only a minter mints; one share is not used past its amount', async () => {
    const p = await pkg({ allocations: await tableOf([[chainId, tokenA, 500n]]) });
    expect(await revertOf(mint(tokenA, 1n), tokenA)).toBe('ProofGatedToken__NotPosted');
    const receipt = await postOk(p, tokenA); // posted by an account without any role
    const ev = receipt.logs
      .map((l: { topics: string[]; data: string }) => tokenA.interface.parseLog(l))
      .find((e: { name: string } | null) => e?.name === 'ProofPosted');
    expect(ev?.args.epoch).toBe(0n);
    expect((await tokenA.getFunction('posted')()).share).toBe(500n);
    expect(ev?.args.asOf).toBe(BigInt(asOf));
    await (await mint(tokenA, 300n)).wait();
    expect(await revertOf(mint(tokenA, 201n), tokenA)).toBe('ProofGatedToken__OverCapacity');
    await (await mint(tokenA, 200n)).wait();
    expect(await revertOf(mint(tokenA, 1n), tokenA)).toBe('ProofGatedToken__OverCapacity');
    // Posting the same share again does not reset anything: the share bounds the supply.
    await postOk(p, tokenA);
    expect(await revertOf(mint(tokenA, 1n), tokenA)).toBe('ProofGatedToken__OverCapacity');
    expect(await tokenA.getFunction('totalSupply')()).toBe(500n);
    expect(
      await revertOf(
        (tokenA.connect(outsider) as Contract).getFunction('mint')(holder, 1n),
        tokenA,
      ),
    ).toBe('AccessControlUnauthorizedAccount');
  });

  test('re-posting the posted snapshot is a no-op success (no event)', async () => {
    const p = await pkg();
    await postOk(p, tokenA);
    const again = await postOk(p, tokenA);
    expect(again.status).toBe(1);
    expect(again.logs).toHaveLength(0);
    expect(
      await tokenA
        .getFunction('postProof')
        .staticCall(...postProofArgs(p, await headOf(tokenA, p))),
    ).toBe(CAPACITY);
  });

  test('a newer link supersedes the post; packages in any order never mint wrongly', async () => {
    const signer = new TestP256Key();
    await registerSignerSet(registry, soloSet(signer).set, 0);
    const table = (a: bigint) => tableOf([[chainId, tokenA, a]]);
    const e0 = await pkg({ signer, allocations: await table(300n) });
    const e1 = await next(e0, signer, { allocations: await table(100n), asOf: asOf + 60 });
    // Relayed 1 then 0: epoch 0 is a gap first (the chain starts at epoch 0)...
    expect(await revertOf(post(e1, tokenA), tokenA)).toBe('ProofGatedToken__EpochGap');
    await postOk(e0, tokenA);
    // A head move by postProof is announced by ProofPosted alone (one event), with the digest.
    const moved = await postOk(e1, tokenA);
    const setId = `0x${e1.snapshot.setId}`;
    const digest = `0x${snapshotDigest(signedSnapshotOf(e1).message)}`;
    expect(moved.logs).toHaveLength(1);
    const only = tokenA.interface.parseLog(moved.logs[0]);
    expect([only?.name, only?.args.setId, only?.args.epoch]).toEqual(['ProofPosted', setId, 1n]);
    expect(only?.args.digest).toBe(digest);
    expect((await headWitness(tokenA, setId))?.digest).toBe(digest);
    // ... and after 1, epoch 0 is a rollback: its larger share never comes back.
    expect(await revertOf(post(e0, tokenA), tokenA)).toBe('ProofGatedToken__EpochRollback');
    expect((await tokenA.getFunction('posted')()).share).toBe(100n);
    expect(await revertOf(mint(tokenA, 101n), tokenA)).toBe('ProofGatedToken__OverCapacity');
    await (await mint(tokenA, 100n)).wait();

    // advanceChain to epoch 2 (a link posted without a proof) supersedes epoch 1's share.
    const e2 = await next(e1, signer, { allocations: await table(900n), asOf: asOf + 120 });
    await (
      await tokenA.getFunction('advanceChain')(
        ...(await advanceChainArgs(chainLinkOf(e2), await headOf(tokenA, e2))),
      )
    ).wait();
    expect(await revertOf(mint(tokenA, 1n), tokenA)).toBe('ProofGatedToken__NotPosted');
    await postOk(e2, tokenA); // the head itself may still be posted
    await (await mint(tokenA, 800n)).wait();
  });

  test('a mintWithProof that moves the posted set’s head supersedes the post', async () => {
    const signer = new TestP256Key();
    await registerSignerSet(registry, soloSet(signer).set, 0);
    const e0 = await pkg({ signer });
    await postOk(e0, tokenA);
    const e1 = await next(e0, signer, { asOf: asOf + 60 });
    await (
      await tokenA.getFunction('mintWithProof')(
        ...mintWithProofArgs(e1, holder, 1n, await headOf(tokenA, e1)),
      )
    ).wait();
    expect(await revertOf(mint(tokenA, 1n), tokenA)).toBe('ProofGatedToken__NotPosted');
  });

  test('another set’s older snapshot does not replace a live post', async () => {
    const newer = await pkg({ asOf: asOf + 600 });
    const older = await pkg({ asOf });
    await postOk(newer, tokenA);
    expect(await revertOf(post(older, tokenA), tokenA)).toBe('ProofGatedToken__StalerThanPosted');
    const newest = await pkg({ asOf: asOf + 1200, capacity: 7n });
    await postOk(newest, tokenA);
    expect((await tokenA.getFunction('posted')()).share).toBe(7n);
  });

  test('a plain mint to a fresh holder costs at most 60,000 gas', async () => {
    await postOk(await pkg(), tokenA);
    await (await mint(tokenA, 1n)).wait(); // the supply slot is no longer zero: steady state
    const fresh = Wallet.createRandom().address;
    const receipt = await (await mint(tokenA, 5n, fresh)).wait();
    expect(Number(receipt.gasUsed)).toBeLessThanOrEqual(60_000);
  });

  test('a paused token takes no post and no mint; the chain may still advance; unpaused, both work', async () => {
    const signer = new TestP256Key();
    await registerSignerSet(registry, soloSet(signer).set, 0);
    const e0 = await pkg({ signer });
    await postOk(e0, tokenA);
    await (await tokenA.getFunction('pause')()).wait();
    expect(await revertOf(mint(tokenA, 1n), tokenA)).toBe('EnforcedPause');
    const e1 = await next(e0, signer, { asOf: asOf + 60 });
    expect(await revertOf(post(e1, tokenA), tokenA)).toBe('EnforcedPause');
    // Recording a signed link changes no balance: it goes on while paused, and supersedes
    // the post on the previous head as it would unpaused.
    await (
      await tokenA.getFunction('advanceChain')(
        ...(await advanceChainArgs(chainLinkOf(e1), await headOf(tokenA, e1))),
      )
    ).wait();
    await (await tokenA.getFunction('unpause')()).wait();
    expect(await revertOf(mint(tokenA, 1n), tokenA)).toBe('ProofGatedToken__NotPosted');
    await postOk(e1, tokenA);
    await (await mint(tokenA, 1n)).wait();
    expect(await tokenA.getFunction('totalSupply')()).toBe(1n);
  });

  test('an expired post is refused', async () => {
    const snap = await anvilRpc(anvil.rpcUrl, 'evm_snapshot', []);
    try {
      await postOk(await pkg(), tokenA);
      await anvilRpc(anvil.rpcUrl, 'evm_increaseTime', [MAX_AGE]);
      await anvilRpc(anvil.rpcUrl, 'evm_mine', []);
      expect(await revertOf(mint(tokenA, 1n), tokenA)).toBe('ProofGatedToken__PostExpired');
    } finally {
      await anvilRpc(anvil.rpcUrl, 'evm_revert', [snap]);
    }
  });
});

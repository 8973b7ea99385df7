/**
 * The token's packed calldata, one-slot chain head and pushed revocations (POSTSPEC) on a real
 * anvil: malformed `p` (§2), head witnesses (§1, §3), the registry's pushed revocations and the
 * subscriber rule (§4), the relayer entry postProof_efficient_2cWrca, and the storage layout
 * the token's assembly relies on. The Groth16 verifier is test/contracts/fixtures/MockVerifier;
 * signatures are real (P-256 through the precompile).
 */
import {
  ContractFactory,
  JsonRpcProvider,
  type Contract,
  type JsonRpcSigner,
  type TransactionReceipt,
} from 'ethers';
import { startAnvil, type Anvil } from '../../src/chain/anvil';
import { contractContext } from '../../src/chain/context-binding';
import { buildContracts, compileExtraContract } from '../../src/chain/contracts-build';
import {
  deployAll,
  deployToken,
  identityFxTableHash,
  registerSignerSet,
  type TokenConfig,
} from '../../src/chain/deploy';
import { headHash, type HeadWitness } from '../../src/chain/head-witness';
import {
  headWitness,
  mintCalldata,
  mintStructs,
  POST_PROOF_SELECTOR,
  postProofArgs,
  postProofData,
  type MintStructs,
} from '../../src/chain/mint-call';
import { commitmentHex, signedSnapshotOf, snapshotDigest } from '../../src/common/signed-snapshot';
import {
  mintFixture,
  randomField,
  soloSet,
  TestP256Key,
  type FixtureOptions,
  type FixturePackage,
} from '../support/v2-mint-fixture';

const MAX_AGE = 86_400;
const USD2: TokenConfig = { currency: 'USD', decimals: 2, maxSnapshotAge: MAX_AGE };
const CAPACITY = 10n ** 15n;
/** POSTSPEC §2: where the link starts in `p` (proof 256, commitment 32, ratio 2, capacity 8). */
const LINK_AT = 298;
const FLAGS = LINK_AT;
const MEMBERS = LINK_AT + 1 + 8 + 32 + 5 + 2 + 1;
const SIG_COUNT = MEMBERS + 1;
const SIGS = SIG_COUNT + 1;
const SIG_BYTES = 129;

let anvil: Anvil;
let provider: JsonRpcProvider;
let admin: JsonRpcSigner;
let outsider: JsonRpcSigner;
let holder: string;
let mockAddress: string;
let registry: Contract;
let token: Contract;
let chainId: bigint;
let asOf: number;
let usdIdentity: bigint;

/** The custom error a call or transaction reverted with. */
async function revertOf(action: Promise<unknown>, on: Contract = token): Promise<string> {
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

/** A token on the shared registry (subscribed: the deployer owns the registry). */
const newToken = async () => deployToken(admin, mockAddress, await registry.getAddress(), USD2);

/**
 * A package bound to `on`, signed by `signer`'s 1-of-1 set; a fresh registered key unless
 * `signer` is given (each package then starts a chain of its own).
 */
async function pkg(o: Partial<FixtureOptions> = {}, on: Contract = token): Promise<FixturePackage> {
  const signer = o.signer ?? new TestP256Key();
  if (!o.signer && !o.set) await registerSignerSet(registry, soloSet(signer).set, 0);
  return mintFixture({
    context: contractContext(chainId, await on.getAddress()),
    signer,
    currency: 'USD',
    decimals: 2,
    asOf,
    capacity: CAPACITY,
    fxTable: usdIdentity,
    ...o,
  });
}

/** The next link of `prev`'s chain (same signer), dated `at` (default prev's asOf). */
const next = (
  prev: FixturePackage,
  signer: TestP256Key,
  o: Partial<FixtureOptions> = {},
  on: Contract = token,
) =>
  pkg(
    {
      signer,
      epoch: prev.snapshot.epoch + 1,
      prevCommitment: commitmentHex(prev.publicSignals.commitment),
      asOf: prev.snapshot.asOf,
      ...o,
    },
    on,
  );

const setIdOf = (p: FixturePackage) => `0x${p.snapshot.setId}`;
const digestOf = (p: FixturePackage) => `0x${snapshotDigest(signedSnapshotOf(p).message)}`;
const headOf = (p: FixturePackage, on: Contract = token) => headWitness(on, p.snapshot.setId);
/** The head witness `p` would leave (POSTSPEC §1). */
const witnessOf = (p: FixturePackage): NonNullable<HeadWitness> => ({
  digest: digestOf(p),
  commitment: BigInt(p.publicSignals.commitment),
  epoch: BigInt(p.snapshot.epoch),
  asOf: p.snapshot.asOf,
});
/** postProof's `p` for a package with the given head witness (default the token's now). */
const pOf = async (p: FixturePackage, head?: HeadWitness, on: Contract = token) =>
  mintCalldata(mintStructs(p), head === undefined ? await headOf(p, on) : head);
const word = async (p: FixturePackage, on: Contract = token) =>
  BigInt((await on.getFunction('chainHead')(setIdOf(p))) as string);

/** mintWithProof (admin is a minter): moves the chain head, leaves `posted` alone. */
const mintWith = async (p: FixturePackage, head?: HeadWitness, on: Contract = token) =>
  on.getFunction('mintWithProof')(holder, 1n, await pOf(p, head, on));
const mintOk = async (p: FixturePackage, on: Contract = token) =>
  (await mintWith(p, undefined, on)).wait();
const post = async (p: FixturePackage, on: Contract, head?: HeadWitness) =>
  (on.connect(outsider) as Contract).getFunction('postProof')(await pOf(p, head, on));
const postOk = async (p: FixturePackage, on: Contract) =>
  (await post(p, on)).wait() as Promise<TransactionReceipt>;
const postedShare = async (on: Contract) =>
  ((await on.getFunction('posted')()) as { share: bigint }).share;

type Log = { topics: readonly string[]; data: string };
const eventsOf = (receipt: { logs: readonly Log[] }, on: Contract) =>
  receipt.logs
    .map((l) => on.interface.parseLog(l))
    .filter((e): e is NonNullable<typeof e> => e !== null)
    .map((e) => [e.name, ...e.args.toArray()] as unknown[]);

/** registry.revokeSignerSet(setId, at) by its owner; the receipt. */
const revoke = async (p: FixturePackage, at: number) =>
  (await (
    await registry.getFunction('revokeSignerSet')(setIdOf(p), at)
  ).wait()) as TransactionReceipt;

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
  token = d.token;
  chainId = d.chainId;
  usdIdentity = await identityFxTableHash({ currency: 'USD', decimals: 2 });
  asOf = (await provider.getBlock('latest'))!.timestamp - 3600;
}, 180_000);

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
});

describe('POSTSPEC §2: malformed packed calldata', () => {
  const hexOf = (b: Buffer) => `0x${b.toString('hex')}`;
  /** `p` of a fresh set's first link (no witness, no FX, no rows) as bytes. */
  const freshP = async () => {
    const p = await pkg();
    return Buffer.from((await pOf(p, null)).slice(2), 'hex');
  };
  /** The error of `p` through postProof(bytes) and through the relayer entry. */
  const refusals = async (p: Buffer) => [
    await revertOf(token.getFunction('postProof').staticCall(hexOf(p))),
    await revertOf(
      provider.call({
        to: await token.getAddress(),
        data: POST_PROOF_SELECTOR + p.toString('hex'),
      }),
    ),
  ];
  const MALFORMED = ['ProofGatedToken__MalformedCalldata', 'ProofGatedToken__MalformedCalldata'];

  test('the unedited calldata posts through both entries (the control of every edit below)', async () => {
    const p = await freshP();
    expect(await token.getFunction('postProof').staticCall(hexOf(p))).toBe(CAPACITY);
    const raw = await provider.call({
      to: await token.getAddress(),
      data: POST_PROOF_SELECTOR + p.toString('hex'),
    });
    expect(BigInt(raw)).toBe(CAPACITY);
  });

  test('one byte short, one byte extra, p shorter than the proof part', async () => {
    const p = await freshP();
    expect(await refusals(p.subarray(0, p.length - 1))).toEqual(MALFORMED);
    expect(await refusals(Buffer.concat([p, Buffer.from([0])]))).toEqual(MALFORMED);
    expect(await refusals(p.subarray(0, LINK_AT - 1))).toEqual(MALFORMED);
    expect(await refusals(p.subarray(0, 100))).toEqual(MALFORMED);
    expect(await refusals(Buffer.alloc(0))).toEqual(MALFORMED);
  });

  test('a reserved flag bit (4-7) set', async () => {
    const p = await freshP();
    for (const bit of [4, 5, 6, 7]) {
      const q = Buffer.from(p);
      q[FLAGS] = q[FLAGS]! | (1 << bit);
      expect([bit, ...(await refusals(q))]).toEqual([bit, ...MALFORMED]);
    }
  });

  test('members 0 or 9, sigCount > members, each with a consistent length', async () => {
    const p = await freshP();
    // members 0, sigCount 0, no signature: 0 members is the only fault.
    const none = Buffer.concat([p.subarray(0, SIGS)]);
    none[MEMBERS] = 0;
    none[SIG_COUNT] = 0;
    expect(await refusals(none)).toEqual(MALFORMED);
    // members 9 with 8 non-signer ids listed: only the cap of 8 is broken.
    const nine = Buffer.concat([p, Buffer.alloc(8 * 32, 0x11)]);
    nine[MEMBERS] = 9;
    expect(await refusals(nine)).toEqual(MALFORMED);
    // 8 members with 7 ids is within the format (then a set nobody registered).
    const eight = Buffer.concat([p, Buffer.alloc(7 * 32, 0x11)]);
    eight[MEMBERS] = 8;
    expect(await refusals(eight)).toEqual([
      'ProofGatedToken__UntrustedSignerSet',
      'ProofGatedToken__UntrustedSignerSet',
    ]);
    // sigCount 2 of 1 member, the signature repeated: malformed before DuplicateSigner.
    const sig = p.subarray(SIGS, SIGS + SIG_BYTES);
    const twice = Buffer.concat([p, sig]);
    twice[SIG_COUNT] = 2;
    expect(await refusals(twice)).toEqual(MALFORMED);
  });

  test('witness kind 1 (prev) on epoch 0, with its 37 bytes', async () => {
    const p = await freshP();
    const q = Buffer.concat([p, Buffer.alloc(37, 0x22)]);
    q[FLAGS] = q[FLAGS]! | 1;
    expect(await refusals(q)).toEqual(MALFORMED);
    // Kind 3 with its 77 bytes is well formed: a set without a head says StaleHead.
    const full = Buffer.concat([p, Buffer.alloc(77, 0x22)]);
    full[FLAGS] = full[FLAGS]! | 3;
    expect(await refusals(full)).toEqual([
      'ProofGatedToken__StaleHead',
      'ProofGatedToken__StaleHead',
    ]);
  });

  test('the alloc flag with a row count of 0', async () => {
    const p = await freshP();
    const q = Buffer.concat([p, Buffer.from([0])]);
    q[FLAGS] = q[FLAGS]! | 8;
    expect(await refusals(q)).toEqual(MALFORMED);
  });
});

/**
 * `p` with a kind 3 (full) witness whatever kind is true (POSTSPEC §3): the link encoded
 * without one, then the flags' kind bits set and the 77 bytes appended (the link has no FX
 * part or rows, so the witness is its end).
 */
function withFullWitness(m: MintStructs, w: NonNullable<HeadWitness>): string {
  if (m.fx !== null || m.allocations.length > 0) throw new Error('a link without FX or rows');
  const p = Buffer.from(mintCalldata(m, null).slice(2), 'hex');
  p[FLAGS] = p[FLAGS]! | 3;
  const witness = Buffer.from(
    w.digest.slice(2) +
      w.commitment.toString(16).padStart(64, '0') +
      w.epoch.toString(16).padStart(16, '0') +
      w.asOf.toString(16).padStart(10, '0'),
    'hex',
  );
  return `0x${Buffer.concat([p, witness]).toString('hex')}`;
}

describe('POSTSPEC §1, §3: the head witness', () => {
  /** A fresh set's chain on `token` with e0 as its head; its key and e0. */
  const chain = async () => {
    const key = new TestP256Key();
    await registerSignerSet(registry, soloSet(key).set, 0);
    const e0 = await pkg({ signer: key });
    await mintOk(e0);
    return { key, e0 };
  };
  const linkFlags = (calldata: string) =>
    parseInt(calldata.slice(2 + 2 * FLAGS, 4 + 2 * FLAGS), 16);

  test('kind 0 (none) while the set has a head: StaleHead', async () => {
    const { key, e0 } = await chain();
    const e1 = await next(e0, key);
    expect(await revertOf(mintWith(e1, null))).toBe('ProofGatedToken__StaleHead');
    expect(await revertOf(mintWith(e0, null))).toBe('ProofGatedToken__StaleHead');
    await (await mintWith(e1)).wait(); // the true witness passes
  });

  test('a witness off by one in digest, asOf, commitment or epoch: StaleHead', async () => {
    const { key, e0 } = await chain();
    const e1 = await next(e0, key);
    const h = (await headOf(e0))!;
    expect(h).toEqual(witnessOf(e0));
    const digestPlus = `0x${(BigInt(h.digest) + 1n).toString(16).padStart(64, '0')}`;
    const off: [string, NonNullable<HeadWitness>][] = [
      ['digest', { ...h, digest: digestPlus }],
      ['asOf', { ...h, asOf: h.asOf + 1 }],
      ['asOf', { ...h, asOf: h.asOf - 1 }],
      ['commitment', { ...h, commitment: h.commitment + 1n }],
      ['epoch', { ...h, epoch: h.epoch + 1n }],
    ];
    for (const [what, w] of off) {
      expect([what, await revertOf(mintWith(e1, w))]).toEqual([what, 'ProofGatedToken__StaleHead']);
    }
    // A repeat of the head with each witness forced to kind 3 (the encoder would send kind 2,
    // "same", for a witness with e0's digest): the true one passes, the others are stale.
    const repeat = (w: NonNullable<HeadWitness>) =>
      token.getFunction('mintWithProof')(holder, 1n, withFullWitness(mintStructs(e0), w));
    for (const [what, w] of off) {
      expect([what, await revertOf(repeat(w))]).toEqual([what, 'ProofGatedToken__StaleHead']);
    }
    await (await repeat(h)).wait();
    await (await mintWith(e1, h)).wait();
  });

  test('after another link moves the head, the old witness is StaleHead', async () => {
    const { key, e0 } = await chain();
    const h0 = await headOf(e0);
    const e1 = await next(e0, key);
    await (await mintWith(e1, h0)).wait();
    expect(await word(e0)).toBe(headHash(witnessOf(e1)));
    const e2 = await next(e1, key);
    expect(await revertOf(mintWith(e2, h0))).toBe('ProofGatedToken__StaleHead');
    expect(await revertOf(mintWith(e1, h0))).toBe('ProofGatedToken__StaleHead');
    await (await mintWith(e2, witnessOf(e1))).wait();
  });

  test('a full witness (kind 3) of the true head names EpochRollback, EpochGap, Equivocation, BrokenLink', async () => {
    const { key, e0 } = await chain();
    const e1 = await next(e0, key, { asOf: asOf + 10 });
    await mintOk(e1);
    const h1 = witnessOf(e1);
    const e2 = await next(e1, key, { asOf: asOf + 20 });
    const cases: [string, FixturePackage, string][] = [
      ['rollback: e0 again', e0, 'ProofGatedToken__EpochRollback'],
      ['gap: epoch 3', await next(e2, key), 'ProofGatedToken__EpochGap'],
      [
        'equivocation: another epoch 1',
        await next(e0, key, { asOf: asOf + 10 }),
        'ProofGatedToken__Equivocation',
      ],
      [
        'broken link: epoch 2 after something else',
        await next(e1, key, { prevCommitment: 'ab'.repeat(32), asOf: asOf + 20 }),
        'ProofGatedToken__BrokenLink',
      ],
      [
        'rollback in time: epoch 2 dated before e1',
        await next(e1, key, { asOf: asOf + 9 }),
        'ProofGatedToken__EpochRollback',
      ],
    ];
    for (const [what, p, error] of cases) {
      // The rollback in time links to e1 (kind prev is true of it); the others need kind 3.
      const kind = linkFlags(await pOf(p, h1)) & 3;
      expect([what, kind]).toEqual([what, what.startsWith('rollback in time') ? 1 : 3]);
      expect([what, await revertOf(mintWith(p, h1))]).toEqual([what, error]);
      const forced = withFullWitness(mintStructs(p), h1);
      expect([
        what,
        await revertOf(token.getFunction('mintWithProof')(holder, 1n, forced)),
      ]).toEqual([what, error]);
    }
    // Kind 1 (prev) cannot name BrokenLink: it claims the head is the link's prevCommitment.
    const broken = mintStructs(cases[3]![1]);
    const asPrev = {
      ...h1,
      epoch: 1n,
      commitment: BigInt(`0x${'ab'.repeat(32)}`),
    };
    expect(linkFlags(mintCalldata(broken, asPrev)) & 3).toBe(1);
    expect(
      await revertOf(token.getFunction('mintWithProof')(holder, 1n, mintCalldata(broken, asPrev))),
    ).toBe('ProofGatedToken__StaleHead');
    await (await mintWith(e2, h1)).wait();
    expect(await word(e0)).toBe(headHash(witnessOf(e2)));
  });
});

describe('POSTSPEC §4: revocations pushed by the registry', () => {
  test('revokeSignerSet reaches the token: SignerSetRevocationReceived, bit 0 of the head set, the rest unchanged', async () => {
    const key = new TestP256Key();
    await registerSignerSet(registry, soloSet(key).set, 0);
    const e0 = await pkg({ signer: key });
    await mintOk(e0);
    const before = await word(e0);
    expect(before).toBe(headHash(witnessOf(e0)));
    expect(before & 1n).toBe(0n);
    const receipt = await revoke(e0, asOf + 100);
    expect(eventsOf(receipt, token)).toContainEqual([
      'SignerSetRevocationReceived',
      setIdOf(e0),
      BigInt(asOf + 100),
    ]);
    expect(await word(e0)).toBe(before | 1n);
    // The witness still matches (bit 0 is not part of the hash).
    expect(await headOf(e0)).toEqual(witnessOf(e0));
  });

  test('after the push, a link dated at or after revokedAt is UntrustedSignerSet; one before it still links', async () => {
    const key = new TestP256Key();
    await registerSignerSet(registry, soloSet(key).set, 0);
    const e0 = await pkg({ signer: key });
    await mintOk(e0);
    const T = asOf + 100;
    await revoke(e0, T);
    expect(await revertOf(mintWith(await next(e0, key, { asOf: T })))).toBe(
      'ProofGatedToken__UntrustedSignerSet',
    );
    expect(await revertOf(mintWith(await next(e0, key, { asOf: T + 50 })))).toBe(
      'ProofGatedToken__UntrustedSignerSet',
    );
    const e1 = await next(e0, key, { asOf: T - 1 });
    await mintOk(e1);
    // The moved head keeps the flag.
    expect(await word(e0)).toBe(headHash(witnessOf(e1)) | 1n);
    expect(await revertOf(mintWith(await next(e1, key, { asOf: T })))).toBe(
      'ProofGatedToken__UntrustedSignerSet',
    );
    await mintOk(await next(e1, key, { asOf: T - 1 }));
  });

  test('a posted share dated at or after revokedAt is cleared by the push; one dated before stays; other sets’ revocations leave it', async () => {
    const t = await newToken();
    const b = await pkg({}, t);
    await postOk(b, t);
    expect(await postedShare(t)).toBe(CAPACITY);
    await revoke(b, asOf + 1); // b's asOf is before: its share stays
    expect(await postedShare(t)).toBe(CAPACITY);
    const a = await pkg({}, t);
    await postOk(a, t);
    expect(await postedShare(t)).toBe(CAPACITY);
    const unrelated = await pkg({}, t);
    await revoke(unrelated, 1);
    expect(await postedShare(t)).toBe(CAPACITY);
    const receipt = await revoke(a, asOf); // a's asOf == revokedAt: cleared
    expect(eventsOf(receipt, t)).toContainEqual([
      'SignerSetRevocationReceived',
      setIdOf(a),
      BigInt(asOf),
    ]);
    expect(await postedShare(t)).toBe(0n);
    expect(await revertOf(t.getFunction('mint')(holder, 1n), t)).toBe('ProofGatedToken__NotPosted');
  });

  test('a revocation pushed before the first link: the first link checks the registry and its head word has bit 0', async () => {
    const key = new TestP256Key();
    await registerSignerSet(registry, soloSet(key).set, 0);
    const e0 = await pkg({ signer: key });
    await revoke(e0, asOf + 100);
    expect(await word(e0)).toBe(0n); // no head to flag yet
    await mintOk(e0);
    expect(await word(e0)).toBe(headHash(witnessOf(e0)) | 1n);
    expect(await revertOf(mintWith(await next(e0, key, { asOf: asOf + 100 })))).toBe(
      'ProofGatedToken__UntrustedSignerSet',
    );
    // Revoked at or before the first link's asOf: the registry's answer refuses it.
    const late = new TestP256Key();
    await registerSignerSet(registry, soloSet(late).set, 0);
    const l0 = await pkg({ signer: late });
    await revoke(l0, asOf);
    expect(await revertOf(mintWith(l0))).toBe('ProofGatedToken__UntrustedSignerSet');
    expect(await word(l0)).toBe(0n);
  });

  test('signerSetRevoked from any account but the registry: NotRegistry', async () => {
    const p = await pkg();
    for (const who of [admin, outsider]) {
      const call = (token.connect(who) as Contract).getFunction('signerSetRevoked')(setIdOf(p), 1);
      expect(await revertOf(call)).toBe('ProofGatedToken__NotRegistry');
    }
  });

  test('a token its registry does not list: the first link is NotSubscribed until the owner subscribes it', async () => {
    const notices: string[] = [];
    const t = await deployToken(
      outsider,
      mockAddress,
      await registry.getAddress(),
      USD2,
      (notice) => notices.push(notice),
    );
    const tAddress = await t.getAddress();
    expect(notices).toHaveLength(1);
    expect(await registry.getFunction('isSubscriber')(tAddress)).toBe(false);
    const p = await pkg({}, t);
    expect(await revertOf(post(p, t), t)).toBe('ProofGatedToken__NotSubscribed');
    expect(await word(p, t)).toBe(0n);
    await (await registry.getFunction('addSubscriber')(tAddress)).wait();
    await postOk(p, t);
    expect(await word(p, t)).toBe(headHash(witnessOf(p)));
    expect(await postedShare(t)).toBe(CAPACITY);
  });

  test('a paused token still accepts the push', async () => {
    const t = await newToken();
    const p = await pkg({}, t);
    await postOk(p, t);
    await (await t.getFunction('pause')()).wait();
    const receipt = await revoke(p, asOf);
    expect(eventsOf(receipt, t)).toContainEqual([
      'SignerSetRevocationReceived',
      setIdOf(p),
      BigInt(asOf),
    ]);
    expect(await word(p, t)).toBe(headHash(witnessOf(p)) | 1n);
    expect(await postedShare(t)).toBe(0n);
    expect(await t.getFunction('paused')()).toBe(true);
  });
});

describe('the relayer entry postProof_efficient_2cWrca', () => {
  const relay = async (p: FixturePackage, on: Contract) =>
    outsider.sendTransaction({
      to: await on.getAddress(),
      data: postProofData(p, await headOf(p, on)),
    });
  const stateOf = async (on: Contract, p: FixturePackage) => ({
    posted: ((await on.getFunction('posted')()) as { toArray(): unknown[] }).toArray(),
    head: await word(p, on),
  });

  test('the same share, events and state as postProof(bytes), on two epochs', async () => {
    const [viaAbi, viaRelay] = [await newToken(), await newToken()];
    const key = new TestP256Key();
    await registerSignerSet(registry, soloSet(key).set, 0);
    const commitment = randomField();
    // The same snapshot (message and signatures) proven for each token (the proof's context).
    let a = await pkg({ signer: key, commitment }, viaAbi);
    let r = await pkg({ signer: key, commitment }, viaRelay);
    expect(r.signatures).toEqual(a.signatures);
    for (let epoch = 0; epoch < 2; epoch++) {
      const abiShare = (await (viaAbi.connect(outsider) as Contract)
        .getFunction('postProof')
        .staticCall(...postProofArgs(a, await headOf(a, viaAbi)))) as bigint;
      const raw = await provider.call({
        to: await viaRelay.getAddress(),
        data: postProofData(r, await headOf(r, viaRelay)),
      });
      expect(BigInt(raw)).toBe(abiShare);
      expect(abiShare).toBe(CAPACITY);
      const abiReceipt = await postOk(a, viaAbi);
      const relayReceipt = (await (await relay(r, viaRelay)).wait())!;
      expect(eventsOf(relayReceipt, viaRelay)).toEqual(eventsOf(abiReceipt, viaAbi));
      expect(eventsOf(relayReceipt, viaRelay).map((e) => e[0])).toEqual(['ProofPosted']);
      expect(await stateOf(viaRelay, r)).toEqual(await stateOf(viaAbi, a));
      expect(await headOf(r, viaRelay)).toEqual(witnessOf(r));
      expect(relayReceipt.gasUsed).toBeLessThan(abiReceipt.gasUsed);
      const c = randomField();
      a = await next(a, key, { commitment: c, asOf: asOf + 10 }, viaAbi);
      r = await next(r, key, { commitment: c, asOf: asOf + 10 }, viaRelay);
    }
    // Minting on the posted share works the same way on both.
    await (await viaAbi.getFunction('mint')(holder, 5n)).wait();
    await (await viaRelay.getFunction('mint')(holder, 5n)).wait();
    expect(await viaRelay.getFunction('totalSupply')()).toBe(5n);
  });

  test('on a paused token it reverts EnforcedPause', async () => {
    const t = await newToken();
    const p = await pkg({}, t);
    await (await t.getFunction('pause')()).wait();
    expect(await revertOf(relay(p, t), t)).toBe('EnforcedPause');
    await (await t.getFunction('unpause')()).wait();
    await (await relay(p, t)).wait();
    expect(await postedShare(t)).toBe(CAPACITY);
  });

  test('its selector is 0x000000c9, the smallest of the token’s ABI selectors', () => {
    const abi = token.interface;
    const selector = abi.getFunction('postProof_efficient_2cWrca')!.selector;
    expect(selector).toBe('0x000000c9');
    expect(POST_PROOF_SELECTOR).toBe(selector);
    const others: bigint[] = [];
    abi.forEachFunction((f) => {
      if (f.selector !== selector) others.push(BigInt(f.selector));
    });
    expect(others.length).toBeGreaterThan(20);
    expect(others.every((s) => s > BigInt(selector))).toBe(true);
  });
});

describe('storage layout the token’s assembly relies on', () => {
  test('_paused at offset 0 and the posted fields contiguous from offset 1 in the same slot', () => {
    const layout = buildContracts().artifacts.ProofGatedToken.storageLayout;
    const at = (label: string) => {
      const e = layout.find((x) => x.label === label);
      if (!e) throw new Error(`no ${label} in the storage layout`);
      return { slot: e.slot, offset: e.offset, type: e.type };
    };
    const paused = at('_paused');
    expect(paused.offset).toBe(0);
    expect(paused.type).toBe('t_bool');
    expect([
      at('_postedShare'),
      at('_postedExpiry'),
      at('_postedEpoch'),
      at('_postedSetTag'),
    ]).toEqual([
      { slot: paused.slot, offset: 1, type: 't_uint64' },
      { slot: paused.slot, offset: 9, type: 't_uint40' },
      { slot: paused.slot, offset: 14, type: 't_uint64' },
      { slot: paused.slot, offset: 22, type: 't_uint80' },
    ]);
    // Nothing else shares the slot (22 + 10 bytes fill it).
    expect(layout.filter((e) => e.slot === paused.slot)).toHaveLength(5);
  });
});

/**
 * ProofGatedToken v2 on a real anvil: the unit, k-of-n P-256 snapshot signatures (through the
 * precompile at 0x100), the signer registry's sets, each set's epoch chain, FX sources and
 * every other refusal. The Groth16 verifier is test/contracts/fixtures/MockVerifier (a settable
 * answer), so each check is tested on its own; the signatures are real (@noble/curves) over the
 * V2SPEC messages.
 */
import { p256 } from '@noble/curves/p256';
import { createHash } from 'node:crypto';
import {
  AbiCoder,
  ContractFactory,
  JsonRpcProvider,
  keccak256,
  type Contract,
  type JsonRpcSigner,
} from 'ethers';
import type { AttestationPackage } from '../../src/common/attestation-package';
import { SNARK_SCALAR_FIELD } from '../../src/common/field';
import { anvilRpc, startAnvil, type Anvil } from '../../src/chain/anvil';
import { contractContext } from '../../src/chain/context-binding';
import { compileExtraContract, loadContractArtifacts } from '../../src/chain/contracts-build';
import {
  deployAll,
  deployContract,
  deployToken,
  identityFxTableHash,
  registerFxSource,
  registerSignerSet,
  revokeFxSource,
  revokeSignerSet,
  tokenConstructorConfig,
  type TokenConfig,
} from '../../src/chain/deploy';
import { headHash } from '../../src/chain/head-witness';
import {
  advanceChainArgs,
  chainLinkOf,
  headWitness,
  mintCalldata,
  mintStructs,
  mintWithProofArgs,
  type MintPackage,
  type MintStructs,
} from '../../src/chain/mint-call';
import { commitmentHex, signedSnapshotOf, snapshotDigest } from '../../src/common/signed-snapshot';
import { snapshotMessage } from '../../src/common/snapshot-message';
import {
  highS,
  mintFixture,
  P256_N,
  randomField,
  soloSet,
  testSignerSet,
  TestP256Key,
  USD_HKD_TABLE,
  type FixtureOptions,
  type TestSignerSet,
} from '../support/v2-mint-fixture';
import { fxTableHash } from '../../src/common/fx-table';

const MAX_AGE = 86_400;
const MAX_FX_AGE = 7_200;
const USD2: TokenConfig = {
  currency: 'USD',
  decimals: 2,
  requiredRatioBps: 12_000,
  maxSnapshotAge: MAX_AGE,
  maxFxAge: MAX_FX_AGE,
};
const CAPACITY = 10n ** 15n;

let anvil: Anvil;
let provider: JsonRpcProvider;
let admin: JsonRpcSigner;
let outsider: JsonRpcSigner;
let holder: string;
let mock: Contract;
let registry: Contract;
let token: Contract;
let now: number;
let asOf: number;
let usdIdentity: bigint;
const signer = new TestP256Key();
const revokedSigner = new TestP256Key();
const unregistered = new TestP256Key();
const fxSource = new TestP256Key();

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

/** The set's head witness on `on` now (POSTSPEC §3), read right before each call. */
const headOf = (p: MintPackage, on: Contract = token) => headWitness(on, p.snapshot.setId);
const mint = async (p: MintPackage, amount = 100n, on: Contract = token) =>
  on.getFunction('mintWithProof')(...mintWithProofArgs(p, holder, amount, await headOf(p, on)));
const mintOk = async (p: MintPackage, amount = 100n, on: Contract = token) =>
  (await mint(p, amount, on)).wait();
const refusal = (p: MintPackage, on: Contract = token) => revertOf(mint(p, 100n, on), on);
/** mintWithProof with the structs edited after they were built from a package. */
const refusalOf = async (p: MintPackage, edit: (m: MintStructs) => void) => {
  const m = mintStructs(p);
  edit(m);
  return revertOf(token.getFunction('mintWithProof')(holder, 1n, mintCalldata(m, await headOf(p))));
};

/** A registered set of fresh keys (trusted from time 0 unless told). */
async function newSet(
  threshold: number,
  n: number,
  o: { validFrom?: number; firstEpoch?: number } = {},
): Promise<TestSignerSet> {
  const t = testSignerSet(threshold, n);
  await registerSignerSet(registry, t.set, o.validFrom ?? 0, o.firstEpoch ?? 0);
  return t;
}

/**
 * A package bound to `on`, in USD 2 with the identity table unless told otherwise, signed by a
 * freshly registered 1-of-1 set unless `signer` or `set` is given (each package then starts a
 * chain of its own, so tests do not interfere through the chain rules).
 */
async function pkg(
  o: Partial<FixtureOptions> = {},
  on: Contract = token,
): Promise<AttestationPackage> {
  const chainId = (await provider.getNetwork()).chainId;
  const fresh = o.signer || o.set ? undefined : soloSet(new TestP256Key());
  if (fresh) await registerSignerSet(registry, fresh.set, 0);
  return mintFixture({
    context: contractContext(chainId, await on.getAddress()),
    signer,
    ...(fresh ? { set: fresh } : {}),
    currency: 'USD',
    decimals: 2,
    asOf,
    capacity: CAPACITY,
    fxTable: usdIdentity,
    ...o,
  });
}

const clone = (p: AttestationPackage) => JSON.parse(JSON.stringify(p)) as AttestationPackage;
const digestOf = (p: AttestationPackage) => snapshotDigest(signedSnapshotOf(p).message);
type Log = { topics: string[]; data: string };
const eventsOf = (receipt: { logs: Log[] }, on: Contract = token) =>
  receipt.logs
    .map((l) => on.interface.parseLog(l))
    .filter((e): e is NonNullable<typeof e> => e !== null);

beforeAll(async () => {
  anvil = await startAnvil();
  provider = new JsonRpcProvider(anvil.rpcUrl, undefined, {
    staticNetwork: true,
    cacheTimeout: -1,
  });
  [admin, outsider] = await Promise.all([0, 1].map((i) => provider.getSigner(i)));
  holder = await (await provider.getSigner(2)).getAddress();
  const m = compileExtraContract('test/contracts/fixtures/MockVerifier.sol', 'MockVerifier');
  const deployed = await new ContractFactory(m.abi as never[], m.bytecode, admin).deploy();
  await deployed.waitForDeployment();
  mock = deployed as unknown as Contract;
  const d = await deployAll(admin, USD2, await mock.getAddress());
  token = d.token;
  registry = d.registry;
  usdIdentity = await identityFxTableHash({ currency: 'USD', decimals: 2 });

  now = (await provider.getBlock('latest'))!.timestamp;
  asOf = now - 3600;
  await registerSignerSet(registry, soloSet(signer).set, 0);
  await registerSignerSet(registry, soloSet(revokedSigner).set, 0);
  await revokeSignerSet(registry, soloSet(revokedSigner).set.setId, now - 5000);
  await registerFxSource(registry, fxSource.publicKey, 'fixing agent', 0);
}, 180_000);

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
});

describe('deployment for one unit', () => {
  test('decimals(), currency() and identityFxTable are the deployed unit’s', async () => {
    expect(await token.getFunction('decimals')()).toBe(2n);
    expect(await token.getFunction('currency')()).toBe('0x555344');
    expect(await token.getFunction('identityFxTable')()).toBe(usdIdentity);
    const t18 = await deployToken(admin, await mock.getAddress(), await registry.getAddress(), {
      ...USD2,
      decimals: 18,
    });
    expect(await t18.getFunction('decimals')()).toBe(18n);
    const jpy = await deployToken(admin, await mock.getAddress(), await registry.getAddress(), {
      ...USD2,
      currency: 'JPY',
      decimals: 0,
    });
    expect(await jpy.getFunction('decimals')()).toBe(0n);
    expect(await jpy.getFunction('currency')()).toBe('0x4a5059');
    // The identity table hashes the unit: another decimals or currency is another table.
    const ids = new Set([
      usdIdentity,
      await identityFxTableHash({ currency: 'USD', decimals: 18 }),
      await identityFxTableHash({ currency: 'JPY', decimals: 0 }),
    ]);
    expect(ids.size).toBe(3);
    expect(await t18.getFunction('identityFxTable')()).toBe(
      await identityFxTableHash({ currency: 'USD', decimals: 18 }),
    );
  });

  test('a bad unit or configuration is refused by the contract (and by the TypeScript first)', async () => {
    const base = await tokenConstructorConfig(
      await mock.getAddress(),
      await registry.getAddress(),
      USD2,
      await admin.getAddress(),
    );
    const bad: Partial<typeof base>[] = [
      { decimals: 19 },
      { currency: '0x757364' }, // "usd"
      { currency: '0x000000' },
      { identityFxTable: 0n },
      { identityFxTable: SNARK_SCALAR_FIELD },
      { requiredRatioBps: 9_999 },
      { maxSnapshotAge: 0 },
      { maxFxAge: 0 },
    ];
    for (const change of bad) {
      const deploying = deployContract(admin, 'ProofGatedToken', [{ ...base, ...change }]);
      expect([change, await revertOf(deploying)]).toEqual([
        change,
        'ProofGatedToken__InvalidConfig',
      ]);
    }
    const v = await mock.getAddress();
    const r = await registry.getAddress();
    await expect(deployToken(admin, v, r, { ...USD2, decimals: 19 })).rejects.toMatchObject({
      code: 'DECIMALS_OUT_OF_RANGE',
    });
    await expect(deployToken(admin, v, r, { ...USD2, currency: 'usd' })).rejects.toMatchObject({
      code: 'CURRENCY_UNKNOWN',
    });
  });

  test('the token’s own state is the per-set chain head map (no global lastAsOf)', () => {
    const layout = loadContractArtifacts().ProofGatedToken.storageLayout;
    expect(layout.map((e) => e.label)).toContain('_heads');
    expect(layout.map((e) => e.label)).not.toContain('lastAsOf');
  });

  test('a chain head is one slot: keccak256 of (digest, commitment, epoch, asOf), bit 0 clear', async () => {
    const t = await newSet(1, 1, { firstEpoch: 9 });
    const p = await pkg({ set: t, epoch: 9 });
    await mintOk(p);
    const layout = loadContractArtifacts().ProofGatedToken.storageLayout;
    const mapSlot = BigInt(layout.find((e) => e.label === '_heads')!.slot);
    const slot = BigInt(
      keccak256(
        AbiCoder.defaultAbiCoder().encode(['bytes32', 'uint256'], [`0x${t.set.setId}`, mapSlot]),
      ),
    );
    const word = async (i: bigint) =>
      BigInt(await provider.getStorage(await token.getAddress(), slot + i));
    const w = {
      digest: `0x${digestOf(p)}`,
      commitment: BigInt(p.publicSignals.commitment),
      epoch: 9n,
      asOf,
    };
    expect(await word(0n)).toBe(headHash(w));
    expect((await word(0n)) & 1n).toBe(0n);
    expect(await word(1n)).toBe(0n);
    expect(await headOf(p)).toEqual(w);
  });
});

describe('mintWithProof: snapshot signature and registry', () => {
  test('happy path, identity table, no FX data: mints, records the chain head, events name the set', async () => {
    const p = await pkg();
    const before = (await token.getFunction('balanceOf')(holder)) as bigint;
    const receipt = await mintOk(p, 1_000_00n);
    expect(await token.getFunction('balanceOf')(holder)).toBe(before + 1_000_00n);
    expect(await headOf(p)).toEqual({
      digest: `0x${digestOf(p)}`,
      commitment: BigInt(p.publicSignals.commitment),
      epoch: 0n,
      asOf,
    });
    const events = eventsOf(receipt);
    const ev = events.find((e) => e.name === 'MintedWithProof')!;
    expect(ev.args.commitment).toBe(BigInt(p.publicSignals.commitment));
    expect(ev.args.setId).toBe(`0x${p.snapshot.setId}`);
    expect(ev.args.epoch).toBe(0n);
    expect(ev.args.asOf).toBe(BigInt(asOf));
    expect(ev.args.capacity).toBe(CAPACITY);
    expect(events.find((e) => e.name === 'ChainAdvanced')?.args.digest).toBe(`0x${digestOf(p)}`);
  });

  test('the identity table ignores whatever FX data comes along', async () => {
    const p = await pkg();
    p.fx.source = {
      keyId: unregistered.keyId,
      publicKey: unregistered.publicKey,
      asOf: 1,
      signature: '1'.repeat(128),
    };
    await mintOk(p);
  });

  test('wrong unit: a package in HKD 2 or USD 18 is refused by a USD 2 token, minted by its own', async () => {
    const hkd = await pkg({
      currency: 'HKD',
      fxTable: await identityFxTableHash({ currency: 'HKD', decimals: 2 }),
    });
    // HKD's identity table is not USD's: the token wants an FX source for it; with one, the
    // signature over the USD message still fails. Either way it never mints.
    expect(await refusal(hkd)).toBe('ProofGatedToken__InvalidSignature');
    const usd18Table = await identityFxTableHash({ currency: 'USD', decimals: 18 });
    const usd18 = await pkg({ decimals: 18, fxTable: usd18Table });
    expect(await refusal(usd18)).toBe('ProofGatedToken__InvalidSignature');
    // Signed in USD 18 but claiming USD 2's identity table: still not USD 2's message.
    expect(await refusal(await pkg({ decimals: 18 }))).toBe('ProofGatedToken__InvalidSignature');
    const v = await mock.getAddress();
    const r = await registry.getAddress();
    const t18 = await deployToken(admin, v, r, { ...USD2, decimals: 18 });
    await mintOk(await pkg({ decimals: 18, fxTable: usd18Table }, t18), 100n, t18);
    const tHkd = await deployToken(admin, v, r, { ...USD2, currency: 'HKD' });
    const hkdOwn = await pkg(
      { currency: 'HKD', fxTable: await identityFxTableHash({ currency: 'HKD', decimals: 2 }) },
      tHkd,
    );
    await mintOk(hkdOwn, 100n, tHkd);
    // And the USD 2 package on the HKD token is refused.
    const usdOnHkd = await pkg({}, tHkd);
    expect(await refusal(usdOnHkd, tHkd)).toBe('ProofGatedToken__InvalidSignature');
  });

  test('an unregistered set, a revoked set, an FX source’s 1-of-1 set: UntrustedSignerSet', async () => {
    expect(await refusal(await pkg({ signer: unregistered }))).toBe(
      'ProofGatedToken__UntrustedSignerSet',
    );
    // Revoked at now - 5000, before the snapshot's asOf (now - 3600).
    expect(await refusal(await pkg({ signer: revokedSigner }))).toBe(
      'ProofGatedToken__UntrustedSignerSet',
    );
    expect(await refusal(await pkg({ signer: fxSource }))).toBe(
      'ProofGatedToken__UntrustedSignerSet',
    );
  });

  test('a set trusted only from after the asOf is refused; trusted at asOf it mints', async () => {
    const late = soloSet(new TestP256Key());
    await registerSignerSet(registry, late.set, asOf + 1);
    expect(await refusal(await pkg({ set: late }))).toBe('ProofGatedToken__UntrustedSignerSet');
    const onTime = soloSet(new TestP256Key());
    await registerSignerSet(registry, onTime.set, asOf);
    await mintOk(await pkg({ set: onTime }));
  });

  test('a signature over another commitment, asOf, epoch or fxTable is refused', async () => {
    const good = await pkg();
    const tampered: [string, (p: MintPackage) => void][] = [
      ['commitment', (p) => (p.publicSignals.commitment = randomField().toString())],
      ['asOf', (p) => (p.snapshot.asOf += 1)],
      ['epoch', (p) => (p.snapshot.epoch = 1)],
      ['prevCommitment', (p) => (p.snapshot.prevCommitment = '1'.repeat(64))],
    ];
    for (const [what, f] of tampered) {
      const p = clone(good);
      f(p);
      expect([what, await refusal(p)]).toEqual([what, 'ProofGatedToken__InvalidSignature']);
    }
    // Another signer's valid signature over the same message, under our keyId: refused.
    const p = clone(good);
    p.signatures[0]!.signature = unregistered.sign(
      snapshotMessage({
        ...p.snapshot,
        epoch: 0n,
        commitment: BigInt(p.publicSignals.commitment),
        fxTableHash: usdIdentity,
      }),
    );
    expect(await refusal(p)).toBe('ProofGatedToken__InvalidSignature');
    await mintOk(good);
  });

  test('high-s (s -> n - s of a valid signature) is refused; so are r or s = 0 and >= n', async () => {
    const good = await pkg();
    const sig = good.signatures[0]!.signature;
    const high = highS(sig);
    // The high-s twin is a valid ECDSA signature: the refusal is the low-s rule's.
    const msg = snapshotMessage({
      ...good.snapshot,
      epoch: 0n,
      commitment: BigInt(good.publicSignals.commitment),
      fxTableHash: usdIdentity,
    });
    const digest = createHash('sha256').update(msg).digest();
    const key = good.signatures[0]!.publicKey;
    const pub = `04${key.x}${key.y}`;
    expect(p256.verify(high, digest, pub, { lowS: false })).toBe(true);
    const hex64 = (n: bigint) => n.toString(16).padStart(64, '0');
    const variants = [
      high,
      hex64(0n) + sig.slice(64),
      sig.slice(0, 64) + hex64(0n),
      hex64(P256_N) + sig.slice(64),
      hex64(P256_N + 5n) + sig.slice(64),
      sig.slice(0, 64) + hex64(P256_N),
    ];
    for (const v of variants) {
      const p = clone(good);
      p.signatures[0]!.signature = v;
      expect([v, await refusal(p)]).toEqual([v, 'ProofGatedToken__SignatureMalformed']);
    }
    await mintOk(good);
  });

  test('setId other than the membership’s, an allocated snapshot without its table, and chunked snapshots, are refused', async () => {
    const p = await pkg();
    // The token derives the set id from the keys: a package naming another cannot be encoded.
    const other = clone(p);
    other.snapshot.setId = 'ab'.repeat(32);
    expect(() => mintStructs(other)).toThrow(expect.objectContaining({ code: 'PACKAGE_INVALID' }));
    // The signed `allocations` is never sent (the token hashes the rows): a package naming a
    // table it does not carry cannot even be encoded.
    const alloc = clone(p);
    alloc.snapshot.allocations = '01'.repeat(32);
    expect(() => mintStructs(alloc)).toThrow(expect.objectContaining({ code: 'PACKAGE_INVALID' }));
    const chunked = clone(p);
    chunked.snapshot.chunks = 2;
    expect(await refusal(chunked)).toBe('ProofGatedToken__UnsupportedSnapshot');
    // The key travels in calldata: another (valid, self-signed) point than the member's key
    // derives another keyId, so another set id.
    const own = await pkg({ signer: unregistered });
    expect(
      await refusalOf(p, (m) => {
        m.signers.sigs[0] = { ...mintStructs(own).signers.sigs[0]!, index: 0 };
      }),
    ).toBe('ProofGatedToken__UntrustedSignerSet');
  });
});

describe('mintWithProof: FX rate tables', () => {
  let table: bigint; // a USD-reporting USD/HKD table's hash
  beforeAll(async () => {
    table = await fxTableHash(USD_HKD_TABLE);
  });

  test('a table signed by a trusted FX source mints', async () => {
    await mintOk(
      await pkg({
        fxTable: table,
        table: USD_HKD_TABLE,
        fx: { source: fxSource, asOf: now - 600 },
      }),
    );
  });

  test('FX source unregistered, or a set member posing as one: UntrustedFxSource', async () => {
    for (const source of [unregistered, signer]) {
      const p = await pkg({
        fxTable: table,
        table: USD_HKD_TABLE,
        fx: { source, asOf: now - 600 },
      });
      expect(await refusal(p)).toBe('ProofGatedToken__UntrustedFxSource');
    }
  });

  test('an FX source revoked before the table’s asOf is refused', async () => {
    const fx2 = new TestP256Key();
    await registerFxSource(registry, fx2.publicKey, '', 0);
    await revokeFxSource(registry, fx2.keyId, now - 1000);
    const p = await pkg({
      fxTable: table,
      table: USD_HKD_TABLE,
      fx: { source: fx2, asOf: now - 600 },
    });
    expect(await refusal(p)).toBe('ProofGatedToken__UntrustedFxSource');
  });

  test('stale or future rates: StaleFx (maxFxAge, 300 s skew)', async () => {
    for (const fxAsOf of [now - MAX_FX_AGE - 600, now + 3600]) {
      const p = await pkg({
        fxTable: table,
        table: USD_HKD_TABLE,
        fx: { source: fxSource, asOf: fxAsOf },
      });
      expect(await refusal(p)).toBe('ProofGatedToken__StaleFx');
    }
  });

  test('an FX signature over another table or asOf, or none at all, is refused', async () => {
    const p = await pkg({
      fxTable: table,
      table: USD_HKD_TABLE,
      fx: { source: fxSource, asOf: now - 600 },
    });
    const otherTable = await pkg({
      fxTable: table + 1n,
      table: USD_HKD_TABLE,
      fx: { source: fxSource, asOf: now - 600 },
    });
    const swapped = clone(p);
    swapped.fx.source!.signature = otherTable.fx.source!.signature;
    expect(await refusal(swapped)).toBe('ProofGatedToken__InvalidFxSignature');
    const moved = clone(p);
    moved.fx.source!.asOf -= 1;
    expect(await refusal(moved)).toBe('ProofGatedToken__InvalidFxSignature');
    const high = clone(p);
    high.fx.source!.signature = highS(p.fx.source!.signature);
    expect(await refusal(high)).toBe('ProofGatedToken__SignatureMalformed');
    const none = clone(p);
    delete none.fx.source;
    expect(await refusal(none)).toBe('ProofGatedToken__FxSignatureMissing');
  });
});

describe('mintWithProof: k of n signer sets', () => {
  let trio: TestSignerSet; // 2 of 3
  let all3: TestSignerSet; // 3 of 3
  beforeAll(async () => {
    trio = await newSet(2, 3);
    all3 = await newSet(3, 3);
  });
  const [a, b, c] = [0, 1, 2];

  test('2 of 3 mints with any two members (listed in any order) and with all three; 3 of 3 with three', async () => {
    const p = await pkg({ set: trio, signWith: [trio.keys[c]!, trio.keys[a]!] });
    expect(mintStructs(p).signers.sigs.map((s) => s.index)).toEqual([a, c]);
    await mintOk(p);
    // The same message signed by others of the set is the same link: it mints again.
    const q = clone(p);
    q.signatures = (
      await pkg({ set: trio, signWith: trio.keys, commitment: BigInt(p.publicSignals.commitment) })
    ).signatures;
    await mintOk(q);
    await mintOk(await pkg({ set: all3 }));
  });

  test('k - 1 signatures: ThresholdNotMet (also with the threshold edited to 0)', async () => {
    expect(await refusal(await pkg({ set: trio, signWith: [trio.keys[b]!] }))).toBe(
      'ProofGatedToken__ThresholdNotMet',
    );
    expect(await refusal(await pkg({ set: all3, signWith: all3.keys.slice(1) }))).toBe(
      'ProofGatedToken__ThresholdNotMet',
    );
    expect(await refusalOf(await pkg({ set: trio }), (m) => (m.signers.threshold = 0))).toBe(
      'ProofGatedToken__ThresholdNotMet',
    );
  });

  test('one member counted twice: the same signature twice, indices out of order; s negated is malformed', async () => {
    const p = await pkg({ set: trio, signWith: [trio.keys[a]!] });
    // Its one signature passed twice fills the threshold only by counting a member twice.
    expect(await refusalOf(p, (m) => m.signers.sigs.push({ ...m.signers.sigs[0]! }))).toBe(
      'ProofGatedToken__DuplicateSigner',
    );
    const two = await pkg({ set: trio, signWith: [trio.keys[a]!, trio.keys[c]!] });
    expect(await refusalOf(two, (m) => m.signers.sigs.reverse())).toBe(
      'ProofGatedToken__DuplicateSigner',
    );
    // The twin of a's signature with s -> n - s at a's index again: still a's second vote.
    expect(
      await refusalOf(p, (m) => {
        const s0 = m.signers.sigs[0]!;
        m.signers.sigs.push({ ...s0, s: P256_N - s0.s });
      }),
    ).toBe('ProofGatedToken__DuplicateSigner');
    // And s negated on its own (each member has one encoding): malformed.
    const high = clone(two);
    high.signatures[1]!.signature = highS(high.signatures[1]!.signature);
    expect(await refusal(high)).toBe('ProofGatedToken__SignatureMalformed');
  });

  test('a key not in the set, or a member at another member’s index: UntrustedSignerSet; an index past the set: SignerNotInSet', async () => {
    const p = await pkg({ set: trio });
    const stranger = new TestP256Key();
    const strangerSig = mintStructs(await pkg({ signer: stranger })).signers.sigs[0]!;
    // A signer's keyId is derived from its key (POSTSPEC section 2): another key, or a key at
    // another member's index, makes another set id.
    expect(await refusalOf(p, (m) => (m.signers.sigs[1] = { ...strangerSig, index: 2 }))).toBe(
      'ProofGatedToken__UntrustedSignerSet',
    );
    expect(await refusalOf(p, (m) => (m.signers.sigs[1]!.index = 2))).toBe(
      'ProofGatedToken__UntrustedSignerSet',
    );
    expect(await refusalOf(p, (m) => (m.signers.sigs[1]!.index = 3))).toBe(
      'ProofGatedToken__SignerNotInSet',
    );
    // Off-chain mapping refuses a package signature whose key is no member's.
    const q = clone(p);
    q.signatures[0] = { ...q.signatures[0]!, keyId: stranger.keyId, publicKey: stranger.publicKey };
    expect(() => mintStructs(q)).toThrow(expect.objectContaining({ code: 'PACKAGE_INVALID' }));
  });

  test('a set id with another threshold or membership in calldata: UntrustedSignerSet', async () => {
    const p = await pkg({ set: trio, signWith: trio.keys });
    expect(await refusalOf(p, (m) => (m.signers.threshold = 1))).toBe(
      'ProofGatedToken__UntrustedSignerSet',
    );
    expect(await refusalOf(p, (m) => (m.signers.threshold = 3))).toBe(
      'ProofGatedToken__UntrustedSignerSet',
    );
    expect(
      await refusalOf(p, (m) => {
        m.signers.keyIds = m.signers.keyIds.slice(0, 2);
        m.signers.sigs = m.signers.sigs.slice(0, 2);
      }),
    ).toBe('ProofGatedToken__UntrustedSignerSet');
  });

  test('one bad signature among enough good ones rejects the lot', async () => {
    const p = await pkg({ set: trio, signWith: trio.keys });
    const other = await pkg({ set: trio, signWith: trio.keys });
    const q = clone(p);
    q.signatures[2]!.signature = other.signatures[2]!.signature; // a member's, another message
    expect(await refusal(q)).toBe('ProofGatedToken__InvalidSignature');
  });

  test('a set revoked before the snapshot’s time is refused; revoked after it, it still mints', async () => {
    const before = await newSet(2, 3);
    await revokeSignerSet(registry, before.set.setId, asOf);
    expect(await refusal(await pkg({ set: before }))).toBe('ProofGatedToken__UntrustedSignerSet');
    const after = await newSet(2, 3);
    await revokeSignerSet(registry, after.set.setId, asOf + 1);
    await mintOk(await pkg({ set: after }));
  });
});

describe('mintWithProof and advanceChain: the epoch chain per set', () => {
  /** A link of `t`'s chain at `epoch`, after `prev` (its commitment), dated `at`. */
  const link = (t: TestSignerSet, epoch: number, prev?: AttestationPackage, at = asOf) =>
    pkg({
      set: t,
      epoch,
      asOf: at,
      ...(prev ? { prevCommitment: commitmentHex(prev.publicSignals.commitment) } : {}),
    });
  const head = async (t: TestSignerSet) => {
    const h = await headWitness(token, t.set.setId);
    return h
      ? { epoch: Number(h.epoch), commitment: h.commitment, started: true }
      : { epoch: 0, commitment: 0n, started: false };
  };
  const advance = async (p: AttestationPackage, from: Contract = token) =>
    from.getFunction('advanceChain')(
      ...(await advanceChainArgs(chainLinkOf(p), await headOf(p, from))),
    );

  test('an empty chain takes only the set’s first epoch (any prevCommitment): below is rollback, above a gap', async () => {
    const t = await newSet(2, 3, { firstEpoch: 5 });
    expect(await refusal(await link(t, 4))).toBe('ProofGatedToken__EpochRollback');
    expect(await refusal(await link(t, 6))).toBe('ProofGatedToken__EpochGap');
    const first = await pkg({ set: t, epoch: 5, prevCommitment: 'ab'.repeat(32) });
    await mintOk(first);
    expect(await head(t)).toEqual({
      epoch: 5,
      commitment: BigInt(first.publicSignals.commitment),
      started: true,
    });
  });

  test('the head again mints (no head change); another message for the head epoch is equivocation', async () => {
    const t = await newSet(2, 3);
    const e0 = await link(t, 0);
    await mintOk(e0);
    const again = await mintOk(e0);
    expect(eventsOf(again).map((e) => e.name)).not.toContain('ChainAdvanced');
    expect(await refusal(await link(t, 0))).toBe('ProofGatedToken__Equivocation');
    expect(await refusal(await link(t, 0, undefined, asOf + 1))).toBe(
      'ProofGatedToken__Equivocation',
    );
  });

  test('the next epoch links to the head’s commitment and is not older; earlier epochs are rollback', async () => {
    const t = await newSet(2, 3);
    const e0 = await link(t, 0);
    await mintOk(e0);
    const e1 = await link(t, 1, e0, asOf + 10);
    const receipt = await mintOk(e1);
    const moved = eventsOf(receipt).find((e) => e.name === 'ChainAdvanced')!;
    expect([moved.args.setId, moved.args.epoch]).toEqual([`0x${t.set.setId}`, 1n]);
    expect((await head(t)).epoch).toBe(1);
    // e2 linking to e0 (not the previous snapshot), or to nothing: BrokenLink.
    expect(await refusal(await link(t, 2, e0, asOf + 20))).toBe('ProofGatedToken__BrokenLink');
    expect(await refusal(await link(t, 2, undefined, asOf + 20))).toBe(
      'ProofGatedToken__BrokenLink',
    );
    // e2 dated before e1: rollback in time.
    expect(await refusal(await link(t, 2, e1, asOf + 9))).toBe('ProofGatedToken__EpochRollback');
    // e0 itself (once the head) and a new message for epoch 0: rollback.
    expect(await refusal(e0)).toBe('ProofGatedToken__EpochRollback');
    expect(await refusal(await link(t, 0))).toBe('ProofGatedToken__EpochRollback');
    await mintOk(await link(t, 2, e1, asOf + 10)); // same as-of as the head is fine
  });

  test('epoch or prevCommitment edited after signing: InvalidSignature, not a chain verdict', async () => {
    const t = await newSet(2, 3);
    const e0 = await link(t, 0);
    await mintOk(e0);
    const e1 = await link(t, 1, e0, asOf + 1);
    const epochEdited = clone(e1);
    epochEdited.snapshot.epoch = 2;
    expect(await refusal(epochEdited)).toBe('ProofGatedToken__InvalidSignature');
    const prevEdited = clone(e1);
    prevEdited.snapshot.prevCommitment = 'cd'.repeat(32);
    expect(await refusal(prevEdited)).toBe('ProofGatedToken__InvalidSignature');
    await mintOk(e1);
  });

  test('a gap is refused until advanceChain (anyone) posts the missing link; then the mint passes', async () => {
    const t = await newSet(2, 3);
    const e0 = await link(t, 0);
    await mintOk(e0);
    const e1 = await link(t, 1, e0, asOf + 1);
    const e2 = await link(t, 2, e1, asOf + 2);
    expect(await refusal(e2)).toBe('ProofGatedToken__EpochGap');
    // advanceChain follows the same rules: e2 is a gap for it too.
    expect(await revertOf(advance(e2, token.connect(outsider) as Contract))).toBe(
      'ProofGatedToken__EpochGap',
    );
    const receipt = await (await advance(e1, token.connect(outsider) as Contract)).wait();
    const moved = eventsOf(receipt).find((e) => e.name === 'ChainAdvanced')!;
    expect([moved.args.epoch, moved.args.digest, moved.args.commitment]).toEqual([
      1n,
      `0x${digestOf(e1)}`,
      BigInt(e1.publicSignals.commitment),
    ]);
    expect((await head(t)).epoch).toBe(1);
    // Posting the head again changes nothing and says nothing.
    const again = await (await advance(e1)).wait();
    expect(eventsOf(again)).toEqual([]);
    await mintOk(e2);
    expect((await head(t)).epoch).toBe(2);
  });

  test('advanceChain checks the set’s signatures and trust, and refuses equivocation and rollback', async () => {
    const t = await newSet(2, 3);
    const e0 = await link(t, 0);
    await (await advance(e0)).wait();
    expect((await head(t)).started).toBe(true);
    expect(await revertOf(advance(await link(t, 0)))).toBe('ProofGatedToken__Equivocation');
    const short = await pkg({ set: t, epoch: 1, signWith: [t.keys[0]!] });
    expect(await revertOf(advance(short))).toBe('ProofGatedToken__ThresholdNotMet');
    const forged = clone(await link(t, 1, e0, asOf + 1));
    forged.snapshot.asOf += 1;
    expect(await revertOf(advance(forged))).toBe('ProofGatedToken__InvalidSignature');
    const unknown = testSignerSet(1, 1);
    expect(await revertOf(advance(await pkg({ set: unknown })))).toBe(
      'ProofGatedToken__UntrustedSignerSet',
    );
    // Minted chains and advanced chains are one chain: a mint on e0 is still fine.
    await mintOk(e0);
  });

  test('chains are per set: another set’s epochs do not move this one', async () => {
    const s1 = await newSet(1, 2);
    const s2 = await newSet(1, 2);
    await mintOk(await link(s1, 0));
    await mintOk(await link(s2, 0));
    expect((await head(s1)).epoch).toBe(0);
    expect((await head(s2)).epoch).toBe(0);
  });
});

describe('mintWithProof: statement, freshness, proof, roles', () => {
  test('another context, a ratio under the requirement, signals >= r are refused', async () => {
    const chainId = (await provider.getNetwork()).chainId;
    const wrongCtx = await pkg({
      context: contractContext(chainId + 1n, await token.getAddress()),
    });
    // The token rebuilds the statement with its own context (POSTSPEC section 2): a proof
    // bound to another one does not verify.
    expect(await refusal(wrongCtx)).toBe('ProofGatedToken__InvalidProof');
    expect(await refusal(await pkg({ minCoverageBps: 11_999 }))).toBe(
      'ProofGatedToken__RatioTooLow',
    );
    const big = await pkg();
    big.publicSignals.commitment = (
      BigInt(big.publicSignals.commitment) + SNARK_SCALAR_FIELD
    ).toString();
    expect(await refusal(big)).toBe('ProofGatedToken__SignalOutOfField');
    // Only minCoverageBps and capacity of the statement travel: a statement >= r has bits the
    // format has no room for.
    const wide = await pkg();
    wide.publicSignals.statement = (
      BigInt(wide.publicSignals.statement) + SNARK_SCALAR_FIELD
    ).toString();
    expect(() => mintStructs(wide)).not.toThrow();
    expect(() => mintWithProofArgs(wide, holder, 1n, null)).toThrow(
      expect.objectContaining({ code: 'PACKAGE_INVALID' }),
    );
    // fxTable travels only with an FX part (the identity table is the token's own).
    const p = await pkg();
    const table = BigInt(p.publicSignals.fxTable) + SNARK_SCALAR_FIELD;
    expect(await refusalOf(p, (m) => (m.fx = { table, x: 0n, y: 0n, r: 0n, s: 0n, asOf: 0 }))).toBe(
      'ProofGatedToken__SignalOutOfField',
    );
  });

  test('the supply never exceeds the capacity', async () => {
    const v = await mock.getAddress();
    const t = await deployToken(admin, v, await registry.getAddress(), USD2);
    const p = await pkg({ capacity: 1000n }, t);
    expect(await revertOf(mint(p, 1001n, t), t)).toBe('ProofGatedToken__OverCapacity');
    await mintOk(p, 600n, t);
    expect(await revertOf(mint(p, 401n, t), t)).toBe('ProofGatedToken__OverCapacity');
    await mintOk(p, 400n, t);
    expect(await t.getFunction('totalSupply')()).toBe(1000n);
  });

  test('the verifier’s answer gates the mint, after the signature checks', async () => {
    const p = await pkg();
    await (await mock.getFunction('setAnswer')(false)).wait();
    try {
      expect(await refusal(p)).toBe('ProofGatedToken__InvalidProof');
      const bad = clone(p);
      bad.snapshot.asOf += 1;
      expect(await refusal(bad)).toBe('ProofGatedToken__InvalidSignature');
    } finally {
      await (await mock.getFunction('setAnswer')(true)).wait();
    }
    await mintOk(p);
  });

  test('a caller without MINTER_ROLE, a paused token, zero amount are refused', async () => {
    const p = await pkg();
    const asOutsider = token.connect(outsider) as Contract;
    expect(await revertOf(mint(p, 1n, asOutsider))).toBe('AccessControlUnauthorizedAccount');
    await (await token.getFunction('pause')()).wait();
    expect(await refusal(p)).toBe('EnforcedPause');
    await (await token.getFunction('unpause')()).wait();
    expect(await revertOf(mint(p, 0n))).toBe('ProofGatedToken__ZeroAmount');
  });

  test('future snapshot and a snapshot past maxSnapshotAge are refused', async () => {
    expect(await refusal(await pkg({ asOf: now + 3600 }))).toBe('ProofGatedToken__StaleSnapshot');
    const p = await pkg();
    await token
      .getFunction('mintWithProof')
      .staticCall(...mintWithProofArgs(p, holder, 1n, await headOf(p)));
    await anvilRpc(anvil.rpcUrl, 'evm_increaseTime', [MAX_AGE]);
    await anvilRpc(anvil.rpcUrl, 'evm_mine', []);
    expect(await refusal(p)).toBe('ProofGatedToken__StaleSnapshot');
  });
});

describe('a chain without the P-256 precompile', () => {
  test('fails closed: a valid signature is refused (the call to 0x100 returns nothing)', async () => {
    const old = await startAnvil({ args: ['--hardfork', 'cancun'] });
    const p = new JsonRpcProvider(old.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
    try {
      const deployer = await p.getSigner(0);
      const m = compileExtraContract('test/contracts/fixtures/MockVerifier.sol', 'MockVerifier');
      const v = await new ContractFactory(m.abi as never[], m.bytecode, deployer).deploy();
      await v.waitForDeployment();
      const dd = await deployAll(deployer, USD2, await v.getAddress());
      await registerSignerSet(dd.registry, soloSet(signer).set, 0);
      const t = (await p.getBlock('latest'))!.timestamp;
      const pk = mintFixture({
        context: contractContext(dd.chainId, dd.addresses.token),
        signer,
        currency: 'USD',
        decimals: 2,
        asOf: t - 60,
        capacity: CAPACITY,
        fxTable: usdIdentity,
      });
      const call = dd.token.getFunction('mintWithProof')(
        ...mintWithProofArgs(pk, holder, 1n, await headOf(pk, dd.token)),
      );
      expect(await revertOf(call, dd.token)).toBe('ProofGatedToken__InvalidSignature');
    } finally {
      p.destroy();
      await old.stop();
    }
  });
});

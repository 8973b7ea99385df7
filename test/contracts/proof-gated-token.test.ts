/**
 * ProofGatedToken v2 on a real anvil: the unit, the P-256 snapshot signature (through the
 * precompile at 0x100), the signer registry, FX sources and every other refusal. The Groth16
 * verifier is test/contracts/fixtures/MockVerifier (a settable answer), so each check is tested
 * on its own; the signatures are real (@noble/curves) over the V2SPEC messages.
 */
import { p256 } from '@noble/curves/p256';
import { createHash } from 'node:crypto';
import { ContractFactory, JsonRpcProvider, type Contract, type JsonRpcSigner } from 'ethers';
import { SNARK_SCALAR_FIELD } from '../../src/common/field';
import { anvilRpc, startAnvil, type Anvil } from '../../src/chain/anvil';
import { contractContext } from '../../src/chain/context-binding';
import { compileExtraContract, loadContractArtifacts } from '../../src/chain/contracts-build';
import {
  deployAll,
  deployContract,
  deployToken,
  identityFxTableHash,
  registerKey,
  revokeKey,
  tokenConstructorConfig,
  type TokenConfig,
} from '../../src/chain/deploy';
import { mintWithProofArgs, type MintPackage } from '../../src/chain/mint-call';
import { snapshotMessage } from '../../src/common/snapshot-message';
import {
  highS,
  mintFixture,
  P256_N,
  randomField,
  TestP256Key,
  USD_HKD_TABLE,
  type FixtureOptions,
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

const mint = (p: MintPackage, amount = 100n, on: Contract = token) =>
  on.getFunction('mintWithProof')(...mintWithProofArgs(p, holder, amount));
const mintOk = async (p: MintPackage, amount = 100n, on: Contract = token) =>
  (await mint(p, amount, on)).wait();
const refusal = (p: MintPackage, on: Contract = token) => revertOf(mint(p, 100n, on), on);

/** A package bound to `on`, in USD 2 with the identity table unless told otherwise. */
async function pkg(o: Partial<FixtureOptions> = {}, on: Contract = token): Promise<MintPackage> {
  const chainId = (await provider.getNetwork()).chainId;
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

const clone = (p: MintPackage) => JSON.parse(JSON.stringify(p)) as MintPackage;

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
  await registerKey(registry, 'snapshotSigner', signer.publicKey, 'custodian', 0);
  await registerKey(registry, 'snapshotSigner', revokedSigner.publicKey, 'old HSM', 0);
  await revokeKey(registry, revokedSigner.keyId, now - 5000);
  await registerKey(registry, 'fxSource', fxSource.publicKey, 'fixing agent', 0);
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

  test('lastAsOf shares the storage slot of Pausable._paused', () => {
    const layout = loadContractArtifacts().ProofGatedToken.storageLayout;
    const slot = (label: string) => layout.find((e) => e.label === label)?.slot;
    expect(slot('lastAsOf')).toBeDefined();
    expect(slot('lastAsOf')).toBe(slot('_paused'));
  });
});

describe('mintWithProof: snapshot signature and registry', () => {
  test('happy path, identity table, no FX data: mints, records asOf, event names the signer', async () => {
    const p = await pkg();
    const receipt = await mintOk(p, 1_000_00n);
    expect(await token.getFunction('balanceOf')(holder)).toBe(1_000_00n);
    expect(await token.getFunction('lastAsOf')()).toBe(BigInt(asOf));
    const ev = receipt.logs
      .map((l: { topics: string[]; data: string }) => token.interface.parseLog(l))
      .find((e: { name: string } | null) => e?.name === 'MintedWithProof');
    expect(ev.args.commitment).toBe(BigInt(p.publicSignals.commitment));
    expect(ev.args.signerKeyId).toBe(`0x${signer.keyId}`);
    expect(ev.args.asOf).toBe(BigInt(asOf));
    expect(ev.args.capacity).toBe(CAPACITY);
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

  test('an unregistered key, a revoked key, an FX source as snapshot signer: UntrustedSigner', async () => {
    expect(await refusal(await pkg({ signer: unregistered }))).toBe(
      'ProofGatedToken__UntrustedSigner',
    );
    // Revoked at now - 5000, before the snapshot's asOf (now - 3600).
    expect(await refusal(await pkg({ signer: revokedSigner }))).toBe(
      'ProofGatedToken__UntrustedSigner',
    );
    expect(await refusal(await pkg({ signer: fxSource }))).toBe('ProofGatedToken__UntrustedSigner');
  });

  test('a key trusted only from after the asOf is refused; trusted at asOf it mints', async () => {
    const late = new TestP256Key();
    await registerKey(registry, 'snapshotSigner', late.publicKey, '', asOf + 1);
    expect(await refusal(await pkg({ signer: late }))).toBe('ProofGatedToken__UntrustedSigner');
    const onTime = new TestP256Key();
    await registerKey(registry, 'snapshotSigner', onTime.publicKey, '', asOf);
    await mintOk(await pkg({ signer: onTime }));
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
    const pub = `04${signer.publicKey.x}${signer.publicKey.y}`;
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

  test('setId other than the key’s 1-of-1 set, and allocated or chunked snapshots, are refused', async () => {
    const p = await pkg();
    const other = clone(p);
    other.snapshot.setId = 'ab'.repeat(32);
    expect(await refusal(other)).toBe('ProofGatedToken__WrongSignerSet');
    const alloc = clone(p);
    alloc.snapshot.allocations = '01'.repeat(32);
    expect(await refusal(alloc)).toBe('ProofGatedToken__UnsupportedSnapshot');
    const chunked = clone(p);
    chunked.snapshot.chunks = 2;
    expect(await refusal(chunked)).toBe('ProofGatedToken__UnsupportedSnapshot');
    // The key travels in calldata: another (valid, self-signed) point than the set's key.
    const own = await pkg({ signer: unregistered });
    const forged = clone(p);
    forged.signatures[0] = { ...own.signatures[0]!, keyId: unregistered.keyId };
    expect(await refusal(forged)).toBe('ProofGatedToken__WrongSignerSet');
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

  test('FX source unregistered, or a snapshot signer posing as one: UntrustedFxSource', async () => {
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
    await registerKey(registry, 'fxSource', fx2.publicKey, '', 0);
    await revokeKey(registry, fx2.keyId, now - 1000);
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

describe('mintWithProof: statement, freshness, proof, roles', () => {
  test('another context, a ratio under the requirement, signals >= r are refused', async () => {
    const chainId = (await provider.getNetwork()).chainId;
    const wrongCtx = await pkg({
      context: contractContext(chainId + 1n, await token.getAddress()),
    });
    expect(await refusal(wrongCtx)).toBe('ProofGatedToken__WrongContext');
    expect(await refusal(await pkg({ minCoverageBps: 11_999 }))).toBe(
      'ProofGatedToken__RatioTooLow',
    );
    for (const k of ['commitment', 'statement', 'fxTable'] as const) {
      const p = await pkg();
      p.publicSignals[k] = (BigInt(p.publicSignals[k]) + SNARK_SCALAR_FIELD).toString();
      expect(await refusal(p)).toBe('ProofGatedToken__SignalOutOfField');
    }
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

  test('future snapshot, rollback, and a snapshot past maxSnapshotAge are refused', async () => {
    expect(await refusal(await pkg({ asOf: now + 3600 }))).toBe('ProofGatedToken__StaleSnapshot');
    expect(await refusal(await pkg({ asOf: asOf - 1 }))).toBe('ProofGatedToken__SnapshotRollback');
    const p = await pkg();
    await token.getFunction('mintWithProof').staticCall(...mintWithProofArgs(p, holder, 1n));
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
      await registerKey(dd.registry, 'snapshotSigner', signer.publicKey, '', 0);
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
      const call = dd.token.getFunction('mintWithProof')(...mintWithProofArgs(pk, holder, 1n));
      expect(await revertOf(call, dd.token)).toBe('ProofGatedToken__InvalidSignature');
    } finally {
      p.destroy();
      await old.stop();
    }
  });
});

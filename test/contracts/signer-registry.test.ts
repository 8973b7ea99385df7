/**
 * SignerRegistry on a real anvil: k-of-n signer sets (ids as off-chain signerSetId, members
 * ascending, thresholds, trust windows, first epochs, revocation), FX source keys, and the
 * subscribers revocations are pushed to (POSTSPEC §4).
 */
import { p256 } from '@noble/curves/p256';
import {
  AbiCoder,
  ContractFactory,
  JsonRpcProvider,
  keccak256,
  ZeroAddress,
  type Contract,
  type JsonRpcSigner,
} from 'ethers';
import { compileExtraContract, loadContractArtifacts } from '../../src/chain/contracts-build';
import { startAnvil, type Anvil } from '../../src/chain/anvil';
import {
  deployAll,
  deployContract,
  deployToken,
  readSignerSet,
  registerFxSource,
  registerSignerSet,
  revokeSignerSet,
  signerSetArgs,
  subscribeToken,
} from '../../src/chain/deploy';
import { keyIdOf } from '../../src/common/p256';
import { signerSetId } from '../../src/common/snapshot-message';
import { testSignerSet, TestP256Key } from '../support/v2-mint-fixture';

let anvil: Anvil;
let provider: JsonRpcProvider;
let owner: JsonRpcSigner;
let outsider: JsonRpcSigner;
let registry: Contract;

/** The custom error `action` reverted with, decoded with `by`'s ABI (a bubbled-up revert). */
async function revertOf(action: Promise<unknown>, by: Contract = registry): Promise<string> {
  try {
    await action;
  } catch (e) {
    const err = e as { revert?: { name?: string }; data?: string };
    if (err.revert?.name) return err.revert.name;
    if (err.data) return by.interface.parseError(err.data)?.name ?? `unknown ${err.data}`;
    throw e;
  }
  throw new Error('expected a revert, but it succeeded');
}

const send = async (c: Contract, fn: string, ...args: unknown[]) =>
  (await c.getFunction(fn)(...args)).wait();
const id = (hex64: string) => `0x${hex64}`;
const status = async (setId: string, at: number) => {
  const [trusted, firstEpoch] = (await registry.getFunction('signerSetStatus')(id(setId), at)) as [
    boolean,
    bigint,
  ];
  return { trusted, firstEpoch: Number(firstEpoch) };
};
const fxTrusted = (keyId: string, at: number) =>
  registry.getFunction('isFxSourceTrusted')(id(keyId), at) as Promise<boolean>;
type Member = { x: string; y: string; label: string };
const addRaw = (threshold: number, members: Member[], validFrom = 0, firstEpoch = 0) =>
  send(registry, 'addSignerSet', threshold, members, validFrom, firstEpoch);

beforeAll(async () => {
  anvil = await startAnvil();
  provider = new JsonRpcProvider(anvil.rpcUrl, undefined, {
    staticNetwork: true,
    cacheTimeout: -1,
  });
  [owner, outsider] = await Promise.all([0, 1].map((i) => provider.getSigner(i)));
  registry = await deployContract(owner, 'SignerRegistry', [await owner.getAddress()]);
}, 120_000);

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
});

describe('SignerRegistry: signer sets', () => {
  test('setId equals the TypeScript signerSetId for 1-of-1, 2-of-3 and 8-of-8; event and readers’ view carry labels', async () => {
    for (const [k, n] of [
      [1, 1],
      [2, 3],
      [8, 8],
    ] as const) {
      const { set } = testSignerSet(k, n);
      const receipt = await send(registry, 'addSignerSet', ...signerSetArgs(set, 1000, 7));
      const ev = registry.interface.parseLog(receipt.logs[0])!;
      expect(ev.name).toBe('SignerSetAdded');
      const expected = signerSetId(
        k,
        set.signers.map((s) => s.keyId),
      );
      expect(ev.args.setId).toBe(id(expected));
      expect(set.setId).toBe(expected);
      expect([ev.args.threshold, ev.args.validFrom, ev.args.firstEpoch]).toEqual([
        BigInt(k),
        1000n,
        7n,
      ]);
      expect(ev.args.signers.map((s: { label: string }) => s.label)).toEqual(
        set.signers.map((s) => s.label),
      );
      const read = await readSignerSet(registry, set.setId);
      expect(read).toEqual({
        setId: set.setId,
        threshold: k,
        signers: set.signers,
        validFrom: new Date(1000_000).toISOString(),
        firstEpoch: 7,
      });
    }
    expect(await readSignerSet(registry, 'ab'.repeat(32))).toBeUndefined();
  });

  test('signerSetStatus: trusted from validFrom, with the first epoch; unknown sets untrusted', async () => {
    const { set } = testSignerSet(2, 3);
    await registerSignerSet(registry, set, 5000, 42);
    // What a token reads is one slot: registered | threshold | validFrom | revokedAt | firstEpoch.
    const layout = loadContractArtifacts().SignerRegistry.storageLayout;
    const mapSlot = BigInt(layout.find((e) => e.label === '_sets')!.slot);
    const slot = keccak256(
      AbiCoder.defaultAbiCoder().encode(['bytes32', 'uint256'], [id(set.setId), mapSlot]),
    );
    const word = BigInt(await provider.getStorage(await registry.getAddress(), slot));
    expect(word).toBe(1n | (2n << 8n) | (5000n << 16n) | (42n << 96n));
    expect(await status(set.setId, 4999)).toEqual({ trusted: false, firstEpoch: 42 });
    expect(await status(set.setId, 5000)).toEqual({ trusted: true, firstEpoch: 42 });
    expect(await status('cd'.repeat(32), 5000)).toEqual({ trusted: false, firstEpoch: 0 });
    // The same keys with another threshold are another set, registered on its own.
    const sameKeys = {
      ...set,
      threshold: 3,
      setId: signerSetId(
        3,
        set.signers.map((s) => s.keyId),
      ),
    };
    await registerSignerSet(registry, sameKeys, 0);
    expect(await status(sameKeys.setId, 1)).toEqual({ trusted: true, firstEpoch: 0 });
    expect(await revertOf(registerSignerSet(registry, set, 0))).toBe(
      'SignerRegistry__AlreadyRegistered',
    );
  });

  test('refuses members not ascending or repeated, thresholds 0 and > n, 0 or 9 members, a key off the curve', async () => {
    const { set } = testSignerSet(2, 3);
    const members = signerSetArgs(set, 0, 0)[1];
    expect(await revertOf(addRaw(2, [members[1]!, members[0]!, members[2]!]))).toBe(
      'SignerRegistry__NotAscending',
    );
    expect(await revertOf(addRaw(2, [members[0]!, members[0]!, members[1]!]))).toBe(
      'SignerRegistry__NotAscending',
    );
    expect(await revertOf(addRaw(0, members))).toBe('SignerRegistry__InvalidThreshold');
    expect(await revertOf(addRaw(4, members))).toBe('SignerRegistry__InvalidThreshold');
    expect(await revertOf(addRaw(1, []))).toBe('SignerRegistry__InvalidSize');
    const nine = signerSetArgs(testSignerSet(1, 8).set, 0, 0)[1];
    const ninth = new TestP256Key();
    const all = [...nine, { x: id(ninth.publicKey.x), y: id(ninth.publicKey.y), label: '9' }];
    expect(await revertOf(addRaw(1, all))).toBe('SignerRegistry__InvalidSize');
    const off = { ...members[0]!, y: `0x${(BigInt(members[0]!.y) ^ 1n).toString(16)}` };
    expect(await revertOf(addRaw(1, [off]))).toBe('SignerRegistry__KeyNotOnCurve');
    // Any order is fine off-chain (signerSetArgs sorts): the sorted three register.
    await addRaw(2, members);
  });

  test('revokeSignerSet: backdating allowed, brought forward only, never before validFrom', async () => {
    const { set } = testSignerSet(1, 2);
    await registerSignerSet(registry, set, 1000);
    const revoke = (at: number) => revokeSignerSet(registry, set.setId, at);
    expect(await revertOf(revoke(999))).toBe('SignerRegistry__InvalidTime');
    expect(await revertOf(revoke(0))).toBe('SignerRegistry__InvalidTime');
    const r = await send(registry, 'revokeSignerSet', id(set.setId), 2000);
    const ev = registry.interface.parseLog(r.logs[0])!;
    expect([ev.name, ev.args.setId, ev.args.effectiveAt]).toEqual([
      'SignerSetRevoked',
      id(set.setId),
      2000n,
    ]);
    expect((await status(set.setId, 1999)).trusted).toBe(true);
    expect((await status(set.setId, 2000)).trusted).toBe(false);
    for (const t of [3000, 2000]) {
      expect(await revertOf(revoke(t))).toBe('SignerRegistry__AlreadyRevoked');
    }
    await revoke(1500);
    expect((await status(set.setId, 1499)).trusted).toBe(true);
    expect((await status(set.setId, 1500)).trusted).toBe(false);
    await revoke(1000);
    expect((await status(set.setId, 1000)).trusted).toBe(false);
    expect((await readSignerSet(registry, set.setId))?.revokedAt).toBe(
      new Date(1000_000).toISOString(),
    );
    expect(await revertOf(revokeSignerSet(registry, 'ef'.repeat(32), 10))).toBe(
      'SignerRegistry__Unknown',
    );
  });

  test('only the owner adds and revokes sets', async () => {
    const { set } = testSignerSet(1, 1);
    const asOutsider = registry.connect(outsider) as Contract;
    expect(await revertOf(send(asOutsider, 'addSignerSet', ...signerSetArgs(set, 0, 0)))).toBe(
      'OwnableUnauthorizedAccount',
    );
    await registerSignerSet(registry, set, 0);
    expect(await revertOf(send(asOutsider, 'revokeSignerSet', id(set.setId), 10))).toBe(
      'OwnableUnauthorizedAccount',
    );
  });
});

describe('SignerRegistry: FX sources', () => {
  test('addFxSource: keyId = sha256(x || y), event and record; a set member is no FX source', async () => {
    const k = new TestP256Key();
    const receipt = await send(
      registry,
      'addFxSource',
      id(k.publicKey.x),
      id(k.publicKey.y),
      'FX desk',
      1000,
    );
    const ev = registry.interface.parseLog(receipt.logs[0])!;
    expect([ev.name, ev.args.keyId, ev.args.label, ev.args.validFrom]).toEqual([
      'FxSourceAdded',
      id(k.keyId),
      'FX desk',
      1000n,
    ]);
    const rec = await registry.getFunction('fxSourceOf')(id(k.keyId));
    expect([...rec]).toEqual([
      true,
      BigInt(id(k.publicKey.x)),
      BigInt(id(k.publicKey.y)),
      1000n,
      0n,
      'FX desk',
    ]);
    expect(keyIdOf(k.publicKey)).toBe(k.keyId);
    expect(await fxTrusted(k.keyId, 999)).toBe(false);
    expect(await fxTrusted(k.keyId, 1000)).toBe(true);
    const { set, keys } = testSignerSet(1, 1);
    await registerSignerSet(registry, set, 0);
    expect(await fxTrusted(keys[0]!.keyId, 5000)).toBe(false);
    expect(await revertOf(registerFxSource(registry, k.publicKey, '', 0))).toBe(
      'SignerRegistry__AlreadyRegistered',
    );
  });

  test('revokeFxSource follows the revocation rules', async () => {
    const k = new TestP256Key();
    await registerFxSource(registry, k.publicKey, '', 1000);
    const revoke = (at: number) => send(registry, 'revokeFxSource', id(k.keyId), at);
    expect(await revertOf(revoke(999))).toBe('SignerRegistry__InvalidTime');
    await revoke(2000);
    expect(await fxTrusted(k.keyId, 1999)).toBe(true);
    expect(await fxTrusted(k.keyId, 2000)).toBe(false);
    expect(await revertOf(revoke(2500))).toBe('SignerRegistry__AlreadyRevoked');
    await revoke(1500);
    expect(await fxTrusted(k.keyId, 1500)).toBe(false);
  });

  test('points off the curve, coordinates >= p and the origin are refused', async () => {
    const k = new TestP256Key();
    const x = BigInt(id(k.publicKey.x));
    const y = BigInt(id(k.publicKey.y));
    const { Fp, b } = p256.CURVE;
    const p = Fp.ORDER;
    // A point with a small x, so x + p (the same x mod p) still fits 256 bits.
    let small: [bigint, bigint] | undefined;
    for (let sx = 1n; !small; sx++) {
      try {
        small = [sx, Fp.sqrt(Fp.add(Fp.sub(Fp.pow(sx, 3n), Fp.mul(3n, sx)), b))];
      } catch {
        // no square root: not an x of the curve
      }
    }
    const [sx, sy] = small;
    const add = (px: bigint, py: bigint) => revertOf(send(registry, 'addFxSource', px, py, '', 0));
    for (const [px, py] of [
      [x, y ^ 1n],
      [0n, 0n],
      [sx + p, sy],
      [p, 0n],
    ] as [bigint, bigint][]) {
      expect(await add(px, py)).toBe('SignerRegistry__KeyNotOnCurve');
    }
    await send(registry, 'addFxSource', sx, sy, '', 0);
    await send(registry, 'addFxSource', x, p - y, '', 0);
  });

  test('only the owner adds and revokes FX sources', async () => {
    const k = new TestP256Key();
    const asOutsider = registry.connect(outsider) as Contract;
    expect(
      await revertOf(send(asOutsider, 'addFxSource', id(k.publicKey.x), id(k.publicKey.y), '', 0)),
    ).toBe('OwnableUnauthorizedAccount');
    await registerFxSource(registry, k.publicKey, '', 0);
    expect(await revertOf(send(asOutsider, 'revokeFxSource', id(k.keyId), 10))).toBe(
      'OwnableUnauthorizedAccount',
    );
  });
});

describe('SignerRegistry: subscribers', () => {
  const sinkArtifact = () =>
    compileExtraContract('test/contracts/fixtures/SubscriberSink.sol', 'SubscriberSink');
  /** A SubscriberSink whose registry() answers `boundTo`. */
  const sink = async (boundTo: Contract): Promise<Contract> => {
    const a = sinkArtifact();
    const c = await new ContractFactory(a.abi as never[], a.bytecode, owner).deploy(
      await boundTo.getAddress(),
    );
    await c.waitForDeployment();
    return c as unknown as Contract;
  };
  const freshRegistry = async () =>
    deployContract(owner, 'SignerRegistry', [await owner.getAddress()]);
  const addSubscriber = async (r: Contract, token: Contract | string) =>
    send(r, 'addSubscriber', typeof token === 'string' ? token : await token.getAddress());
  const subscribersOf = async (r: Contract) => [
    ...((await r.getFunction('subscribers')()) as string[]),
  ];
  const pushesOf = async (s: Contract) => {
    const n = Number(await s.getFunction('pushCount')());
    const pushes = [];
    for (let i = 0; i < n; i++) {
      const [from, setId, revokedAt] = (await s.getFunction('pushes')(i)) as [
        string,
        string,
        bigint,
      ];
      pushes.push({ from, setId, revokedAt: Number(revokedAt) });
    }
    return pushes;
  };

  test('addSubscriber refuses an account without code, a contract without registry(), one bound to another registry, a token twice, the 33rd, and anyone but the owner', async () => {
    const r = await freshRegistry();
    expect(await r.getFunction('MAX_SUBSCRIBERS')()).toBe(32n);
    const refusal = (token: Contract | string) => revertOf(addSubscriber(r, token), r);
    expect(await refusal(await outsider.getAddress())).toBe('SignerRegistry__NotBoundToRegistry');
    const m = compileExtraContract('test/contracts/fixtures/MockVerifier.sol', 'MockVerifier');
    const mock = await new ContractFactory(m.abi as never[], m.bytecode, owner).deploy();
    await mock.waitForDeployment();
    expect(await refusal(await mock.getAddress())).toBe('SignerRegistry__NotBoundToRegistry');
    expect(await refusal(await sink(registry))).toBe('SignerRegistry__NotBoundToRegistry');
    const first = await sink(r);
    expect(
      await revertOf(send(r.connect(outsider) as Contract, 'addSubscriber', first.target), r),
    ).toBe('OwnableUnauthorizedAccount');
    expect(await r.getFunction('isSubscriber')(first.target)).toBe(false);

    const receipt = await addSubscriber(r, first);
    const ev = r.interface.parseLog(receipt.logs[0])!;
    expect([ev.name, ev.args.token]).toEqual(['SubscriberAdded', first.target]);
    expect(await r.getFunction('isSubscriber')(first.target)).toBe(true);
    expect(await refusal(first)).toBe('SignerRegistry__AlreadySubscribed');

    const all = [first.target as string];
    for (let i = 1; i < 32; i++) {
      const s = await sink(r);
      await addSubscriber(r, s);
      all.push(s.target as string);
    }
    expect(await subscribersOf(r)).toEqual(all);
    expect(await refusal(await sink(r))).toBe('SignerRegistry__TooManySubscribers');
  }, 60_000);

  test('revokeSignerSet pushes (setId, revokedAt) to every subscriber, again when brought forward; FX revocations are not pushed', async () => {
    const r = await freshRegistry();
    const sinks = [await sink(r), await sink(r), await sink(r)];
    for (const s of sinks) await addSubscriber(r, s);
    const { set } = testSignerSet(2, 3);
    await registerSignerSet(r, set, 1000);
    const fx = new TestP256Key();
    await registerFxSource(r, fx.publicKey, '', 1000);

    const receipt = await send(r, 'revokeSignerSet', id(set.setId), 2000);
    // The registry's own event first, then the subscribers hear of it.
    expect(r.interface.parseLog(receipt.logs[0])?.name).toBe('SignerSetRevoked');
    await revokeSignerSet(r, set.setId, 1500);
    await send(r, 'revokeFxSource', id(fx.keyId), 1200);
    const from = await r.getAddress();
    for (const s of sinks) {
      expect(await pushesOf(s)).toEqual([
        { from, setId: id(set.setId), revokedAt: 2000 },
        { from, setId: id(set.setId), revokedAt: 1500 },
      ]);
    }
  });

  test('a subscriber that reverts makes the revocation revert: record unchanged, no subscriber hears of it', async () => {
    const r = await freshRegistry();
    const [hearing, refusing] = [await sink(r), await sink(r)];
    await addSubscriber(r, hearing);
    await addSubscriber(r, refusing);
    await send(refusing, 'setRefusing', true);
    const { set } = testSignerSet(1, 1);
    await registerSignerSet(r, set, 1000);

    expect(await revertOf(revokeSignerSet(r, set.setId, 2000), refusing)).toBe(
      'SubscriberSink__Refused',
    );
    expect((await readSignerSet(r, set.setId))?.revokedAt).toBeUndefined();
    const [trusted] = (await r.getFunction('signerSetStatus')(id(set.setId), 5000)) as [boolean];
    expect(trusted).toBe(true);
    expect(await pushesOf(hearing)).toEqual([]);

    await send(refusing, 'setRefusing', false);
    await revokeSignerSet(r, set.setId, 2000);
    expect((await readSignerSet(r, set.setId))?.revokedAt).toBe(new Date(2000_000).toISOString());
    for (const s of [hearing, refusing]) expect(await pushesOf(s)).toHaveLength(1);
  });

  test('deployToken subscribes its token when the deployer owns the registry; on another owner’s registry it deploys unsubscribed and says who must subscribe it', async () => {
    const r = await freshRegistry();
    const usd = { currency: 'USD', decimals: 2 };
    const own = await deployToken(owner, ZeroAddress, await r.getAddress(), usd);
    expect(await r.getFunction('isSubscriber')(own.target)).toBe(true);

    const notices: string[] = [];
    const theirs = await deployToken(outsider, ZeroAddress, await r.getAddress(), usd, (n) =>
      notices.push(n),
    );
    expect(await r.getFunction('isSubscriber')(theirs.target)).toBe(false);
    expect(notices).toEqual([
      expect.stringContaining(
        `its owner ${await owner.getAddress()} must subscribe it (addSubscriber, or \`zkattest registry subscribe --deployment <deployment.json> --token ${theirs.target}\`)`,
      ),
    ]);
    await subscribeToken(r, theirs.target as string);
    expect(await subscribersOf(r)).toEqual([own.target, theirs.target]);

    // deployAll with another admin: the admin owns the new registry, so it must subscribe.
    const d = await deployAll(owner, {
      ...usd,
      admin: await outsider.getAddress(),
      minters: [],
      pausers: [],
      allowDevelopmentSetup: true,
    });
    expect(d.subscriptionNotice).toContain(`its owner ${await outsider.getAddress()}`);
    expect(await subscribersOf(d.registry)).toEqual([]);
    const mine = await deployAll(owner, { ...usd, allowDevelopmentSetup: true });
    expect(mine.subscriptionNotice).toBeUndefined();
    expect(await subscribersOf(mine.registry)).toEqual([mine.addresses.token]);
  }, 120_000);
});

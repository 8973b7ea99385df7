/** SignerRegistry on a real anvil: P-256 keys by keyId, two kinds, trust windows, revocation. */
import { p256 } from '@noble/curves/p256';
import { JsonRpcProvider, type Contract, type JsonRpcSigner } from 'ethers';
import { startAnvil, type Anvil } from '../../src/chain/anvil';
import { deployContract, KEY_KIND, registerKey } from '../../src/chain/deploy';
import { keyIdOf } from '../../src/common/p256';
import { TestP256Key } from '../support/v2-mint-fixture';

let anvil: Anvil;
let provider: JsonRpcProvider;
let owner: JsonRpcSigner;
let outsider: JsonRpcSigner;
let registry: Contract;

async function revertOf(action: Promise<unknown>): Promise<string> {
  try {
    await action;
  } catch (e) {
    const err = e as { revert?: { name?: string }; data?: string };
    if (err.revert?.name) return err.revert.name;
    if (err.data) return registry.interface.parseError(err.data)?.name ?? `unknown ${err.data}`;
    throw e;
  }
  throw new Error('expected a revert, but it succeeded');
}

const send = async (c: Contract, fn: string, ...args: unknown[]) =>
  (await c.getFunction(fn)(...args)).wait();
const id = (hex64: string) => `0x${hex64}`;
const trusted = (kind: number, keyId: string, at: number) =>
  registry.getFunction('isTrusted')(kind, id(keyId), at) as Promise<boolean>;

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

describe('SignerRegistry', () => {
  test('add: keyId = sha256(x || y), an event with the point and label, the record', async () => {
    const k = new TestP256Key();
    const receipt = await send(
      registry,
      'add',
      KEY_KIND.snapshotSigner,
      id(k.publicKey.x),
      id(k.publicKey.y),
      'Custodian A, HSM 1',
      1000,
    );
    const ev = registry.interface.parseLog(receipt.logs[0])!;
    expect(ev.name).toBe('KeyAdded');
    expect(ev.args.keyId).toBe(id(k.keyId));
    expect(ev.args.kind).toBe(0n);
    expect(ev.args.x).toBe(BigInt(id(k.publicKey.x)));
    expect(ev.args.label).toBe('Custodian A, HSM 1');
    expect(ev.args.validFrom).toBe(1000n);
    const rec = await registry.getFunction('keyOf')(id(k.keyId));
    expect([...rec]).toEqual([
      true,
      0n,
      BigInt(id(k.publicKey.x)),
      BigInt(id(k.publicKey.y)),
      1000n,
      0n,
      'Custodian A, HSM 1',
    ]);
    expect(keyIdOf(k.publicKey)).toBe(k.keyId);
  });

  test('trust window and kinds: a signer is not an FX source, nor the reverse', async () => {
    const signer = new TestP256Key();
    const fx = new TestP256Key();
    await registerKey(registry, 'snapshotSigner', signer.publicKey, 'signer', 1000);
    await registerKey(registry, 'fxSource', fx.publicKey, 'fx', 1000);
    expect(await trusted(KEY_KIND.snapshotSigner, signer.keyId, 999)).toBe(false);
    expect(await trusted(KEY_KIND.snapshotSigner, signer.keyId, 1000)).toBe(true);
    expect(await trusted(KEY_KIND.fxSource, signer.keyId, 1000)).toBe(false);
    expect(await trusted(KEY_KIND.fxSource, fx.keyId, 5000)).toBe(true);
    expect(await trusted(KEY_KIND.snapshotSigner, fx.keyId, 5000)).toBe(false);
    // The same point cannot be registered twice, not even as the other kind.
    expect(await revertOf(registerKey(registry, 'fxSource', signer.publicKey, '', 0))).toBe(
      'SignerRegistry__AlreadyRegistered',
    );
  });

  test('revocation: effective time, brought forward only, never before validFrom', async () => {
    const k = new TestP256Key();
    await registerKey(registry, 'snapshotSigner', k.publicKey, '', 1000);
    expect(await revertOf(send(registry, 'revoke', id(k.keyId), 999))).toBe(
      'SignerRegistry__InvalidTime',
    );
    expect(await revertOf(send(registry, 'revoke', id(k.keyId), 0))).toBe(
      'SignerRegistry__InvalidTime',
    );
    const r = await send(registry, 'revoke', id(k.keyId), 2000);
    const ev = registry.interface.parseLog(r.logs[0])!;
    expect([ev.name, ev.args.keyId, ev.args.effectiveAt]).toEqual([
      'KeyRevoked',
      id(k.keyId),
      2000n,
    ]);
    expect(await trusted(0, k.keyId, 1999)).toBe(true);
    expect(await trusted(0, k.keyId, 2000)).toBe(false);
    // Pushing it later would re-trust [2000, 3000): refused; so is the same time again.
    for (const t of [3000, 2000]) {
      expect(await revertOf(send(registry, 'revoke', id(k.keyId), t))).toBe(
        'SignerRegistry__AlreadyRevoked',
      );
    }
    await send(registry, 'revoke', id(k.keyId), 1500);
    expect(await trusted(0, k.keyId, 1500)).toBe(false);
    expect(await trusted(0, k.keyId, 1499)).toBe(true);
    // Revoked at validFrom: never trusted.
    await send(registry, 'revoke', id(k.keyId), 1000);
    expect(await trusted(0, k.keyId, 1000)).toBe(false);
    expect(await revertOf(send(registry, 'revoke', id(new TestP256Key().keyId), 10))).toBe(
      'SignerRegistry__Unknown',
    );
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
    expect(Fp.eql(Fp.sqr(sy), Fp.add(Fp.sub(Fp.pow(sx, 3n), Fp.mul(3n, sx)), b))).toBe(true);
    const add = (px: bigint, py: bigint) => revertOf(send(registry, 'add', 0, px, py, '', 0));
    for (const [px, py] of [
      [x, y ^ 1n],
      [0n, 0n],
      [sx + p, sy],
      [p, 0n],
    ] as [bigint, bigint][]) {
      expect(await add(px, py)).toBe('SignerRegistry__KeyNotOnCurve');
    }
    // The small point itself and (x, p - y), the negated key, are on the curve: accepted.
    await send(registry, 'add', 0, sx, sy, '', 0);
    await send(registry, 'add', 0, x, p - y, '', 0);
  });

  test('only the owner adds and revokes', async () => {
    const k = new TestP256Key();
    const asOutsider = registry.connect(outsider) as Contract;
    expect(
      await revertOf(send(asOutsider, 'add', 0, id(k.publicKey.x), id(k.publicKey.y), '', 0)),
    ).toBe('OwnableUnauthorizedAccount');
    await registerKey(registry, 'fxSource', k.publicKey, '', 0);
    expect(await revertOf(send(asOutsider, 'revoke', id(k.keyId), 10))).toBe(
      'OwnableUnauthorizedAccount',
    );
  });
});

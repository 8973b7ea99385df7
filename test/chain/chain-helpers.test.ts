import { existsSync } from 'node:fs';
import { JsonRpcProvider } from 'ethers';
import { anvilBinary, startAnvil } from '../../src/chain/anvil';
import { contractContext, MINT_CONTEXT_DOMAIN } from '../../src/chain/context-binding';
import { createHash } from 'node:crypto';
import { SNARK_SCALAR_FIELD } from '../../src/common/field';
import { identityFxTableHash } from '../../src/chain/deploy';
import {
  assertPackageUnit,
  mintStructs,
  parseChainLink,
  mintWithProofArgs,
  parseMintPackage,
  solidityProof,
} from '../../src/chain/mint-call';
import { keyIdOf } from '../../src/common/p256';
import { singleKeySetId } from '../../src/common/snapshot-message';
import { signedSnapshotOf, snapshotDigest } from '../../src/common/signed-snapshot';
import { mintFixture, TestP256Key, testSignerSet, USD_HKD_TABLE } from '../support/v2-mint-fixture';

describe('anvil', () => {
  test('the binary ships in the npm package and a node starts, answers and stops', async () => {
    expect(existsSync(anvilBinary())).toBe(true);
    const [a, b] = await Promise.all([startAnvil(), startAnvil({ chainId: 4242 })]);
    try {
      expect(a.port).not.toBe(b.port);
      expect(a.chainId).toBe(31337n);
      expect(b.chainId).toBe(4242n);
      const provider = new JsonRpcProvider(b.rpcUrl, undefined, { staticNetwork: true });
      expect((await provider.getNetwork()).chainId).toBe(4242n);
      provider.destroy();
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(() => process.kill(a.pid, 0)).toThrow();
    await expect(fetch(a.rpcUrl, { method: 'POST' })).rejects.toThrow();
  });
});

describe('contractContext', () => {
  test('is 128 bits, checksum-insensitive, and differs per chain and address', () => {
    expect(MINT_CONTEXT_DOMAIN).toMatch(/^0x[0-9a-f]{64}$/);
    const addr = '0x5fbdb2315678afecb367f032d93f642f64180aa3';
    const c = contractContext(31337n, addr);
    expect(c >> 128n).toBe(0n);
    expect(contractContext(31337n, addr.toUpperCase().replace('0X', '0x'))).toBe(c);
    expect(contractContext(1n, addr)).not.toBe(c);
    expect(contractContext(31337n, '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512')).not.toBe(c);
  });
});

describe('mint call (v2 package -> mintWithProof structs)', () => {
  const signer = new TestP256Key();
  const base = {
    context: 5n,
    signer,
    currency: 'USD',
    decimals: 2,
    asOf: 1_700_000_000,
    capacity: 1000n,
    fxTable: 77n,
    commitment: 11n,
  };

  test('swaps each G2 coordinate pair like exportSolidityCallData; signals are [commitment, statement, fxTable]', () => {
    const pkg = parseMintPackage(mintFixture(base));
    expect(solidityProof(pkg)).toEqual({
      pA: [1n, 2n],
      pB: [
        [4n, 3n],
        [6n, 5n],
      ],
      // The fixture's placeholder C.x is the statement it is bound to (MockVerifier).
      pC: [5n | (12_000n << 128n) | (1000n << 144n), 8n],
      pubSignals: [11n, 5n | (12_000n << 128n) | (1000n << 144n), 77n],
    });
  });

  test('the signature hex128 splits into (r, s); snapshot fields as bytes32/uints; identity table -> no FX part', () => {
    const pkg = mintFixture(base);
    const sig = pkg.signatures[0]!.signature;
    const { snapshot, signers, fx, digest } = mintStructs(pkg);
    expect(signers).toEqual({
      threshold: 1,
      keyIds: [`0x${signer.keyId}`],
      sigs: [
        {
          index: 0,
          x: BigInt(`0x${signer.publicKey.x}`),
          y: BigInt(`0x${signer.publicKey.y}`),
          r: BigInt(`0x${sig.slice(0, 64)}`),
          s: BigInt(`0x${sig.slice(64)}`),
        },
      ],
    });
    expect(snapshot).toEqual({
      setId: `0x${singleKeySetId(signer.keyId)}`,
      epoch: 0n,
      prevCommitment: `0x${'0'.repeat(64)}`,
      asOf: 1_700_000_000,
      chunks: 0,
    });
    expect(digest).toBe(`0x${snapshotDigest(signedSnapshotOf(pkg).message)}`);
    expect(fx).toBeNull();
    const [to, amount, p] = mintWithProofArgs(
      pkg,
      '0x0000000000000000000000000000000000000001',
      5n,
      null,
    );
    expect([to, amount]).toEqual(['0x0000000000000000000000000000000000000001', 5n]);
    expect(p).toMatch(/^0x[0-9a-f]+$/);
    const withFx = mintFixture({ ...base, table: USD_HKD_TABLE, fx: { source: signer, asOf: 9 } });
    const fxArgs = mintStructs(withFx).fx!;
    expect([fxArgs.table, fxArgs.x, fxArgs.y]).toEqual([
      77n,
      BigInt(`0x${signer.publicKey.x}`),
      BigInt(`0x${signer.publicKey.y}`),
    ]);
    expect(fxArgs.asOf).toBe(9);
    expect(fxArgs.r).toBe(BigInt(`0x${withFx.fx.source!.signature.slice(0, 64)}`));
  });

  test('a v1 package or a malformed signature is PACKAGE_INVALID naming the field', () => {
    expect(() => parseMintPackage({ type: 'zkattest.attestation/v1' })).toThrow(
      expect.objectContaining({ code: 'PACKAGE_INVALID' }),
    );
    const bad = JSON.parse(JSON.stringify(mintFixture(base)));
    bad.signatures[0].signature = 'zz';
    expect(() => parseMintPackage(bad)).toThrow(/signatures\.0\.signature/);
  });

  test('k-of-n: each signature goes with its member’s index in keyIds, sorted by index', () => {
    const t = testSignerSet(2, 3);
    const [k0, k1, k2] = t.keys as [TestP256Key, TestP256Key, TestP256Key];
    const pkg = mintFixture({ ...base, set: t, signWith: [k2, k0, k1] });
    const { signers } = mintStructs(pkg);
    expect(signers.threshold).toBe(2);
    expect(signers.keyIds).toEqual(t.set.signers.map((m) => `0x${m.keyId}`));
    expect(signers.sigs.map((g) => [g.index, g.x])).toEqual(
      [k0, k1, k2].map((k, i) => [i, BigInt(`0x${k.publicKey.x}`)]),
    );
    expect(pkg.snapshot.setId).toBe(t.set.setId);
    // A member's signature twice is passed twice, for the token to refuse.
    const twice = { ...pkg, signatures: [pkg.signatures[0]!, pkg.signatures[0]!] };
    expect(mintStructs(twice).signers.sigs.map((g) => g.index)).toEqual([2, 2]);
    // A signature by a key outside the set has no index: PACKAGE_INVALID.
    const outsider = mintFixture({ ...base, signer: new TestP256Key() }).signatures[0]!;
    expect(() => mintStructs({ ...pkg, signatures: [outsider] })).toThrow(
      expect.objectContaining({ code: 'PACKAGE_INVALID' }),
    );
  });

  test('parseChainLink: a package’s signed snapshot with its FX part, or a signed snapshot', () => {
    const t = testSignerSet(2, 3);
    const pkg = mintFixture({ ...base, set: t, epoch: 4, prevCommitment: 'ab'.repeat(32) });
    const link = signedSnapshotOf(pkg);
    expect(parseChainLink(JSON.parse(JSON.stringify(pkg)))).toEqual({ ...link, fx: pkg.fx });
    expect(parseChainLink(JSON.parse(JSON.stringify(link)))).toEqual(link);
    expect(() => parseChainLink({ message: {} })).toThrow(
      expect.objectContaining({ code: 'SIGNED_SNAPSHOT_INVALID' }),
    );
  });

  test('a keyId that is not sha256 of the package’s public key is PACKAGE_INVALID', () => {
    const t = testSignerSet(1, 2);
    const pkg = mintFixture({ ...base, set: t });
    // A member's keyId with the other member's point: the token would check another key.
    pkg.signatures[0]!.publicKey = t.keys.find(
      (k) => k.keyId !== pkg.signatures[0]!.keyId,
    )!.publicKey;
    expect(() => mintStructs(pkg)).toThrow(/not sha256\(x \|\| y\) of its publicKey/);
  });

  test('a package in another unit than the token is MINT_REFUSED before any transaction', () => {
    const pkg = mintFixture(base);
    expect(() => assertPackageUnit(pkg, { currency: 'USD', decimals: 2 })).not.toThrow();
    for (const unit of [
      { currency: 'HKD', decimals: 2 },
      { currency: 'USD', decimals: 18 },
    ]) {
      expect(() => assertPackageUnit(pkg, unit)).toThrow(
        expect.objectContaining({ code: 'MINT_REFUSED' }),
      );
    }
  });
});

describe('keys and units as the registry and token hold them', () => {
  test('keyIdOf is sha256(x || y) of the 32-byte coordinates', () => {
    const k = new TestP256Key();
    const raw = Buffer.from(k.publicKey.x + k.publicKey.y, 'hex');
    expect(raw.length).toBe(64);
    expect(keyIdOf(k.publicKey)).toBe(createHash('sha256').update(raw).digest('hex'));
  });

  test('identity FX table hashes differ per unit and are field elements', async () => {
    const a = await identityFxTableHash({ currency: 'USD', decimals: 2 });
    const b = await identityFxTableHash({ currency: 'USD', decimals: 18 });
    const c = await identityFxTableHash({ currency: 'HKD', decimals: 2 });
    expect(new Set([a, b, c]).size).toBe(3);
    for (const h of [a, b, c]) expect(h > 0n && h < SNARK_SCALAR_FIELD).toBe(true);
  });
});

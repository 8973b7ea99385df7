import { existsSync } from 'node:fs';
import { JsonRpcProvider } from 'ethers';
import { anvilBinary, startAnvil } from '../../src/chain/anvil';
import { contractContext, MINT_CONTEXT_DOMAIN } from '../../src/chain/context-binding';
import { createHash } from 'node:crypto';
import { SNARK_SCALAR_FIELD } from '../../src/common/field';
import { identityFxTableHash, unitCode } from '../../src/chain/fx-identity';
import {
  assertPackageUnit,
  mintStructs,
  mintWithProofArgs,
  parseMintPackage,
  solidityProof,
} from '../../src/chain/mint-call';
import { keyIdOf, singleSignerSetId, snapshotMessage } from '../../src/chain/signed-messages';
import { mintFixture, TestP256Key } from '../support/v2-mint-fixture';

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
      pC: [7n, 8n],
      pubSignals: [11n, 5n | (12_000n << 128n) | (1000n << 144n), 77n],
    });
  });

  test('the signature hex128 splits into (r, s); snapshot fields as bytes32/uints; no FX source -> zeros', () => {
    const pkg = mintFixture(base);
    const sig = pkg.signatures[0]!.signature;
    const [to, amount, , , snapshot, signature, fx] = mintWithProofArgs(
      pkg,
      '0x0000000000000000000000000000000000000001',
      5n,
    );
    expect([to, amount]).toEqual(['0x0000000000000000000000000000000000000001', 5n]);
    expect(signature).toEqual({
      keyId: `0x${signer.keyId}`,
      r: BigInt(`0x${sig.slice(0, 64)}`),
      s: BigInt(`0x${sig.slice(64)}`),
    });
    expect(snapshot).toEqual({
      setId: `0x${singleSignerSetId(signer.keyId)}`,
      epoch: 0n,
      prevCommitment: `0x${'0'.repeat(64)}`,
      asOf: 1_700_000_000,
      allocations: `0x${'0'.repeat(64)}`,
      chunks: 0,
    });
    expect(fx).toEqual({ sourceKeyId: `0x${'0'.repeat(64)}`, asOf: 0, r: 0n, s: 0n });
    const withFx = mintFixture({ ...base, fx: { source: signer, asOf: 9 } });
    const fxArgs = mintStructs(withFx).fx;
    expect(fxArgs.sourceKeyId).toBe(`0x${signer.keyId}`);
    expect(fxArgs.asOf).toBe(9);
    expect(fxArgs.r).toBe(BigInt(`0x${withFx.fx.source!.signature.slice(0, 64)}`));
  });

  test('a v1 package or a malformed signature is PACKAGE_INVALID naming the field', () => {
    expect(() => parseMintPackage({ type: 'zkattest.attestation/v1' })).toThrow(
      expect.objectContaining({ code: 'PACKAGE_INVALID' }),
    );
    const bad = mintFixture(base);
    bad.signatures[0]!.signature = 'zz';
    expect(() => parseMintPackage(bad)).toThrow(/signatures\.0\.signature/);
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

describe('signed messages and units (the encodings the token rebuilds)', () => {
  test('unitCode, keyId and the 11-word snapshot message layout', () => {
    expect(unitCode('USD', 2)).toBe(0x555344n + 2n * (1n << 24n));
    expect(() => unitCode('usd', 2)).toThrow(expect.objectContaining({ code: 'CURRENCY_UNKNOWN' }));
    expect(() => unitCode('USD', 19)).toThrow(
      expect.objectContaining({ code: 'DECIMALS_OUT_OF_RANGE' }),
    );
    const k = new TestP256Key();
    const raw = Buffer.from(k.publicKey.x + k.publicKey.y, 'hex');
    expect(keyIdOf(k.publicKey)).toBe(createHash('sha256').update(raw).digest('hex'));
    const msg = Buffer.from(
      snapshotMessage({
        setId: 'aa'.repeat(32),
        epoch: 3n,
        prevCommitment: 'bb'.repeat(32),
        commitment: 4n,
        asOf: 5,
        currency: 'HKD',
        decimals: 2,
        fxTable: 6n,
        allocations: '00'.repeat(32),
        chunks: 0,
      }),
    );
    expect(msg.length).toBe(11 * 32);
    const word = (i: number) => msg.subarray(i * 32, i * 32 + 32).toString('hex');
    expect(word(0)).toBe(Buffer.from('zkattest.snapshot.v2').toString('hex').padEnd(64, '0'));
    expect(word(2)).toBe('3'.padStart(64, '0'));
    expect(word(6)).toBe('484b44'.padEnd(64, '0')); // bytes3 left-aligned
    expect(word(7)).toBe('2'.padStart(64, '0'));
    expect(word(8)).toBe('6'.padStart(64, '0'));
  });

  test('identity FX table hashes differ per unit and are field elements', async () => {
    const a = await identityFxTableHash('USD', 2);
    const b = await identityFxTableHash('USD', 18);
    const c = await identityFxTableHash('HKD', 2);
    expect(new Set([a, b, c]).size).toBe(3);
    for (const h of [a, b, c]) expect(h > 0n && h < SNARK_SCALAR_FIELD).toBe(true);
    expect(await identityFxTableHash('USD', 2)).toBe(a);
  });
});

import { join } from 'node:path';
import * as snarkjs from 'snarkjs';
import { PUBLIC_SIGNAL_ORDER, type AttestationPackage } from '../../src/common/attestation-package';
import { fxMessage, fxTableHashWith } from '../../src/common/fx-table';
import { P256_ORDER } from '../../src/common/p256';
import { snapshotMessage } from '../../src/common/snapshot-message';
import { SNARK_SCALAR_FIELD } from '../../src/common/field';
import {
  ClaimProver,
  loadPrimitives,
  loadSnapshotFile,
  randomSalt,
  type Snapshot,
} from '../../src/prover';
import { VerificationKeyRegistry, verifyPackage } from '../../src/verifier';
import { CNY_HKD_USD, testSigner } from '../fixtures';

/** The snapshot message a package's signers sign, rebuilt from the package. */
function snapshotMessageOf(pkg: AttestationPackage): Uint8Array {
  return snapshotMessage({
    ...pkg.snapshot,
    epoch: BigInt(pkg.snapshot.epoch),
    commitment: BigInt(pkg.publicSignals.commitment),
    fxTableHash: BigInt(pkg.publicSignals.fxTable),
  });
}

let pkg: AttestationPackage;
let fxPkg: AttestationPackage;
let registry: VerificationKeyRegistry;
const clone = (of = pkg) => JSON.parse(JSON.stringify(of)) as AttestationPackage;
const NOW = Math.floor(Date.now() / 1000);

/** The sample book with two positions moved into HKD and USD (reporting stays CNY). */
function threeCurrencyBook(snapshot: Snapshot): Snapshot {
  const positions = snapshot.positions.map((pos, i) =>
    i === 0 ? { ...pos, currency: 'HKD' } : i === 1 ? { ...pos, currency: 'USD' } : pos,
  );
  return { ...snapshot, positions };
}

beforeAll(async () => {
  const p = await loadPrimitives();
  const snapshot = loadSnapshotFile(join(__dirname, '..', '..', 'examples', 'snapshot.json'));
  const prover = new ClaimProver(p);
  const signer = await testSigner();
  const salt = randomSalt();
  const params = { claim: 'coverage' as const, minCoverageBps: 11000 };
  pkg = (await prover.prove({ snapshot, salt, signer, params, context: 42n })).package;

  const fxSource = await testSigner(7);
  const table = CNY_HKD_USD;
  const tableHash = fxTableHashWith(p.poseidon, table);
  const signature = await fxSource.sign(fxMessage(tableHash, table.reporting, NOW - 600));
  const fx = {
    table,
    source: { keyId: fxSource.keyId, publicKey: fxSource.publicKey, asOf: NOW - 600, signature },
  };
  const book = threeCurrencyBook(snapshot);
  fxPkg = (await prover.prove({ snapshot: book, salt, signer, fx, params, context: 43n })).package;
  registry = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true });
});

describe('verifyPackage', () => {
  it('accepts the honest package and says what it means, in its currency', async () => {
    const verdict = await verifyPackage(pkg, registry);
    expect(verdict.reasons).toEqual([]);
    expect(verdict.valid).toBe(true);
    expect(verdict.meaning).toMatch(/at least 110\.00% of liabilities of CNY 81,180,000\.00\./);
    expect(verdict.publicValues).toMatchObject({
      claim: 'coverage',
      minCoverageBps: 11000,
      currency: 'CNY',
      decimals: 2,
      signers: [pkg.signatures[0]!.keyId],
    });
    expect(verdict.publicValues?.fx).toBeUndefined();
  });

  it('accepts a three-currency book converted at a signed rate table, and names the FX source', async () => {
    const verdict = await verifyPackage(fxPkg, registry);
    expect(verdict.reasons).toEqual([]);
    expect(verdict.publicValues?.fx).toEqual({
      sourceKeyId: fxPkg.fx.source!.keyId,
      asOf: NOW - 600,
      currencies: ['HKD', 'USD'],
    });
  });

  it.each([
    ['commitment', (s: bigint) => s + 1n],
    ['fxTable', (s: bigint) => s + 1n],
    ['statement (context + 1)', (s: bigint) => s + 1n],
    ['statement (ratio lowered)', (s: bigint) => s - (1n << 128n)],
  ])('answers invalid when the %s signal is altered', async (name, edit) => {
    const signal = name.split(' ')[0] as 'commitment' | 'fxTable' | 'statement';
    const tampered = clone();
    tampered.publicSignals[signal] = edit(BigInt(tampered.publicSignals[signal])).toString();
    const verdict = await verifyPackage(tampered, registry);
    expect(verdict.valid).toBe(false);
    expect(verdict.reasons).toContain('PROOF_INVALID');
  });

  describe('the snapshot signature, checked beside the proof', () => {
    it('refuses a signature over another commitment (taken from another package)', async () => {
      const tampered = clone();
      tampered.signatures = clone(fxPkg).signatures;
      expect((await verifyPackage(tampered, registry)).reasons).toContain('SIGNATURE_INVALID');
    });

    it.each([
      ['as-of time', (t: AttestationPackage) => void (t.snapshot.asOf += 1)],
      [
        'currency (the unit edited after signing)',
        (t: AttestationPackage) => void (t.snapshot.currency = 'USD'),
      ],
      ['decimals', (t: AttestationPackage) => void (t.snapshot.decimals = 18)],
      ['epoch', (t: AttestationPackage) => void (t.snapshot.epoch = 1)],
      [
        'previous commitment',
        (t: AttestationPackage) => void (t.snapshot.prevCommitment = '1'.repeat(64)),
      ],
      ['allocations', (t: AttestationPackage) => void (t.snapshot.allocations = 'a'.repeat(64))],
      ['chunks', (t: AttestationPackage) => void (t.snapshot.chunks = 2)],
    ])('refuses a package whose %s was edited after signing', async (_name, edit) => {
      const tampered = clone();
      edit(tampered);
      expect((await verifyPackage(tampered, registry)).reasons).toContain('SIGNATURE_INVALID');
    });

    it('refuses a unit that differs from the FX table the proof used', async () => {
      const tampered = clone();
      tampered.snapshot.currency = 'USD';
      expect((await verifyPackage(tampered, registry)).reasons).toEqual(
        expect.arrayContaining(['UNIT_MISMATCH', 'SIGNATURE_INVALID']),
      );
    });

    it('refuses a signature by another key than the one named (keyId of another key)', async () => {
      const other = await testSigner(2);
      const tampered = clone();
      tampered.signatures[0]!.publicKey = other.publicKey;
      expect((await verifyPackage(tampered, registry)).reasons).toContain('SIGNATURE_INVALID');
    });

    it('refuses a valid signature by a key outside the set, under its own id', async () => {
      const other = await testSigner(2);
      const tampered = clone();
      const message = snapshotMessageOf(tampered);
      tampered.signatures = [
        { keyId: other.keyId, publicKey: other.publicKey, signature: await other.sign(message) },
      ];
      expect((await verifyPackage(tampered, registry)).reasons).toEqual([
        'SIGNER_NOT_IN_SET',
        'THRESHOLD_NOT_MET',
      ]);
    });

    it('refuses the high-s twin of a valid signature as malformed (one encoding per signature)', async () => {
      const tampered = clone();
      const sig = tampered.signatures[0]!.signature;
      const s = BigInt(`0x${sig.slice(64)}`);
      tampered.signatures[0]!.signature =
        sig.slice(0, 64) + (P256_ORDER - s).toString(16).padStart(64, '0');
      await expect(verifyPackage(tampered, registry)).rejects.toMatchObject({
        code: 'SIGNATURE_MALFORMED',
      });
    });

    it.each([
      ['r = 0', (sig: string) => '0'.repeat(64) + sig.slice(64)],
      ['s = 0', (sig: string) => sig.slice(0, 64) + '0'.repeat(64)],
      ['s = n', (sig: string) => sig.slice(0, 64) + P256_ORDER.toString(16)],
    ])('refuses a malformed signature (%s) with SIGNATURE_MALFORMED', async (_name, edit) => {
      const tampered = clone();
      tampered.signatures[0]!.signature = edit(tampered.signatures[0]!.signature);
      await expect(verifyPackage(tampered, registry)).rejects.toMatchObject({
        code: 'SIGNATURE_MALFORMED',
      });
    });

    it('refuses a key that is not on the curve with KEY_MALFORMED', async () => {
      const tampered = clone();
      tampered.signatures[0]!.publicKey.y = '0'.repeat(63) + '1';
      await expect(verifyPackage(tampered, registry)).rejects.toMatchObject({
        code: 'KEY_MALFORMED',
      });
    });
  });

  describe('the FX table, checked beside the proof', () => {
    it('refuses a rate not in the hashed table (edited in the package)', async () => {
      const tampered = clone(fxPkg);
      tampered.fx.table.rows[2]!.rate = (BigInt(tampered.fx.table.rows[2]!.rate) + 1n).toString();
      expect((await verifyPackage(tampered, registry)).reasons).toContain('FX_TABLE_MISMATCH');
    });

    it('refuses a multi-currency table without its FX source signature', async () => {
      const tampered = clone(fxPkg);
      delete tampered.fx.source;
      expect((await verifyPackage(tampered, registry)).reasons).toEqual(['FX_SIGNATURE_MISSING']);
    });

    it('refuses an FX signature over another as-of time or by another key', async () => {
      const later = clone(fxPkg);
      later.fx.source!.asOf += 1;
      expect((await verifyPackage(later, registry)).reasons).toEqual(['FX_SIGNATURE_INVALID']);
      const other = await testSigner(8);
      const swapped = clone(fxPkg);
      swapped.fx.source!.publicKey = other.publicKey;
      expect((await verifyPackage(swapped, registry)).reasons).toEqual(['FX_SIGNATURE_INVALID']);
    });

    it('refuses a zero rate, an unknown currency and a duplicate row with coded errors', async () => {
      const zero = clone(fxPkg);
      zero.fx.table.rows[1]!.rate = '0';
      await expect(verifyPackage(zero, registry)).rejects.toMatchObject({
        code: 'PACKAGE_INVALID',
      });
      const unknown = clone(fxPkg);
      unknown.fx.table.rows[1]!.currency = 'XQX';
      await expect(verifyPackage(unknown, registry)).rejects.toMatchObject({
        code: 'CURRENCY_UNKNOWN',
      });
      const twice = clone(fxPkg);
      twice.fx.table.rows[1]!.currency = 'USD';
      await expect(verifyPackage(twice, registry)).rejects.toMatchObject({
        code: 'FX_TABLE_INVALID',
      });
    });
  });

  it('answers invalid for a tampered proof', async () => {
    const tampered = clone();
    const [x, y] = tampered.proof.pi_c;
    // Swap to another valid curve point: -C (same x, y negated mod q).
    const q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
    tampered.proof.pi_c = [x, (q - BigInt(y)).toString(), '1'];
    expect((await verifyPackage(tampered, registry)).reasons).toContain('PROOF_INVALID');
  });

  it('answers invalid for a claim name that does not match the circuit', async () => {
    const tampered = { ...clone(), claim: 'yield-range' as const };
    expect((await verifyPackage(tampered, registry)).reasons).toContain('CLAIM_MISMATCH');
  });

  it('refuses a public signal >= r as an error, not an answer', async () => {
    const tampered = clone();
    tampered.publicSignals.commitment = (
      BigInt(tampered.publicSignals.commitment) + SNARK_SCALAR_FIELD
    ).toString();
    // The pairing equation is mod r, so this alias satisfies it; snarkjs screens it out with a
    // bare false. The verifier must say why, with a code, before any pairing.
    const vk = registry.get(pkg.circuitId, pkg.vkeyHash).vk;
    const signals = PUBLIC_SIGNAL_ORDER.map((name) => tampered.publicSignals[name]);
    expect(await snarkjs.groth16.verify(vk, signals, tampered.proof)).toBe(false);
    await expect(verifyPackage(tampered, registry)).rejects.toMatchObject({
      code: 'SIGNAL_OUT_OF_FIELD',
    });
  });

  it('refuses malformed packages with PACKAGE_INVALID', async () => {
    for (const bad of [null, {}, { ...clone(), extra: 1 }, { ...clone(), proof: 'x' }]) {
      await expect(verifyPackage(bad, registry)).rejects.toMatchObject({ code: 'PACKAGE_INVALID' });
    }
  });

  it('refuses an unknown circuit or verification key', async () => {
    await expect(
      verifyPackage({ ...clone(), circuitId: 'coverage-64' }, registry),
    ).rejects.toMatchObject({ code: 'CIRCUIT_UNKNOWN' });
    await expect(
      verifyPackage({ ...clone(), vkeyHash: '0'.repeat(64) }, registry),
    ).rejects.toMatchObject({ code: 'VKEY_UNKNOWN' });
  });

  it('refuses development-setup keys unless the operator allows them', async () => {
    const strict = VerificationKeyRegistry.fromArtifacts();
    await expect(verifyPackage(pkg, strict)).rejects.toMatchObject({ code: 'VKEY_UNKNOWN' });
  });
});

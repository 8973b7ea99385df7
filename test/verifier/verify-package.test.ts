import { join } from 'node:path';
import * as snarkjs from 'snarkjs';
import type { AttestationPackage } from '../../src/common/attestation-package';
import { SNARK_SCALAR_FIELD } from '../../src/common/field';
import { ClaimProver, loadPrimitives, loadSnapshotFile, randomSalt } from '../../src/prover';
import { VerificationKeyRegistry, verifyPackage } from '../../src/verifier';
import { testKey } from '../fixtures';

let pkg: AttestationPackage;
let registry: VerificationKeyRegistry;
const clone = () => JSON.parse(JSON.stringify(pkg)) as AttestationPackage;

beforeAll(async () => {
  const p = await loadPrimitives();
  const snapshot = loadSnapshotFile(join(__dirname, '..', '..', 'examples', 'snapshot.json'));
  const result = await new ClaimProver(p).prove({
    snapshot,
    salt: randomSalt(),
    key: testKey(p),
    params: { claim: 'coverage', minCoverageBps: 11000 },
    context: 42n,
  });
  pkg = result.package;
  registry = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true });
});

describe('verifyPackage', () => {
  it('accepts the honest package and says what it means', async () => {
    const verdict = await verifyPackage(pkg, registry);
    expect(verdict.valid).toBe(true);
    expect(verdict.meaning).toMatch(/at least 110\.00% of liabilities of \d+ minor units/);
    expect(verdict.publicValues).toMatchObject({ claim: 'coverage', minCoverageBps: 11000 });
  });

  it.each([
    ['commitment', (s: bigint) => s + 1n],
    ['attestor', (s: bigint) => s + 1n],
    ['statement (context + 1)', (s: bigint) => s + 1n],
    ['statement (ratio lowered)', (s: bigint) => s - (1n << 168n)],
  ])('answers invalid when the %s signal is altered', async (name, edit) => {
    const signal = name.split(' ')[0] as keyof AttestationPackage['publicSignals'];
    const tampered = clone();
    tampered.publicSignals[signal] = edit(BigInt(tampered.publicSignals[signal])).toString();
    const verdict = await verifyPackage(tampered, registry);
    expect(verdict.valid).toBe(false);
    expect(verdict.reasons).toContain('PROOF_INVALID');
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
    const signals = [
      tampered.publicSignals.commitment,
      tampered.publicSignals.attestor,
      tampered.publicSignals.statement,
    ];
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

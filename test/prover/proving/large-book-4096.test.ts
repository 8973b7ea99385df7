import { submitBody } from '../../../src/api/schemas';
import {
  MAX_PACKAGE_BYTES,
  type AttestationPackage,
} from '../../../src/common/attestation-package';
import { validate } from '../../../src/common/validate';
import { ClaimProver, loadPrimitives, type Snapshot } from '../../../src/prover';
import { VerificationKeyRegistry, verifyPackage } from '../../../src/verifier';
import { largePositions } from '../../circuits/large-book-fixtures';
import { SALT, testSigner } from '../../fixtures';
import { newInstitution } from '../../support/attestation-factory';

/**
 * The largest book: 4,096 positions, 128 chunk proofs and one final proof, in one process
 * (the worker fleet spreads the chunks; this is the in-process bound). It takes minutes.
 */
const POSITIONS = 4096;

let pkg: AttestationPackage;

it('proves a 4,096-position book (128 chunks) and verifies it end to end', async () => {
  const p = await loadPrimitives();
  const prover = new ClaimProver(p);
  const book: Snapshot = {
    asOf: Math.floor(Date.now() / 1000) - 3600,
    currency: 'CNY',
    decimals: 2,
    liabilities: 1_000_000_000n,
    positions: largePositions(POSITIONS, () => ({ currency: 'CNY' })),
  };
  const started = performance.now();
  ({ package: pkg } = await prover.prove({
    snapshot: book,
    salt: SALT,
    signer: await testSigner(1),
    params: { claim: 'coverage', minCoverageBps: 12000 },
    context: 42n,
  }));
  const proveMs = performance.now() - started;
  expect(pkg.circuitId).toBe('coverage-4096');
  expect(pkg.snapshot.chunks).toBe(128);
  expect(pkg.chunks).toHaveLength(128);

  const registry = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true });
  const verifyStarted = performance.now();
  const verdict = await verifyPackage(pkg, registry);
  const verifyMs = performance.now() - verifyStarted;
  expect(verdict.reasons).toEqual([]);
  expect(verdict.valid).toBe(true);

  // The package fits every bound it is read under: the envelope and the API's request schema.
  const bytes = Buffer.byteLength(JSON.stringify(pkg));
  expect(bytes).toBeLessThan(MAX_PACKAGE_BYTES);
  const bank = await newInstitution('onshore-bank', 'EdDSA');
  const envelope = await bank.seal(pkg);
  expect(validate(submitBody, { envelope }).envelope).toBe(envelope);
  console.log(
    `4096 positions (128 chunks): proved in ${Math.round(proveMs)} ms, verified in ` +
      `${Math.round(verifyMs)} ms; package ${bytes} bytes, envelope ${envelope.length} chars`,
  );
}, 1_200_000);

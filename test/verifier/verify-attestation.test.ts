import { join } from 'node:path';
import type { AttestationPackage } from '../../src/common/attestation-package';
import { fxMessage, fxTableHashWith } from '../../src/common/fx-table';
import type { Signer } from '../../src/common/p256-signer';
import { ClaimProver, loadPrimitives, loadSnapshotFile, randomSalt } from '../../src/prover';
import {
  DEFAULT_POLICY,
  VerificationKeyRegistry,
  verifyAttestation,
  type KeyDirectory,
  type KeyStatus,
  type SignerSetStatus,
} from '../../src/verifier';
import { singleKeySetId } from '../../src/common/snapshot-message';
import { CNY_HKD_USD, testSigner } from '../fixtures';

// The policy half of verification: whether the keys that signed (cryptographically valid, see
// verify-package.test.ts) are registered and trusted at the times they signed, and how fresh.

const NOW = Math.floor(Date.now() / 1000);
const AS_OF = NOW - 3600;
const FX_AS_OF = NOW - 600;
const iso = (s: number) => new Date(s * 1000).toISOString();

let pkg: AttestationPackage;
let signer: Signer;
let fxSource: Signer;
let registry: VerificationKeyRegistry;

const status = (s: Signer, label: string, validFrom: number, revokedAt?: number): KeyStatus => ({
  keyId: s.keyId,
  publicKey: s.publicKey,
  label,
  validFrom: iso(validFrom),
  ...(revokedAt === undefined ? {} : { revokedAt: iso(revokedAt) }),
});

/** A directory of 1-of-1 signer sets (one per signer status) and FX sources. */
function directory(signers: KeyStatus[], fxSources: KeyStatus[]): KeyDirectory {
  const sets: SignerSetStatus[] = signers.map((k) => ({
    setId: singleKeySetId(k.keyId),
    threshold: 1,
    signers: [{ keyId: k.keyId, publicKey: k.publicKey, label: k.label }],
    validFrom: k.validFrom,
    ...(k.revokedAt ? { revokedAt: k.revokedAt } : {}),
    firstEpoch: 0,
  }));
  return {
    getSignerSet: async (id) => sets.find((s) => s.setId === id),
    getFxSource: async (id) => fxSources.find((k) => k.keyId === id),
  };
}

const verify = (keys: KeyDirectory, policy = {}) =>
  verifyAttestation(
    pkg,
    { registry, keys, policy: { ...DEFAULT_POLICY, requireChallenge: false, ...policy } },
    { consume: false },
  );

beforeAll(async () => {
  const p = await loadPrimitives();
  const sample = loadSnapshotFile(join(__dirname, '..', '..', 'examples', 'snapshot.json'));
  const positions = sample.positions.map((x, i) => (i === 1 ? { ...x, currency: 'USD' } : x));
  signer = await testSigner(1);
  fxSource = await testSigner(7);
  const hash = fxTableHashWith(p.poseidon, CNY_HKD_USD);
  const fx = {
    table: CNY_HKD_USD,
    source: {
      keyId: fxSource.keyId,
      publicKey: fxSource.publicKey,
      asOf: FX_AS_OF,
      signature: await fxSource.sign(fxMessage(hash, CNY_HKD_USD.reporting, FX_AS_OF)),
    },
  };
  pkg = (
    await new ClaimProver(p).prove({
      snapshot: { ...sample, asOf: AS_OF, positions },
      salt: randomSalt(),
      signer,
      fx,
      params: { claim: 'coverage', minCoverageBps: 10000 },
      context: 5n,
    })
  ).package;
  registry = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true });
});

describe('verifyAttestation: registered keys, their times, freshness and unit', () => {
  const trusted = () =>
    directory([status(signer, 'custodian', AS_OF - 86400)], [status(fxSource, 'fx desk', 0)]);

  it('accepts registered keys and names them with their labels', async () => {
    const verdict = await verify(trusted());
    expect(verdict.reasons).toEqual([]);
    expect(verdict.trust).toEqual({
      signerSet: {
        setId: singleKeySetId(signer.keyId),
        threshold: 1,
        size: 1,
        signers: [{ keyId: signer.keyId, label: 'custodian' }],
        summary: 'signed by 1 of 1: custodian',
      },
      fxSource: { keyId: fxSource.keyId, label: 'fx desk' },
    });
    expect(verdict.amounts.liabilities).toMatch(/^CNY \d{1,3}(,\d{3})*\.\d{2}$/);
  });

  it('refuses a signature by an unregistered key, and an unregistered FX source', async () => {
    expect((await verify(directory([], [status(fxSource, 'fx', 0)]))).reasons).toEqual([
      'SIGNER_SET_UNKNOWN',
    ]);
    expect((await verify(directory([status(signer, 'c', 0)], []))).reasons).toEqual([
      'FX_SOURCE_UNKNOWN',
    ]);
  });

  it('refuses a key revoked before the as-of time, and one registered after it', async () => {
    const fx = [status(fxSource, 'fx', 0)];
    const revoked = directory([status(signer, 'c', 0, AS_OF - 1)], fx);
    expect((await verify(revoked)).reasons).toEqual(['SIGNER_SET_REVOKED']);
    const revokedLater = directory([status(signer, 'c', 0, AS_OF + 1)], fx);
    expect((await verify(revokedLater)).reasons).toEqual([]);
    const tooNew = directory([status(signer, 'c', AS_OF + 1)], fx);
    expect((await verify(tooNew)).reasons).toEqual(['SIGNER_SET_NOT_YET_VALID']);
  });

  it("checks the FX source at the rates' own as-of time", async () => {
    const signers = [status(signer, 'c', 0)];
    const revoked = directory(signers, [status(fxSource, 'fx', 0, FX_AS_OF)]);
    expect((await verify(revoked)).reasons).toEqual(['FX_SOURCE_REVOKED']);
  });

  it('refuses rates older than the policy allows', async () => {
    expect((await verify(trusted(), { maxFxAgeSeconds: 599 })).reasons).toEqual(['FX_STALE']);
    expect((await verify(trusted(), { maxFxAgeSeconds: 700 })).reasons).toEqual([]);
  });

  it('refuses a unit other than the investor takes', async () => {
    const usd = { requiredUnit: { currency: 'USD', decimals: 2 } };
    expect((await verify(trusted(), usd)).reasons).toEqual(['UNIT_NOT_ACCEPTED']);
    const cny = { requiredUnit: { currency: 'CNY', decimals: 2 } };
    expect((await verify(trusted(), cny)).reasons).toEqual([]);
  });
});

/**
 * A package that passes the egress guard's schema without a proof (its proof is not a valid
 * one: only a real offshore API would notice), and whose proof and signals are small numbers
 * a test can follow through encoders (e.g. the mint call).
 */
import { PACKAGE_TYPE, type AttestationPackage } from '../../src/common/attestation-package';

/** A schema-valid package with small numbers; `overrides` replace top-level members. */
export function fakePackage(overrides: Partial<AttestationPackage> = {}): AttestationPackage {
  return {
    type: PACKAGE_TYPE,
    claim: 'coverage',
    circuitId: 'coverage-v1',
    vkeyHash: 'ab'.repeat(32),
    publicSignals: { commitment: '11', attestor: '22', statement: '33' },
    proof: {
      pi_a: ['1', '2', '1'],
      pi_b: [
        ['3', '4'],
        ['5', '6'],
        ['1', '0'],
      ],
      pi_c: ['7', '8', '1'],
      protocol: 'groth16',
      curve: 'bn128',
    },
    createdAt: '2026-11-30T08:00:00.000Z',
    ...overrides,
  };
}

/**
 * A package that passes the egress guard's schema without a proof (its proof is not a valid
 * one: only a real offshore API would notice), and whose proof and signals are small numbers
 * a test can follow through encoders (e.g. the mint call). Keys and signatures are fixed hex
 * strings of the right shape (not valid ones); the FX table is the identity table of CNY.
 */
import { PACKAGE_TYPE, type AttestationPackage } from '../../src/common/attestation-package';

/** A schema-valid package with small numbers; `overrides` replace top-level members. */
export function fakePackage(overrides: Partial<AttestationPackage> = {}): AttestationPackage {
  return {
    type: PACKAGE_TYPE,
    claim: 'coverage',
    circuitId: 'coverage-v2',
    vkeyHash: 'ab'.repeat(32),
    publicSignals: { commitment: '11', statement: '33', fxTable: '22' },
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
    snapshot: {
      setId: 'cd'.repeat(32),
      epoch: 0,
      prevCommitment: '00'.repeat(32),
      asOf: 1_763_568_000,
      currency: 'CNY',
      decimals: 2,
      allocations: '00'.repeat(32),
      chunks: 0,
    },
    signerSet: { threshold: 1, keyIds: ['ef'.repeat(32)] },
    signatures: [
      {
        keyId: 'ef'.repeat(32),
        publicKey: { x: '12'.repeat(32), y: '34'.repeat(32) },
        signature: '56'.repeat(64),
      },
    ],
    fx: {
      table: {
        reporting: { currency: 'CNY', decimals: 2 },
        rows: [{ currency: 'CNY', decimals: 2, rate: '1000000000000' }],
      },
    },
    createdAt: '2026-11-30T08:00:00.000Z',
    ...overrides,
  };
}

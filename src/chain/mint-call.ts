import { PUBLIC_SIGNAL_ORDER, type AttestationPackage } from '../common/attestation-package';

export type G1 = [bigint, bigint];
export type G2 = [[bigint, bigint], [bigint, bigint]];

/** The proof and public signals as the Solidity verifier (and mintWithProof) take them. */
export interface SolidityProof {
  pA: G1;
  pB: G2;
  pC: G1;
  pubSignals: [bigint, bigint, bigint];
}

/**
 * Turns a package into verifyProof / mintWithProof arguments, as snarkjs's
 * exportSolidityCallData does: pA and pC are (x, y); each G2 coordinate of pB is an Fp2
 * element that snarkjs stores (c0, c1) and the EVM pairing precompile reads (c1, c0), so
 * the pairs are swapped. Public signals in circuit order: commitment, attestor, statement.
 */
export function solidityProof(pkg: AttestationPackage): SolidityProof {
  const { pi_a, pi_b, pi_c } = pkg.proof;
  const n = BigInt;
  return {
    pA: [n(pi_a[0]), n(pi_a[1])],
    pB: [
      [n(pi_b[0][1]), n(pi_b[0][0])],
      [n(pi_b[1][1]), n(pi_b[1][0])],
    ],
    pC: [n(pi_c[0]), n(pi_c[1])],
    pubSignals: PUBLIC_SIGNAL_ORDER.map((k) => n(pkg.publicSignals[k])) as [bigint, bigint, bigint],
  };
}

/** The arguments of mintWithProof(to, amount, pA, pB, pC, pubSignals), in order. */
export function mintWithProofArgs(
  pkg: AttestationPackage,
  to: string,
  amount: bigint,
): [string, bigint, G1, G2, G1, [bigint, bigint, bigint]] {
  const { pA, pB, pC, pubSignals } = solidityProof(pkg);
  return [to, amount, pA, pB, pC, pubSignals];
}

import {
  attestationPackageSchema,
  packageId,
  type AttestationPackage,
} from '../common/attestation-package';
import { ZkAttestError } from '../common/errors';
import { isBaseFieldElement, isFieldElement } from '../common/field';

/** What the egress guard lets out: the checked package and the exact bytes to send. */
export interface ClearedPackage {
  package: AttestationPackage;
  id: string;
  bytes: Buffer;
}

/**
 * The egress guard: the one gate every outgoing package passes. It accepts only a package
 * that matches the strict schema (an unknown field anywhere is refused, so raw data cannot
 * ride along) with every number a canonical field element, and returns the exact bytes to send.
 */
export function clearForEgress(candidate: unknown): ClearedPackage {
  const parsed = attestationPackageSchema.safeParse(candidate);
  if (!parsed.success) {
    // Name the paths, never the values: a refused package may be carrying what must not leave.
    const paths = parsed.error.issues.map((i) => i.path.join('.') || '(root)');
    throw new ZkAttestError('EGRESS_REFUSED', `egress refused: ${paths.join(', ')}`, {
      fields: paths.join(','),
    });
  }
  const pkg = parsed.data;
  const coordinates = [...pkg.proof.pi_a, ...pkg.proof.pi_b.flat(), ...pkg.proof.pi_c];
  if (
    !Object.values(pkg.publicSignals).every((s) => isFieldElement(BigInt(s))) ||
    !coordinates.every((c) => isBaseFieldElement(BigInt(c)))
  ) {
    throw new ZkAttestError('EGRESS_REFUSED', 'egress refused: a number is outside its field');
  }
  return { package: pkg, id: packageId(pkg), bytes: Buffer.from(JSON.stringify(pkg)) };
}

import { checkPackage, packageId, type AttestationPackage } from '../../common/attestation-package';
import { ZkAttestError } from '../../common/errors';

/** What the egress guard lets out: the checked package and the exact bytes to send. */
export interface ClearedPackage {
  package: AttestationPackage;
  id: string;
  bytes: Buffer;
}

/**
 * The egress guard: the one gate every outgoing package passes. It accepts only a package
 * that matches the strict schema (an unknown field anywhere is refused, so raw data cannot
 * ride along) with every number in its field, and returns the exact bytes to send.
 */
export function clearForEgress(candidate: unknown): ClearedPackage {
  const checked = checkPackage(candidate);
  if (!checked.ok) {
    const { fields } = checked.problem;
    throw new ZkAttestError('EGRESS_REFUSED', `egress refused: ${fields.join(', ')}`, {
      fields: fields.join(','),
    });
  }
  const pkg = checked.package;
  return { package: pkg, id: packageId(pkg), bytes: Buffer.from(JSON.stringify(pkg)) };
}

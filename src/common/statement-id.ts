import type { AttestationPackage } from './attestation-package';
import { canonicalJson, sha256Hex } from './hash';

/**
 * The id of the statement a package proves: SHA-256 of the canonical JSON of its circuit id and
 * public signals (canonical decimals). Records are keyed by it, not by the package bytes: a
 * Groth16 proof is malleable (anyone can re-randomise or negate it into other valid bytes, and
 * `createdAt` is free metadata), so a key over the package would let one statement be recorded
 * again and again. Every valid proof of one statement maps to one id.
 */
export function statementId(pkg: Pick<AttestationPackage, 'circuitId' | 'publicSignals'>): string {
  const signals: Record<string, string> = {};
  for (const [name, value] of Object.entries(pkg.publicSignals)) {
    signals[name] = BigInt(value).toString(10);
  }
  return sha256Hex(
    canonicalJson({ type: 'zkattest.statement/v1', circuitId: pkg.circuitId, signals }),
  );
}

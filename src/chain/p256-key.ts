import { createHash } from 'node:crypto';

// Interim: src/common/p256.ts (another slice) owns P-256 keys; this is the one helper the
// chain glue needs, to print and check the keyId the registry computes. Dedupe at merge.

/** A P-256 public key: affine coordinates, 64 lowercase hex digits each (no 0x). */
export interface P256PublicKey {
  x: string;
  y: string;
}

/** keyId = sha256(x || y) (32-byte big-endian coordinates), hex64: SignerRegistry's key. */
export function keyIdOf(key: P256PublicKey): string {
  return createHash('sha256')
    .update(Buffer.from(key.x + key.y, 'hex'))
    .digest('hex');
}

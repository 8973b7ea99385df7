import { createHash } from 'node:crypto';

/** Domain-separation prefix hashed in front of every identifier (versioned: never change it). */
export const ASSET_ID_DOMAIN = 'zkattest.asset-id.v1:';

// 31 bytes = 248 bits, so every id is below the ~254-bit BN254 scalar field without reduction.
const ASSET_ID_BYTES = 31;

/** Derives the field-element asset id of an identifier (first 31 bytes of a tagged SHA-256). */
export function assetIdOf(identifier: string): bigint {
  const digest = createHash('sha256')
    .update(ASSET_ID_DOMAIN + identifier, 'utf8')
    .digest();
  return BigInt('0x' + digest.subarray(0, ASSET_ID_BYTES).toString('hex'));
}

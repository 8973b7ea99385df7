import { createHash } from 'node:crypto';

/** Domain-separation prefix hashed in front of every identifier (versioned: never change it). */
export const ASSET_ID_DOMAIN = 'zkattest.asset-id.v1:';

// 31 bytes = 248 bits, so every id is below the ~254-bit BN254 scalar field without reduction.
const ASSET_ID_BYTES = 31;

/**
 * The one spelling of an asset identifier: trimmed, Unicode NFKC, upper case. Identifiers
 * (ISINs, tickers, custodian codes) are compared this way, so "cn-gov-1", " CN-GOV-1 " and the
 * full-width "ＣＮ-ＧＯＶ-1" are one asset: one asset id, and a duplicate at ingest. NFKC rather
 * than NFC, because compatibility variants (full-width letters, common in CJK input) never
 * name another asset. Already canonical identifiers (e.g. upper-case ASCII) are unchanged.
 */
export function canonicalIdentifier(identifier: string): string {
  // Upper-casing can leave a non-normalised sequence: normalise again.
  return identifier.trim().normalize('NFKC').toUpperCase().normalize('NFKC');
}

/**
 * Derives the field-element asset id of an identifier (first 31 bytes of a tagged SHA-256 of
 * its canonical spelling), so the id names the asset, not the way a row spelled it.
 */
export function assetIdOf(identifier: string): bigint {
  const digest = createHash('sha256')
    .update(ASSET_ID_DOMAIN + canonicalIdentifier(identifier), 'utf8')
    .digest();
  return BigInt('0x' + digest.subarray(0, ASSET_ID_BYTES).toString('hex'));
}

import { createHash } from 'node:crypto';

/** Domain-separation prefix hashed in front of every identifier (versioned: never change it). */
export const ASSET_ID_DOMAIN = 'zkattest.asset-id.v1:';

// 31 bytes = 248 bits, so every id is below the ~254-bit BN254 scalar field without reduction.
const ASSET_ID_BYTES = 31;

/**
 * Characters that do not show, or show as blank, in an identifier: control (Cc), format (Cf:
 * zero-width space, U+FEFF, soft hyphen, bidi marks...), unassigned, private-use and surrogate
 * code points (the rest of C), separators (Z: no-break and ideographic spaces, line and
 * paragraph separators), and the other default-ignorable ones (Hangul fillers, variation
 * selectors). NFKC keeps most of them, so "X" and "X" + U+200B would be two assets that no
 * reader tells apart. The plain ASCII space is not among them (trim handles it at the ends).
 */
const INVISIBLE = /(?! )[\p{C}\p{Z}\p{Default_Ignorable_Code_Point}]/u;

/** Whether `identifier` holds a character refused by ingest (see INVISIBLE). */
export function hasInvisibleCharacter(identifier: string): boolean {
  return INVISIBLE.test(identifier);
}

/**
 * Dash variants (hyphens, figure dash, en and em dashes, horizontal bar, minus sign, small and
 * full-width hyphen-minus), folded to ASCII '-': NFKC maps only some (U+FE63, U+FF0D) and
 * leaves the others (U+2010, U+2013, U+2212...), which look the same in an ISIN or a code.
 */
const DASHES = /[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/gu;

/**
 * The one spelling of an asset identifier: trimmed, Unicode NFKC, dashes folded to '-', upper
 * case. Identifiers (ISINs, tickers, custodian codes) are compared this way, so "cn-gov-1",
 * " CN-GOV-1 ", "CN‐GOV‐1" (U+2010) and the full-width "ＣＮ－ＧＯＶ－1" are one asset: one
 * asset id, and a duplicate at ingest. NFKC rather than NFC, because compatibility variants
 * (full-width letters, common in CJK input) never name another asset. Already canonical
 * identifiers (e.g. upper-case ASCII) are unchanged. Invisible characters are not removed
 * here but refused at ingest (hasInvisibleCharacter).
 */
export function canonicalIdentifier(identifier: string): string {
  // Upper-casing can leave a non-normalised sequence: normalise again.
  return identifier.trim().normalize('NFKC').replace(DASHES, '-').toUpperCase().normalize('NFKC');
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

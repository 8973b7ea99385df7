/** Unpadded base64url (RFC 4648 section 5), as JOSE uses it, with one encoding per value. */

const B64URL_PATTERN = /^[A-Za-z0-9_-]+$/;

/** Unpadded base64url of the bytes. */
export function encodeB64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * Strict base64url: non-empty, alphabet only (no padding, whitespace or +/), and canonical
 * (unused trailing bits zero), so each byte string has exactly one accepted encoding.
 * Returns undefined for anything else.
 */
export function decodeB64url(text: string): Uint8Array | undefined {
  if (!B64URL_PATTERN.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) return undefined;
  return new Uint8Array(bytes);
}

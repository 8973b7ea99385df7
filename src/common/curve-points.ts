/**
 * Public-key point checks for the two transport curves, by @noble/curves (audited) rather than
 * hand-written field arithmetic. Needed because @peculiar/webcrypto imports a JWK whose point
 * is not on the curve without complaint.
 *
 * noble reports a bad encoding or point by throwing; here that is the answer "not a valid
 * point", so these checks return false instead (they take bytes, never fail on setup).
 */
import { ed25519 } from '@noble/curves/ed25519';
import { p256 } from '@noble/curves/p256';

/**
 * Whether `x` and `y` (32 bytes each, big-endian, as in a JWK) are the affine coordinates of a
 * P-256 point: both below the field prime and on the curve (cofactor 1, so in the group).
 */
export function isP256Point(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== 32 || y.length !== 32) return false;
  const sec1 = new Uint8Array(65);
  sec1[0] = 0x04; // SEC 1 uncompressed: 04 || x || y
  sec1.set(x, 1);
  sec1.set(y, 33);
  try {
    p256.ProjectivePoint.fromHex(sec1); // range, curve equation and subgroup checks
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether 32 bytes are the canonical RFC 8032 encoding of an Ed25519 point of the prime-order
 * subgroup. Refused: y >= p, an undecodable y, x = 0 with the sign bit set, small-order points
 * (any signature verifies under one) and points with a torsion component (no honest key has
 * one, and verifiers with and without the cofactor disagree about them).
 */
export function isEd25519PrimeOrderPoint(encoded: Uint8Array): boolean {
  if (encoded.length !== 32) return false;
  try {
    // fromHex decodes strictly by RFC 8032 unless asked for ZIP-215 rules.
    const point = ed25519.ExtendedPoint.fromHex(encoded);
    return !point.isSmallOrder() && point.isTorsionFree();
  } catch {
    return false;
  }
}

/**
 * A P-256 public key in its JSON form `{ x, y }` (64 lowercase hex digits each, no 0x) and its
 * id, `keyId = sha256(x_bytes32 || y_bytes32)` (V2SPEC "Keys and signatures"). One encoding per
 * key: uppercase or short coordinates are refused rather than normalised, so a key and its id
 * are the same bytes everywhere they are written.
 */
import { createHash } from 'node:crypto';
import { p256 } from '@noble/curves/p256';
import { ZkAttestError } from './errors';
import { HEX64_PATTERN } from './ids';

/** A P-256 public key: affine coordinates, 64 lowercase hex digits each. */
export interface P256PublicKey {
  x: string;
  y: string;
}

function malformed(field: string, rule: string): ZkAttestError {
  return new ZkAttestError('KEY_MALFORMED', `${field}: ${rule}`, { field });
}

/** keyId of a (well-formed) public key: sha256 over the 64 coordinate bytes, lowercase hex. */
export function p256KeyId(key: P256PublicKey): string {
  return createHash('sha256')
    .update(Buffer.from(key.x + key.y, 'hex'))
    .digest('hex');
}

/**
 * Checks a public key in JSON form: exactly `{ x, y }`, each 64 lowercase hex digits, a point
 * on the curve (not the point at infinity, coordinates below p); returns a fresh copy.
 * @throws ZkAttestError KEY_MALFORMED naming the field, never the value.
 */
export function parseP256PublicKey(value: unknown, field = 'publicKey'): P256PublicKey {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(field, 'not an object { x, y }');
  }
  const extra = Object.keys(value).filter((k) => k !== 'x' && k !== 'y');
  if (extra.length > 0) throw malformed(field, 'has fields other than x and y');
  const { x, y } = value as Record<string, unknown>;
  for (const [name, c] of [
    ['x', x],
    ['y', y],
  ] as const) {
    if (typeof c !== 'string' || !HEX64_PATTERN.test(c)) {
      throw malformed(`${field}.${name}`, 'not 64 lowercase hex digits');
    }
  }
  const key = { x: x as string, y: y as string };
  try {
    p256.ProjectivePoint.fromAffine({
      x: BigInt(`0x${key.x}`),
      y: BigInt(`0x${key.y}`),
    }).assertValidity();
  } catch {
    throw malformed(field, 'not a point on P-256');
  }
  return key;
}

/**
 * The key's id, after checking that a claimed id (if any) is the key's: an id that names
 * another key is refused, never silently replaced.
 * @throws ZkAttestError KEY_MALFORMED (field keyId) on a mismatch.
 */
export function checkedKeyId(key: P256PublicKey, claimed?: string): string {
  const keyId = p256KeyId(key);
  if (claimed !== undefined && claimed !== keyId) {
    throw malformed('keyId', 'not sha256(x || y) of the public key');
  }
  return keyId;
}

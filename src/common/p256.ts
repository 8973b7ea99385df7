/**
 * ECDSA P-256 / SHA-256 keys and signatures of Statement v2 (snapshot signers, FX sources).
 * One encoding per key and per signature: public keys as `{ x, y }` lowercase hex64 on the
 * curve, signatures as hex128 r || s with 1 <= r, s < n and low s (s <= n/2). Every verifier
 * refuses a high-s signature, so (r, n - s) is not a second valid encoding of one signature.
 */
import { createPublicKey, verify as nativeVerify, type KeyObject } from 'node:crypto';
import { p256 } from '@noble/curves/p256';
import { z } from 'zod';
import { isP256Point } from './curve-points';
import { ZkAttestError } from './errors';
import { sha256Hex } from './hash';

/** A P-256 public key: affine coordinates as 64 lowercase hex digits each, no 0x. */
export interface P256PublicKey {
  x: string;
  y: string;
}

/** The JSON shape of a public key (shape only; {@link parsePublicKey} checks the point). */
export const publicKeySchema = z.strictObject({ x: z.string(), y: z.string() });

/** The group order n of P-256. */
export const P256_ORDER: bigint = p256.CURVE.n;
/** The largest low s: floor(n / 2) (n is odd). */
const HALF_ORDER = P256_ORDER >> 1n;

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;

function malformedKey(field: string, rule: string): ZkAttestError {
  return new ZkAttestError('KEY_MALFORMED', `${field}: ${rule}`, { field });
}

/**
 * Checks a public key: exactly `{ x, y }`, each 64 lowercase hex digits (one encoding per key:
 * uppercase or short coordinates are refused, not normalised), a point on P-256.
 *
 * @throws ZkAttestError KEY_MALFORMED naming the field (`publicKey.x` for a bad coordinate),
 *   never the value.
 */
export function parsePublicKey(candidate: unknown, field = 'publicKey'): P256PublicKey {
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) {
    throw malformedKey(field, 'not an object { x, y }');
  }
  if (Object.keys(candidate).some((k) => k !== 'x' && k !== 'y')) {
    throw malformedKey(field, 'has fields other than x and y');
  }
  const { x, y } = candidate as Record<string, unknown>;
  if (typeof x !== 'string' || !HEX64.test(x)) {
    throw malformedKey(`${field}.x`, 'not 64 lowercase hex digits');
  }
  if (typeof y !== 'string' || !HEX64.test(y)) {
    throw malformedKey(`${field}.y`, 'not 64 lowercase hex digits');
  }
  if (!isP256Point(Buffer.from(x, 'hex'), Buffer.from(y, 'hex'))) {
    throw malformedKey(field, 'not a point on P-256');
  }
  return { x, y };
}

/** A key's id: sha256(x_bytes32 || y_bytes32) as hex64. */
export function keyIdOf(publicKey: P256PublicKey): string {
  const key = parsePublicKey(publicKey);
  return sha256Hex(Buffer.from(key.x + key.y, 'hex'));
}

/**
 * The key's id, after checking that a claimed id (if any) is the key's: an id that names
 * another key is refused, never silently replaced.
 *
 * @throws ZkAttestError KEY_MALFORMED (field keyId) on a mismatch.
 */
export function checkedKeyId(key: P256PublicKey, claimed?: string): string {
  const keyId = keyIdOf(key);
  if (claimed !== undefined && claimed !== keyId) {
    throw malformedKey('keyId', 'not sha256(x || y) of the public key');
  }
  return keyId;
}

/**
 * Decodes a signature: hex128 (lowercase) r || s, 1 <= r, s < n, s <= n/2.
 *
 * @throws ZkAttestError SIGNATURE_MALFORMED otherwise (high s included).
 */
export function decodeSignature(signature: unknown, field = 'signature'): { r: bigint; s: bigint } {
  const { r, s } = decodeAnyS(signature, field);
  if (s > HALF_ORDER) {
    throw new ZkAttestError('SIGNATURE_MALFORMED', `${field} has a high s (s > n/2)`, { field });
  }
  return { r, s };
}

/** r and s of a hex128 signature in range, whether s is low or high. */
function decodeAnyS(signature: unknown, field: string): { r: bigint; s: bigint } {
  if (typeof signature !== 'string' || !HEX128.test(signature)) {
    throw new ZkAttestError(
      'SIGNATURE_MALFORMED',
      `${field} must be 128 lowercase hex digits (r || s)`,
      { field },
    );
  }
  const r = BigInt(`0x${signature.slice(0, 64)}`);
  const s = BigInt(`0x${signature.slice(64)}`);
  if (r < 1n || r >= P256_ORDER || s < 1n || s >= P256_ORDER) {
    throw new ZkAttestError('SIGNATURE_MALFORMED', `${field} has r or s outside 1..n-1`, {
      field,
    });
  }
  return { r, s };
}

/** The low-s form of an r || s signature (hex128), s replaced by n - s when s > n/2. */
export function normaliseLowS(signature: string): string {
  const { r, s } = decodeAnyS(signature, 'signature');
  return encodeSignature(r, s > HALF_ORDER ? P256_ORDER - s : s);
}

/** The low-s hex128 form of a raw 64-byte r || s signature (WebCrypto's IEEE P1363 output). */
export function signatureFromP1363(bytes: Uint8Array): string {
  if (bytes.length !== 64) {
    throw new ZkAttestError('SIGNATURE_MALFORMED', 'a P-256 signature is 64 bytes (r || s)', {
      field: 'signature',
    });
  }
  return normaliseLowS(Buffer.from(bytes).toString('hex'));
}

function encodeSignature(r: bigint, s: bigint): string {
  return r.toString(16).padStart(64, '0') + s.toString(16).padStart(64, '0');
}

/**
 * Whether `signature` is `publicKey`'s ECDSA signature over SHA-256(message). A wrong
 * signature is the answer false; a malformed key or signature is an error.
 *
 * @throws ZkAttestError KEY_MALFORMED, SIGNATURE_MALFORMED (high s included).
 */
export function verifySignature(
  publicKey: P256PublicKey,
  message: Uint8Array,
  signature: string,
): boolean {
  const key = keyObjectOf(publicKey);
  decodeSignature(signature); // ranges and low s, which OpenSSL alone would not enforce
  const known = prechecked.get(precheckId(publicKey, message, signature));
  if (known !== undefined) return known;
  return nativeVerify(
    'sha256',
    message,
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'hex'),
  );
}

/**
 * Answers of checks already made on libuv's thread pool ({@link precheckSignature}), by their
 * exact inputs (key, message, signature): the synchronous check that follows takes the answer
 * instead of computing it again on the event loop. Bounded; an old answer stays true.
 */
const prechecked = new Map<string, boolean>();
const PRECHECKED_CACHE = 4096;

function precheckId(publicKey: P256PublicKey, message: Uint8Array, signature: string): string {
  return `${publicKey.x}${publicKey.y}:${signature}:${Buffer.from(message).toString('hex')}`;
}

/**
 * Checks a signature on the thread pool (node:crypto's callback form) so that a later
 * {@link verifySignature} of the same inputs answers at once. A malformed key or signature is
 * left for verifySignature to refuse; this never throws.
 */
export function precheckSignature(
  publicKey: P256PublicKey,
  message: Uint8Array,
  signature: string,
): Promise<void> {
  return new Promise<void>((resolve) => {
    try {
      const key = keyObjectOf(publicKey);
      decodeSignature(signature);
      const id = precheckId(publicKey, message, signature);
      if (prechecked.has(id)) return resolve();
      const sig = Buffer.from(signature, 'hex');
      nativeVerify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, sig, (err, ok) => {
        if (!err) {
          if (prechecked.size >= PRECHECKED_CACHE) {
            prechecked.delete(prechecked.keys().next().value!);
          }
          prechecked.set(id, ok);
        }
        resolve();
      });
    } catch {
      resolve();
    }
  });
}

/** Checked public keys as OpenSSL key objects: the API verifies the same few keys all day. */
const keyObjects = new Map<string, KeyObject>();
const KEY_OBJECT_CACHE = 1024;

function keyObjectOf(publicKey: P256PublicKey): KeyObject {
  const id = `${String(publicKey?.x)}:${String(publicKey?.y)}`;
  let key = keyObjects.get(id);
  if (!key) {
    const { x, y } = parsePublicKey(publicKey);
    const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64url');
    key = createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: b64(x), y: b64(y) },
      format: 'jwk',
    });
    if (keyObjects.size >= KEY_OBJECT_CACHE) keyObjects.delete(keyObjects.keys().next().value!);
    keyObjects.set(id, key);
  }
  return key;
}

/**
 * Whether `entry.signature` is a signature of `message` by `entry.publicKey`, whose id must be
 * `entry.keyId` (a valid signature under another key's id is not one by that key).
 *
 * @throws ZkAttestError KEY_MALFORMED, SIGNATURE_MALFORMED (high s included).
 */
export function signedBy(
  entry: { keyId: string; publicKey: P256PublicKey; signature: string },
  message: Uint8Array,
): boolean {
  return (
    keyIdOf(entry.publicKey) === entry.keyId &&
    verifySignature(entry.publicKey, message, entry.signature)
  );
}

/** Fresh P-256 public keys for registry tests, with their keyIds computed here independently. */
import { createHash } from 'node:crypto';
import { p256 } from '@noble/curves/p256';

export interface TestP256Key {
  publicKey: { x: string; y: string };
  keyId: string;
}

/** The field prime of P-256. */
export const P256_P = p256.CURVE.Fp.ORDER;

export const hex64 = (n: bigint) => n.toString(16).padStart(64, '0');

/** A new random key: x, y from the uncompressed point 04 || x || y. */
export function newP256Key(): TestP256Key {
  const point = Buffer.from(p256.getPublicKey(p256.utils.randomPrivateKey(), false));
  const publicKey = {
    x: point.subarray(1, 33).toString('hex'),
    y: point.subarray(33, 65).toString('hex'),
  };
  const keyId = createHash('sha256').update(point.subarray(1)).digest('hex');
  return { publicKey, keyId };
}

/** The same key with y moved off the curve (y + 1 mod p). */
export function offCurve(key: TestP256Key['publicKey']): TestP256Key['publicKey'] {
  return { x: key.x, y: hex64((BigInt(`0x${key.y}`) + 1n) % P256_P) };
}

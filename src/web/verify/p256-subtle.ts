/**
 * ECDSA P-256 / SHA-256 with crypto.subtle, on the project's one encoding (see
 * src/common/p256.ts): keys `{x, y}` as lowercase hex64 on the curve, signatures hex128
 * r || s with 1 <= r, s < n and low s. A malformed key or signature is a coded error, as on
 * the server; subtle itself takes r || s (IEEE P1363) as is.
 */
import { ZkAttestError } from '../../common/errors';
import { fromHex, sha256Bytes, toHex } from './web-crypto';

const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;

export interface HexPublicKey {
  x: string;
  y: string;
}

/** crypto.subtle's key type, named without the DOM library (Node's tests compile this too). */
type SubtleKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

const keys = new Map<string, Promise<SubtleKey>>();

/** @throws ZkAttestError KEY_MALFORMED when not two hex64 coordinates of a point on P-256. */
export async function importP256(publicKey: HexPublicKey, field: string): Promise<SubtleKey> {
  const { x, y } = publicKey;
  if (!HEX64.test(x) || !HEX64.test(y)) {
    throw new ZkAttestError('KEY_MALFORMED', `${field}: not 64 lowercase hex digits`, { field });
  }
  const id = x + y;
  let key = keys.get(id);
  if (!key) {
    const raw = fromHex(`04${x}${y}`);
    key = crypto.subtle.importKey('raw', raw, { name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'verify',
    ]);
    keys.set(id, key);
  }
  try {
    return await key;
  } catch {
    keys.delete(id);
    throw new ZkAttestError('KEY_MALFORMED', `${field}: not a point on P-256`, { field });
  }
}

/** @throws ZkAttestError SIGNATURE_MALFORMED: not hex128, r or s outside 1..n-1, or high s. */
export function checkSignatureEncoding(signature: string, field: string): void {
  const bad = (why: string) =>
    new ZkAttestError('SIGNATURE_MALFORMED', `${field} ${why}`, { field });
  if (!HEX128.test(signature)) throw bad('must be 128 lowercase hex digits (r || s)');
  const r = BigInt(`0x${signature.slice(0, 64)}`);
  const s = BigInt(`0x${signature.slice(64)}`);
  if (r < 1n || r >= N || s < 1n || s >= N) throw bad('has r or s outside 1..n-1');
  if (s > N >> 1n) throw bad('has a high s (s > n/2)');
}

export async function keyIdOfHex(publicKey: HexPublicKey): Promise<string> {
  return toHex(await sha256Bytes(fromHex(publicKey.x + publicKey.y)));
}

/** Whether `signature` (checked encoding) is valid over `message` for `publicKey`. */
export async function verifyP256(
  publicKey: HexPublicKey,
  message: Uint8Array,
  signature: string,
): Promise<boolean> {
  const key = await importP256(publicKey, 'publicKey');
  checkSignatureEncoding(signature, 'signature');
  return crypto.subtle.verify(
    { name: 'ECDSA', hash: 'SHA-256' },
    key,
    fromHex(signature),
    new Uint8Array(message),
  );
}

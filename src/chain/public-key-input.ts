import { readFileSync } from 'node:fs';
import { ZkAttestError } from '../common/errors';
import { parsePublicKey, type P256PublicKey } from '../common/p256';

const HEX64 = /^[0-9a-f]{64}$/;

function b64urlToHex64(text: unknown): string | undefined {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(text)) return undefined;
  const hex = Buffer.from(text, 'base64url').toString('hex');
  return hex.length === 64 ? hex : undefined;
}

/** {x, y} hex64, a P-256 JWK (public or private: only x and y are read), or either nested. */
function coordinates(value: unknown): P256PublicKey | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.x === 'string' && typeof v.y === 'string' && HEX64.test(v.x) && HEX64.test(v.y)) {
    return { x: v.x, y: v.y };
  }
  if (v.kty === 'EC' && v.crv === 'P-256') {
    const x = b64urlToHex64(v.x);
    const y = b64urlToHex64(v.y);
    return x && y ? { x, y } : undefined;
  }
  return coordinates(v.publicKey) ?? coordinates(v.jwk);
}

/**
 * A P-256 public key from inline JSON or a JSON file: `{x, y}` (hex64), a JWK, a zkattest key
 * file (`{type, jwk}`: only the public coordinates are read), or `{publicKey: {x, y}}`.
 */
export function readPublicKeyArg(name: string, arg: string): P256PublicKey {
  let value: unknown;
  try {
    value = JSON.parse(arg.trimStart().startsWith('{') ? arg : readFileSync(arg, 'utf8'));
  } catch {
    throw new ZkAttestError('USAGE', `--${name}: not JSON, nor a readable JSON file`);
  }
  const key = coordinates(value);
  if (!key) {
    throw new ZkAttestError(
      'KEY_MALFORMED',
      `--${name}: expected {x, y} (64 lowercase hex each) or a P-256 JWK or key file`,
    );
  }
  return parsePublicKey(key, name);
}

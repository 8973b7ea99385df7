/**
 * Signers of Statement v2: the {@link Signer} interface (an HSM or KMS implements it too) and
 * its WebCrypto implementation over a private P-256 key held in a 0600 key file
 * `{ type: "zkattest.signer-key/v2", jwk, label? }`. Keys come from `newSignerKey` or are
 * imported from PKCS#8 (PEM or DER) or a JWK.
 */
import { Crypto } from '@peculiar/webcrypto';
import type { webcrypto } from 'node:crypto';
import { p256 } from '@noble/curves/p256';
import { z } from 'zod';
import { ZkAttestError } from './errors';
import { keyIdOf, parsePublicKey, signatureFromP1363, type P256PublicKey } from './p256';
import { readSecretFile, writeSecretFile } from './secret-file';
import { decodeB64url } from './strict-base64url';

/** A JSON Web Key (RFC 7517), as WebCrypto imports and exports it. */
export type JsonWebKey = webcrypto.JsonWebKey;

/** Signs snapshot and FX messages: ECDSA P-256 over SHA-256 of the message bytes. */
export interface Signer {
  keyId: string;
  publicKey: P256PublicKey;
  /** The signature as hex128 r || s, low s. */
  sign(message: Uint8Array): Promise<string>;
}

/** A private signer key: its JWK (`kty`, `crv`, `x`, `y`, `d` only), public key and id. */
export interface SignerKey {
  jwk: JsonWebKey;
  publicKey: P256PublicKey;
  keyId: string;
}

export const SIGNER_KEY_FILE_TYPE = 'zkattest.signer-key/v2';

const keyFileSchema = z.strictObject({
  type: z.literal(SIGNER_KEY_FILE_TYPE),
  jwk: z.record(z.string(), z.unknown()),
  label: z.string().max(200).optional(),
});

// The project's WebCrypto implementation, typed with Node's (identical) interfaces: its own
// typings name DOM globals this project does not load.
const subtle: webcrypto.SubtleCrypto = new Crypto().subtle;
const ECDSA_P256: webcrypto.EcKeyImportParams = { name: 'ECDSA', namedCurve: 'P-256' };
const ECDSA_SHA256: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

function malformed(message: string): ZkAttestError {
  return new ZkAttestError('KEY_MALFORMED', message, { field: 'privateKey' });
}

/** Generates a new P-256 signer key. */
export async function newSignerKey(): Promise<SignerKey> {
  const pair = (await subtle.generateKey(ECDSA_P256, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  return importJwk(await subtle.exportKey('jwk', pair.privateKey));
}

/**
 * Checks a private P-256 JWK (JSON text or object): `kty` EC, `crv` P-256, `alg` ES256 if
 * present, 32-byte `x`, `y`, `d`, the point on the curve and `d`'s own public key (WebCrypto
 * would sign with a `d` that does not match `x`, `y`, and every signature would then fail).
 *
 * @throws ZkAttestError KEY_MALFORMED, e.g. for a public-only JWK.
 */
export async function importJwk(json: string | object): Promise<SignerKey> {
  let candidate: unknown = json;
  if (typeof json === 'string') {
    try {
      candidate = JSON.parse(json);
    } catch {
      throw malformed('the private key is not JSON');
    }
  }
  if (candidate === null || typeof candidate !== 'object' || Array.isArray(candidate)) {
    throw malformed('the private key is not a JWK object');
  }
  const jwk = candidate as Record<string, unknown>;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || (jwk.alg !== undefined && jwk.alg !== 'ES256')) {
    throw malformed('the private key is not a P-256 (ES256) JWK');
  }
  if (jwk.d === undefined) throw malformed('the JWK is a public key: a signer needs its d');
  const [x, y, d] = (['x', 'y', 'd'] as const).map((m) => {
    const bytes = typeof jwk[m] === 'string' ? decodeB64url(jwk[m]) : undefined;
    if (bytes === undefined || bytes.length !== 32) {
      throw malformed(`the JWK's ${m} is not 32 bytes of base64url`);
    }
    return Buffer.from(bytes).toString('hex');
  });
  const publicKey = parsePublicKey({ x, y }, 'privateKey');
  const scalar = BigInt(`0x${d}`);
  if (scalar < 1n || scalar >= p256.CURVE.n) throw malformed("the JWK's d is out of range");
  const derived = Buffer.from(p256.getPublicKey(d!, false)).toString('hex'); // 04 || x || y
  if (derived !== `04${x}${y}`) throw malformed("the JWK's x, y are not the public key of its d");
  return {
    jwk: { kty: 'EC', crv: 'P-256', x: jwk.x as string, y: jwk.y as string, d: jwk.d as string },
    publicKey,
    keyId: keyIdOf(publicKey),
  };
}

/**
 * Imports an unencrypted PKCS#8 P-256 private key, PEM (`BEGIN PRIVATE KEY`) or DER.
 *
 * @throws ZkAttestError KEY_MALFORMED.
 */
export async function importPkcs8(pemOrDer: string | Uint8Array): Promise<SignerKey> {
  const der = typeof pemOrDer === 'string' ? pemToDer(pemOrDer) : pemOrDer;
  let jwk: JsonWebKey;
  try {
    const key = await subtle.importKey('pkcs8', der, ECDSA_P256, true, ['sign']);
    jwk = await subtle.exportKey('jwk', key);
  } catch {
    throw malformed('the private key is not an unencrypted PKCS#8 P-256 key');
  }
  return importJwk(jwk);
}

const PEM_PATTERN = /^-----BEGIN ([A-Z ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END \1-----\s*$/;

function pemToDer(pem: string): Uint8Array {
  const match = PEM_PATTERN.exec(pem.trim() + '\n');
  if (match === null) throw malformed('the private key is not a PEM block');
  if (match[1] !== 'PRIVATE KEY') {
    throw malformed(
      'the PEM block is not PKCS#8 (BEGIN PRIVATE KEY); convert it with ' +
        '`openssl pkcs8 -topk8 -nocrypt`',
    );
  }
  return new Uint8Array(Buffer.from(match[2]!.replace(/\s/g, ''), 'base64'));
}

/**
 * Imports a private key file's bytes, recognising the format: a PEM block, a JWK (JSON
 * object), else PKCS#8 DER.
 */
export function importPrivateKey(bytes: Uint8Array): Promise<SignerKey> {
  const text = Buffer.from(bytes).toString('utf8').trim();
  if (text.startsWith('-----BEGIN')) return importPkcs8(text);
  if (text.startsWith('{')) return importJwk(text);
  return importPkcs8(bytes);
}

/** Writes a signer key file, readable by its owner only (0600); never overwrites one. */
export function writeSignerKeyFile(file: string, key: SignerKey, label?: string): void {
  try {
    writeSecretFile(file, {
      type: SIGNER_KEY_FILE_TYPE,
      jwk: key.jwk,
      ...(label === undefined ? {} : { label }),
    });
  } catch {
    throw new ZkAttestError('KEY_FILE', `cannot create ${file} (does it exist already?)`, {
      file,
    });
  }
}

/**
 * Reads a signer key file: KEY_FILE when it is not one, KEY_MALFORMED when its JWK is bad.
 */
export async function readSignerKeyFile(file: string): Promise<{ key: SignerKey; label?: string }> {
  const body = readSecretFile(file, keyFileSchema, 'signer key');
  const key = await importJwk(body.jwk);
  return body.label === undefined ? { key } : { key, label: body.label };
}

/** A WebCrypto signer over the key; signatures come out low-s. */
export async function webCryptoSigner(key: SignerKey): Promise<Signer> {
  let cryptoKey: webcrypto.CryptoKey;
  try {
    cryptoKey = await subtle.importKey('jwk', key.jwk, ECDSA_P256, false, ['sign']);
  } catch {
    throw malformed('WebCrypto refuses the private key');
  }
  return {
    keyId: key.keyId,
    publicKey: key.publicKey,
    // WebCrypto hashes the message with SHA-256 and returns IEEE P1363 r || s.
    sign: async (message) =>
      signatureFromP1363(new Uint8Array(await subtle.sign(ECDSA_SHA256, cryptoKey, message))),
  };
}

/** The signer of a key file (see {@link readSignerKeyFile}). */
export async function signerFromKeyFile(file: string): Promise<Signer> {
  return webCryptoSigner((await readSignerKeyFile(file)).key);
}

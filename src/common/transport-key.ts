/**
 * Transport keys: the ES256 (ECDSA P-256) or EdDSA (Ed25519, RFC 8037) key pairs onshore
 * institutions sign their envelopes with. Generation, the checks a JWK must pass before it is
 * registered or used, RFC 7638 thumbprints, and the WebCrypto sign/verify calls.
 */
import { Crypto } from '@peculiar/webcrypto';
import { createPublicKey, verify as nodeVerify, type KeyObject, type webcrypto } from 'node:crypto';
import { isEd25519PrimeOrderPoint, isP256Point } from './curve-points';
import { ZkAttestError } from './errors';
import { decodeB64url, encodeB64url } from './strict-base64url';

/** A JSON Web Key (RFC 7517), as WebCrypto imports and exports it. */
export type JsonWebKey = webcrypto.JsonWebKey;

/** The JWS algorithms a transport key may use. */
export type TransportAlg = 'ES256' | 'EdDSA';

/** Every {@link TransportAlg}, for runtime checks. */
export const TRANSPORT_ALGS: readonly TransportAlg[] = ['ES256', 'EdDSA'];

/** Private members of any JWK type (RFC 7518 section 6): never accepted as a public key. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

// The project's one WebCrypto implementation. Its bundled typings name DOM globals this
// project does not load, so it is typed with Node's (identical) WebCrypto interfaces.
const subtle: webcrypto.SubtleCrypto = new Crypto().subtle;

interface AlgSpec {
  kty: 'EC' | 'OKP';
  crv: 'P-256' | 'Ed25519';
  /** Members carrying public key material, in JWK order. */
  publicMembers: readonly ('x' | 'y')[];
  keyParams: webcrypto.EcKeyImportParams | webcrypto.Algorithm;
  signParams: webcrypto.EcdsaParams | webcrypto.Algorithm;
}

// { name: 'Ed25519' } rather than the legacy { name: 'EdDSA', namedCurve: 'Ed25519' }: with
// @peculiar/webcrypto 1.x only the former exports a private JWK that carries `x` as well as `d`.
const ALG_SPECS: Readonly<Record<TransportAlg, AlgSpec>> = {
  ES256: {
    kty: 'EC',
    crv: 'P-256',
    publicMembers: ['x', 'y'],
    keyParams: { name: 'ECDSA', namedCurve: 'P-256' },
    signParams: { name: 'ECDSA', hash: 'SHA-256' },
  },
  EdDSA: {
    kty: 'OKP',
    crv: 'Ed25519',
    publicMembers: ['x'],
    keyParams: { name: 'Ed25519' },
    signParams: { name: 'Ed25519' },
  },
};

/**
 * Generates a transport key pair for `alg`. Both JWKs carry `kty`, `crv` and `alg`; the private
 * one adds `d`. The private JWK stays onshore; the public one is registered offshore.
 */
export async function generateTransportKey(
  alg: TransportAlg,
): Promise<{ privateJwk: JsonWebKey; publicJwk: JsonWebKey }> {
  const spec = ALG_SPECS[checkAlg(alg, 'KEY_INVALID')];
  const pair = (await subtle.generateKey(spec.keyParams, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const exported = await subtle.exportKey('jwk', pair.privateKey);
  const publicJwk: JsonWebKey = { kty: spec.kty, crv: spec.crv, alg };
  for (const member of spec.publicMembers) publicJwk[member] = exported[member];
  return { privateJwk: { ...publicJwk, d: exported.d }, publicJwk };
}

/**
 * Checks a JWK submitted for registration as an institution's `alg` transport key and returns
 * it normalized to its public key members only (`kty`, `crv`, `x`, and `y` for P-256).
 *
 * Refused: anything carrying a private member (`d`, ...: a private key must never be
 * registered, or stored, offshore); the wrong `kty`/`crv` for `alg`; an `alg`, `use` or
 * `key_ops` member that contradicts signature verification with `alg`; coordinates that are not
 * 32-byte canonical base64url; a point not on P-256, and for Ed25519 a non-canonical,
 * undecodable, small-order or mixed-order point (see curve-points.ts).
 * Members that do not affect the key (`kid`, `ext`, ...) are dropped.
 *
 * @throws ZkAttestError ENVELOPE_INVALID.
 */
export function validateTransportPublicJwk(jwk: JsonWebKey, alg: TransportAlg): JsonWebKey {
  const spec = ALG_SPECS[checkAlg(alg, 'ENVELOPE_INVALID')];
  const candidate: unknown = jwk;
  if (!isPlainObject(candidate)) throw keyInvalid('the transport key is not a JWK object');
  if (PRIVATE_JWK_MEMBERS.some((member) => candidate[member] !== undefined)) {
    throw keyInvalid('the transport key has private members; register the public key only');
  }
  if (candidate.kty !== spec.kty || candidate.crv !== spec.crv) {
    throw keyInvalid(`an ${alg} transport key has kty ${spec.kty} and crv ${spec.crv}`);
  }
  if (candidate.alg !== undefined && candidate.alg !== alg) {
    throw keyInvalid(`the transport key's alg member is not ${alg}`);
  }
  if (candidate.use !== undefined && candidate.use !== 'sig') {
    throw keyInvalid("the transport key's use member is not sig");
  }
  const keyOps = candidate.key_ops;
  if (keyOps !== undefined && !(Array.isArray(keyOps) && keyOps.includes('verify'))) {
    throw keyInvalid("the transport key's key_ops do not include verify");
  }
  if (spec.kty === 'OKP' && candidate.y !== undefined) {
    throw keyInvalid('an Ed25519 transport key has no y member');
  }

  const out: JsonWebKey = { kty: spec.kty, crv: spec.crv };
  const coordinates: Uint8Array[] = [];
  for (const member of spec.publicMembers) {
    const value = candidate[member];
    const bytes = typeof value === 'string' ? decodeB64url(value) : undefined;
    if (bytes === undefined || bytes.length !== 32) {
      throw keyInvalid(`the transport key's ${member} is not 32 bytes of base64url`);
    }
    out[member] = value as string;
    coordinates.push(bytes);
  }
  // Checked here, once, at registration (and again, cheaply, before each use): WebCrypto
  // would import such a point without complaint.
  const pointOk =
    alg === 'ES256'
      ? isP256Point(coordinates[0], coordinates[1])
      : isEd25519PrimeOrderPoint(coordinates[0]);
  if (!pointOk) throw keyInvalid('the transport key is not a valid curve point');
  return out;
}

/**
 * Checks a private `alg` JWK (32-byte `d` plus valid public members) and splits it into its
 * public half and `d`. Whether the two belong together only shows when signing: see
 * {@link signWithTransportKey}.
 *
 * @throws ZkAttestError KEY_INVALID.
 */
export function splitPrivateJwk(
  jwk: JsonWebKey,
  alg: TransportAlg,
): { publicJwk: JsonWebKey; d: string } {
  const candidate: unknown = jwk;
  const refused = () =>
    new ZkAttestError('KEY_INVALID', `the transport key is not a private ${alg} JWK`);
  if (
    !isPlainObject(candidate) ||
    typeof candidate.d !== 'string' ||
    decodeB64url(candidate.d)?.length !== 32
  ) {
    throw refused();
  }
  try {
    // key_ops of a private JWK say sign, not verify: not a reason to refuse it here.
    const publicJwk = validateTransportPublicJwk(
      { ...candidate, d: undefined, key_ops: undefined },
      alg,
    );
    return { publicJwk, d: candidate.d };
  } catch {
    throw refused();
  }
}

/**
 * Signs `data` with the private key `d` whose public half is `publicJwk` (already checked).
 * WebCrypto does not check that they belong together: verify the signature before use.
 *
 * @throws ZkAttestError KEY_INVALID when WebCrypto refuses the key.
 */
export async function signWithTransportKey(
  alg: TransportAlg,
  publicJwk: JsonWebKey,
  d: string,
  data: Uint8Array,
): Promise<Uint8Array> {
  const spec = ALG_SPECS[alg];
  try {
    const key = await subtle.importKey('jwk', { ...publicJwk, d }, spec.keyParams, false, ['sign']);
    return new Uint8Array(await subtle.sign(spec.signParams, key, data));
  } catch {
    throw new ZkAttestError('KEY_INVALID', `the transport key is not a usable ${alg} key`);
  }
}

/** Public transport keys as OpenSSL key objects: the API checks the same few keys all day. */
const verifyKeys = new Map<string, KeyObject>();
const VERIFY_KEY_CACHE = 1024;

/** What node:crypto calls each algorithm's key type. */
const KEY_TYPES: Readonly<Record<TransportAlg, string>> = { ES256: 'ec', EdDSA: 'ed25519' };

function verifyKeyOf(alg: TransportAlg, publicJwk: JsonWebKey): KeyObject {
  const { kty, crv, x, y } = publicJwk;
  const id = JSON.stringify([alg, kty, crv, x, y]);
  let key = verifyKeys.get(id);
  if (!key) {
    const spec = ALG_SPECS[alg];
    const refused = () => keyInvalid(`the transport key cannot be imported as an ${alg} key`);
    if (kty !== spec.kty || crv !== spec.crv) throw refused();
    try {
      key = createPublicKey({
        key: { kty, crv, x, ...(y === undefined ? {} : { y }) },
        format: 'jwk',
      });
    } catch {
      throw refused();
    }
    if (key.type !== 'public' || key.asymmetricKeyType !== KEY_TYPES[alg]) throw refused();
    if (verifyKeys.size >= VERIFY_KEY_CACHE) verifyKeys.delete(verifyKeys.keys().next().value!);
    verifyKeys.set(id, key);
  }
  return key;
}

/**
 * Whether `signature` verifies over `data` under the public key. The key is imported with the
 * registered algorithm's parameters only: the signed message has no say in how it is checked.
 * The check runs on libuv's thread pool (node:crypto's callback form), off the event loop that
 * serves requests; an imported key is kept for the next envelope.
 *
 * @throws ZkAttestError ENVELOPE_INVALID when the key cannot be imported as an `alg` key.
 */
export async function verifyTransportSignature(
  alg: TransportAlg,
  publicJwk: JsonWebKey,
  signature: Uint8Array,
  data: Uint8Array,
): Promise<boolean> {
  const key = verifyKeyOf(alg, publicJwk);
  // JWS ES256 signatures are r || s (IEEE P1363), not DER; Ed25519 takes no digest name.
  const [digest, keyInput] =
    alg === 'ES256'
      ? (['sha256', { key, dsaEncoding: 'ieee-p1363' as const }] as const)
      : ([null, key] as const);
  return new Promise<boolean>((resolve) => {
    try {
      nodeVerify(digest, data, keyInput, signature, (err, ok) => resolve(!err && ok));
    } catch {
      resolve(false);
    }
  });
}

/**
 * The RFC 7638 thumbprint of an EC or OKP JWK: SHA-256 over its required members in
 * lexicographic order, base64url. A private JWK has the same thumbprint as its public half.
 *
 * @throws ZkAttestError ENVELOPE_INVALID for another key type or a missing member.
 */
export async function jwkThumbprint(jwk: JsonWebKey): Promise<string> {
  if (!isPlainObject(jwk as unknown)) throw keyInvalid('a thumbprint is taken of a JWK');
  const members =
    jwk.kty === 'EC' ? (['crv', 'kty', 'x', 'y'] as const) : (['crv', 'kty', 'x'] as const);
  if (jwk.kty !== 'EC' && jwk.kty !== 'OKP') {
    throw keyInvalid('a thumbprint is taken of an EC or OKP key');
  }
  const required: Record<string, string> = {};
  for (const member of members) {
    const value = jwk[member];
    if (typeof value !== 'string') throw keyInvalid(`the JWK has no ${member} member`);
    required[member] = value;
  }
  // The members are written in sorted order, no whitespace, as RFC 7638 requires.
  const digest = await subtle.digest('SHA-256', Buffer.from(JSON.stringify(required), 'utf8'));
  return encodeB64url(new Uint8Array(digest));
}

/** The alg, if it is a {@link TransportAlg}; otherwise a ZkAttestError with `code`. */
export function checkAlg(alg: unknown, code: 'ENVELOPE_INVALID' | 'KEY_INVALID'): TransportAlg {
  if (typeof alg !== 'string' || !(TRANSPORT_ALGS as readonly string[]).includes(alg)) {
    throw new ZkAttestError(code, `the transport alg is one of ${TRANSPORT_ALGS.join(', ')}`);
  }
  return alg as TransportAlg;
}

/** A non-null, non-array object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// A registered key is part of the envelope check: its faults carry the envelope's code.
function keyInvalid(message: string): ZkAttestError {
  return new ZkAttestError('ENVELOPE_INVALID', message);
}

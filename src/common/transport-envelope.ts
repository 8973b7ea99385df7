/**
 * The transport envelope: an attestation package travels offshore inside a compact JWS
 * (RFC 7515) signed with the sending institution's transport key, ES256 (ECDSA P-256) or
 * EdDSA (Ed25519, RFC 8037).
 *
 * The format is deliberately narrow: one protected header with exactly `alg`, `kid` and `typ`
 * (plus, optionally, `egressHead`: the sender's egress log head, see egress-head.ts), an
 * attached non-empty payload, a 64-byte signature. Everything else a general JWS library
 * would accept (unprotected or extra header members, `crit`, `none`, `jku`/`jwk`/`x5u`, detached
 * payloads, padding, JSON serialization) is refused: each is a way for the sender, not the
 * receiver's key registry, to steer verification.
 */
import { Crypto } from '@peculiar/webcrypto';
import type { webcrypto } from 'node:crypto';
import { ZkAttestError } from './errors';
import { formatEgressHead, isEgressHead, parseEgressHead, type EgressHead } from './egress-head';
import { INSTITUTION_ID_RULE, isInstitutionId, MAX_INSTITUTION_ID_LENGTH } from './ids';

/** A JSON Web Key (RFC 7517), as WebCrypto imports and exports it. */
export type JsonWebKey = webcrypto.JsonWebKey;

/** The JWS algorithms a transport key may use. */
export type TransportAlg = 'ES256' | 'EdDSA';

/** Every {@link TransportAlg}, for runtime checks. */
export const TRANSPORT_ALGS: readonly TransportAlg[] = ['ES256', 'EdDSA'];

/** The `typ` of every envelope's protected header. */
export const ENVELOPE_TYP = 'zkattest-package+jws';

/** Largest payload an envelope may carry, in bytes (a package is a few kilobytes). */
export const MAX_ENVELOPE_PAYLOAD_BYTES = 64 * 1024;

/** Longest `kid` (institution id) an envelope may name. */
export const MAX_KID_LENGTH = MAX_INSTITUTION_ID_LENGTH;

const B64URL_PATTERN = /^[A-Za-z0-9_-]+$/;
const SIGNATURE_BYTES = 64; // ES256 is r||s, 32 bytes each; Ed25519 is R||S, 32 bytes each.
const MAX_HEADER_SEGMENT = 512;
const MAX_PAYLOAD_SEGMENT = Math.ceil((MAX_ENVELOPE_PAYLOAD_BYTES * 4) / 3);
const SIGNATURE_SEGMENT = Math.ceil((SIGNATURE_BYTES * 4) / 3);
const MAX_ENVELOPE_LENGTH = MAX_HEADER_SEGMENT + MAX_PAYLOAD_SEGMENT + SIGNATURE_SEGMENT + 2;

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

/** The protected header of an envelope; `kid` is the sending institution's id. */
export interface EnvelopeHeader {
  alg: TransportAlg;
  kid: string;
  /** The sender's egress log head at the send, when it anchors one. */
  egressHead?: EgressHead;
}

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
 * Signs `payload` into a compact JWS with the protected header
 * `{ alg, kid, typ: 'zkattest-package+jws' }`. `kid` is the institution id the receiver looks
 * the key up by (INSTITUTION_ID_PATTERN, src/common/ids.ts).
 *
 * The new signature is checked against the public half of `privateJwk` before it is returned,
 * so a JWK whose `x`/`y` do not belong to its `d` fails here rather than at every receiver.
 *
 * @throws ZkAttestError ENVELOPE_INVALID for a bad kid or payload, KEY_INVALID for a private
 *   JWK that is not a usable `alg` key.
 */
export async function signEnvelope(
  payload: Uint8Array,
  opts: { alg: TransportAlg; privateJwk: JsonWebKey; kid: string; egressHead?: EgressHead },
): Promise<string> {
  const alg = checkAlg(opts.alg, 'KEY_INVALID');
  const spec = ALG_SPECS[alg];
  if (!isValidKid(opts.kid)) {
    throw envelopeInvalid(`the kid is an institution id: ${INSTITUTION_ID_RULE}`);
  }
  if (opts.egressHead !== undefined && !isEgressHead(opts.egressHead)) {
    throw envelopeInvalid('the egress head is a seq and a 64-digit hex hash');
  }
  if (!(payload instanceof Uint8Array) || payload.length === 0) {
    throw envelopeInvalid('the payload is a non-empty byte array');
  }
  if (payload.length > MAX_ENVELOPE_PAYLOAD_BYTES) {
    throw envelopeInvalid(`the payload exceeds ${MAX_ENVELOPE_PAYLOAD_BYTES} bytes`);
  }

  const jwk: unknown = opts.privateJwk;
  if (!isPlainObject(jwk) || typeof jwk.d !== 'string' || decodeB64url(jwk.d)?.length !== 32) {
    throw new ZkAttestError('KEY_INVALID', `the transport key is not a private ${alg} JWK`);
  }
  let publicJwk: JsonWebKey;
  try {
    // key_ops of a private JWK say sign, not verify: not a reason to refuse it here.
    publicJwk = validateTransportPublicJwk({ ...jwk, d: undefined, key_ops: undefined }, alg);
  } catch {
    throw new ZkAttestError('KEY_INVALID', `the transport key is not a private ${alg} JWK`);
  }

  const header = {
    alg,
    kid: opts.kid,
    typ: ENVELOPE_TYP,
    ...(opts.egressHead ? { egressHead: formatEgressHead(opts.egressHead) } : {}),
  };
  const signingInput = `${encodeB64url(Buffer.from(JSON.stringify(header)))}.${encodeB64url(payload)}`;
  const data = Buffer.from(signingInput, 'ascii');
  let signature: Uint8Array;
  try {
    const key = await subtle.importKey('jwk', { ...publicJwk, d: jwk.d }, spec.keyParams, false, [
      'sign',
    ]);
    signature = new Uint8Array(await subtle.sign(spec.signParams, key, data));
  } catch {
    throw new ZkAttestError('KEY_INVALID', `the transport key is not a usable ${alg} key`);
  }
  if (
    signature.length !== SIGNATURE_BYTES ||
    !(await verifySignature(alg, publicJwk, signature, data))
  ) {
    throw new ZkAttestError('KEY_INVALID', "the private JWK's public members do not match its d");
  }
  return `${signingInput}.${encodeB64url(signature)}`;
}

/**
 * Parses an envelope strictly and returns its protected header, unverified: use `kid` only to
 * look up the institution's registered key and algorithm, then call {@link verifyEnvelope}.
 *
 * Strict means: exactly three segments of unpadded, canonical base64url; a header that is a
 * JSON object with exactly `alg` (ES256 or EdDSA), `kid` and `typ` (`zkattest-package+jws`)
 * and no duplicate members; a non-empty payload of at most {@link MAX_ENVELOPE_PAYLOAD_BYTES};
 * a 64-byte signature.
 *
 * @throws ZkAttestError ENVELOPE_INVALID otherwise.
 */
export function readEnvelopeHeader(jws: string): EnvelopeHeader {
  return parseEnvelope(jws).header;
}

/**
 * Verifies an envelope against the sending institution's registered public key and returns the
 * payload bytes. `expectedAlg` is the algorithm registered with that key: the header's `alg`
 * must equal it, so a sender can never choose how its envelope is checked (algorithm
 * confusion). The signature is checked over the ASCII of `header.payload` exactly as received.
 *
 * @throws ZkAttestError ENVELOPE_INVALID for a malformed envelope, an `alg` other than the
 *   registered one, or a registered key that is not a public `expectedAlg` key;
 *   ENVELOPE_SIGNATURE_INVALID when the signature does not verify.
 */
export async function verifyEnvelope(
  jws: string,
  publicJwk: JsonWebKey,
  expectedAlg: TransportAlg,
): Promise<Uint8Array> {
  const alg = checkAlg(expectedAlg, 'ENVELOPE_INVALID');
  const envelope = parseEnvelope(jws);
  if (envelope.header.alg !== alg) {
    throw envelopeInvalid(`the envelope's alg is not the registered key's ${alg}`);
  }
  const key = validateTransportPublicJwk(publicJwk, alg);
  const data = Buffer.from(envelope.signingInput, 'ascii');
  if (!(await verifySignature(alg, key, envelope.signature, data))) {
    throw new ZkAttestError(
      'ENVELOPE_SIGNATURE_INVALID',
      'the envelope signature does not verify',
      {
        kid: envelope.header.kid,
      },
    );
  }
  return envelope.payload;
}

/**
 * Checks a JWK submitted for registration as an institution's `alg` transport key and returns
 * it normalized to its public key members only (`kty`, `crv`, `x`, and `y` for P-256).
 *
 * Refused: anything carrying a private member (`d`, ...: a private key must never be
 * registered, or stored, offshore); the wrong `kty`/`crv` for `alg`; an `alg`, `use` or
 * `key_ops` member that contradicts signature verification with `alg`; coordinates that are not
 * 32-byte canonical base64url; a point not on P-256, and for Ed25519 a non-canonical,
 * undecodable or small-order point (any signature verifies under a small-order key).
 * Members that do not affect the key (`kid`, `ext`, ...) are dropped.
 *
 * @throws ZkAttestError ENVELOPE_INVALID.
 */
export function validateTransportPublicJwk(jwk: JsonWebKey, alg: TransportAlg): JsonWebKey {
  const spec = ALG_SPECS[checkAlg(alg, 'ENVELOPE_INVALID')];
  const candidate: unknown = jwk;
  if (!isPlainObject(candidate)) throw envelopeInvalid('the transport key is not a JWK object');
  if (PRIVATE_JWK_MEMBERS.some((member) => candidate[member] !== undefined)) {
    throw envelopeInvalid('the transport key has private members; register the public key only');
  }
  if (candidate.kty !== spec.kty || candidate.crv !== spec.crv) {
    throw envelopeInvalid(`an ${alg} transport key has kty ${spec.kty} and crv ${spec.crv}`);
  }
  if (candidate.alg !== undefined && candidate.alg !== alg) {
    throw envelopeInvalid(`the transport key's alg member is not ${alg}`);
  }
  if (candidate.use !== undefined && candidate.use !== 'sig') {
    throw envelopeInvalid("the transport key's use member is not sig");
  }
  const keyOps = candidate.key_ops;
  if (keyOps !== undefined && !(Array.isArray(keyOps) && keyOps.includes('verify'))) {
    throw envelopeInvalid("the transport key's key_ops do not include verify");
  }
  if (spec.kty === 'OKP' && candidate.y !== undefined) {
    throw envelopeInvalid('an Ed25519 transport key has no y member');
  }

  const out: JsonWebKey = { kty: spec.kty, crv: spec.crv };
  const coordinates: bigint[] = [];
  for (const member of spec.publicMembers) {
    const value = candidate[member];
    const bytes = typeof value === 'string' ? decodeB64url(value) : undefined;
    if (bytes === undefined || bytes.length !== 32) {
      throw envelopeInvalid(`the transport key's ${member} is not 32 bytes of base64url`);
    }
    out[member] = value as string;
    coordinates.push(bytesToBigInt(alg === 'ES256' ? bytes : bytes.reverse()));
  }
  // @peculiar/webcrypto imports points that are not on the curve without complaint, so the
  // point is checked here, once, at registration (and again, cheaply, before each use).
  const pointOk =
    alg === 'ES256' ? isOnP256(coordinates[0], coordinates[1]) : isGoodEd25519Point(coordinates[0]);
  if (!pointOk) throw envelopeInvalid('the transport key is not a valid curve point');
  return out;
}

/**
 * The RFC 7638 thumbprint of an EC or OKP JWK: SHA-256 over its required members in
 * lexicographic order, base64url. A private JWK has the same thumbprint as its public half.
 *
 * @throws ZkAttestError ENVELOPE_INVALID for another key type or a missing member.
 */
export async function jwkThumbprint(jwk: JsonWebKey): Promise<string> {
  if (!isPlainObject(jwk as unknown)) throw envelopeInvalid('a thumbprint is taken of a JWK');
  const members =
    jwk.kty === 'EC' ? (['crv', 'kty', 'x', 'y'] as const) : (['crv', 'kty', 'x'] as const);
  if (jwk.kty !== 'EC' && jwk.kty !== 'OKP') {
    throw envelopeInvalid('a thumbprint is taken of an EC or OKP key');
  }
  const required: Record<string, string> = {};
  for (const member of members) {
    const value = jwk[member];
    if (typeof value !== 'string') throw envelopeInvalid(`the JWK has no ${member} member`);
    required[member] = value;
  }
  // The members are written in sorted order, no whitespace, as RFC 7638 requires.
  const digest = await subtle.digest('SHA-256', Buffer.from(JSON.stringify(required), 'utf8'));
  return encodeB64url(new Uint8Array(digest));
}

interface ParsedEnvelope {
  header: EnvelopeHeader;
  signingInput: string;
  payload: Uint8Array;
  signature: Uint8Array;
}

function parseEnvelope(jws: string): ParsedEnvelope {
  if (typeof jws !== 'string') throw envelopeInvalid('an envelope is a compact JWS string');
  // Bound the work before splitting or decoding anything.
  if (jws.length > MAX_ENVELOPE_LENGTH) throw envelopeInvalid('the envelope is too large');
  const segments = jws.split('.');
  if (segments.length !== 3) throw envelopeInvalid('an envelope has exactly three segments');
  const [headerSegment, payloadSegment, signatureSegment] = segments;
  if (headerSegment.length > MAX_HEADER_SEGMENT) {
    throw envelopeInvalid('the envelope header is too large');
  }
  if (payloadSegment.length > MAX_PAYLOAD_SEGMENT) {
    throw envelopeInvalid('the envelope payload is too large');
  }
  const headerBytes = decodeB64url(headerSegment);
  // An empty payload segment would also be RFC 7515's detached-payload form: not supported.
  const payload = decodeB64url(payloadSegment);
  const signature = decodeB64url(signatureSegment);
  if (headerBytes === undefined || payload === undefined || signature === undefined) {
    throw envelopeInvalid('each envelope segment is non-empty, unpadded, canonical base64url');
  }
  if (signature.length !== SIGNATURE_BYTES) {
    throw envelopeInvalid(`the envelope signature is not ${SIGNATURE_BYTES} bytes`);
  }
  return {
    header: parseHeader(headerBytes),
    signingInput: `${headerSegment}.${payloadSegment}`,
    payload,
    signature,
  };
}

function parseHeader(bytes: Uint8Array): EnvelopeHeader {
  let text: string;
  let parsed: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    parsed = JSON.parse(text);
  } catch {
    throw envelopeInvalid('the envelope header is not UTF-8 JSON');
  }
  if (!isPlainObject(parsed)) throw envelopeInvalid('the envelope header is not a JSON object');
  const names = Object.keys(parsed).sort().join(',');
  if (names !== 'alg,kid,typ' && names !== 'alg,egressHead,kid,typ') {
    // Covers crit, jku, jwk, x5u, x5c, b64 and every other member: none is honoured.
    throw envelopeInvalid('the envelope header has exactly alg, kid, typ and maybe egressHead');
  }
  const { alg, kid, typ } = parsed;
  const egressHead =
    parsed.egressHead === undefined ? undefined : parseEgressHead(parsed.egressHead);
  if (parsed.egressHead !== undefined && !egressHead) {
    throw envelopeInvalid('the envelope egressHead is not <seq>:<64 hex digits>');
  }
  if (typeof alg !== 'string' || !(TRANSPORT_ALGS as readonly string[]).includes(alg)) {
    throw envelopeInvalid(`the envelope alg is not one of ${TRANSPORT_ALGS.join(', ')}`);
  }
  if (typ !== ENVELOPE_TYP) throw envelopeInvalid(`the envelope typ is not ${ENVELOPE_TYP}`);
  if (!isValidKid(kid)) {
    throw envelopeInvalid(`the envelope kid is not an institution id: ${INSTITUTION_ID_RULE}`);
  }
  // JSON.parse keeps the last of duplicate members; RFC 7515 lets a strict reader refuse them
  // instead. Every accepted value is escape-free, so a header without backslashes has exactly
  // 4 quotes per member (name + string value) unless some member appears twice.
  const members = egressHead ? 4 : 3;
  if (text.includes('\\') || text.split('"').length - 1 !== 4 * members) {
    throw envelopeInvalid('the envelope header has duplicate or escaped members');
  }
  return { alg: alg as TransportAlg, kid, ...(egressHead ? { egressHead } : {}) };
}

async function verifySignature(
  alg: TransportAlg,
  publicJwk: JsonWebKey,
  signature: Uint8Array,
  data: Uint8Array,
): Promise<boolean> {
  const spec = ALG_SPECS[alg];
  // The key is imported with the registered algorithm's parameters only: the envelope has no
  // say in how it is verified.
  let key: webcrypto.CryptoKey;
  try {
    key = await subtle.importKey('jwk', publicJwk, spec.keyParams, false, ['verify']);
  } catch {
    throw envelopeInvalid(`the transport key cannot be imported as an ${alg} key`);
  }
  try {
    return await subtle.verify(spec.signParams, key, signature, data);
  } catch {
    return false;
  }
}

function checkAlg(alg: unknown, code: 'ENVELOPE_INVALID' | 'KEY_INVALID'): TransportAlg {
  if (typeof alg !== 'string' || !(TRANSPORT_ALGS as readonly string[]).includes(alg)) {
    throw new ZkAttestError(code, `the transport alg is one of ${TRANSPORT_ALGS.join(', ')}`);
  }
  return alg as TransportAlg;
}

function isValidKid(kid: unknown): kid is string {
  return isInstitutionId(kid);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function envelopeInvalid(message: string): ZkAttestError {
  return new ZkAttestError('ENVELOPE_INVALID', message);
}

function encodeB64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * Strict base64url: non-empty, alphabet only (no padding, whitespace or +/), and canonical
 * (unused trailing bits zero), so each byte string has exactly one accepted encoding.
 * Returns undefined for anything else.
 */
function decodeB64url(text: string): Uint8Array | undefined {
  if (!B64URL_PATTERN.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) return undefined;
  return new Uint8Array(bytes);
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const byte of bytes) n = (n << 8n) | BigInt(byte);
  return n;
}

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function modPow(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

const P256_P = 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n;
const P256_B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;

/** y^2 = x^3 - 3x + b over P-256's field (cofactor 1: on the curve means in the group). */
function isOnP256(x: bigint, y: bigint): boolean {
  if (x >= P256_P || y >= P256_P) return false;
  return mod(y * y - (x * x * x - 3n * x + P256_B), P256_P) === 0n;
}

const ED_P = 2n ** 255n - 19n;
const ED_D = mod(-121665n * modPow(121666n, ED_P - 2n, ED_P), ED_P);
const ED_SQRT_M1 = modPow(2n, (ED_P - 1n) / 4n, ED_P);

/**
 * RFC 8032 section 5.1.3 point decoding of a little-endian encoding (given as an integer),
 * plus a small-order check: [8]A must not be the identity.
 */
function isGoodEd25519Point(encoded: bigint): boolean {
  const sign = encoded >> 255n;
  const y = encoded & ((1n << 255n) - 1n);
  if (y >= ED_P) return false;
  const y2 = (y * y) % ED_P;
  const u = mod(y2 - 1n, ED_P);
  const v = mod(ED_D * y2 + 1n, ED_P);
  const v3 = (v * v * v) % ED_P;
  let x = (u * v3 * modPow(u * v3 * v3 * v, (ED_P - 5n) / 8n, ED_P)) % ED_P;
  const vx2 = (v * x * x) % ED_P;
  if (vx2 === mod(-u, ED_P)) x = (x * ED_SQRT_M1) % ED_P;
  else if (vx2 !== u) return false;
  if (x === 0n && sign === 1n) return false;
  let point: [bigint, bigint] = [x, y];
  for (let i = 0; i < 3; i++) point = edwardsAdd(point, point);
  return !(point[0] === 0n && point[1] === 1n);
}

/** The complete twisted Edwards addition law for a = -1. */
function edwardsAdd([x1, y1]: [bigint, bigint], [x2, y2]: [bigint, bigint]): [bigint, bigint] {
  const t = (ED_D * x1 * x2 * y1 * y2) % ED_P;
  const x3 = (x1 * y2 + y1 * x2) * modPow(1n + t, ED_P - 2n, ED_P);
  const y3 = (y1 * y2 + x1 * x2) * modPow(mod(1n - t, ED_P), ED_P - 2n, ED_P);
  return [mod(x3, ED_P), mod(y3, ED_P)];
}

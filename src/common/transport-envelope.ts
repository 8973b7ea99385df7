/**
 * The transport envelope: an attestation package travels offshore inside a compact JWS
 * (RFC 7515) signed with the sending institution's transport key (see transport-key.ts).
 *
 * The format is deliberately narrow: one protected header with exactly `alg`, `kid` and `typ`
 * (plus, optionally, `egressHead`: the sender's egress log head, see egress-head.ts), an
 * attached non-empty payload, a 64-byte signature. Everything else a general JWS library
 * would accept (unprotected or extra header members, `crit`, `none`, `jku`/`jwk`/`x5u`, detached
 * payloads, padding, JSON serialization) is refused: each is a way for the sender, not the
 * receiver's key registry, to steer verification.
 */
import { MAX_PACKAGE_BYTES } from './attestation-package';
import { ZkAttestError } from './errors';
import { formatEgressHead, isEgressHead, parseEgressHead, type EgressHead } from './egress-head';
import { INSTITUTION_ID_RULE, isInstitutionId, MAX_INSTITUTION_ID_LENGTH } from './ids';
import { decodeB64url, encodeB64url } from './strict-base64url';
import {
  checkAlg,
  isPlainObject,
  signWithTransportKey,
  splitPrivateJwk,
  TRANSPORT_ALGS,
  validateTransportPublicJwk,
  verifyTransportSignature,
  type JsonWebKey,
  type TransportAlg,
} from './transport-key';

// The vocabulary of this module's signatures, for callers that only seal or open envelopes.
export { TRANSPORT_ALGS, type JsonWebKey, type TransportAlg } from './transport-key';

/** The `typ` of every envelope's protected header. */
export const ENVELOPE_TYP = 'zkattest-package+jws';

/**
 * Largest payload an envelope may carry, in bytes: a package (a few kilobytes, about 150 KB
 * for a large book's 128 chunk proofs).
 */
export const MAX_ENVELOPE_PAYLOAD_BYTES = MAX_PACKAGE_BYTES;

/** Longest `kid` (institution id) an envelope may name. */
export const MAX_KID_LENGTH = MAX_INSTITUTION_ID_LENGTH;

const SIGNATURE_BYTES = 64; // ES256 is r||s, 32 bytes each; Ed25519 is R||S, 32 bytes each.
const MAX_HEADER_SEGMENT = 512;
const MAX_PAYLOAD_SEGMENT = Math.ceil((MAX_ENVELOPE_PAYLOAD_BYTES * 4) / 3);
const SIGNATURE_SEGMENT = Math.ceil((SIGNATURE_BYTES * 4) / 3);
/** Longest compact envelope: header, payload and signature segments at their maxima. */
export const MAX_ENVELOPE_LENGTH = MAX_HEADER_SEGMENT + MAX_PAYLOAD_SEGMENT + SIGNATURE_SEGMENT + 2;

/** The protected header of an envelope; `kid` is the sending institution's id. */
export interface EnvelopeHeader {
  alg: TransportAlg;
  kid: string;
  /** The sender's egress log head at the send, when it anchors one. */
  egressHead?: EgressHead;
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
  if (!isInstitutionId(opts.kid)) {
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
  const { publicJwk, d } = splitPrivateJwk(opts.privateJwk, alg);

  const header = {
    alg,
    kid: opts.kid,
    typ: ENVELOPE_TYP,
    ...(opts.egressHead ? { egressHead: formatEgressHead(opts.egressHead) } : {}),
  };
  const signingInput = `${encodeB64url(Buffer.from(JSON.stringify(header)))}.${encodeB64url(payload)}`;
  const data = Buffer.from(signingInput, 'ascii');
  const signature = await signWithTransportKey(alg, publicJwk, d, data);
  if (
    signature.length !== SIGNATURE_BYTES ||
    !(await verifyTransportSignature(alg, publicJwk, signature, data))
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
  if (!(await verifyTransportSignature(alg, key, envelope.signature, data))) {
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
  if (!isInstitutionId(kid)) {
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

function envelopeInvalid(message: string): ZkAttestError {
  return new ZkAttestError('ENVELOPE_INVALID', message);
}

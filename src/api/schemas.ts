import { z } from 'zod';
import { CLAIM_NAMES, claimRequirementsSchema } from '../claims';
import {
  FIELD_ELEMENT_PATTERN,
  HEX64_PATTERN,
  INSTITUTION_ID_PATTERN,
  INSTITUTION_ID_RULE,
  KEY_LABEL_PATTERN,
  KEY_LABEL_RULE,
} from '../common/ids';
import { MAX_ENVELOPE_LENGTH } from '../common/transport-envelope';

/** Request and response schemas: the validation, the types and the OpenAPI document in one. */
const hex64 = z.string().regex(HEX64_PATTERN, 'a 64-digit lowercase hex id');
const fieldElement = z.string().regex(FIELD_ELEMENT_PATTERN, 'a decimal field element');
const jws = z
  .string()
  .max(MAX_ENVELOPE_LENGTH)
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'a compact JWS');

export const submitBody = z.strictObject({ envelope: jws });
export const submitBatchBody = z.strictObject({ envelopes: z.array(jws).min(1).max(64) });
/** An investor's own minimums, checked against the claim's proven parameters. */
export const requirementsSchema = claimRequirementsSchema;
export const verifyBody = z.strictObject({
  package: z.unknown(),
  requirements: requirementsSchema.optional(),
  /** The unit the investor takes amounts in: a proof in any other is refused. */
  unit: z
    .strictObject({
      currency: z.string().regex(/^[A-Z]{3}$/),
      decimals: z.number().int().min(0).max(18),
    })
    .optional(),
});
export const idParam = z.strictObject({ id: hex64 });
export const listQuery = z.strictObject({
  setId: hex64.optional(),
  claim: z.enum(CLAIM_NAMES).optional(),
  commitment: fieldElement.optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export const revokeBody = z.strictObject({ effectiveAt: z.iso.datetime().optional() });
export const institutionBody = z.strictObject({
  id: z.string().regex(INSTITUTION_ID_PATTERN, INSTITUTION_ID_RULE),
  name: z.string().min(1).max(200),
  alg: z.enum(['ES256', 'EdDSA']),
  publicKeyJwk: z.record(z.string(), z.unknown()),
});
export const institutionParam = z.strictObject({ id: institutionBody.shape.id });

/** A P-256 public key (V2SPEC): affine x, y as 64 lowercase hex digits, on the curve. */
export const p256PublicKey = z.strictObject({ x: hex64, y: hex64 });
/** Registers an FX source; `keyId`, if sent, must be sha256(x || y). */
export const keyBody = z.strictObject({
  publicKey: p256PublicKey,
  keyId: hex64.optional(),
  label: z.string().regex(KEY_LABEL_PATTERN, KEY_LABEL_RULE),
  validFrom: z.iso.datetime().optional(),
});
export const keyIdParam = z.strictObject({ keyId: hex64 });
export const keyResponse = z.object({
  keyId: hex64,
  publicKey: p256PublicKey,
  label: z.string(),
  validFrom: z.string(),
  revokedAt: z.string().optional(),
});
export const keyListResponse = z.object({ items: z.array(keyResponse) });
export const keyRevokedResponse = z.object({ keyId: hex64, revokedAt: z.string() });

/**
 * Registers a signer set. Only the envelope is checked here: the members and threshold go to
 * parseSignerSet, so that their problems are SIGNER_SET_INVALID / KEY_MALFORMED.
 */
export const signerSetBody = z.strictObject({
  threshold: z.unknown(),
  signers: z.unknown(),
  validFrom: z.iso.datetime().optional(),
  firstEpoch: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});
export const setIdParam = z.strictObject({ setId: hex64 });
export const epochsQuery = z.strictObject({
  cursor: z.string().max(20).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
const setMember = z.object({ keyId: hex64, publicKey: p256PublicKey, label: z.string() });
export const signerSetResponse = z.object({
  setId: hex64,
  threshold: z.number(),
  signers: z.array(setMember),
  validFrom: z.string(),
  firstEpoch: z.number(),
  revokedAt: z.string().optional(),
});
const chainHead = z.object({
  epoch: z.number(),
  commitment: hex64,
  asOf: z.number(),
  digest: hex64,
});
/** A signed snapshot message as posted and kept (SignedSnapshot). */
const signedSnapshot = z.object({
  message: z.record(z.string(), z.unknown()),
  signerSet: z.object({ threshold: z.number(), keyIds: z.array(hex64) }),
  signatures: z.array(z.object({ keyId: hex64, publicKey: p256PublicKey, signature: z.string() })),
});
export const chainSummary = z.object({ head: chainHead.nullable(), links: z.number() });
export const signerSetListResponse = z.object({
  items: z.array(signerSetResponse.extend({ chain: chainSummary })),
});
export const equivocationEvidence = z.object({
  setId: hex64,
  epoch: z.number(),
  recorded: signedSnapshot,
  conflicting: signedSnapshot,
  detectedAt: z.string(),
});
export const signerSetDetailResponse = signerSetResponse.extend({
  chain: chainSummary,
  equivocations: z.array(equivocationEvidence),
});
export const setRevokedResponse = z.object({ setId: hex64, revokedAt: z.string() });
export const chainLinkResponse = z.object({
  setId: hex64,
  epoch: z.number(),
  prevCommitment: hex64,
  commitment: hex64,
  asOf: z.number(),
  digest: hex64,
  signed: signedSnapshot,
  recordedAt: z.string(),
});
export const chainLinkPage = z.object({
  items: z.array(chainLinkResponse),
  nextCursor: z.string().optional(),
});
export const signedSnapshotBody = signedSnapshot;
export const epochPostedResponse = z.object({
  answer: z.enum(['extends', 'known']),
  link: chainLinkResponse.omit({ signed: true, recordedAt: true }),
});

export const errorResponse = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.object({}).optional() }),
});
export const challengeResponse = z.object({ nonce: z.string(), expiresAt: z.string() });
export const verdictResponse = z.object({
  valid: z.boolean(),
  packageId: hex64,
  claim: z.string(),
  circuitId: z.string(),
  meaning: z.string(),
  /** The claim's amounts as people read them, e.g. `{ liabilities: 'USD 12,500,000.00' }`. */
  amounts: z.record(z.string(), z.string()),
  reasons: z.array(z.string()),
  publicValues: z.record(z.string(), z.unknown()).optional(),
  /** Who signed, with the registry's labels. */
  trust: z
    .object({
      signerSet: z.object({
        setId: hex64,
        threshold: z.number(),
        size: z.number().optional(),
        signers: z.array(z.object({ keyId: hex64, label: z.string().optional() })),
        /** "signed by 2 of 3: Custodian X, Auditor Y". */
        summary: z.string().optional(),
      }),
      fxSource: z.object({ keyId: hex64, label: z.string().optional() }).optional(),
    })
    .optional(),
});
export const recordResponse = z.object({
  id: hex64,
  claim: z.string(),
  circuitId: z.string(),
  commitment: z.string(),
  setId: hex64,
  threshold: z.number(),
  epoch: z.number(),
  prevCommitment: hex64,
  digest: hex64,
  signers: z.array(z.object({ keyId: hex64, label: z.string().optional() })),
  /** "signed by 2 of 3: Custodian X, Auditor Y". */
  signedBy: z.string().optional(),
  currency: z.string(),
  decimals: z.number(),
  amounts: z.record(z.string(), z.string()),
  fx: z
    .object({
      sourceKeyId: hex64,
      label: z.string().optional(),
      asOf: z.number(),
      currencies: z.array(z.string()),
    })
    .optional(),
  asOf: z.number(),
  context: z.string(),
  institution: z.string(),
  valid: z.boolean(),
  reasons: z.array(z.string()),
  meaning: z.string(),
  publicValues: z.record(z.string(), z.unknown()),
  package: z.unknown(),
  recordedAt: z.string(),
  /** The sender's egress log head at the send, as its signed envelope carried it. */
  egressHead: z.object({ seq: z.number(), hash: hex64 }).optional(),
  /** A split coverage proof: the signed rows its capacity is allocated to. */
  allocations: z
    .array(z.object({ chainId: z.string(), token: z.string(), amount: z.string() }))
    .optional(),
});

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

/** Request and response schemas: the validation, the types and the OpenAPI document in one. */
const hex64 = z.string().regex(HEX64_PATTERN, 'a 64-digit lowercase hex id');
const fieldElement = z.string().regex(FIELD_ELEMENT_PATTERN, 'a decimal field element');
const jws = z
  .string()
  .max(64 * 1024)
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
/** Registers a signer key or an FX source; `keyId`, if sent, must be sha256(x || y). */
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
      signers: z.array(z.object({ keyId: hex64, label: z.string().optional() })),
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
  epoch: z.number(),
  signers: z.array(z.object({ keyId: hex64, label: z.string().optional() })),
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
});

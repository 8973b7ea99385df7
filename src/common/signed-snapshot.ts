/**
 * A signed snapshot message: what a signer set signs for one snapshot (one link of its epoch
 * chain), in JSON, with the signatures and the set's membership beside it. It is
 * self-contained: anyone can check that k distinct members of the set signed it, which is what
 * makes two of them for one epoch evidence of equivocation.
 */
import { z } from 'zod';
import type { AttestationPackage } from './attestation-package';
import { ZkAttestError } from './errors';
import { sha256Hex } from './hash';
import { FIELD_ELEMENT_PATTERN, HEX64_PATTERN } from './ids';
import { decodeSignature, parsePublicKey, precheckSignature, signedBy } from './p256';
import { MAX_SIGNERS } from './signer-set';
import { signerSetId, snapshotMessage } from './snapshot-message';

export const hex64Schema = z.string().regex(HEX64_PATTERN, '64 lowercase hex digits');
const hex128 = z.string().regex(/^[0-9a-f]{128}$/, '128 lowercase hex digits');
const unixSeconds = z
  .number()
  .int()
  .min(0)
  .max(2 ** 40 - 1);

/** A P-256 public key (affine coordinates, hex); its keyId is sha256(x || y). */
export const publicKeyHexSchema = z.strictObject({ x: hex64Schema, y: hex64Schema });

/** A P-256 signature (r || s in hex, low-s) and the key that made it. */
export const keySignatureSchema = z.strictObject({
  keyId: hex64Schema,
  publicKey: publicKeyHexSchema,
  signature: hex128,
});

/** Which keys may sign: the set's threshold and its key ids, strictly ascending. */
export const signerSetMembershipSchema = z
  .strictObject({
    threshold: z.number().int().min(1).max(MAX_SIGNERS),
    keyIds: z.array(hex64Schema).min(1).max(MAX_SIGNERS),
  })
  .refine((m) => m.keyIds.every((id, i) => i === 0 || m.keyIds[i - 1]! < id), {
    message: 'keyIds strictly ascending',
    path: ['keyIds'],
  })
  .refine((m) => m.threshold <= m.keyIds.length, {
    message: 'threshold at most the number of keys',
    path: ['threshold'],
  });

export const signaturesSchema = z.array(keySignatureSchema).min(1).max(MAX_SIGNERS);

/** The snapshot message's fields as JSON: bytes32 as hex64, uint256 hashes as decimals. */
export const snapshotMessageJsonSchema = z.strictObject({
  setId: hex64Schema,
  epoch: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  prevCommitment: hex64Schema,
  /** The proof's `commitment` public signal as bytes32. */
  commitment: hex64Schema,
  asOf: unixSeconds,
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code'),
  decimals: z.number().int().min(0).max(18),
  fxTableHash: z.string().regex(FIELD_ELEMENT_PATTERN, 'a decimal field element'),
  allocations: hex64Schema,
  chunks: z
    .number()
    .int()
    .min(0)
    .max(2 ** 16 - 1),
});

export type SnapshotMessageJson = z.infer<typeof snapshotMessageJsonSchema>;

export const signedSnapshotSchema = z.strictObject({
  message: snapshotMessageJsonSchema,
  signerSet: signerSetMembershipSchema,
  signatures: signaturesSchema,
});

export type SignedSnapshot = z.infer<typeof signedSnapshotSchema>;
export type KeySignature = z.infer<typeof keySignatureSchema>;

/** The commitment public signal as the bytes32 the message (and prevCommitment) carry. */
export function commitmentHex(commitment: bigint | string): string {
  return BigInt(commitment).toString(16).padStart(64, '0');
}

/** The bytes signed for a message (see snapshotMessage). */
export function messageBytes(m: SnapshotMessageJson): Uint8Array {
  return snapshotMessage({
    ...m,
    epoch: BigInt(m.epoch),
    commitment: BigInt(`0x${m.commitment}`),
    fxTableHash: BigInt(m.fxTableHash),
  });
}

/** SHA-256 of the signed bytes (hex64): what ECDSA signs, and a message's identity. */
export function snapshotDigest(m: SnapshotMessageJson): string {
  return sha256Hex(messageBytes(m));
}

/** The signed snapshot a package carries. */
export function signedSnapshotOf(pkg: AttestationPackage): SignedSnapshot {
  return {
    message: {
      ...pkg.snapshot,
      commitment: commitmentHex(pkg.publicSignals.commitment),
      fxTableHash: pkg.publicSignals.fxTable,
    },
    signerSet: pkg.signerSet,
    signatures: pkg.signatures,
  };
}

function parsed<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const fields = [...new Set(r.error.issues.map((i) => i.path.join('.') || '(root)'))].join(', ');
  throw new ZkAttestError('SIGNED_SNAPSHOT_INVALID', `malformed ${what}: ${fields}`, { fields });
}

/** @throws ZkAttestError SIGNED_SNAPSHOT_INVALID naming the fields (never their values). */
export function parseSignedSnapshot(value: unknown): SignedSnapshot {
  return parsed(signedSnapshotSchema, value, 'signed snapshot');
}

/** Why the signatures beside a snapshot message do not make it signed by its set. */
export const SIGNATURE_REASONS = [
  'SIGNER_SET_MISMATCH',
  'SIGNER_NOT_IN_SET',
  'SIGNER_DUPLICATE',
  'SIGNATURE_INVALID',
  'THRESHOLD_NOT_MET',
] as const;
export type SignatureReason = (typeof SIGNATURE_REASONS)[number];

export interface SignatureCheck {
  /** sha256 of the message bytes, hex64. */
  digest: string;
  /** Members whose signature checked out, in package order. */
  signers: string[];
  reasons: SignatureReason[];
}

/**
 * Whether at least `threshold` distinct members of the set named by `message.setId` signed the
 * message: the membership must hash to the set id, every signature must be a member's and
 * valid (one bad signature rejects the lot: nothing rides along unchecked), and a member counts
 * once however many encodings of its signature come along.
 *
 * @throws ZkAttestError KEY_MALFORMED, SIGNATURE_MALFORMED (high s included).
 */
export function checkSignatures(signed: SignedSnapshot): SignatureCheck {
  const { message, signerSet, signatures } = signed;
  const reasons = new Set<SignatureReason>();
  if (signerSetId(signerSet.threshold, signerSet.keyIds) !== message.setId) {
    reasons.add('SIGNER_SET_MISMATCH');
  }
  const bytes = messageBytes(message);
  const members = new Set(signerSet.keyIds);
  const seen = new Set<string>();
  const signers: string[] = [];
  // Every entry is well-formed, duplicates too: a high-s twin is malformed, not a repeat.
  signatures.forEach((s, i) => {
    parsePublicKey(s.publicKey, `signatures.${i}.publicKey`);
    decodeSignature(s.signature, `signatures.${i}.signature`);
  });
  for (const s of signatures) {
    if (seen.has(s.keyId)) {
      reasons.add('SIGNER_DUPLICATE');
      continue;
    }
    seen.add(s.keyId);
    if (!members.has(s.keyId)) reasons.add('SIGNER_NOT_IN_SET');
    else if (signedBy(s, bytes)) {
      signers.push(s.keyId);
    } else reasons.add('SIGNATURE_INVALID');
  }
  if (signers.length < signerSet.threshold) reasons.add('THRESHOLD_NOT_MET');
  return { digest: sha256Hex(bytes), signers, reasons: [...reasons] };
}

/**
 * Checks the signatures of a signed snapshot on the thread pool, so that {@link checkSignatures}
 * of it right after answers without computing them on the event loop (same answers: see
 * precheckSignature). Never throws: what is malformed is checkSignatures' to refuse.
 */
export async function precheckSignatures(signed: SignedSnapshot): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = messageBytes(signed.message);
  } catch {
    return;
  }
  await Promise.all(
    signed.signatures.map((s) => precheckSignature(s.publicKey, bytes, s.signature)),
  );
}

/** The type tag of a message file (`zkattest snapshot message`, input of `zkattest sign`). */
export const MESSAGE_FILE_TYPE = 'zkattest.snapshot-message/v2';
/** The type tag of a detached signature file (output of `zkattest sign`). */
export const SIGNATURE_FILE_TYPE = 'zkattest.snapshot-signature/v2';

export const messageFileSchema = z.strictObject({
  type: z.literal(MESSAGE_FILE_TYPE),
  message: snapshotMessageJsonSchema,
  digest: hex64Schema,
});
export type MessageFile = z.infer<typeof messageFileSchema>;

export const detachedSignatureSchema = z.strictObject({
  type: z.literal(SIGNATURE_FILE_TYPE),
  setId: hex64Schema,
  digest: hex64Schema,
  keyId: hex64Schema,
  publicKey: publicKeyHexSchema,
  signature: hex128,
});
export type DetachedSignature = z.infer<typeof detachedSignatureSchema>;

/** A message file; its digest must be the message's (a file edited by hand is refused). */
export function parseMessageFile(value: unknown): MessageFile {
  const file = parsed(messageFileSchema, value, 'snapshot message file');
  if (snapshotDigest(file.message) !== file.digest) {
    throw new ZkAttestError('SIGNED_SNAPSHOT_INVALID', 'the digest is not the message’s', {
      fields: 'digest',
    });
  }
  return file;
}

export function messageFile(message: SnapshotMessageJson): MessageFile {
  return { type: MESSAGE_FILE_TYPE, message, digest: snapshotDigest(message) };
}

/** @throws ZkAttestError SIGNED_SNAPSHOT_INVALID naming the fields. */
export function parseDetachedSignature(value: unknown): DetachedSignature {
  return parsed(detachedSignatureSchema, value, 'detached signature');
}

/**
 * Whether a detached signature is a valid signature of `message` by a member of `signerSet`
 * (for uploads and `prove --signatures`, one at a time, before k of them are put together).
 * @returns the reason it is not, or undefined.
 */
export function detachedSignatureReason(
  sig: DetachedSignature,
  message: SnapshotMessageJson,
  keyIds: readonly string[],
): SignatureReason | 'DIGEST_MISMATCH' | undefined {
  if (sig.setId !== message.setId || sig.digest !== snapshotDigest(message)) {
    return 'DIGEST_MISMATCH';
  }
  if (!keyIds.includes(sig.keyId)) return 'SIGNER_NOT_IN_SET';
  const ok = signedBy(sig, messageBytes(message));
  return ok ? undefined : 'SIGNATURE_INVALID';
}

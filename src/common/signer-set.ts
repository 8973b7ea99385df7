/**
 * Signer sets (statement v2): k of n registered P-256 keys, each with a label saying who holds
 * it (the custodian, an auditor, a trustee). A set is known by its id, a hash of its threshold
 * and keys (see signerSetId), so a set never changes: replacing a signer means a new set.
 */
import { z } from 'zod';
import { ZkAttestError } from './errors';
import { HEX64_PATTERN, KEY_LABEL_PATTERN, KEY_LABEL_RULE } from './ids';
import { checkedKeyId, parsePublicKey, type P256PublicKey } from './p256';
import { signerSetId } from './snapshot-message';

/** The most signers a set may have (the token's calldata and the verifiers' work stay bounded). */
export const MAX_SIGNERS = 8;

/** The type tag of a signer-set file (`zkattest signer-set new`). */
export const SIGNER_SET_FILE_TYPE = 'zkattest.signer-set/v2';

export interface SignerSetMember {
  keyId: string;
  publicKey: P256PublicKey;
  /** Who holds the key, e.g. "Custodian: Bank A" or "Auditor: Firm B". */
  label: string;
}

export interface SignerSet {
  setId: string;
  /** How many distinct members must sign a snapshot (k). */
  threshold: number;
  /** The members (n), ascending by keyId. */
  signers: SignerSetMember[];
}

/** Which keys a package's signatures must come from: the package form of a set. */
export interface SignerSetMembership {
  threshold: number;
  /** Ascending, distinct. */
  keyIds: string[];
}

function invalid(field: string, rule: string): ZkAttestError {
  return new ZkAttestError('SIGNER_SET_INVALID', `${field}: ${rule}`, { field });
}

/**
 * Builds a set from its threshold and members (any order).
 *
 * @throws ZkAttestError SIGNER_SET_INVALID: 1..8 members, distinct keys, a threshold 1..n,
 *   labels of 1..64 printable characters; KEY_MALFORMED for a key that is not a P-256 point.
 */
export function buildSignerSet(
  threshold: unknown,
  members: ReadonlyArray<{ publicKey: unknown; label: unknown; keyId?: unknown }>,
  field = 'signerSet',
): SignerSet {
  if (!Array.isArray(members) || members.length < 1 || members.length > MAX_SIGNERS) {
    throw invalid(`${field}.signers`, `1 to ${MAX_SIGNERS} signers`);
  }
  const signers = members.map((m, i): SignerSetMember => {
    const at = `${field}.signers.${i}`;
    if (typeof m !== 'object' || m === null) throw invalid(at, 'not an object');
    const publicKey = parsePublicKey(m.publicKey, `${at}.publicKey`);
    if (m.keyId !== undefined && (typeof m.keyId !== 'string' || !HEX64_PATTERN.test(m.keyId))) {
      throw invalid(`${at}.keyId`, '64 lowercase hex digits');
    }
    const keyId = checkedKeyId(publicKey, m.keyId as string | undefined);
    if (typeof m.label !== 'string' || !KEY_LABEL_PATTERN.test(m.label)) {
      throw invalid(`${at}.label`, KEY_LABEL_RULE);
    }
    return { keyId, publicKey, label: m.label };
  });
  signers.sort((a, b) => (a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : 0));
  if (signers.some((s, i) => i > 0 && s.keyId === signers[i - 1]!.keyId)) {
    throw invalid(`${field}.signers`, 'a key is named twice');
  }
  if (
    typeof threshold !== 'number' ||
    !Number.isInteger(threshold) ||
    threshold < 1 ||
    threshold > signers.length
  ) {
    throw invalid(`${field}.threshold`, `an integer from 1 to the number of signers`);
  }
  const setId = signerSetId(
    threshold,
    signers.map((s) => s.keyId),
  );
  return { setId, threshold, signers };
}

const setFileSchema = z.object({
  type: z.literal(SIGNER_SET_FILE_TYPE).optional(),
  setId: z.string().optional(),
  threshold: z.unknown(),
  signers: z.array(
    z.object({ publicKey: z.unknown(), label: z.unknown(), keyId: z.unknown().optional() }),
  ),
});

/**
 * Parses a signer set as written by {@link signerSetFile} or typed by hand
 * (`{ threshold, signers: [{ publicKey, label }] }`); a given setId or keyId must be the one
 * the keys give.
 *
 * @throws ZkAttestError SIGNER_SET_INVALID, KEY_MALFORMED.
 */
export function parseSignerSet(value: unknown, field = 'signerSet'): SignerSet {
  const shape = setFileSchema.safeParse(value);
  if (!shape.success) {
    const path = shape.error.issues[0]?.path.join('.') ?? '';
    throw invalid(path ? `${field}.${path}` : field, 'not a signer set');
  }
  const set = buildSignerSet(shape.data.threshold, shape.data.signers, field);
  if (shape.data.setId !== undefined && shape.data.setId !== set.setId) {
    throw invalid(`${field}.setId`, 'not the id of these keys and threshold');
  }
  return set;
}

/** The JSON of a signer-set file. */
export function signerSetFile(set: SignerSet): {
  type: typeof SIGNER_SET_FILE_TYPE;
} & SignerSet {
  return { type: SIGNER_SET_FILE_TYPE, ...set };
}

/** The package form of a set: its threshold and key ids. */
export function setMembership(set: SignerSet): SignerSetMembership {
  return { threshold: set.threshold, keyIds: set.signers.map((s) => s.keyId) };
}

/**
 * "signed by 2 of 3: Custodian X, Auditor Y": who signed (labels, or the start of the key id
 * when the registry gives none) out of how many signers the set has.
 */
export function describeSigners(
  size: number,
  signers: ReadonlyArray<{ keyId: string; label?: string }>,
): string {
  const names = signers.map((s) => s.label ?? `key ${s.keyId.slice(0, 12)}`).join(', ');
  return `signed by ${signers.length} of ${size}: ${names}`;
}

/**
 * The rules of the FX-source registry (and, where they apply, the signer-set registry) that both
 * store implementations share: what
 * a registration must be, when a second one is the same, when a revocation may take effect.
 * Times are kept in `toISOString()` form with a 4-digit year, so that their strings compare as
 * times (the Redis script compares them as strings).
 */
import { ZkAttestError } from '../../common/errors';
import { HEX64_PATTERN, KEY_LABEL_PATTERN, KEY_LABEL_RULE } from '../../common/ids';
import { checkedKeyId, parsePublicKey } from '../../common/p256';
import type { KeyEntry, KeyKind, KeyRegistration } from './store-contracts';
import { invalidArgument, isoMs } from './store-validation';

/** How each kind reads in messages and audit event types. */
export const KEY_KIND_NAME: Record<KeyKind, string> = { fx: 'FX source' };

/** Whether `value` names a register. */
export function isKeyKind(value: unknown): value is KeyKind {
  return value === 'fx';
}

/** Checks the kind argument (a caller's bug otherwise). */
export function checkKind(kind: unknown): asserts kind is KeyKind {
  if (!isKeyKind(kind)) throw invalidArgument('kind', 'not fx');
}

/** Whether a string can be a keyId (anything else is simply not registered). */
export function isKeyId(value: unknown): value is string {
  return typeof value === 'string' && HEX64_PATTERN.test(value);
}

/** An ISO time as `toISOString()` with a 4-digit year (years 0000..9999). */
export function keyTime(value: unknown, field: string): string {
  const iso = new Date(isoMs(value, field)).toISOString();
  if (!/^\d{4}-/.test(iso)) throw invalidArgument(field, 'not a time in years 0000..9999');
  return iso;
}

/** A checked registration: the entry it would create, and whether validFrom was given. */
export interface CheckedRegistration {
  entry: KeyEntry;
  validFromGiven: boolean;
}

/**
 * Checks a registration and builds its entry (validFrom defaults to `nowMs`).
 * @throws ZkAttestError KEY_MALFORMED (key, keyId), STORE_INVALID_ARGUMENT (label, time).
 */
export function checkRegistration(reg: KeyRegistration, nowMs: number): CheckedRegistration {
  if (typeof reg !== 'object' || reg === null) {
    throw invalidArgument('registration', 'not an object');
  }
  const publicKey = parsePublicKey(reg.publicKey);
  const keyId = checkedKeyId(publicKey, reg.keyId);
  if (typeof reg.label !== 'string' || !KEY_LABEL_PATTERN.test(reg.label)) {
    throw invalidArgument('label', KEY_LABEL_RULE);
  }
  const validFromGiven = reg.validFrom !== undefined;
  const validFrom = keyTime(
    validFromGiven ? reg.validFrom : new Date(nowMs).toISOString(),
    'validFrom',
  );
  return { entry: { keyId, publicKey, label: reg.label, validFrom }, validFromGiven };
}

/**
 * Whether registering `wanted` again over `stored` is the same registration (idempotent); a
 * validFrom left out matches any. Throws CONFLICT otherwise, naming the fields that differ.
 */
export function checkSameRegistration(
  kind: KeyKind,
  stored: KeyEntry,
  wanted: CheckedRegistration,
): void {
  const differs = [
    stored.publicKey.x !== wanted.entry.publicKey.x ||
    stored.publicKey.y !== wanted.entry.publicKey.y
      ? 'publicKey'
      : undefined,
    stored.label !== wanted.entry.label ? 'label' : undefined,
    wanted.validFromGiven && stored.validFrom !== wanted.entry.validFrom ? 'validFrom' : undefined,
  ].filter((f): f is string => f !== undefined);
  if (differs.length > 0) {
    throw new ZkAttestError(
      'CONFLICT',
      `the ${KEY_KIND_NAME[kind]} is registered with another ${differs.join(' and ')}`,
      { fields: differs.join(',') },
    );
  }
}

/** REQUEST_INVALID: a revocation that would precede the key's (or set's) validFrom. */
export function revokedBeforeValid(kind: KeyKind | 'signerSet'): ZkAttestError {
  const what = kind === 'signerSet' ? 'signer set' : KEY_KIND_NAME[kind];
  return new ZkAttestError('REQUEST_INVALID', `effectiveAt: before the ${what}'s validFrom`, {
    field: 'effectiveAt',
  });
}

/** Listing order: validFrom, then keyId. */
export function byValidFrom(a: KeyEntry, b: KeyEntry): number {
  if (a.validFrom !== b.validFrom) return a.validFrom < b.validFrom ? -1 : 1;
  return a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : 0;
}

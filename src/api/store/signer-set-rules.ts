/**
 * The signer-set registry's rules, shared by both stores: the key registry's (one time format,
 * an identical registration is a no-op, other data CONFLICT, revocation never moved later nor
 * before validFrom) applied to sets, whose id already fixes their keys and threshold.
 */
import { ZkAttestError } from '../../common/errors';
import { HEX64_PATTERN } from '../../common/ids';
import { buildSignerSet } from '../../common/signer-set';
import { keyTime } from './key-registry-rules';
import type { SignerSetEntry, SignerSetRegistration } from './store-contracts';
import { invalidArgument } from './store-validation';

/** Whether a string can be a setId (anything else is simply not registered). */
export function isSetId(value: unknown): value is string {
  return typeof value === 'string' && HEX64_PATTERN.test(value);
}

/** A checked registration: the entry it would create, and which optional fields were given. */
export interface CheckedSetRegistration {
  entry: SignerSetEntry;
  validFromGiven: boolean;
  firstEpochGiven: boolean;
}

/**
 * Checks a registration and builds its entry (validFrom defaults to `nowMs`, firstEpoch to 0).
 * @throws ZkAttestError SIGNER_SET_INVALID, KEY_MALFORMED (members), STORE_INVALID_ARGUMENT
 * (time, firstEpoch).
 */
export function checkSetRegistration(
  reg: SignerSetRegistration,
  nowMs: number,
): CheckedSetRegistration {
  if (typeof reg !== 'object' || reg === null) {
    throw invalidArgument('registration', 'not an object');
  }
  const set = buildSignerSet(reg.threshold, reg.signers);
  const validFromGiven = reg.validFrom !== undefined;
  const validFrom = keyTime(
    validFromGiven ? reg.validFrom : new Date(nowMs).toISOString(),
    'validFrom',
  );
  const firstEpochGiven = reg.firstEpoch !== undefined;
  const firstEpoch = reg.firstEpoch ?? 0;
  if (!Number.isSafeInteger(firstEpoch) || firstEpoch < 0) {
    throw invalidArgument('firstEpoch', 'not a non-negative integer');
  }
  return { entry: { ...set, validFrom, firstEpoch }, validFromGiven, firstEpochGiven };
}

/**
 * Whether registering `wanted` again over `stored` is the same registration (idempotent); a
 * validFrom or firstEpoch left out matches any. Throws CONFLICT otherwise, naming the fields.
 */
export function checkSameSetRegistration(
  stored: SignerSetEntry,
  wanted: CheckedSetRegistration,
): void {
  const labels = (e: SignerSetEntry) => e.signers.map((s) => s.label).join('\n');
  const differs = [
    labels(stored) !== labels(wanted.entry) ? 'labels' : undefined,
    wanted.validFromGiven && stored.validFrom !== wanted.entry.validFrom ? 'validFrom' : undefined,
    wanted.firstEpochGiven && stored.firstEpoch !== wanted.entry.firstEpoch
      ? 'firstEpoch'
      : undefined,
  ].filter((f): f is string => f !== undefined);
  if (differs.length > 0) {
    throw new ZkAttestError(
      'CONFLICT',
      `the signer set is registered with other ${differs.join(' and ')}`,
      { fields: differs.join(',') },
    );
  }
}

/** Listing order: validFrom, then setId. */
export function setsByValidFrom(a: SignerSetEntry, b: SignerSetEntry): number {
  if (a.validFrom !== b.validFrom) return a.validFrom < b.validFrom ? -1 : 1;
  return a.setId < b.setId ? -1 : a.setId > b.setId ? 1 : 0;
}

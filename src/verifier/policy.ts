import {
  claimMeetsRequirements,
  type AmountUnit,
  type ClaimRequirements,
  type ClaimValues,
} from '../claims';

export type { ClaimRequirements };

/** A registered P-256 key (an FX source) as a verifier knows it. */
export interface KeyStatus {
  /** sha256(x || y), 64 lowercase hex digits. */
  keyId: string;
  /** Affine coordinates, 64 lowercase hex digits each. */
  publicKey: { x: string; y: string };
  label: string;
  /** ISO time from which the key's signatures count. */
  validFrom: string;
  /** ISO effective time of revocation; signatures as of this time or later fail. */
  revokedAt?: string;
}

/** A registered signer set as a verifier knows it: its members' labels and trust window. */
export interface SignerSetStatus {
  setId: string;
  threshold: number;
  /** Every member, ascending by keyId. */
  signers: Array<{ keyId: string; publicKey: { x: string; y: string }; label: string }>;
  /** ISO time from which the set's signatures count. */
  validFrom: string;
  /** ISO effective time of retirement; snapshots dated this time or later fail. */
  revokedAt?: string;
  /** The epoch the set's chain starts at. */
  firstEpoch: number;
}

/** Where a verifier looks up signer sets and FX sources (the API's registry, a file...). */
export interface KeyDirectory {
  getSignerSet(setId: string): Promise<SignerSetStatus | undefined>;
  getFxSource(keyId: string): Promise<KeyStatus | undefined>;
}

/** The verifier's own challenges: single-use nonces that bind a proof to one verification. */
export interface ChallengeLedger {
  /**
   * Consumes a nonce atomically for `consumer` (a package id): 'ok' the first time and again
   * for the same consumer (so a resubmitted package is not refused), 'used' for any other;
   * 'unknown' if never issued or expired.
   */
  consume(nonce: string, consumer: string): Promise<'ok' | 'unknown' | 'used'>;
  /** Looks without consuming. */
  peek(nonce: string): Promise<'ok' | 'unknown' | 'used'>;
}

/** A verifier's policy: what it takes, beyond a valid proof, to accept an attestation. */
export interface VerificationPolicy {
  /** Oldest acceptable snapshot, seconds before now. */
  maxAgeSeconds: number;
  /** How far in the future an as-of time may be, for clocks that disagree. */
  maxClockSkewSeconds: number;
  /** The context must be a challenge this verifier issued (and it is consumed). */
  requireChallenge: boolean;
  requirements?: ClaimRequirements;
  /** The unit the investor takes amounts in; a proof in any other currency or decimals fails. */
  requiredUnit?: AmountUnit;
  /** Oldest acceptable FX rates, seconds before now (FX source as-of time). */
  maxFxAgeSeconds: number;
}

export const DEFAULT_POLICY: VerificationPolicy = {
  maxAgeSeconds: 7 * 24 * 3600,
  maxClockSkewSeconds: 300,
  requireChallenge: true,
  maxFxAgeSeconds: 2 * 24 * 3600,
};

/** Why a well-formed attestation was not accepted. Stable strings: clients match on them. */
export type PolicyReason =
  | 'SNAPSHOT_STALE'
  | 'SNAPSHOT_FROM_FUTURE'
  | 'CONTEXT_UNKNOWN'
  | 'CONTEXT_REUSED'
  | 'REQUIREMENT_NOT_MET'
  | 'UNIT_NOT_ACCEPTED'
  | 'FX_STALE'
  | 'FX_FROM_FUTURE'
  | 'SIGNER_SET_UNKNOWN'
  | 'SIGNER_SET_NOT_YET_VALID'
  | 'SIGNER_SET_REVOKED'
  | 'FX_SOURCE_UNKNOWN'
  | 'FX_SOURCE_NOT_YET_VALID'
  | 'FX_SOURCE_REVOKED';

export const KEY_TRUST_REASONS = {
  signerSet: ['SIGNER_SET_UNKNOWN', 'SIGNER_SET_NOT_YET_VALID', 'SIGNER_SET_REVOKED'],
  fx: ['FX_SOURCE_UNKNOWN', 'FX_SOURCE_NOT_YET_VALID', 'FX_SOURCE_REVOKED'],
} as const satisfies Record<'signerSet' | 'fx', readonly PolicyReason[]>;

/**
 * Whether a signer set (snapshot) or an FX source (rate table) was trusted at `at`, Unix
 * seconds (the signed asOf): validFrom <= at < revokedAt.
 */
export function keyTrustReasons(
  kind: 'signerSet' | 'fx',
  status: { validFrom: string; revokedAt?: string } | undefined,
  at: number,
): PolicyReason[] {
  const [unknown, notYetValid, revoked] = KEY_TRUST_REASONS[kind];
  if (!status) return [unknown];
  const ms = at * 1000;
  // A time that does not parse trusts nothing (NaN compares false both ways).
  const from = Date.parse(status.validFrom);
  if (!(ms >= from)) return [notYetValid];
  if (status.revokedAt !== undefined && !(ms < Date.parse(status.revokedAt))) return [revoked];
  return [];
}

/** Whether a signed time is within `maxAge` seconds of now, and not past the clock skew. */
function ageReasons(
  at: number,
  maxAge: number,
  skew: number,
  nowMs: number,
  [stale, future]: [PolicyReason, PolicyReason],
): PolicyReason[] {
  const now = Math.floor(nowMs / 1000);
  if (at > now + skew) return [future];
  if (now - at > maxAge) return [stale];
  return [];
}

/** Whether the snapshot is fresh: not older than the policy allows, not from the future. */
export function freshnessReasons(
  policy: VerificationPolicy,
  asOf: number,
  nowMs: number,
): PolicyReason[] {
  return ageReasons(asOf, policy.maxAgeSeconds, policy.maxClockSkewSeconds, nowMs, [
    'SNAPSHOT_STALE',
    'SNAPSHOT_FROM_FUTURE',
  ]);
}

/** Whether the proven parameters are at least as strong as the investor requires. */
export function requirementReasons(
  requirements: ClaimRequirements | undefined,
  values: ClaimValues,
): PolicyReason[] {
  return claimMeetsRequirements(values, requirements) ? [] : ['REQUIREMENT_NOT_MET'];
}

/** Whether the FX rates are fresh: not older than the policy allows, not from the future. */
export function fxFreshnessReasons(
  policy: VerificationPolicy,
  fxAsOf: number,
  nowMs: number,
): PolicyReason[] {
  return ageReasons(fxAsOf, policy.maxFxAgeSeconds, policy.maxClockSkewSeconds, nowMs, [
    'FX_STALE',
    'FX_FROM_FUTURE',
  ]);
}

/** Whether the proof's amounts are in the unit the investor takes. */
export function unitReasons(required: AmountUnit | undefined, proven: AmountUnit): PolicyReason[] {
  if (!required) return [];
  return required.currency === proven.currency && required.decimals === proven.decimals
    ? []
    : ['UNIT_NOT_ACCEPTED'];
}

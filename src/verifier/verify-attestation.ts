import {
  freshnessReasons,
  fxFreshnessReasons,
  keyTrustReasons,
  requirementReasons,
  unitReasons,
  type KeyDirectory,
  type KeyStatus,
  type ChallengeLedger,
  type PolicyReason,
  type VerificationPolicy,
} from './policy';
import type { VerificationKeyRegistry } from './verification-keys';
import {
  verifyPackage,
  type ProofOptions,
  type RejectionReason,
  type Verdict,
} from './verify-package';

export interface VerifierContext {
  registry: VerificationKeyRegistry;
  /** Registered snapshot signer keys and FX sources. */
  keys: KeyDirectory;
  /** Required when the policy requires challenges. */
  challenges?: ChallengeLedger;
  policy: VerificationPolicy;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
}

/** A registered key as a verdict names it: its id and the registry's label, when known. */
export interface NamedKey {
  keyId: string;
  label?: string;
}

export interface AttestationVerdict extends Omit<Verdict, 'reasons'> {
  reasons: Array<RejectionReason | PolicyReason>;
  /** Who signed, with the labels the registry gives them (absent when nothing decoded). */
  trust?: { signers: NamedKey[]; fxSource?: NamedKey };
}

const named = (keyId: string, status: KeyStatus | undefined): NamedKey =>
  status ? { keyId, label: status.label } : { keyId };

/**
 * Verifies an attestation package: the proof (verifyPackage), then what its public signals
 * mean against the policy, as separate steps (a valid proof signed by an unregistered key is
 * still refused). With `consume`, a challenge context is used up, and only when everything else
 * passed, so a rejected submission does not burn the investor's challenge.
 */
export async function verifyAttestation(
  candidate: unknown,
  ctx: VerifierContext,
  opts: ({ consume: false } | { consume: true; consumer: string }) & ProofOptions,
): Promise<AttestationVerdict> {
  const verdict = await verifyPackage(candidate, ctx.registry, opts);
  const reasons: AttestationVerdict['reasons'] = [...verdict.reasons];
  const values = verdict.publicValues;
  let trust: AttestationVerdict['trust'];
  if (values) {
    const now = ctx.now?.() ?? Date.now();
    trust = { signers: [] };
    for (const keyId of values.signers) {
      const status = await ctx.keys.getSigner(keyId);
      trust.signers.push(named(keyId, status));
      reasons.push(...keyTrustReasons('signer', status, values.asOf));
    }
    if (values.fx) {
      const { sourceKeyId, asOf } = values.fx;
      const status = await ctx.keys.getFxSource(sourceKeyId);
      trust.fxSource = named(sourceKeyId, status);
      reasons.push(
        ...keyTrustReasons('fx', status, asOf),
        ...fxFreshnessReasons(ctx.policy, asOf, now),
      );
    }
    reasons.push(
      ...freshnessReasons(ctx.policy, values.asOf, now),
      ...unitReasons(ctx.policy.requiredUnit, values),
      ...requirementReasons(ctx.policy.requirements, values),
    );
    if (ctx.policy.requireChallenge) {
      if (!ctx.challenges) throw new Error('the policy requires challenges but has no ledger');
      const ledger = ctx.challenges;
      const state =
        reasons.length === 0 && opts.consume
          ? await ledger.consume(values.context, opts.consumer)
          : await ledger.peek(values.context);
      if (state === 'unknown') reasons.push('CONTEXT_UNKNOWN');
      if (state === 'used') reasons.push('CONTEXT_REUSED');
    }
  }
  return { ...verdict, valid: reasons.length === 0, reasons, ...(trust ? { trust } : {}) };
}

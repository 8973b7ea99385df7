import {
  freshnessReasons,
  fxFreshnessReasons,
  KEY_TRUST_REASONS,
  keyTrustReasons,
  requirementReasons,
  unitReasons,
  type KeyDirectory,
  type ChallengeLedger,
  type PolicyReason,
  type VerificationPolicy,
} from './policy';
import { SIGNATURE_REASONS, signedSnapshotOf } from '../common/signed-snapshot';
import { describeSigners } from '../common/signer-set';
import { chainReasons, linkOf, type ChainReason, type EpochChainLedger } from './epoch-chain';
import type { VerificationKeyRegistry } from './verification-keys';
import {
  parsePackage,
  verifyParsedPackage,
  type ProofOptions,
  type RejectionReason,
  type Verdict,
} from './verify-package';

export interface VerifierContext {
  registry: VerificationKeyRegistry;
  /** Registered signer sets and FX sources. */
  keys: KeyDirectory;
  /** The signer sets' epoch chains; without one, epochs are not checked (a one-off check). */
  chain?: EpochChainLedger;
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

/** Who signed a snapshot: the set, its size and threshold, and the members that signed. */
export interface SignerSetTrust {
  setId: string;
  threshold: number;
  /** The set's member count, when the registry knows the set. */
  size?: number;
  /** Members that signed, with the registry's labels. */
  signers: NamedKey[];
  /** "signed by 2 of 3: Custodian X, Auditor Y" (absent for a set the registry does not know). */
  summary?: string;
}

export interface AttestationVerdict extends Omit<Verdict, 'reasons'> {
  reasons: Array<RejectionReason | PolicyReason | ChainReason>;
  /** Who signed, with the labels the registry gives them (absent when nothing decoded). */
  trust?: { signerSet: SignerSetTrust; fxSource?: NamedKey };
}

const named = (keyId: string, label: string | undefined): NamedKey =>
  label === undefined ? { keyId } : { keyId, label };

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
  const pkg = parsePackage(candidate);
  const verdict = await verifyParsedPackage(pkg, ctx.registry, opts);
  const reasons: AttestationVerdict['reasons'] = [...verdict.reasons];
  const values = verdict.publicValues;
  let trust: AttestationVerdict['trust'];
  let firstEpoch: number | undefined;
  if (values) {
    const now = ctx.now?.() ?? Date.now();
    const set = await ctx.keys.getSignerSet(values.setId);
    const labels = new Map(set?.signers.map((m) => [m.keyId, m.label]));
    const signers = values.signers.map((keyId) => named(keyId, labels.get(keyId)));
    trust = {
      signerSet: {
        setId: values.setId,
        threshold: values.threshold,
        signers,
        ...(set
          ? { size: set.signers.length, summary: describeSigners(set.signers.length, signers) }
          : {}),
      },
    };
    reasons.push(...keyTrustReasons('signerSet', set, values.asOf));
    firstEpoch = set?.firstEpoch;
    if (values.fx) {
      const { sourceKeyId, asOf } = values.fx;
      const status = await ctx.keys.getFxSource(sourceKeyId);
      trust.fxSource = named(sourceKeyId, status?.label);
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
    if (ctx.chain && firstEpoch !== undefined && signaturesTrusted(reasons)) {
      const signed = signedSnapshotOf(pkg);
      const link = linkOf(signed.message, values.digest);
      // A snapshot message signed by a trusted set is a chain link whatever the proof beside
      // it is worth, and two of them for one epoch are evidence: recording keeps both.
      const answer = opts.consume
        ? await ctx.chain.append(link, firstEpoch, signed)
        : await ctx.chain.peek(link, firstEpoch);
      reasons.push(...chainReasons(answer));
    }
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

// Reasons that the set's signatures or the set's trust failed: then the message is no link.
const SIGNATURE_TRUST_REASONS: ReadonlySet<string> = new Set<string>([
  ...SIGNATURE_REASONS,
  ...KEY_TRUST_REASONS.signerSet,
]);

/** Whether k members of a set trusted at the snapshot's time signed it (the proof aside). */
function signaturesTrusted(reasons: readonly string[]): boolean {
  return !reasons.some((r) => SIGNATURE_TRUST_REASONS.has(r));
}

import { packageId, packageSignals, type AttestationPackage } from '../common/attestation-package';
import type { EgressHead } from '../common/egress-head';
import { ZkAttestError } from '../common/errors';
import { readEnvelopeHeader, verifyEnvelope } from '../common/transport-envelope';
import {
  parsePackage,
  ProofBatcher,
  verifyAttestation,
  verifyPackage,
  type AttestationVerdict,
  type ClaimRequirements,
  type VerifierContext,
} from '../verifier';
import type { Logger } from '../common/logger';
import { keyDirectory } from './key-directory';
import type { Metrics } from './metrics';
import type { AmountUnit } from '../claims';
import { statementId } from '../common/statement-id';
import type { AttestationRecord, Stores } from './store';

export interface ServiceDeps {
  stores: Stores;
  verifier: Omit<VerifierContext, 'keys' | 'challenges' | 'chain'>;
  logger: Logger;
  metrics: Metrics;
}

interface Opened {
  kid: string;
  egressHead?: EgressHead;
  pkg: AttestationPackage;
  /** The package's own id (its bytes), as opposed to the statement's. */
  packageId: string;
}

type Refused = { status: 'rejected'; error: ZkAttestError };

/** The outcome of one submission: recorded (new or already there) or refused with a code. */
export type SubmitOutcome = { status: 'created' | 'existing'; record: AttestationRecord } | Refused;

/**
 * The offshore attestation workflow, independent of HTTP: open the institution's envelope,
 * verify the package against the policy, record it once, and audit every decision.
 */
export class AttestationService {
  private readonly batcher = new ProofBatcher();

  constructor(private readonly deps: ServiceDeps) {}

  /** The verifier context bound to this service's stores. */
  context(): VerifierContext {
    const { stores } = this.deps;
    const { challenges } = stores;
    return {
      ...this.deps.verifier,
      keys: keyDirectory(stores),
      // Recording appends the snapshot's chain link (or keeps equivocation evidence); a check
      // only peeks.
      chain: stores.chains,
      challenges: {
        consume: (nonce, consumer) => challenges.consume(nonce, consumer),
        peek: (nonce) => challenges.peek(nonce),
      },
    };
  }

  /** Verifies and records one enveloped package. Refusals are outcomes, not exceptions. */
  submit(envelope: string): Promise<SubmitOutcome> {
    return this.settle(async () => this.record(await this.open(envelope)));
  }

  /**
   * Checks a package without recording it or consuming its challenge, optionally against an
   * investor's own requirements (instead of the server's).
   */
  async check(
    candidate: unknown,
    requirements?: ClaimRequirements,
    unit?: AmountUnit,
  ): Promise<AttestationVerdict> {
    const pkg = parsePackage(candidate);
    const ctx = this.context();
    if (requirements) ctx.policy = { ...ctx.policy, requirements };
    if (unit) ctx.policy = { ...ctx.policy, requiredUnit: unit };
    const verdict = await verifyAttestation(pkg, ctx, {
      consume: false,
      proofValid: await this.proofValid(pkg),
    });
    this.deps.metrics.verifications.inc({ claim: verdict.claim, outcome: outcome(verdict) });
    await this.audit({
      type: 'verify.checked',
      packageId: verdict.packageId,
      valid: verdict.valid,
      reasons: verdict.reasons.join(','),
    });
    return verdict;
  }

  /**
   * Verifies and records many enveloped packages. They are checked concurrently, so the
   * proof batcher verifies the proofs of each circuit together with one multi-pairing, except
   * that a signer set's later epochs wait for its earlier ones.
   */
  async submitBatch(envelopes: readonly string[]): Promise<SubmitOutcome[]> {
    const opened = await Promise.all(envelopes.map((e) => this.settle(() => this.open(e))));
    const outcomes: Array<SubmitOutcome | undefined> = opened.map((o) =>
      'status' in o ? o : undefined,
    );
    // A set's snapshots go onto its epoch chain in epoch order (epoch 1 lands before 2, not a
    // gap); packages of one epoch, and of other sets, still go together (one multi-pairing).
    const ready = opened.flatMap((o, index) => ('status' in o ? [] : [{ index, o }]));
    // A package's wave: how many distinct earlier epochs of its set the batch holds.
    const waves = new Map<number, typeof ready>();
    for (const item of ready) {
      const { setId, epoch } = item.o.pkg.snapshot;
      const earlier = new Set(
        ready
          .map((x) => x.o.pkg.snapshot)
          .filter((s) => s.setId === setId && s.epoch < epoch)
          .map((s) => s.epoch),
      ).size;
      waves.set(earlier, [...(waves.get(earlier) ?? []), item]);
    }
    for (const wave of [...waves.keys()].sort((a, b) => a - b)) {
      await Promise.all(
        waves.get(wave)!.map(async ({ index, o }) => {
          outcomes[index] = await this.settle(() => this.record(o));
        }),
      );
    }
    return outcomes as SubmitOutcome[];
  }

  /** The proof's answer, through the batcher; unknown circuits and keys are coded errors. */
  private async proofValid(pkg: AttestationPackage): Promise<boolean> {
    const key = this.deps.verifier.registry.get(pkg.circuitId, pkg.vkeyHash);
    const signals = packageSignals(pkg);
    return this.batcher.verify(`${pkg.circuitId}:${pkg.vkeyHash}`, key.vk, signals, pkg.proof);
  }

  /** Runs one step of a submission; a coded refusal becomes the outcome (and is audited). */
  private async settle<T>(work: () => Promise<T>): Promise<T | Refused> {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof ZkAttestError) || err.code === 'STORE_UNAVAILABLE') throw err;
      await this.audit({ type: 'attestation.refused', code: err.code });
      return { status: 'rejected', error: err };
    }
  }

  /** Opens an envelope: a registered, unrevoked institution's valid signature over a package. */
  private async open(envelope: string): Promise<Opened> {
    const { stores } = this.deps;
    const { kid, egressHead } = readEnvelopeHeader(envelope);
    const institution = await stores.registry.getInstitution(kid);
    if (!institution) {
      throw new ZkAttestError(
        'INSTITUTION_UNKNOWN',
        'the envelope names an unregistered institution',
      );
    }
    if (institution.revokedAt && Date.parse(institution.revokedAt) <= Date.now()) {
      throw new ZkAttestError('INSTITUTION_REVOKED', 'the institution has been revoked', { kid });
    }
    const payload = await verifyEnvelope(envelope, institution.publicKeyJwk, institution.alg);
    let candidate: unknown;
    try {
      candidate = JSON.parse(Buffer.from(payload).toString('utf8'));
    } catch {
      throw new ZkAttestError('PACKAGE_INVALID', 'the envelope payload is not JSON');
    }
    const pkg = parsePackage(candidate);
    return { kid, pkg, packageId: packageId(pkg), ...(egressHead ? { egressHead } : {}) };
  }

  /**
   * Records the statement the package proves, once. Every later valid proof of the same
   * statement (the same package again, a re-randomised or negated proof, other metadata) is
   * answered with the first record, which is never changed: first write wins.
   */
  private async record(o: Opened): Promise<SubmitOutcome> {
    const { stores } = this.deps;
    const { kid, pkg, egressHead } = o;
    const id = statementId(pkg);
    const existing = await stores.attestations.get(id);
    if (existing) return this.repeat(existing, o);

    // The challenge is consumed for the statement, so every copy of it passes the same way.
    const verdict = await verifyAttestation(pkg, this.context(), {
      consume: true,
      consumer: id,
      proofValid: await this.proofValid(pkg),
    });
    this.deps.metrics.verifications.inc({ claim: verdict.claim, outcome: outcome(verdict) });
    if (!verdict.valid || !verdict.publicValues) {
      await this.audit({
        type: 'attestation.rejected',
        packageId: o.packageId,
        institution: kid,
        reasons: verdict.reasons.join(','),
      });
      throw rejected(o.packageId, verdict.reasons);
    }
    const {
      commitment,
      asOf,
      context,
      setId,
      threshold,
      epoch,
      prevCommitment,
      digest,
      signers: _signers,
      currency,
      decimals,
      fx,
      allocations,
      ...rest
    } = verdict.publicValues;
    // verifyAttestation names the signers (with labels) whenever it decoded public values, and
    // a valid verdict means the registry knows the set (so it has a summary).
    const trust = verdict.trust!;
    const { signerSet } = trust;
    const { created, record } = await stores.attestations.putIfAbsent({
      id,
      claim: verdict.claim,
      circuitId: verdict.circuitId,
      commitment,
      setId,
      threshold,
      epoch,
      prevCommitment,
      digest,
      signers: signerSet.signers,
      ...(signerSet.summary ? { signedBy: signerSet.summary } : {}),
      currency,
      decimals,
      amounts: verdict.amounts,
      ...(fx
        ? { fx: { ...fx, ...(trust.fxSource?.label ? { label: trust.fxSource.label } : {}) } }
        : {}),
      asOf,
      context,
      institution: kid,
      valid: true,
      reasons: [],
      meaning: verdict.meaning,
      publicValues: rest,
      package: pkg,
      recordedAt: new Date().toISOString(),
      // The sender's log head, signed in the envelope: its egress reconcile compares.
      ...(egressHead ? { egressHead } : {}),
      ...(allocations ? { allocations } : {}),
    });
    if (!created) return this.repeat(record, o, true); // lost a race; its proof is checked
    await this.audit({
      type: 'attestation.recorded',
      attestationId: id,
      packageId: o.packageId,
      institution: kid,
    });
    return { status: 'created', record };
  }

  /**
   * A statement already recorded: its policy checks were passed when it was recorded, so only
   * the new package itself is checked (a proof that does not verify is still refused).
   */
  private async repeat(
    record: AttestationRecord,
    o: Opened,
    verified = false,
  ): Promise<SubmitOutcome> {
    const { pkg } = o;
    const recorded = packageId(record.package as AttestationPackage) === o.packageId;
    if (!recorded && !verified) {
      const verdict = await verifyPackage(pkg, this.deps.verifier.registry, {
        proofValid: await this.proofValid(pkg),
      });
      if (!verdict.valid) throw rejected(o.packageId, verdict.reasons);
    }
    await this.audit({
      type: 'attestation.repeated',
      attestationId: record.id,
      packageId: o.packageId,
      institution: o.kid,
    });
    return { status: 'existing', record };
  }

  private async audit(event: Parameters<Stores['audit']['append']>[0]): Promise<void> {
    await this.deps.stores.audit.append(event);
  }
}

function rejected(packageId: string, reasons: readonly string[]): ZkAttestError {
  return new ZkAttestError('ATTESTATION_REJECTED', `rejected: ${reasons.join(', ')}`, {
    packageId,
    reasons: reasons.join(','),
  });
}

function outcome(v: AttestationVerdict): string {
  return v.valid ? 'valid' : (v.reasons[0] ?? 'invalid').toLowerCase();
}

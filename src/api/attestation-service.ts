import {
  packageId,
  PUBLIC_SIGNAL_ORDER,
  type AttestationPackage,
} from '../common/attestation-package';
import type { EgressHead } from '../common/egress-head';
import { ZkAttestError } from '../common/errors';
import { readEnvelopeHeader, verifyEnvelope } from '../common/transport-envelope';
import {
  parsePackage,
  ProofBatcher,
  verifyAttestation,
  type AttestationVerdict,
  type ClaimRequirements,
  type VerifierContext,
} from '../verifier';
import type { Logger } from '../common/logger';
import type { Metrics } from './metrics';
import type { AttestationRecord, Stores } from './store';

export interface ServiceDeps {
  stores: Stores;
  verifier: Omit<VerifierContext, 'attestors' | 'challenges'>;
  logger: Logger;
  metrics: Metrics;
}

interface Opened {
  kid: string;
  egressHead?: EgressHead;
  pkg: AttestationPackage;
  id: string;
}

/** The outcome of one submission: recorded (new or already there) or refused with a code. */
export type SubmitOutcome =
  | { status: 'created' | 'existing'; record: AttestationRecord }
  | { status: 'rejected'; error: ZkAttestError };

/**
 * The offshore attestation workflow, independent of HTTP: open the institution's envelope,
 * verify the package against the policy, record it once, and audit every decision.
 */
export class AttestationService {
  private readonly batcher = new ProofBatcher();

  constructor(private readonly deps: ServiceDeps) {}

  /** The verifier context bound to this service's stores. */
  context(): VerifierContext {
    const { registry, challenges } = this.deps.stores;
    return {
      ...this.deps.verifier,
      attestors: {
        getAttestor: async (keyHash) => {
          const a = await registry.getAttestor(keyHash);
          return a && { keyHash, validFrom: a.registeredAt, revokedAt: a.revokedAt };
        },
      },
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
  async check(candidate: unknown, requirements?: ClaimRequirements): Promise<AttestationVerdict> {
    const pkg = parsePackage(candidate);
    const ctx = this.context();
    if (requirements) ctx.policy = { ...ctx.policy, requirements };
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
   * proof batcher verifies the proofs of each circuit together with one multi-pairing.
   */
  submitBatch(envelopes: readonly string[]): Promise<SubmitOutcome[]> {
    return Promise.all(envelopes.map((e) => this.submit(e)));
  }

  /** The proof's answer, through the batcher; unknown circuits and keys are coded errors. */
  private async proofValid(pkg: AttestationPackage): Promise<boolean> {
    const key = this.deps.verifier.registry.get(pkg.circuitId, pkg.vkeyHash);
    const signals = PUBLIC_SIGNAL_ORDER.map((n) => pkg.publicSignals[n]);
    return this.batcher.verify(`${pkg.circuitId}:${pkg.vkeyHash}`, key.vk, signals, pkg.proof);
  }

  private async settle(work: () => Promise<SubmitOutcome>): Promise<SubmitOutcome> {
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
    return { kid, pkg, id: packageId(pkg), ...(egressHead ? { egressHead } : {}) };
  }

  private async record(o: Opened): Promise<SubmitOutcome> {
    const { stores } = this.deps;
    const { kid, pkg, id, egressHead } = o;
    // Idempotent on the package hash: a package already recorded is answered from the record.
    const existing = await stores.attestations.get(id);
    if (existing) return { status: 'existing', record: existing };

    const verdict = await verifyAttestation(pkg, this.context(), {
      consume: true,
      consumer: id,
      proofValid: await this.proofValid(pkg),
    });
    this.deps.metrics.verifications.inc({ claim: verdict.claim, outcome: outcome(verdict) });
    if (!verdict.valid || !verdict.publicValues) {
      await this.audit({
        type: 'attestation.rejected',
        packageId: id,
        institution: kid,
        reasons: verdict.reasons.join(','),
      });
      throw new ZkAttestError('ATTESTATION_REJECTED', `rejected: ${verdict.reasons.join(', ')}`, {
        packageId: id,
        reasons: verdict.reasons.join(','),
      });
    }
    const { commitment, attestor, asOf, context, ...rest } = verdict.publicValues;
    const { created, record } = await stores.attestations.putIfAbsent({
      id,
      claim: verdict.claim,
      circuitId: verdict.circuitId,
      commitment,
      attestor,
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
    });
    if (created) {
      await this.audit({ type: 'attestation.recorded', packageId: id, institution: kid });
    }
    return { status: created ? 'created' : 'existing', record };
  }

  private async audit(event: Parameters<Stores['audit']['append']>[0]): Promise<void> {
    await this.deps.stores.audit.append(event);
  }
}

function outcome(v: AttestationVerdict): string {
  return v.valid ? 'valid' : (v.reasons[0] ?? 'invalid').toLowerCase();
}

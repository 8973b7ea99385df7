import * as snarkjs from 'snarkjs';
import { claimMeaning, claimValues, type ClaimValues } from '../claims';
import {
  checkPackage,
  packageId,
  PUBLIC_SIGNAL_ORDER,
  type AttestationPackage,
} from '../common/attestation-package';
import { ZkAttestError } from '../common/errors';
import { unpackStatement } from '../common/statement';
import type { VerificationKeyRegistry } from './verification-keys';

/** Why a well-formed package was not accepted. */
export type RejectionReason = 'PROOF_INVALID' | 'CLAIM_MISMATCH' | 'STATEMENT_INVALID';

export interface Verdict {
  valid: boolean;
  packageId: string;
  claim: AttestationPackage['claim'];
  circuitId: string;
  /** Plain-words meaning of the claim (what a valid proof establishes). */
  meaning: string;
  /** Decoded public values; present when the statement decodes. */
  publicValues?: {
    commitment: string;
    attestor: string;
    context: string;
    asOf: number;
  } & ClaimValues;
  reasons: RejectionReason[];
}

export interface ProofOptions {
  /** The proof's answer when already known from a batch verification of this exact package. */
  proofValid?: boolean;
}

/** Parses an untrusted package: a malformed one is an error, never a "false". */
export function parsePackage(candidate: unknown): AttestationPackage {
  const checked = checkPackage(candidate);
  if (checked.ok) return checked.package;
  const { kind, fields } = checked.problem;
  const list = fields.join(', ');
  throw kind === 'schema'
    ? new ZkAttestError('PACKAGE_INVALID', `malformed package: ${list}`, { fields: list })
    : new ZkAttestError('SIGNAL_OUT_OF_FIELD', `outside its field: ${list}`, { fields: list });
}

/**
 * Checks a package's Groth16 proof against the verification key it names, and decodes what
 * its public signals claim. An invalid proof is an answer (`valid: false` with reasons);
 * a malformed package or an unknown key is a ZkAttestError.
 */
export async function verifyPackage(
  candidate: unknown,
  registry: VerificationKeyRegistry,
  opts: ProofOptions = {},
): Promise<Verdict> {
  const pkg = parsePackage(candidate);
  const key = registry.get(pkg.circuitId, pkg.vkeyHash);
  const reasons: RejectionReason[] = [];
  if (key.entry.claim !== pkg.claim) reasons.push('CLAIM_MISMATCH');

  const signals = PUBLIC_SIGNAL_ORDER.map((name) => pkg.publicSignals[name]);
  const proofOk = opts.proofValid ?? (await snarkjs.groth16.verify(key.vk, signals, pkg.proof));
  if (!proofOk) reasons.push('PROOF_INVALID');

  const parts = unpackStatement(BigInt(pkg.publicSignals.statement));
  if (!parts) reasons.push('STATEMENT_INVALID');
  const values = parts ? claimValues(key.entry.claim, parts) : undefined;
  return {
    valid: reasons.length === 0,
    packageId: packageId(pkg),
    claim: pkg.claim,
    circuitId: pkg.circuitId,
    meaning: parts && values ? claimMeaning(values, parts.asOf) : 'undecodable statement',
    ...(parts && values
      ? {
          publicValues: {
            commitment: pkg.publicSignals.commitment,
            attestor: pkg.publicSignals.attestor,
            context: parts.context.toString(),
            asOf: Number(parts.asOf),
            ...values,
          },
        }
      : {}),
    reasons,
  };
}

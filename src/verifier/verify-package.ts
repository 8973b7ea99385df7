import { claimAmounts, claimMeaning, claimValues, type ClaimValues } from '../claims';
import {
  checkPackage,
  packageId,
  packageSignals,
  type AttestationPackage,
} from '../common/attestation-package';
import {
  allocatedTotal,
  allocationsHash,
  parseAllocationTable,
  type AllocationRow,
} from '../common/allocations';
import { ZkAttestError } from '../common/errors';
import { fxMessage, fxTableHashWith, isIdentityTable } from '../common/fx-table';
import { signedBy } from '../common/p256';
import { loadPoseidon } from '../common/poseidon';
import { checkSignatures, signedSnapshotOf, type SignatureReason } from '../common/signed-snapshot';
import { ZERO_BYTES32 } from '../common/snapshot-message';
import { unpackStatement } from '../common/statement';
import { largeBookFindings, type LargeBookReason } from './large-book';
import type { VerificationKeyRegistry } from './verification-keys';
import { verifyProof } from './verify-proof';

/** Why a well-formed package was not accepted. */
export type RejectionReason =
  | 'PROOF_INVALID'
  | 'CLAIM_MISMATCH'
  | 'STATEMENT_INVALID'
  | 'FX_TABLE_MISMATCH'
  | 'UNIT_MISMATCH'
  | SignatureReason
  | 'FX_SIGNATURE_MISSING'
  | 'FX_SIGNATURE_INVALID'
  | 'ALLOCATIONS_MISMATCH'
  | 'ALLOCATIONS_OVER_CAPACITY'
  | LargeBookReason;

/** The FX rates a proof converted with, and who signed them when: absent for one currency. */
export interface FxUse {
  sourceKeyId: string;
  /** The FX source's as-of time, unix seconds. */
  asOf: number;
  /** Currencies converted, besides the reporting one. */
  currencies: string[];
}

export interface Verdict {
  valid: boolean;
  packageId: string;
  claim: AttestationPackage['claim'];
  circuitId: string;
  /** Plain-words meaning of the claim (what a valid proof establishes). */
  meaning: string;
  /** The claim's amounts as people read them, e.g. `{ liabilities: 'USD 12,500,000.00' }`. */
  amounts: Record<string, string>;
  /** Decoded public values; present when the statement decodes. */
  publicValues?: {
    commitment: string;
    context: string;
    asOf: number;
    /** The reporting unit every amount is in. */
    currency: string;
    decimals: number;
    setId: string;
    /** How many distinct members of the set had to sign. */
    threshold: number;
    epoch: number;
    /** The previous snapshot's commitment in the set's epoch chain (bytes32 hex). */
    prevCommitment: string;
    /** SHA-256 of the signed snapshot message: one snapshot, one digest. */
    digest: string;
    /** Members whose signatures over the snapshot message checked out (registry trust aside). */
    signers: string[];
    fx?: FxUse;
    /** The signed split of a coverage capacity across deployments (chain id, token, amount). */
    allocations?: AllocationRow[];
  } & ClaimValues;
  reasons: RejectionReason[];
  /** A large book's chunk proofs that do not verify, by index (present iff some). */
  invalidChunks?: number[];
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
 * Checks a package's Groth16 proof against the verification key it names, the snapshot
 * signatures (k distinct members of its signer set) and FX source signature beside it (cryptographically: whether those keys are
 * trusted is the policy's question, see verifyAttestation), and decodes what its public
 * signals claim. An invalid proof or signature is an answer (`valid: false` with reasons);
 * a malformed package, key or signature, or an unknown verification key, is a ZkAttestError.
 */
export async function verifyPackage(
  candidate: unknown,
  registry: VerificationKeyRegistry,
  opts: ProofOptions = {},
): Promise<Verdict> {
  return verifyParsedPackage(parsePackage(candidate), registry, opts);
}

/** {@link verifyPackage} of a package parsePackage already returned (not parsed again). */
export async function verifyParsedPackage(
  pkg: AttestationPackage,
  registry: VerificationKeyRegistry,
  opts: ProofOptions = {},
): Promise<Verdict> {
  const key = registry.get(pkg.circuitId, pkg.vkeyHash);
  const reasons: RejectionReason[] = [];
  if (key.entry.claim !== pkg.claim) reasons.push('CLAIM_MISMATCH');
  // A large book's chunk proofs and their chain (LARGESPEC §6); nothing for a single proof.
  const large = await largeBookFindings(pkg, key, registry);

  const signals = packageSignals(pkg);
  const proofOk = opts.proofValid ?? (await verifyProof(key.vk, signals, pkg.proof));
  if (!proofOk) reasons.push('PROOF_INVALID');

  const { snapshot: snap, fx } = pkg;
  const unit = { currency: snap.currency, decimals: snap.decimals };
  const poseidon = await loadPoseidon();
  // Checks the table too (FX_TABLE_INVALID / FX_RATE_INVALID naming the row).
  const tableHash = fxTableHashWith(poseidon, fx.table);
  if (tableHash.toString() !== pkg.publicSignals.fxTable) reasons.push('FX_TABLE_MISMATCH');
  if (
    fx.table.reporting.currency !== unit.currency ||
    fx.table.reporting.decimals !== unit.decimals
  ) {
    reasons.push('UNIT_MISMATCH');
  }

  // k distinct members of the set the package names, the set hashing to the signed setId.
  const { digest, signers, reasons: signatureReasons } = checkSignatures(signedSnapshotOf(pkg));
  reasons.push(...signatureReasons);

  const identity = isIdentityTable(fx.table);
  let fxUse: FxUse | undefined;
  if (!identity) {
    if (!fx.source) reasons.push('FX_SIGNATURE_MISSING');
    else if (!signedBy(fx.source, fxMessage(tableHash, unit, fx.source.asOf))) {
      reasons.push('FX_SIGNATURE_INVALID');
    } else {
      fxUse = {
        sourceKeyId: fx.source.keyId,
        asOf: fx.source.asOf,
        currencies: fx.table.rows.map((r) => r.currency).filter((c) => c !== unit.currency),
      };
    }
  }

  const parts = unpackStatement(BigInt(pkg.publicSignals.statement));
  if (!parts) reasons.push('STATEMENT_INVALID');
  const values = parts ? claimValues(pkg.claim, parts) : undefined;
  reasons.push(...allocationReasons(pkg, values));
  for (const reason of large?.reasons ?? []) if (!reasons.includes(reason)) reasons.push(reason);
  return {
    valid: reasons.length === 0,
    packageId: packageId(pkg),
    claim: pkg.claim,
    circuitId: pkg.circuitId,
    meaning: values ? claimMeaning(values, snap.asOf, unit) : 'undecodable statement',
    amounts: values ? claimAmounts(values, unit) : {},
    ...(parts && values
      ? {
          publicValues: {
            commitment: pkg.publicSignals.commitment,
            context: parts.context.toString(),
            asOf: snap.asOf,
            currency: unit.currency,
            decimals: unit.decimals,
            setId: snap.setId,
            threshold: pkg.signerSet.threshold,
            epoch: snap.epoch,
            prevCommitment: snap.prevCommitment,
            digest,
            signers,
            ...(fxUse ? { fx: fxUse } : {}),
            ...(pkg.allocations ? { allocations: pkg.allocations.rows } : {}),
            ...values,
          },
        }
      : {}),
    reasons,
    ...(large && large.invalidChunks.length > 0 ? { invalidChunks: large.invalidChunks } : {}),
  };
}

/**
 * The allocation table beside the signed `snapshot.allocations`: present iff that hash is not
 * zero, in canonical order, hashing to it, on a coverage claim, summing to at most the proven
 * capacity (liabilities). The amounts and the capacity are public, so this is every
 * verifier's own check (no circuit needed).
 *
 * @throws ZkAttestError ALLOCATIONS_INVALID for a table no custodian could have signed (a
 *   deployment named twice).
 */
function allocationReasons(
  pkg: AttestationPackage,
  values: ClaimValues | undefined,
): RejectionReason[] {
  const signed = pkg.snapshot.allocations !== ZERO_BYTES32;
  if (!pkg.allocations) return signed ? ['ALLOCATIONS_MISMATCH'] : [];
  const table = parseAllocationTable(pkg.allocations);
  const canonical = JSON.stringify(table) === JSON.stringify(pkg.allocations);
  if (!signed || !canonical || allocationsHash(table) !== pkg.snapshot.allocations) {
    return ['ALLOCATIONS_MISMATCH'];
  }
  // Only a coverage claim proves a capacity to split.
  if (pkg.claim !== 'coverage' || values?.claim !== 'coverage') return ['ALLOCATIONS_MISMATCH'];
  return allocatedTotal(table) > BigInt(values.liabilities) ? ['ALLOCATIONS_OVER_CAPACITY'] : [];
}

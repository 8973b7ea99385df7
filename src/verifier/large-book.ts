import {
  CHUNK_SIGNAL_ORDER,
  FINAL_SIGNAL_ORDER,
  type AttestationPackage,
} from '../common/attestation-package';
import { ZkAttestError } from '../common/errors';
import { CHUNK_SLOTS, START } from '../common/large-book-accumulator';
import { batchVerify } from './batch-verify';
import type { VerificationKey, VerificationKeyRegistry } from './verification-keys';

/** Why a large book's chunk proofs do not make one book (LARGESPEC §6). */
export type LargeBookReason = 'CHUNK_CHAIN_BROKEN' | 'CHUNK_MISMATCH' | 'PROOF_INVALID';

export interface LargeBookFindings {
  reasons: LargeBookReason[];
  /** Indices of the chunk proofs that do not verify (batchVerify's bisection names them). */
  invalidChunks: number[];
}

/**
 * Checks the chunk proofs of a large book's package against its final proof: C = the signed
 * `chunks` = the number of entries, a power of two in 2..128; every chunk on the final's
 * commitment and FX table; a chain from START through every link to chunkSet; every chunk
 * proof valid under the chunk circuit's key, all in ONE batchVerify. Answers undefined for a
 * single-proof package (its verdict is unchanged).
 *
 * @throws ZkAttestError PACKAGE_INVALID for chunks beside a single-proof circuit or a final
 *   proof without them; ARTIFACT_MISMATCH when the manifest's public signals are not the
 *   LARGESPEC ones (snarkjs would zero-pad missing signals); CIRCUIT_UNKNOWN / VKEY_UNKNOWN
 *   for a chunk key the registry does not hold or allow.
 */
export async function largeBookFindings(
  pkg: AttestationPackage,
  key: VerificationKey,
  registry: VerificationKeyRegistry,
): Promise<LargeBookFindings | undefined> {
  const chunkCircuit = key.entry.chunkCircuit;
  if (chunkCircuit === undefined) {
    if (pkg.chunks !== undefined || pkg.publicSignals.chunkSet !== undefined) {
      throw new ZkAttestError('PACKAGE_INVALID', `${pkg.circuitId} takes no chunk proofs`, {
        fields: 'chunks',
      });
    }
    return undefined;
  }
  const chunks = pkg.chunks;
  const chunkSet = pkg.publicSignals.chunkSet;
  if (chunks === undefined || chunkSet === undefined) {
    throw new ZkAttestError('PACKAGE_INVALID', `${pkg.circuitId} needs its chunk proofs`, {
      fields: 'chunks',
    });
  }
  expectSignals(key, FINAL_SIGNAL_ORDER);
  const chunkKey = registry.getById(chunkCircuit);
  expectSignals(chunkKey, CHUNK_SIGNAL_ORDER);

  const reasons = new Set<LargeBookReason>();
  const count = chunks.length;
  const powerOfTwo = (count & (count - 1)) === 0;
  if (
    count !== pkg.snapshot.chunks ||
    !powerOfTwo ||
    count * CHUNK_SLOTS > key.entry.maxPositions
  ) {
    reasons.add('CHUNK_CHAIN_BROKEN');
  }
  const { commitment, fxTable } = pkg.publicSignals;
  if (
    chunks.some(
      (c) => c.publicSignals.commitment !== commitment || c.publicSignals.fxTable !== fxTable,
    )
  ) {
    reasons.add('CHUNK_MISMATCH');
  }
  const linked = chunks.every(
    (c, k) =>
      c.publicSignals.accIn === (k === 0 ? START.toString() : chunks[k - 1]!.publicSignals.accOut),
  );
  if (!linked || chunks[count - 1]!.publicSignals.accOut !== chunkSet) {
    reasons.add('CHUNK_CHAIN_BROKEN');
  }

  const answers = await batchVerify(
    chunkKey.vk,
    chunks.map((c) => ({
      publicSignals: CHUNK_SIGNAL_ORDER.map((name) => c.publicSignals[name]),
      proof: c.proof,
    })),
  );
  const invalidChunks = answers.flatMap((ok, k) => (ok ? [] : [k]));
  if (invalidChunks.length > 0) reasons.add('PROOF_INVALID');
  return { reasons: [...reasons], invalidChunks };
}

/** The manifest's public signals must be the ones the package names, in order. */
function expectSignals(key: VerificationKey, names: readonly string[]): void {
  if (key.entry.publicSignals.join(',') !== names.join(',')) {
    throw new ZkAttestError(
      'ARTIFACT_MISMATCH',
      `${key.circuitId} has public signals other than ${names.join(', ')}`,
      { circuitId: key.circuitId },
    );
  }
}

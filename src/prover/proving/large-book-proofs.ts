/**
 * Proving a large book (LARGESPEC §7): C chunk proofs under the chunk circuit, each from the
 * book, its salt and FX table alone (blinds derived from the salt), then one final proof of
 * the claim that opens the last accumulator. The reference values (src/prover/snapshot/
 * large-book.ts) check every proof's public signals.
 */
import type * as snarkjs from 'snarkjs';
import type { AttestationPackage } from '../../common/attestation-package';
import { type ArtifactManifest } from '../../common/artifact-manifest';
import { ZkAttestError } from '../../common/errors';
import { CHUNK_SLOTS } from '../../common/large-book-accumulator';
import type { ClaimParams } from '../../claims';
import {
  accumulatorChain,
  chunkCircuitInput,
  chunkPublicSignals,
  derivedBlinds,
  finalCircuitInput,
  planLargeBook,
  type ChunkChain,
  type LargeBookPlan,
} from '../snapshot/large-book';
import type { Primitives } from '../snapshot/primitives';
import type { FxBook } from './fx-book';
import type { CachedWitnessCalculator } from './witness-calculator';
import type { Groth16Prover } from './groth16-prover';

/** One chunk proof as a package holds it: public data, it may sit in Redis or cross the border. */
export type ChunkProof = NonNullable<AttestationPackage['chunks']>[number];

/** A proof and its public signals, as snarkjs answers. */
interface Groth16Output {
  proof: snarkjs.Groth16Proof;
  publicSignals: string[];
}

/** A circuit ready to prove: its witness calculator and parsed proving key. */
export interface ProvingCircuit {
  id: string;
  witness: CachedWitnessCalculator;
  groth16: Groth16Prover;
}

/** A book planned for chunk proofs: slots, commitment and the accumulator chain. */
export interface PlannedLargeBook {
  plan: LargeBookPlan;
  chain: ChunkChain;
}

/** Whether a book of `positions` positions is proved in chunks (more than one circuit's 32). */
export function isLargeBook(positions: number): boolean {
  return positions > CHUNK_SLOTS;
}

/**
 * The final circuit proving `claim` for a large book of `positions` positions: the smallest
 * manifest entry of the claim with a chunk circuit that holds them.
 */
export function largeCircuitFor(
  manifest: ArtifactManifest,
  claim: string,
  positions: number,
): string | undefined {
  return Object.entries(manifest.circuits)
    .filter(([, e]) => e.claim === claim && e.chunkCircuit !== undefined)
    .filter(([, e]) => e.maxPositions >= positions)
    .sort(([, a], [, b]) => a.maxPositions - b.maxPositions)
    .map(([id]) => id)[0];
}

/** Plans a book and its chain with the blinds its salt derives (the same on every worker). */
export function planBook(p: Primitives, book: FxBook, salt: bigint): PlannedLargeBook {
  const plan = planLargeBook(p, book, salt);
  return { plan, chain: accumulatorChain(p, plan, derivedBlinds(p, salt, plan.chunks)) };
}

async function groth16(circuit: ProvingCircuit, input: Record<string, unknown>) {
  const wtns = await circuit.witness.witness(input);
  return (await circuit.groth16.prove(wtns)) as Groth16Output;
}

function proofOf(out: Groth16Output): AttestationPackage['proof'] {
  const { pi_a, pi_b, pi_c, protocol, curve } = out.proof;
  return { pi_a, pi_b, pi_c, protocol, curve } as AttestationPackage['proof'];
}

/**
 * Proves chunk k of a planned book.
 *
 * @throws ZkAttestError ARTIFACT_MISMATCH when the proof's public signals are not the
 *   reference ones (circuit and TypeScript disagree).
 */
export async function proveChunkOf(
  circuit: ProvingCircuit,
  book: PlannedLargeBook,
  k: number,
): Promise<ChunkProof> {
  const { plan, chain } = book;
  if (!Number.isInteger(k) || k < 0 || k >= plan.chunks) {
    throw new RangeError(`chunk index ${k} outside 0..${plan.chunks - 1}`);
  }
  const out = await groth16(circuit, chunkCircuitInput(plan, chain, k));
  const publicSignals = chunkPublicSignals(plan, chain, k);
  const expected = [
    publicSignals.commitment,
    publicSignals.fxTable,
    publicSignals.accIn,
    publicSignals.accOut,
  ];
  if (out.publicSignals.join(',') !== expected.join(',')) {
    throw new ZkAttestError('ARTIFACT_MISMATCH', `${circuit.id} computed another chunk ${k}`, {
      chunk: k,
    });
  }
  return { publicSignals, proof: proofOf(out) };
}

/**
 * Checks chunk results (proved here or by workers) against the book: C of them, each with
 * the reference public signals of its index, so a result of another snapshot, salt or order
 * is caught before the final proof is made.
 */
export function checkChunkResults(book: PlannedLargeBook, chunks: readonly ChunkProof[]): void {
  const { plan, chain } = book;
  if (chunks.length !== plan.chunks) {
    throw new ZkAttestError(
      'ARTIFACT_MISMATCH',
      `the book has ${plan.chunks} chunks, ${chunks.length} chunk proofs were given`,
      { chunks: plan.chunks, given: chunks.length },
    );
  }
  chunks.forEach((chunk, k) => {
    const expected = chunkPublicSignals(plan, chain, k);
    const given = chunk.publicSignals;
    if (
      given.commitment !== expected.commitment ||
      given.fxTable !== expected.fxTable ||
      given.accIn !== expected.accIn ||
      given.accOut !== expected.accOut
    ) {
      throw new ZkAttestError('ARTIFACT_MISMATCH', `chunk proof ${k} is not of this book`, {
        chunk: k,
      });
    }
  });
}

/**
 * Proves the final claim over a planned book; answers the package's publicSignals and proof.
 *
 * @throws ZkAttestError ARTIFACT_MISMATCH when the proof's commitment, table or chunkSet is
 *   not the reference one.
 */
export async function proveFinal(
  circuit: ProvingCircuit,
  book: PlannedLargeBook,
  params: ClaimParams,
  context: bigint,
): Promise<Pick<AttestationPackage, 'publicSignals' | 'proof'>> {
  const { plan, chain } = book;
  const out = await groth16(circuit, finalCircuitInput(plan, chain, params, context));
  const [commitment, statement, fxTable, chunkSet] = out.publicSignals;
  if (
    out.publicSignals.length !== 4 ||
    commitment !== plan.commitment.toString() ||
    fxTable !== plan.book.tableHash.toString() ||
    chunkSet !== chain.accs[plan.chunks]!.toString()
  ) {
    throw new ZkAttestError('ARTIFACT_MISMATCH', `${circuit.id} computed another commitment`);
  }
  return {
    publicSignals: { commitment, statement: statement!, fxTable, chunkSet },
    proof: proofOf(out),
  };
}

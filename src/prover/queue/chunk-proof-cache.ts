/**
 * Chunk proofs per snapshot, in Redis (LARGESPEC §7). A chunk proof depends only on the book,
 * its salt and FX table (derived blinds), and it is public data: it leaves inside every package
 * of the snapshot. So the C chunk proofs of a snapshot serve every claim on it: a later claim's
 * chunk jobs take them from here instead of proving again. Nothing secret is stored: the proof
 * and its four public signals, keyed by the snapshot id (already in every job payload).
 */
import type { RedisConnection } from '../../common/redis-client';
import type { ChunkProof, PlannedLargeBook } from '../proving/large-book-proofs';
import { chunkPublicSignals } from '../snapshot/large-book';

/** As long as a completed job is kept. */
const TTL_SECONDS = 7 * 24 * 3600;

export class ChunkProofCache {
  constructor(
    private readonly redis: RedisConnection,
    private readonly queueName: string,
  ) {}

  /** The cached proof of chunk k of `planned`, if one with exactly its public signals is kept. */
  async get(
    snapshotId: string,
    planned: PlannedLargeBook,
    k: number,
  ): Promise<ChunkProof | undefined> {
    const raw = await this.redis.get(this.key(snapshotId, planned.plan.chunks, k));
    if (raw === null) return undefined;
    const cached = JSON.parse(raw) as Partial<ChunkProof>;
    const expected = chunkPublicSignals(planned.plan, planned.chain, k);
    const given = cached.publicSignals;
    // Another salt or book under the same id (a re-sealed snapshot) has other signals: prove.
    const same =
      given !== undefined &&
      cached.proof !== undefined &&
      given.commitment === expected.commitment &&
      given.fxTable === expected.fxTable &&
      given.accIn === expected.accIn &&
      given.accOut === expected.accOut;
    return same ? (cached as ChunkProof) : undefined;
  }

  async put(snapshotId: string, chunks: number, k: number, proof: ChunkProof): Promise<void> {
    await this.redis.set(this.key(snapshotId, chunks, k), JSON.stringify(proof), 'EX', TTL_SECONDS);
  }

  private key(snapshotId: string, chunks: number, k: number): string {
    return `zkattest:${this.queueName}:chunk-proof:{${snapshotId}}:${chunks}:${k}`;
  }
}

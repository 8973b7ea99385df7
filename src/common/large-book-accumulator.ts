import type { PoseidonHash } from './poseidon';

/**
 * The hidden accumulator a large book's chunk proofs chain (LARGESPEC §3), shared by the
 * prover (which computes it) and the verifier (which checks chunk 0 starts from START).
 */

/** Slots per chunk (circuits/claims/chunk_step.circom: ChunkStep(32, 7)). */
export const CHUNK_SLOTS = 32;
/** Largest tree depth: at most 2^7 = 128 chunks, 4,096 slots. */
export const MAX_CHUNK_DEPTH = 7;

/** The state after `n` chunks; every sum over the converted values c_j = value_j * rate_j. */
export interface AccumulatorState {
  n: bigint;
  /** sum c_j * (10000 - haircutBps_j) */
  cover: bigint;
  /** sum c_j */
  value: bigint;
  /** sum c_j * yieldBps_j */
  yieldW: bigint;
  /** max c_j (0 if none) */
  maxC: bigint;
  /** OR of 1 << assetClass_j over the slots with value_j != 0 */
  mask: bigint;
  /** the largest filled asset id so far (0 if none) */
  last: bigint;
}

/** The state before chunk 0: every field 0. */
export const EMPTY_ACCUMULATOR: Readonly<AccumulatorState> = Object.freeze({
  n: 0n,
  cover: 0n,
  value: 0n,
  yieldW: 0n,
  maxC: 0n,
  mask: 0n,
  last: 0n,
});

/** acc = Poseidon(n, cover, value, yieldW, maxC, mask, last, blind), as AccumulatorHash. */
export function accumulatorHash(
  poseidon: PoseidonHash,
  s: AccumulatorState,
  blind: bigint,
): bigint {
  return poseidon([s.n, s.cover, s.value, s.yieldW, s.maxC, s.mask, s.last, blind]);
}

/**
 * START = Poseidon(0, 0, 0, 0, 0, 0, 0, 0): the empty state with blind 0, the public accIn of
 * chunk 0 (a test recomputes it).
 */
export const START = 0x35ebc384d320413c9b97d446bf7de69e04d6278d68d52934a4f5f653348622an;

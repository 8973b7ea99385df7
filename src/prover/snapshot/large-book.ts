/**
 * The TypeScript reference of a large book (LARGESPEC): 33..4,096 positions proved as C chunk
 * proofs (ChunkStep(32, 7), circuit chunk-32) chained by hidden accumulators, and one final
 * proof of the claim (coverage-4096, yield-range-4096, concentration-4096). Everything here
 * is computed exactly as the circuits compute it; the circuit inputs carry their signal names.
 */
import { claimCircuitInputs, type ClaimParams } from '../../claims';
import { ZkAttestError } from '../../common/errors';
import { sha256Hex } from '../../common/hash';
import {
  accumulatorHash,
  CHUNK_SLOTS,
  EMPTY_ACCUMULATOR,
  MAX_CHUNK_DEPTH,
  START,
  type AccumulatorState,
} from '../../common/large-book-accumulator';
import type { FxBook } from '../proving/fx-book';
import { assetIdOf } from './asset-id';
import type { Primitives } from './primitives';
import { positionLeaves, randomSalt, type CommittedPosition } from './snapshot-commitment';

/** Positions a large book holds: 2^7 chunks of 32 slots. */
export const MAX_LARGE_POSITIONS = CHUNK_SLOTS << MAX_CHUNK_DEPTH;

/** A large book's asset ids are the top 64 bits of the 248-bit id, so 64-bit comparators order them. */
const LARGE_ID_SHIFT = 184n;

/** The large-book asset id of an identifier: the top 64 bits of assetIdOf (same spelling rules). */
export function largeAssetIdOf(identifier: string): bigint {
  return assetIdOf(identifier) >> LARGE_ID_SHIFT;
}

/** One slot: a position (or all zero when empty) with its converted value c = value * rate. */
export interface LargeSlot extends CommittedPosition {
  converted: bigint;
}

const EMPTY_SLOT: LargeSlot = Object.freeze({
  assetId: 0n,
  assetClass: 0,
  currencyIndex: 0,
  value: 0n,
  haircutBps: 0,
  yieldBps: 0,
  converted: 0n,
});

/** A large book laid out in slots and committed (LARGESPEC §1-§2). */
export interface LargeBookPlan {
  book: FxBook;
  /** C * 32 slots: positions by large asset id ascending, then empty slots. */
  slots: LargeSlot[];
  /** C, a power of two >= 2. */
  chunks: number;
  /** d = log2(C). */
  depth: number;
  /** levels[0] = the chunk roots, levels[d] = [bookRoot]. */
  levels: bigint[][];
  bookRoot: bigint;
  salt: bigint;
  commitment: bigint;
}

/** C for a book of `positions` positions: the smallest power of two >= ceil(n / 32), at least 2. */
export function chunkCountFor(positions: number): number {
  let chunks = 2;
  while (chunks * CHUNK_SLOTS < positions) chunks *= 2;
  return chunks;
}

/**
 * Sorts a book into slots by large asset id, pads it to C * 32 slots, and commits it:
 * commitment = Poseidon(bookRoot, d, liabilities, salt).
 *
 * @throws ZkAttestError SNAPSHOT_EMPTY, SNAPSHOT_TOO_MANY_POSITIONS (over 4,096),
 *   SNAPSHOT_DUPLICATE_ASSET (two identifiers on one large asset id)
 */
export function planLargeBook(p: Primitives, book: FxBook, salt: bigint): LargeBookPlan {
  const count = book.positions.length;
  if (count === 0) throw new ZkAttestError('SNAPSHOT_EMPTY', 'the snapshot has no positions');
  if (count > MAX_LARGE_POSITIONS) {
    throw new ZkAttestError(
      'SNAPSHOT_TOO_MANY_POSITIONS',
      `snapshot has ${count} positions; at most ${MAX_LARGE_POSITIONS} are supported`,
      { count, max: MAX_LARGE_POSITIONS },
    );
  }
  const filled: LargeSlot[] = book.positions
    .map((pos) => ({
      assetId: largeAssetIdOf(pos.identifier),
      assetClass: pos.assetClass,
      currencyIndex: pos.currencyIndex,
      value: pos.value,
      haircutBps: pos.haircutBps,
      yieldBps: pos.yieldBps,
      converted: pos.converted,
    }))
    .sort((a, b) => (a.assetId < b.assetId ? -1 : a.assetId > b.assetId ? 1 : 0));
  filled.forEach((slot, i) => {
    // An id of 0 would read as an empty slot; equal ids would break the strict order.
    if (slot.assetId === 0n || (i > 0 && slot.assetId === filled[i - 1]!.assetId)) {
      throw new ZkAttestError(
        'SNAPSHOT_DUPLICATE_ASSET',
        'two positions share a large-book asset id (the top 64 bits of their asset ids)',
      );
    }
  });
  const chunks = chunkCountFor(count);
  const slots = [...filled, ...Array<LargeSlot>(chunks * CHUNK_SLOTS - count).fill(EMPTY_SLOT)];
  const levels = [chunkRoots(p, slots, chunks)];
  while (levels[levels.length - 1]!.length > 1) {
    const below = levels[levels.length - 1]!;
    levels.push(
      Array.from({ length: below.length / 2 }, (_, i) =>
        p.poseidon([below[2 * i]!, below[2 * i + 1]!]),
      ),
    );
  }
  const depth = levels.length - 1;
  const bookRoot = levels[depth]![0]!;
  const commitment = p.poseidon([bookRoot, BigInt(depth), book.liabilities, salt]);
  return { book, slots, chunks, depth, levels, bookRoot, salt, commitment };
}

/** chunkRoot_k = Poseidon(the 4 PositionLeaf hashes of slots 32k .. 32k+31). */
function chunkRoots(p: Primitives, slots: readonly LargeSlot[], chunks: number): bigint[] {
  return Array.from({ length: chunks }, (_, k) =>
    p.poseidon(positionLeaves(p, chunkSlots(slots, k), CHUNK_SLOTS)),
  );
}

/** The 32 slots of chunk k. */
export function chunkSlots<T>(slots: readonly T[], k: number): T[] {
  return slots.slice(k * CHUNK_SLOTS, (k + 1) * CHUNK_SLOTS);
}

/** Chunk k's Merkle path, padded to MAX_CHUNK_DEPTH levels (inactive: sibling 0, active 0). */
export function chunkPath(
  plan: LargeBookPlan,
  k: number,
): { siblings: bigint[]; active: number[] } {
  const siblings: bigint[] = [];
  const active: number[] = [];
  for (let l = 0; l < MAX_CHUNK_DEPTH; l++) {
    const inTree = l < plan.depth;
    siblings.push(inTree ? plan.levels[l]![(k >> l) ^ 1]! : 0n);
    active.push(inTree ? 1 : 0);
  }
  return { siblings, active };
}

/** The state after one more chunk, as ChunkStep folds it. */
export function foldChunk(state: AccumulatorState, slots: readonly LargeSlot[]): AccumulatorState {
  let { cover, value, yieldW, maxC, mask, last } = state;
  for (const s of slots) {
    const c = s.converted;
    cover += c * BigInt(10000 - s.haircutBps);
    value += c;
    yieldW += c * BigInt(s.yieldBps);
    if (c > maxC) maxC = c;
    if (s.value !== 0n) mask |= 1n << BigInt(s.assetClass);
    if (s.assetId !== 0n) last = s.assetId;
  }
  return { n: state.n + 1n, cover, value, yieldW, maxC, mask, last };
}

/** The accumulators of a chain: states[k] and blinds[k] open accs[k], the accIn of chunk k. */
export interface ChunkChain {
  /** C + 1 states: states[0] is empty, states[C] the book's totals. */
  states: AccumulatorState[];
  /** C + 1 blinds: blinds[0] = 0 (START), the others fresh. */
  blinds: bigint[];
  /** C + 1 accumulators: accs[0] = START, accs[C] = chunkSet. */
  accs: bigint[];
}

/** Folds every chunk from START, each accOut with a fresh blind (or the given ones). */
export function accumulatorChain(
  p: Primitives,
  plan: LargeBookPlan,
  blinds: readonly bigint[] = Array.from({ length: plan.chunks }, () => randomSalt()),
): ChunkChain {
  if (blinds.length !== plan.chunks) throw new RangeError('one blind per chunk');
  const states: AccumulatorState[] = [{ ...EMPTY_ACCUMULATOR }];
  for (let k = 0; k < plan.chunks; k++) {
    states.push(foldChunk(states[k]!, chunkSlots(plan.slots, k)));
  }
  const all = [0n, ...blinds];
  const accs = states.map((s, k) => (k === 0 ? START : accumulatorHash(p.poseidon, s, all[k]!)));
  return { states, blinds: all, accs };
}

type CircuitInput = Record<string, string | string[]>;

/** The acc* inputs: the opening of an accumulator. */
function openingInput(state: AccumulatorState, blind: bigint): CircuitInput {
  return {
    accN: state.n.toString(),
    accCover: state.cover.toString(),
    accValue: state.value.toString(),
    accYieldW: state.yieldW.toString(),
    accMaxC: state.maxC.toString(),
    accMask: state.mask.toString(),
    accLast: state.last.toString(),
    accBlind: blind.toString(),
  };
}

/** The input of chunk k's ChunkStep proof (every signal as a decimal string). */
export function chunkCircuitInput(plan: LargeBookPlan, chain: ChunkChain, k: number): CircuitInput {
  const slots = chunkSlots(plan.slots, k);
  const column = (f: (s: LargeSlot) => bigint | number) => slots.map((s) => String(f(s)));
  const { siblings, active } = chunkPath(plan, k);
  return {
    assetId: column((s) => s.assetId),
    assetClass: column((s) => s.assetClass),
    currency: column((s) => s.currencyIndex),
    value: column((s) => s.value),
    haircutBps: column((s) => s.haircutBps),
    yieldBps: column((s) => s.yieldBps),
    fxMeta: plan.book.meta.toString(),
    fxRate: plan.book.rates.map(String),
    siblings: siblings.map(String),
    active: active.map(String),
    liabilities: plan.book.liabilities.toString(),
    salt: plan.salt.toString(),
    ...openingInput(chain.states[k]!, chain.blinds[k]!),
    newBlind: chain.blinds[k + 1]!.toString(),
  };
}

/** Chunk k's public signals, as the proof outputs them (decimal strings). */
export function chunkPublicSignals(plan: LargeBookPlan, chain: ChunkChain, k: number) {
  return {
    commitment: plan.commitment.toString(),
    fxTable: plan.book.tableHash.toString(),
    accIn: chain.accs[k]!.toString(),
    accOut: chain.accs[k + 1]!.toString(),
  };
}

/** The input of the final proof of a claim (coverage-4096, yield-range-4096, concentration-4096). */
export function finalCircuitInput(
  plan: LargeBookPlan,
  chain: ChunkChain,
  params: ClaimParams,
  context: bigint,
): CircuitInput {
  const { active } = chunkPath(plan, 0);
  return {
    bookRoot: plan.bookRoot.toString(),
    active: active.map(String),
    liabilities: plan.book.liabilities.toString(),
    salt: plan.salt.toString(),
    fxTableHash: plan.book.tableHash.toString(),
    ...openingInput(chain.states[plan.chunks]!, chain.blinds[plan.chunks]!),
    context: context.toString(),
    ...claimCircuitInputs(params, plan.book),
  };
}

/** The domain of derived blinds: sha256("zkattest.large-book.blind.v1") >> 8, a field element. */
export const LARGE_BLIND_DOMAIN = BigInt(`0x${sha256Hex('zkattest.large-book.blind.v1')}`) >> 8n;

/**
 * The accOut blinds of a book's C chunks, derived from its salt (LARGESPEC §7):
 * blind_k = Poseidon(salt, k + 1, LARGE_BLIND_DOMAIN). The salt is a secret of >= 128 bits, so
 * the blinds are pseudorandom to everyone else, and chunk k's proof depends only on
 * (book, salt, FX table): any worker proves it alone, and the same proofs serve every claim.
 */
export function derivedBlinds(p: Primitives, salt: bigint, chunks: number): bigint[] {
  return Array.from({ length: chunks }, (_, k) =>
    p.poseidon([salt, BigInt(k + 1), LARGE_BLIND_DOMAIN]),
  );
}

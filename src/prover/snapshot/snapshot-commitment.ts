import { randomBytes } from 'node:crypto';
import type { Primitives } from './primitives';
import type { Position } from './snapshot-types';

/** A position as the commitment holds it: with the FX table row its currency is in. */
export type CommittedPosition = Pick<
  Position,
  'assetId' | 'assetClass' | 'value' | 'haircutBps' | 'yieldBps'
> & { currencyIndex: number };

/** Salt size: 248 bits, comfortably over the 128 the design asks for, and below the field. */
const SALT_BYTES = 31;
/** Positions per leaf (circuits/lib/position_leaf.circom). */
const LEAF_WIDTH = 8;
/** Slots one commitment holds: its Poseidon takes at most 16 inputs, 14 leaves + 2. */
const MAX_SLOTS = 112;

/** A fresh random salt for a snapshot commitment. Keep it onshore, with the snapshot. */
export function randomSalt(): bigint {
  return BigInt(`0x${randomBytes(SALT_BYTES).toString('hex')}`);
}

/**
 * A position's small numbers in one field element, as circuits/lib/position_fields.circom
 * packs them: assetClass | currencyIndex << 4 | yieldBps << 7 | haircutBps << 23 | value << 37.
 */
export function packPosition(pos: CommittedPosition): bigint {
  return (
    BigInt(pos.assetClass) |
    (BigInt(pos.currencyIndex) << 4n) |
    (BigInt(pos.yieldBps) << 7n) |
    (BigInt(pos.haircutBps) << 23n) |
    (pos.value << 37n)
  );
}

/**
 * The salted snapshot commitment over `slots` slots, as circuits/lib/snapshot_root.circom
 * computes it: Poseidon(leaf_0, ..., leaf_{slots/8-1}, liabilities, salt), each leaf a
 * Poseidon(16) over 8 (assetId, packed) pairs, an empty slot (0, 0).
 */
export function snapshotCommitment(
  p: Primitives,
  snapshot: { liabilities: bigint; positions: readonly CommittedPosition[] },
  salt: bigint,
  slots: number,
): bigint {
  const { positions } = snapshot;
  if (slots % LEAF_WIDTH !== 0 || slots > MAX_SLOTS || positions.length > slots) {
    throw new RangeError('slots must be a multiple of 8, at most 112, holding every position');
  }
  return p.poseidon([...positionLeaves(p, positions, slots), snapshot.liabilities, salt]);
}

/**
 * The PositionLeaf hashes over `slots` slots (a multiple of 8), in slot order: each a
 * Poseidon(16) over 8 (assetId, packed) pairs, a missing position an empty slot (0, 0).
 */
export function positionLeaves(
  p: Primitives,
  positions: readonly (CommittedPosition | undefined)[],
  slots: number,
): bigint[] {
  const leaves: bigint[] = [];
  for (let k = 0; k < slots; k += LEAF_WIDTH) {
    const inputs: bigint[] = [];
    for (let i = k; i < k + LEAF_WIDTH; i++) {
      const pos = positions[i];
      inputs.push(pos ? pos.assetId : 0n, pos ? packPosition(pos) : 0n);
    }
    leaves.push(p.poseidon(inputs));
  }
  return leaves;
}

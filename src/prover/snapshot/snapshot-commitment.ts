import { randomBytes } from 'node:crypto';
import type { Primitives } from './primitives';
import type { Position, Snapshot } from './snapshot-types';

/** Salt size: 248 bits, comfortably over the 128 the design asks for, and below the field. */
const SALT_BYTES = 31;
/** Positions per tree leaf (circuits/lib/position_leaf.circom). */
const LEAF_WIDTH = 4;

/** A fresh random salt for a snapshot commitment. Keep it onshore, with the snapshot. */
export function randomSalt(): bigint {
  return BigInt(`0x${randomBytes(SALT_BYTES).toString('hex')}`);
}

/**
 * A position's small numbers in one field element, as circuits/lib/position_fields.circom
 * packs them: assetClass | yieldBps << 4 | haircutBps << 20 | value << 34.
 */
export function packPosition(pos: Position): bigint {
  return (
    BigInt(pos.assetClass) |
    (BigInt(pos.yieldBps) << 4n) |
    (BigInt(pos.haircutBps) << 20n) |
    (pos.value << 34n)
  );
}

/** Root of the snapshot tree over `slots` slots: Poseidon over leaves of 4 positions each. */
export function snapshotRoot(p: Primitives, positions: readonly Position[], slots: number): bigint {
  if (slots % LEAF_WIDTH !== 0 || slots > 64 || positions.length > slots) {
    throw new RangeError('slots must be a multiple of 4, at most 64, holding every position');
  }
  const leaves: bigint[] = [];
  for (let k = 0; k < slots; k += LEAF_WIDTH) {
    const inputs: bigint[] = [];
    for (let i = k; i < k + LEAF_WIDTH; i++) {
      const pos = positions[i];
      // An empty slot is (0, 0).
      inputs.push(pos ? pos.assetId : 0n, pos ? packPosition(pos) : 0n);
    }
    leaves.push(p.poseidon(inputs));
  }
  return p.poseidon(leaves);
}

/** The salted snapshot commitment: Poseidon(root, liabilities, salt). */
export function snapshotCommitment(
  p: Primitives,
  snapshot: Snapshot,
  salt: bigint,
  slots: number,
): bigint {
  return p.poseidon([snapshotRoot(p, snapshot.positions, slots), snapshot.liabilities, salt]);
}

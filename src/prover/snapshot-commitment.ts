import { randomBytes } from 'node:crypto';
import type { Primitives } from './primitives';
import type { Position, Snapshot } from './snapshot-types';

/** Salt size: 248 bits, comfortably over the 128 the design asks for, and below the field. */
const SALT_BYTES = 31;

/** A fresh random salt for a snapshot commitment. Keep it onshore, with the snapshot. */
export function randomSalt(): bigint {
  return BigInt(`0x${randomBytes(SALT_BYTES).toString('hex')}`);
}

/** Leaf of one position: Poseidon(assetId, assetClass, value, haircutBps, yieldBps). */
export function positionLeaf(p: Primitives, pos: Position | undefined): bigint {
  if (!pos) return p.poseidon([0n, 0n, 0n, 0n, 0n]); // the fixed padding leaf of an empty slot
  return p.poseidon([
    pos.assetId,
    BigInt(pos.assetClass),
    pos.value,
    BigInt(pos.haircutBps),
    BigInt(pos.yieldBps),
  ]);
}

/** Root of the Poseidon tree over `slots` leaves (a power of two), empty slots padded. */
export function merkleRoot(p: Primitives, positions: readonly Position[], slots: number): bigint {
  if (slots & (slots - 1) || positions.length > slots) {
    throw new RangeError('slots must be a power of two holding every position');
  }
  let level = Array.from({ length: slots }, (_, i) => positionLeaf(p, positions[i]));
  while (level.length > 1) {
    const next: bigint[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(p.poseidon([level[i]!, level[i + 1]!]));
    level = next;
  }
  return level[0]!;
}

/** The salted snapshot commitment: Poseidon(root, liabilities, salt). */
export function snapshotCommitment(
  p: Primitives,
  snapshot: Snapshot,
  salt: bigint,
  slots: number,
): bigint {
  return p.poseidon([merkleRoot(p, snapshot.positions, slots), snapshot.liabilities, salt]);
}

/**
 * The epoch chain of a signer set: each snapshot it signs carries an epoch number and the
 * previous snapshot's commitment, so a custodian cannot skip a bad week (gap), go back to a
 * better one (rollback), or sign two books for one week (equivocation) without a verifier that
 * keeps the chain noticing. One rule set, used by the API's ledger (and mirrored by the token).
 */
import type { SignedSnapshot, SnapshotMessageJson } from '../common/signed-snapshot';

/** One snapshot of a set, as the chain keeps it. */
export interface ChainLink {
  setId: string;
  epoch: number;
  /** bytes32 hex. */
  prevCommitment: string;
  /** bytes32 hex of the commitment public signal. */
  commitment: string;
  /** Unix seconds. */
  asOf: number;
  /** SHA-256 of the signed message: two links of one epoch are one snapshot iff equal. */
  digest: string;
}

/** The chain link of a signed message whose digest is `digest`. */
export function linkOf(message: SnapshotMessageJson, digest: string): ChainLink {
  const { setId, epoch, prevCommitment, commitment, asOf } = message;
  return { setId, epoch, prevCommitment, commitment, asOf, digest };
}

/** What a link would do to the chain it is offered to. */
export type ChainAnswer = 'extends' | 'known' | 'gap' | 'rollback' | 'broken-link' | 'equivocation';

/** The chain reasons a verdict carries. */
export type ChainReason =
  'EPOCH_GAP' | 'EPOCH_ROLLBACK' | 'PREV_COMMITMENT_MISMATCH' | 'EQUIVOCATION';

/** The part of a set's chain a new link is judged against. */
export interface ChainView {
  /** The epoch the set's chain starts at (registered with the set). */
  firstEpoch: number;
  /** The link recorded for the new link's epoch, if any. */
  atEpoch?: ChainLink;
  /** The highest-epoch link recorded, if any. */
  head?: ChainLink;
}

/**
 * Judges a link against a set's chain:
 * - an epoch already recorded: the same digest is `known` (another claim on that snapshot),
 *   any other is `equivocation`;
 * - an empty chain starts at `firstEpoch` exactly (its prevCommitment is not checked: it may
 *   name a predecessor set's last snapshot); later is a `gap`, earlier a `rollback`;
 * - the epoch after the head must link to the head's commitment (`broken-link` otherwise) and
 *   not be dated before it (`rollback`); any later epoch is a `gap`.
 */
export function chainAnswer(view: ChainView, link: ChainLink): ChainAnswer {
  if (view.atEpoch) return view.atEpoch.digest === link.digest ? 'known' : 'equivocation';
  const { head } = view;
  if (!head) {
    if (link.epoch === view.firstEpoch) return 'extends';
    return link.epoch > view.firstEpoch ? 'gap' : 'rollback';
  }
  if (link.epoch === head.epoch + 1) {
    if (link.prevCommitment !== head.commitment) return 'broken-link';
    return link.asOf < head.asOf ? 'rollback' : 'extends';
  }
  return link.epoch > head.epoch ? 'gap' : 'rollback';
}

const CHAIN_REASONS: Partial<Record<ChainAnswer, ChainReason>> = {
  gap: 'EPOCH_GAP',
  rollback: 'EPOCH_ROLLBACK',
  'broken-link': 'PREV_COMMITMENT_MISMATCH',
  equivocation: 'EQUIVOCATION',
};

/** The verdict reason of an answer (none for `extends` and `known`). */
export function chainReasons(answer: ChainAnswer): ChainReason[] {
  const reason = CHAIN_REASONS[answer];
  return reason ? [reason] : [];
}

/** Two signed snapshots of one set and epoch that differ: both are signed by the set. */
export interface EquivocationEvidence {
  setId: string;
  epoch: number;
  /** The snapshot recorded first for the epoch. */
  recorded: SignedSnapshot;
  /** The other one, refused. */
  conflicting: SignedSnapshot;
  /** ISO time. */
  detectedAt: string;
}

/**
 * Where a verifier keeps the chains (the API's Redis). `append` is atomic: it records the link
 * when the answer is `extends`, keeps the evidence when it is `equivocation`, and changes
 * nothing otherwise.
 */
export interface EpochChainLedger {
  peek(link: ChainLink, firstEpoch: number): Promise<ChainAnswer>;
  append(link: ChainLink, firstEpoch: number, signed: SignedSnapshot): Promise<ChainAnswer>;
}

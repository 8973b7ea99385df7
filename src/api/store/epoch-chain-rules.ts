/**
 * What both epoch-chain stores share: argument checks, what a link and its evidence are stored
 * as, and the links' cursor. The judging itself is the verifier's chainAnswer (one rule set): a
 * store only supplies the view (the link at the epoch and the head) and writes what it answers.
 */
import { ZkAttestError } from '../../common/errors';
import { HEX64_PATTERN } from '../../common/ids';
import type { SignedSnapshot } from '../../common/signed-snapshot';
import type { ChainLink, EquivocationEvidence } from '../../verifier/epoch-chain';
import { MAX_LIST_LIMIT } from './record-listing';
import type { PageRequest, StoredChainLink } from './store-contracts';
import { checkInt, invalidArgument } from './store-validation';

/** Checks a link before it is judged (a caller's bug otherwise). */
export function checkLink(link: ChainLink, firstEpoch: number): void {
  if (typeof link !== 'object' || link === null) throw invalidArgument('link', 'not an object');
  for (const f of ['setId', 'prevCommitment', 'commitment', 'digest'] as const) {
    if (typeof link[f] !== 'string' || !HEX64_PATTERN.test(link[f])) {
      throw invalidArgument(f, 'not 64 lowercase hex digits');
    }
  }
  checkInt(link.epoch, 'epoch', 0, Number.MAX_SAFE_INTEGER);
  checkInt(link.asOf, 'asOf', 0, Number.MAX_SAFE_INTEGER);
  checkInt(firstEpoch, 'firstEpoch', 0, Number.MAX_SAFE_INTEGER);
}

/** The link as stored: its fields only (no extra properties ride along), the signed snapshot. */
export function storedLink(
  link: ChainLink,
  signed: SignedSnapshot,
  nowMs: number,
): StoredChainLink {
  const { setId, epoch, prevCommitment, commitment, asOf, digest } = link;
  return {
    setId,
    epoch,
    prevCommitment,
    commitment,
    asOf,
    digest,
    signed,
    recordedAt: new Date(nowMs).toISOString(),
  };
}

/** The evidence of `link` conflicting with the one recorded at its epoch. */
export function evidenceOf(
  recorded: StoredChainLink,
  signed: SignedSnapshot,
  nowMs: number,
): EquivocationEvidence {
  return {
    setId: recorded.setId,
    epoch: recorded.epoch,
    recorded: recorded.signed,
    conflicting: signed,
    detectedAt: new Date(nowMs).toISOString(),
  };
}

function badCursor(): ZkAttestError {
  return new ZkAttestError('REQUEST_INVALID', 'the cursor is not one this listing issued', {
    field: 'cursor',
  });
}

/**
 * The epochs of one page, newest first: from the cursor (an epoch, decimal) or the head down to
 * firstEpoch (a chain's links are contiguous), and the next page's cursor.
 */
export function pageEpochs(
  head: number | undefined,
  firstEpoch: number,
  page: PageRequest,
): { epochs: number[]; nextCursor?: string } {
  checkInt(page.limit, 'limit', 1, MAX_LIST_LIMIT);
  if (head === undefined) {
    if (page.cursor !== undefined) throw badCursor();
    return { epochs: [] };
  }
  let from = head;
  if (page.cursor !== undefined) {
    if (!/^(0|[1-9][0-9]{0,15})$/.test(page.cursor)) throw badCursor();
    from = Number(page.cursor);
    if (!Number.isSafeInteger(from) || from > head || from < firstEpoch) throw badCursor();
  }
  const last = Math.max(firstEpoch, from - page.limit + 1);
  const epochs: number[] = [];
  for (let e = from; e >= last; e--) epochs.push(e);
  return last > firstEpoch ? { epochs, nextCursor: String(last - 1) } : { epochs };
}

/**
 * A signer set's chain head on a token is one word (POSTSPEC §1): keccak256 of the head
 * snapshot's (digest, commitment, epoch, asOf) with bit 0 the pushed-revocation flag. A call
 * that moves or checks the head passes that preimage (the *head witness*); this module finds
 * it in the token's events and checks it against the word, so a wrong log source cannot
 * mislead a caller into sending a witness the token refuses.
 */
import { AbiCoder, EventLog, keccak256, type Contract, type Log } from 'ethers';
import { ZkAttestError } from '../common/errors';

/** The head snapshot's preimage of the head word, or null: the set has no link on the token. */
export type HeadWitness = {
  /** sha256 of the head snapshot's message: 0x + 64 hex digits. */
  digest: string;
  commitment: bigint;
  epoch: bigint;
  /** Unix seconds. */
  asOf: number;
} | null;

/** Bit 0 of the word is the revocation flag, not part of the hash. */
const HASH_MASK = ~1n;

/** keccak256(abi.encode(bytes32 digest, uint256 commitment, uint64 epoch, uint40 asOf)) & ~1. */
export function headHash(w: NonNullable<HeadWitness>): bigint {
  const encoded = AbiCoder.defaultAbiCoder().encode(
    ['bytes32', 'uint256', 'uint64', 'uint40'],
    [w.digest, w.commitment, w.epoch, w.asOf],
  );
  return BigInt(keccak256(encoded)) & HASH_MASK;
}

/** Whether the witness is the preimage of the head word (bit 0 ignored). */
export function witnessMatches(w: NonNullable<HeadWitness>, word: bigint): boolean {
  return headHash(w) === (word & HASH_MASK);
}

/** The events that move a head: both carry the preimage's four fields. */
const HEAD_EVENTS = ['ChainAdvanced', 'ProofPosted'] as const;

const newestFirst = (a: Log, b: Log) => b.blockNumber - a.blockNumber || b.index - a.index;

/**
 * The set's head witness on `token`: null when `chainHead(setId)` is 0, else the newest
 * ChainAdvanced or ProofPosted event of the set (from `fromBlock`, default the first block)
 * whose fields hash to the word.
 *
 * @throws ZkAttestError CHAIN_HEAD_UNKNOWN when no such event is found (a fromBlock after the
 *   head moved, or a node that serves no logs).
 */
export async function headWitness(
  token: Contract,
  setId: string,
  fromBlock = 0,
): Promise<HeadWitness> {
  const id = setId.startsWith('0x') ? setId : `0x${setId}`;
  const word = BigInt((await token.getFunction('chainHead')(id)) as string);
  if (word === 0n) return null;
  const logs = await Promise.all(
    HEAD_EVENTS.map((name) => token.queryFilter(token.getEvent(name)(id), fromBlock)),
  );
  for (const log of logs.flat().sort(newestFirst)) {
    if (!(log instanceof EventLog)) continue;
    const a = log.args;
    const w = {
      digest: (a.getValue('digest') as string).toLowerCase(),
      commitment: a.getValue('commitment') as bigint,
      epoch: a.getValue('epoch') as bigint,
      asOf: Number(a.getValue('asOf') as bigint),
    };
    if (witnessMatches(w, word)) return w;
  }
  throw new ZkAttestError(
    'CHAIN_HEAD_UNKNOWN',
    'no ChainAdvanced or ProofPosted event of the set hashes to its chain head on the token ' +
      '(search from an earlier block, or use a node that serves the token’s logs)',
    { fromBlock },
  );
}

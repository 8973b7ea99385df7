/**
 * The onshore epoch chain of each signer set, on Redis: the head `{epoch, commitment, asOf}`
 * and, per snapshot committed for the set, its signed message (epoch and previous commitment
 * included), so that every claim on that snapshot carries the same message. The offshore API
 * refuses gaps, rollbacks and two messages for one epoch: this is what keeps onshore from
 * producing them.
 *
 * Key layout (P = prefix, default "zkattest:onshore:"); the set id is a hash tag, so the one
 * script touches keys of one cluster slot:
 *
 *   P chain:{<setId>}:head              hash  epoch, commitment, asOf
 *   P chain:{<setId>}:msg:<snapshotId>  hash  epoch, prev, body (the message without them)
 *   P signer-set:<setId>                string the set (signerSetFile JSON; ids hash its content)
 *
 * The message holds public values only (commitment, as-of, unit, FX table hash): no position.
 */
import type { RedisConnection } from '../../common/redis-client';
import { ZkAttestError } from '../../common/errors';
import { guardedRedis } from '../../common/redis-connection';
import { snapshotMessageJsonSchema, type SnapshotMessageJson } from '../../common/signed-snapshot';
import { parseSignerSet, signerSetFile, type SignerSet } from '../../common/signer-set';
import { ZERO_BYTES32 } from '../../common/snapshot-message';

/** The newest link of a set's chain. */
export interface ChainHead {
  epoch: number;
  /** bytes32 hex of the head snapshot's commitment. */
  commitment: string;
  asOf: number;
}

// Atomic per set: the snapshot keeps the message it was given first; otherwise it takes
// epoch head+1 (ARGV[4], the set's first epoch, when none) and links to the head's commitment.
// A snapshot older than the head would be a rollback offshore: refused, nothing changes.
const COMMIT = `
  local kept = redis.call('HMGET', KEYS[2], 'epoch', 'prev', 'body')
  if kept[1] then return {'kept', kept[1], kept[2], kept[3]} end
  local head = redis.call('HMGET', KEYS[1], 'epoch', 'commitment', 'asOf')
  local epoch = ARGV[4]
  local prev = ARGV[5]
  if head[1] then
    if tonumber(ARGV[2]) < tonumber(head[3]) then return {'older', head[1], head[2], head[3]} end
    epoch = tostring(tonumber(head[1]) + 1)
    prev = head[2]
  end
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'commitment', ARGV[1], 'asOf', ARGV[2])
  redis.call('HSET', KEYS[2], 'epoch', epoch, 'prev', prev, 'body', ARGV[3])
  return {'new', epoch, prev, ARGV[3]}`;

type CommitFn = (
  head: string,
  msg: string,
  commitment: string,
  asOf: string,
  body: string,
  firstEpoch: string,
  zero: string,
) => Promise<[string, string, string, string]>;

/** Epoch chains per signer set, durable in Redis (AOF) and shared by service and workers. */
export class RedisSnapshotChain {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix = 'zkattest:onshore:',
    /** The epoch of a set's first snapshot (the offshore registration's firstEpoch). */
    private readonly firstEpoch = 0,
  ) {
    this.redis.defineCommand('zkChainCommit', { numberOfKeys: 2, lua: COMMIT });
  }

  private headKey(setId: string): string {
    return `${this.prefix}chain:{${setId}}:head`;
  }

  private messageKey(setId: string, snapshotId: string): string {
    return `${this.prefix}chain:{${setId}}:msg:${snapshotId}`;
  }

  private setKey(setId: string): string {
    return `${this.prefix}signer-set:${setId}`;
  }

  /**
   * The message of `snapshotId` in the chain of `draft.setId`: the one committed before, or
   * `draft` (ClaimProver.message of the snapshot) at the next epoch, linked to the head.
   *
   * @throws ZkAttestError CONFLICT when the snapshot is older than the set's head (a rollback).
   */
  async commit(snapshotId: string, draft: SnapshotMessageJson): Promise<SnapshotMessageJson> {
    const { epoch: _e, prevCommitment: _p, ...body } = draft;
    const commit = (this.redis as unknown as { zkChainCommit: CommitFn }).zkChainCommit;
    const [outcome, epoch, prev, kept] = await guardedRedis('chain commit', () =>
      commit.call(
        this.redis,
        this.headKey(draft.setId),
        this.messageKey(draft.setId, snapshotId),
        draft.commitment,
        String(draft.asOf),
        JSON.stringify(body),
        String(this.firstEpoch),
        ZERO_BYTES32,
      ),
    );
    if (outcome === 'older') {
      throw new ZkAttestError(
        'CONFLICT',
        `the snapshot is older than the head of its signer set's chain (epoch ${epoch}): ` +
          'snapshots of a set are committed in as-of order',
        { reason: 'EPOCH_ROLLBACK', setId: draft.setId },
      );
    }
    return messageOf(epoch, prev, kept);
  }

  /** The message committed for `snapshotId` in the chain of `setId`, if any. */
  async message(setId: string, snapshotId: string): Promise<SnapshotMessageJson | undefined> {
    const [epoch, prev, body] = await guardedRedis('chain read', () =>
      this.redis.hmget(this.messageKey(setId, snapshotId), 'epoch', 'prev', 'body'),
    );
    return epoch === null ? undefined : messageOf(epoch, prev, body);
  }

  async head(setId: string): Promise<ChainHead | undefined> {
    const [epoch, commitment, asOf] = await guardedRedis('chain read', () =>
      this.redis.hmget(this.headKey(setId), 'epoch', 'commitment', 'asOf'),
    );
    if (epoch === null || commitment === null || asOf === null) return undefined;
    return { epoch: Number(epoch), commitment, asOf: Number(asOf) };
  }

  /** Records a set (its id is the hash of its content: writing it again changes nothing). */
  async putSet(set: SignerSet): Promise<void> {
    await guardedRedis('signer set write', () =>
      this.redis.set(this.setKey(set.setId), JSON.stringify(signerSetFile(set))),
    );
  }

  async getSet(setId: string): Promise<SignerSet | undefined> {
    const raw = await guardedRedis('signer set read', () => this.redis.get(this.setKey(setId)));
    return raw === null ? undefined : parseSignerSet(JSON.parse(raw));
  }
}

function messageOf(
  epoch: string | null,
  prev: string | null,
  body: string | null,
): SnapshotMessageJson {
  const parsed = snapshotMessageJsonSchema.safeParse({
    ...(JSON.parse(body ?? 'null') as object),
    epoch: Number(epoch),
    prevCommitment: prev,
  });
  if (!parsed.success) {
    throw new ZkAttestError('VAULT_RECORD_INVALID', 'a stored snapshot message is malformed');
  }
  return parsed.data;
}

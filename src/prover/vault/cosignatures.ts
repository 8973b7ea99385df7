/**
 * Co-signatures collected onshore: per signer set and snapshot, at most one detached signature
 * per member (checked before it is stored, see the service's upload route), durable in Redis:
 *
 *   P chain:{<setId>}:sigs:<snapshotId>   hash  keyId -> detached signature file (JSON)
 *
 * Signatures are public (they leave with the package): no secret is stored here.
 */
import type { RedisConnection } from '../../common/redis-client';
import { ZkAttestError } from '../../common/errors';
import { guardedRedis } from '../../common/redis-connection';
import {
  parseDetachedSignature,
  SIGNATURE_FILE_TYPE,
  type DetachedSignature,
} from '../../common/signed-snapshot';

// One member, one signature: the same file again is a no-op, another one is refused.
const ADD = `
  local kept = redis.call('HGET', KEYS[1], ARGV[1])
  if kept and kept ~= ARGV[2] then return -1 end
  if kept then return 0 end
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 1`;

type AddFn = (key: string, keyId: string, file: string) => Promise<number>;

/** The same field order whatever order the upload had: identical files compare equal. */
function canonical(sig: DetachedSignature): string {
  return JSON.stringify({
    type: SIGNATURE_FILE_TYPE,
    setId: sig.setId,
    digest: sig.digest,
    keyId: sig.keyId,
    publicKey: { x: sig.publicKey.x, y: sig.publicKey.y },
    signature: sig.signature,
  });
}

export class RedisCosignatures {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix = 'zkattest:onshore:',
  ) {
    this.redis.defineCommand('zkCosignAdd', { numberOfKeys: 1, lua: ADD });
  }

  private key(setId: string, snapshotId: string): string {
    return `${this.prefix}chain:{${setId}}:sigs:${snapshotId}`;
  }

  /**
   * Stores a checked signature of a member. @returns whether it is new (false: the same file
   * was stored before).
   * @throws ZkAttestError CONFLICT when the member already gave another signature.
   */
  async add(snapshotId: string, sig: DetachedSignature): Promise<boolean> {
    const add = (this.redis as unknown as { zkCosignAdd: AddFn }).zkCosignAdd;
    const added = await guardedRedis('signature save', () =>
      add.call(this.redis, this.key(sig.setId, snapshotId), sig.keyId, canonical(sig)),
    );
    if (added === -1) {
      throw new ZkAttestError(
        'CONFLICT',
        'this signer already gave another signature for this snapshot',
        { keyId: sig.keyId },
      );
    }
    return added === 1;
  }

  /** The signatures collected for a snapshot, ascending by keyId. */
  async list(setId: string, snapshotId: string): Promise<DetachedSignature[]> {
    const all = await guardedRedis('signature read', () =>
      this.redis.hgetall(this.key(setId, snapshotId)),
    );
    return Object.keys(all)
      .sort()
      .map((keyId) => parseDetachedSignature(JSON.parse(all[keyId]!)));
  }
}

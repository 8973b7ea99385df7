/**
 * The onshore anchors of snapshots, as the custodian records them after anchoring a snapshot
 * on the onshore chain's SnapshotAnchor (POST /v1/snapshots/:id/anchor): each package sent
 * about that snapshot then carries the anchor in its egress log entries, so a regulator can go
 * from an export entry to the onshore transaction. Write-once per snapshot: one snapshot is
 * anchored once (the contract refuses a second commitment for its epoch).
 *
 * Redis layout (P = keyPrefix, default "zkattest:"): P snapshot-anchors  hash  snapshotId -> JSON
 */
import type { RedisConnection } from '../../common/redis-client';
import { ZkAttestError } from '../../common/errors';
import { guardedRedis } from '../../common/redis-connection';
import { onshoreAnchorSchema, type OnshoreAnchor } from '../egress/export-basis';

export class RedisSnapshotAnchors {
  private readonly key: string;

  constructor(
    private readonly redis: RedisConnection,
    keyPrefix = 'zkattest:',
  ) {
    this.key = `${keyPrefix}snapshot-anchors`;
  }

  /**
   * Records the anchor of a snapshot; the same anchor again is a no-op.
   *
   * @returns whether it was recorded now.
   * @throws ZkAttestError CONFLICT when another anchor is recorded for the snapshot.
   */
  async record(snapshotId: string, anchor: OnshoreAnchor): Promise<boolean> {
    const json = JSON.stringify(onshoreAnchorSchema.parse(anchor));
    const created = await guardedRedis('anchor record', () =>
      this.redis.hsetnx(this.key, snapshotId, json),
    );
    if (created === 1) return true;
    const stored = await this.get(snapshotId);
    if (stored && JSON.stringify(stored) === json) return false;
    throw new ZkAttestError('CONFLICT', 'another onshore anchor is recorded for this snapshot', {
      snapshotId,
    });
  }

  async get(snapshotId: string): Promise<OnshoreAnchor | undefined> {
    const raw = await guardedRedis('anchor read', () => this.redis.hget(this.key, snapshotId));
    if (raw === null) return undefined;
    const parsed = onshoreAnchorSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  }
}

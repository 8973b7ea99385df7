import type { RedisConnection } from '../../common/redis-client';
import { guardedRedis } from '../../common/redis-connection';

/**
 * Which desk each snapshot and job belongs to (a package belongs to its job's desk). A snapshot
 * takes its uploader's desk, a job its snapshot's desk. An item with no desk recorded (made
 * before desks existed, or whose record failed) is seen by admins and auditors only.
 */
export class DeskOwnership {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix = 'zkattest:onshore:desk:',
  ) {}

  recordSnapshot(snapshotId: string, desk: string): Promise<unknown> {
    return guardedRedis('desk record', () =>
      this.redis.hset(`${this.prefix}snapshots`, snapshotId, desk),
    );
  }

  recordJob(jobId: string, desk: string): Promise<unknown> {
    return guardedRedis('desk record', () => this.redis.hset(`${this.prefix}jobs`, jobId, desk));
  }

  async snapshotDesk(snapshotId: string): Promise<string | undefined> {
    const desk = await guardedRedis('desk read', () =>
      this.redis.hget(`${this.prefix}snapshots`, snapshotId),
    );
    return desk ?? undefined;
  }

  async jobDesk(jobId: string): Promise<string | undefined> {
    const desk = await guardedRedis('desk read', () =>
      this.redis.hget(`${this.prefix}jobs`, jobId),
    );
    return desk ?? undefined;
  }

  /** The desks of many snapshots at once, in order. */
  async snapshotDesks(snapshotIds: readonly string[]): Promise<Array<string | undefined>> {
    if (snapshotIds.length === 0) return [];
    const desks = await guardedRedis('desk read', () =>
      this.redis.hmget(`${this.prefix}snapshots`, ...snapshotIds),
    );
    return desks.map((d) => d ?? undefined);
  }
}

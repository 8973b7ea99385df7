import type Redis from 'ioredis';

/**
 * Which desk each snapshot and job belongs to (a package belongs to its job's desk). A snapshot
 * takes its uploader's desk, a job its snapshot's desk. An item with no desk recorded (made
 * before desks existed, or whose record failed) is seen by admins and auditors only.
 */
export class DeskOwnership {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'zkattest:onshore:desk:',
  ) {}

  recordSnapshot(snapshotId: string, desk: string): Promise<unknown> {
    return this.redis.hset(`${this.prefix}snapshots`, snapshotId, desk);
  }

  recordJob(jobId: string, desk: string): Promise<unknown> {
    return this.redis.hset(`${this.prefix}jobs`, jobId, desk);
  }

  async snapshotDesk(snapshotId: string): Promise<string | undefined> {
    return (await this.redis.hget(`${this.prefix}snapshots`, snapshotId)) ?? undefined;
  }

  async jobDesk(jobId: string): Promise<string | undefined> {
    return (await this.redis.hget(`${this.prefix}jobs`, jobId)) ?? undefined;
  }

  /** The desks of many snapshots at once, in order. */
  async snapshotDesks(snapshotIds: readonly string[]): Promise<Array<string | undefined>> {
    if (snapshotIds.length === 0) return [];
    const desks = await this.redis.hmget(`${this.prefix}snapshots`, ...snapshotIds);
    return desks.map((d) => d ?? undefined);
  }
}

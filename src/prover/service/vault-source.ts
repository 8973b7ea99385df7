import type Redis from 'ioredis';
import { guardedRedis } from '../../common/redis-connection';
import type { AttestationPackage } from '../../common/attestation-package';
import { attestorKeyFrom, type AttestorKey } from '../snapshot/attestor-key';
import type { Primitives } from '../snapshot/primitives';
import type { PackageSink, SnapshotSource } from '../queue/proving-worker';
import type { Snapshot } from '../snapshot/snapshot-types';
import type { Vault } from '../vault';

/** The worker's secrets come from the encrypted vault, by id: jobs never carry them. */
export class VaultSnapshotSource implements SnapshotSource {
  constructor(
    private readonly vault: Vault,
    private readonly p: Primitives,
  ) {}

  load(snapshotId: string): Promise<{ snapshot: Snapshot; salt: bigint }> {
    return this.vault.getSnapshot(snapshotId);
  }

  async attestorKey(keyId: string): Promise<AttestorKey> {
    const { privateKey } = await this.vault.getAttestorKey(keyId);
    return attestorKeyFrom(this.p, privateKey);
  }
}

/** Packages by job id in Redis, first write wins (SET NX). Packages are public data. */
export class RedisPackageSink implements PackageSink {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'zkattest:onshore:',
  ) {}

  async save(jobId: string, pkg: AttestationPackage): Promise<void> {
    await guardedRedis('package save', () =>
      this.redis.set(`${this.prefix}pkg:${jobId}`, JSON.stringify(pkg), 'NX'),
    );
  }

  async get(jobId: string): Promise<AttestationPackage | undefined> {
    const raw = await guardedRedis('package get', () =>
      this.redis.get(`${this.prefix}pkg:${jobId}`),
    );
    return raw ? (JSON.parse(raw) as AttestationPackage) : undefined;
  }
}

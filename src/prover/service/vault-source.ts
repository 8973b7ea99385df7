import type { RedisConnection } from '../../common/redis-client';
import { guardedRedis } from '../../common/redis-connection';
import type { AttestationPackage } from '../../common/attestation-package';
import { webCryptoSigner, type Signer } from '../../common/p256-signer';
import type { PackageSink, SnapshotSource } from '../queue/proving-worker';
import { ZkAttestError } from '../../common/errors';
import type { KeySignature, SnapshotMessageJson } from '../../common/signed-snapshot';
import { setMembership, type SignerSetMembership } from '../../common/signer-set';
import type { RedisCosignatures, RedisSnapshotChain, SnapshotSecret, Vault } from '../vault';

/** The worker's secrets come from the encrypted vault, by id: jobs never carry them. */
export class VaultSnapshotSource implements SnapshotSource {
  constructor(
    private readonly vault: Vault,
    /** The onshore epoch chains (on the service's Redis). */
    private readonly chain: RedisSnapshotChain,
    private readonly collected: RedisCosignatures,
  ) {}

  /** The snapshot's message in its set's chain, committed now at the next epoch if new. */
  commitMessage(snapshotId: string, draft: SnapshotMessageJson): Promise<SnapshotMessageJson> {
    return this.chain.commit(snapshotId, draft);
  }

  /** The set (recorded by the service) and the member signatures collected for the snapshot. */
  async cosignatures(
    setId: string,
    snapshotId: string,
  ): Promise<{ signerSet: SignerSetMembership; signatures: KeySignature[] }> {
    const set = await this.chain.getSet(setId);
    if (!set) throw new ZkAttestError('NOT_FOUND', 'the signer set is not recorded onshore');
    const signatures = (await this.collected.list(setId, snapshotId)).map(
      ({ keyId, publicKey, signature }) => ({ keyId, publicKey, signature }),
    );
    return { signerSet: setMembership(set), signatures };
  }

  /** The snapshot, its salt and the signed FX table sealed with it (checked at upload). */
  load(snapshotId: string): Promise<SnapshotSecret> {
    return this.vault.getSnapshot(snapshotId);
  }

  /** A WebCrypto signer over the vault's P-256 key (a non-extractable key in memory). */
  async signer(signerKeyId: string): Promise<Signer> {
    return webCryptoSigner(await this.vault.getSignerKey(signerKeyId));
  }
}

/** Packages by job id in Redis, first write wins (SET NX). Packages are public data. */
export class RedisPackageSink implements PackageSink {
  constructor(
    private readonly redis: RedisConnection,
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

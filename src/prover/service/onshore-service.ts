import type { Express } from 'express';
import type { Logger } from '../../common/logger';
import type { SignerSet } from '../../common/signer-set';
import {
  closeRedisClient,
  createRedisClient,
  whenRedisReady,
  type RedisConnection,
  type RedisTarget,
} from '../../common/redis-client';
import { DisclosureBudget, RedisDisclosureLedger, type DisclosurePolicy } from '../disclosure';
import { EgressSender, RedisEgressLog, type EgressDestination, type ExportBasis } from '../egress';
import { createProvingQueue, type ProvingQueue } from '../queue/proving-queue';
import { RedisVaultStore, Vault, type MasterKeyProvider } from '../vault';
import type { FailedAuthLimits } from './failed-auth-limiter';
import { createOnshoreApp } from './onshore-app';
import type { OnshoreUser } from './onshore-users';
import { serviceEgress } from './service-egress';
import { RedisSnapshotAnchors } from './snapshot-anchors';
import { RedisPackageSink } from './vault-source';

export interface OnshoreServiceConfig {
  /** A redis:// URL or a Redis Cluster's nodes. */
  redisUrl: RedisTarget;
  masterKeys: MasterKeyProvider;
  users: OnshoreUser[];
  /** Vault id of the P-256 signer key that signs every snapshot the service proves (1-of-1). */
  signerKeyId?: string;
  /** Or: the signer set whose members co-sign each snapshot (ONSHORE_SIGNER_SET_FILE). */
  signerSet?: SignerSet;
  destinations: EgressDestination[];
  logger: Logger;
  /** Failed staff authentications allowed per client address and window. */
  failedAuthLimits?: FailedAuthLimits;
  /** How precise claims may be, and how many per snapshot (default: no rule; all are ledgered). */
  disclosurePolicy?: DisclosurePolicy;
  /** The export basis every egress log entry carries (ONSHORE_EXPORT_BASIS_FILE). */
  exportBasis?: ExportBasis;
}

export interface OnshoreService {
  app: Express;
  vault: Vault;
  queue: ProvingQueue;
  egressLog: RedisEgressLog;
  /** The request-path client every part of the service shares (fail-fast; see redis-client). */
  redis: RedisConnection;
  close(): Promise<void>;
}

/** How long start-up waits for Redis before giving up. */
const STARTUP_REDIS_WAIT_MS = 10_000;

/** Wires the onshore service on one Redis: vault, proving queue, package sink, egress, staff API. */
export function buildOnshoreService(cfg: OnshoreServiceConfig): OnshoreService {
  // One request-profile client: while Redis is down every route answers 503 at once, and
  // it reconnects in the background (recovery needs no restart).
  let down = false;
  const redis = createRedisClient(cfg.redisUrl, {
    profile: 'request',
    onError: (err) => {
      if (!down) cfg.logger.warn('redis unreachable', { error: err.message });
      down = true;
    },
  });
  redis.on('ready', () => {
    if (down) cfg.logger.info('redis reachable again');
    down = false;
  });
  const vaultStore = new RedisVaultStore(redis);
  const vault = new Vault(vaultStore, cfg.masterKeys);
  const queue = createProvingQueue(cfg.redisUrl, { connection: redis });
  const egressLog = new RedisEgressLog(redis);
  const sender = new EgressSender({
    destinations: cfg.destinations,
    log: egressLog,
    ...(cfg.exportBasis ? { exportBasis: cfg.exportBasis } : {}),
  });
  const anchors = new RedisSnapshotAnchors(redis);
  const app = createOnshoreApp({
    vault,
    queue,
    packages: new RedisPackageSink(redis),
    egress: serviceEgress({ sender, log: egressLog, queue, vault, anchors }),
    users: cfg.users,
    signerKeyId: cfg.signerKeyId,
    signerSet: cfg.signerSet,
    redis,
    logger: cfg.logger,
    failedAuthLimits: cfg.failedAuthLimits,
    disclosure: new DisclosureBudget(cfg.disclosurePolicy ?? {}, new RedisDisclosureLedger(redis)),
  });
  return {
    app,
    vault,
    queue,
    egressLog,
    redis,
    close: async () => {
      await Promise.all([queue.close(), egressLog.close(), vaultStore.close()]);
      await closeRedisClient(redis);
    },
  };
}

/**
 * Builds the service and checks, before it takes a request, that Redis answers and that the
 * configured master keys are the vault's (VAULT_MASTER_KEY_MISMATCH otherwise: nothing gets
 * sealed under a wrong key).
 */
export async function startOnshoreService(cfg: OnshoreServiceConfig): Promise<OnshoreService> {
  const service = buildOnshoreService(cfg);
  try {
    await whenRedisReady(service.redis, STARTUP_REDIS_WAIT_MS);
    await service.vault.checkMasterKey();
    return service;
  } catch (err) {
    await service.close();
    throw err;
  }
}

import type { Express } from 'express';
import Redis from 'ioredis';
import type { Logger } from '../../common/logger';
import { EgressSender, RedisEgressLog, type EgressDestination } from '../egress';
import { createProvingQueue, type ProvingQueue } from '../queue/proving-queue';
import { RedisVaultStore, Vault, type MasterKeyProvider } from '../vault';
import type { FailedAuthLimits } from './failed-auth-limiter';
import { createOnshoreApp } from './onshore-app';
import type { OnshoreUser } from './onshore-users';
import { serviceEgress } from './service-egress';
import { RedisPackageSink } from './vault-source';

export interface OnshoreServiceConfig {
  redisUrl: string;
  masterKeys: MasterKeyProvider;
  users: OnshoreUser[];
  /** Vault id of the attestor signing key; set later with `useAttestorKey` if not known yet. */
  attestorKeyId: string;
  destinations: EgressDestination[];
  logger: Logger;
  /** Failed staff authentications allowed per client address and window. */
  failedAuthLimits?: FailedAuthLimits;
}

export interface OnshoreService {
  app: Express;
  vault: Vault;
  queue: ProvingQueue;
  egressLog: RedisEgressLog;
  close(): Promise<void>;
}

/** Wires the onshore service on one Redis: vault, proving queue, package sink, egress, staff API. */
export function buildOnshoreService(cfg: OnshoreServiceConfig): OnshoreService {
  const redis = new Redis(cfg.redisUrl);
  const vaultStore = new RedisVaultStore(cfg.redisUrl);
  const vault = new Vault(vaultStore, cfg.masterKeys);
  const queue = createProvingQueue(cfg.redisUrl);
  const egressLog = new RedisEgressLog(cfg.redisUrl);
  const sender = new EgressSender({ destinations: cfg.destinations, log: egressLog });
  const app = createOnshoreApp({
    vault,
    queue,
    packages: new RedisPackageSink(redis),
    egress: serviceEgress({ sender, log: egressLog, queue, vault }),
    users: cfg.users,
    attestorKeyId: cfg.attestorKeyId,
    redis,
    logger: cfg.logger,
    failedAuthLimits: cfg.failedAuthLimits,
  });
  return {
    app,
    vault,
    queue,
    egressLog,
    close: async () => {
      await Promise.all([queue.close(), egressLog.close(), vaultStore.close()]);
      redis.disconnect();
    },
  };
}

import { createMemoryStores } from './memory-stores';
import { createRedisStores } from './redis-stores';
import type { RedisTarget } from '../../common/redis-client';
import type { Stores } from './store-contracts';

export { createMemoryStores } from './memory-stores';
export { createRedisStores, type RedisStoreOptions } from './redis-stores';
export { MAX_LIST_LIMIT } from './record-listing';
export { MAX_EVIDENCE_PER_SET } from './store-contracts';
export type {
  AttestationFilter,
  AttestationRecord,
  AttestationStore,
  AuditEntry,
  AuditEvent,
  AuditLog,
  ChallengeState,
  ChainSummary,
  ChallengeStore,
  EpochChainStore,
  ClaimKind,
  InstitutionEntry,
  IssuedChallenge,
  KeyEntry,
  KeyKind,
  KeyRegisterResult,
  KeyRegistration,
  KeyRegistryStore,
  Page,
  PageRequest,
  PublicValue,
  PutResult,
  RateLimiter,
  RateLimitResult,
  RegistryStore,
  SignerSetEntry,
  SignerSetRegisterResult,
  SignerSetRegistration,
  SignerSetStore,
  StoredChainLink,
  Stores,
} from './store-contracts';

/** The API's stores: on Redis (a server or a cluster) when given one, else in memory (demo). */
export function createStores(redis: RedisTarget | undefined): Stores {
  return redis !== undefined ? createRedisStores(redis) : createMemoryStores();
}

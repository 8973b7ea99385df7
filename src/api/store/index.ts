import { createMemoryStores } from './memory-stores';
import { createRedisStores } from './redis-stores';
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

/** The API's stores: Redis when REDIS_URL is set, otherwise in memory (demo only). */
export function createStores(env: { REDIS_URL?: string }): Stores {
  return env.REDIS_URL ? createRedisStores(env.REDIS_URL) : createMemoryStores();
}

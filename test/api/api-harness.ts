import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import { createLogger, type Logger } from '../../src/common/logger';
import { createRedisStores } from '../../src/api/store';
import type { Stores } from '../../src/api/store';
import { VerificationKeyRegistry, type VerificationPolicy } from '../../src/verifier';
import { startRedis, type RedisServer } from '../support/redis-server';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface ApiUnderTest {
  app: Express;
  stores: Stores;
  redis: RedisServer;
  admin(method: 'get' | 'post', path: string, body?: object): request.Test;
  close(): Promise<void>;
}

type Limits = { bodyLimitBytes?: number; writeRateLimitPerMinute?: number };

/** The offshore API over the given stores, with test defaults (development keys accepted). */
export function createTestApp(
  stores: Stores,
  policy: Partial<VerificationPolicy> = {},
  limits: Limits = {},
  logger: Logger = createLogger('silent'),
): Express {
  return createApp({
    stores,
    registry: VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true }),
    policy: {
      maxAgeSeconds: 7 * 24 * 3600,
      maxClockSkewSeconds: 300,
      requireChallenge: true,
      ...policy,
    },
    logger,
    adminToken: ADMIN_TOKEN,
    bodyLimitBytes: limits.bodyLimitBytes ?? 64 * 1024,
    writeRateLimitPerMinute: limits.writeRateLimitPerMinute ?? 100_000,
    challengeTtlSeconds: 600,
  }).app;
}

/** Calls an admin route of `app` with ADMIN_TOKEN. */
export function adminCaller(app: Express): ApiUnderTest['admin'] {
  return (method, path, body) => {
    const r = request(app)[method](path).set('Authorization', `Bearer ${ADMIN_TOKEN}`);
    return body ? r.send(body) : r;
  };
}

/** The offshore API on a real redis-server (persistence on), driven through supertest. */
export async function startApi(
  policy: Partial<VerificationPolicy> = {},
  limits: Limits = {},
  logger?: Logger,
): Promise<ApiUnderTest> {
  const redis = await startRedis();
  const stores = createRedisStores(redis.url, { keyPrefix: `t${Date.now()}:` });
  const app = createTestApp(stores, policy, limits, logger);
  return {
    app,
    stores,
    redis,
    admin: adminCaller(app),
    close: async () => {
      await stores.close();
      await redis.stop();
    },
  };
}

/** Registers an onshore institution's transport key and an attestor key (valid since 30 days). */
export async function registerCustodian(
  target: Pick<ApiUnderTest, 'admin'>,
  institution: { id: string; alg: string; publicJwk: object },
  attestorKeyHash: bigint,
): Promise<void> {
  await target
    .admin('post', '/v1/admin/institutions', {
      id: institution.id,
      name: 'Onshore Bank',
      alg: institution.alg,
      publicKeyJwk: institution.publicJwk,
    })
    .expect(201);
  await target
    .admin('post', '/v1/admin/attestors', {
      keyHash: attestorKeyHash.toString(),
      label: 'custodian',
      validFrom: new Date(Date.now() - 30 * 24 * 3600 * 1000).toISOString(),
    })
    .expect(201);
}

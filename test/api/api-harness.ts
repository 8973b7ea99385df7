import type { P256PublicKey } from '../../src/common/p256';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import { createLogger, type Logger } from '../../src/common/logger';
import { createRedisStores } from '../../src/api/store';
import type { SignerSetEntry, Stores } from '../../src/api/store';
import type { SignerSet } from '../../src/common/signer-set';
import { VerificationKeyRegistry, type VerificationPolicy } from '../../src/verifier';
import type { AttestationPackage } from '../../src/common/attestation-package';
import type { TransportAlg } from '../../src/common/transport-envelope';
import {
  AttestationFactory,
  newInstitution,
  type Institution,
} from '../support/attestation-factory';
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
      maxFxAgeSeconds: 2 * 24 * 3600,
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

type InstitutionKey = { id: string; alg: string; publicJwk: object };

/** Registers an onshore institution's transport key. */
export async function registerInstitution(
  target: Pick<ApiUnderTest, 'admin'>,
  institution: InstitutionKey,
  name = 'Onshore Bank',
): Promise<void> {
  await target
    .admin('post', '/v1/admin/institutions', {
      id: institution.id,
      name,
      alg: institution.alg,
      publicKeyJwk: institution.publicJwk,
    })
    .expect(201);
}

/** Thirty days ago: when the test signer sets become valid. */
const since30Days = () => new Date(Date.now() - 30 * 24 * 3600 * 1000).toISOString();

/**
 * Registers a signer set (valid since 30 days, chain from epoch 0 unless told); answers its
 * entry.
 */
export async function registerSignerSet(
  target: Pick<ApiUnderTest, 'admin'>,
  set: { threshold: number; signers: ReadonlyArray<{ publicKey: P256PublicKey; label: string }> },
  opts: { validFrom?: string; firstEpoch?: number } = {},
): Promise<SignerSetEntry> {
  const res = await target
    .admin('post', '/v1/admin/signer-sets', {
      threshold: set.threshold,
      signers: set.signers.map(({ publicKey, label }) => ({ publicKey, label })),
      validFrom: opts.validFrom ?? since30Days(),
      ...(opts.firstEpoch !== undefined ? { firstEpoch: opts.firstEpoch } : {}),
    })
    .expect(201);
  return res.body as SignerSetEntry;
}

/**
 * Registers an onshore institution's transport key and its signer as a 1-of-1 signer set
 * (valid since 30 days): the packages a factory signs with that key alone.
 */
export async function registerCustodian(
  target: Pick<ApiUnderTest, 'admin'>,
  institution: InstitutionKey,
  signer: { publicKey: P256PublicKey },
  opts: { firstEpoch?: number } = {},
): Promise<void> {
  await registerInstitution(target, institution);
  await registerSignerSet(
    target,
    { threshold: 1, signers: [{ publicKey: signer.publicKey, label: 'custodian' }] },
    opts,
  );
}

/** The labels of the 2-of-3 test set: custodian (seed 1), auditor (seed 2), trustee (seed 3). */
export const TWO_OF_THREE_LABELS = ['Custodian Bank A', 'Auditor Firm B', 'Trustee C'];

/** Registers a 2-of-3 signer set of the factory's seeds 1, 2, 3 and an institution; answers it. */
export async function registerTwoOfThree(
  target: Pick<ApiUnderTest, 'admin'>,
  institution: InstitutionKey,
  factory: AttestationFactory,
): Promise<SignerSet> {
  await registerInstitution(target, institution);
  const set = await factory.signerSet(2, [1, 2, 3], TWO_OF_THREE_LABELS);
  await registerSignerSet(target, set);
  return set;
}

/** The API with one custodian registered: its institution (bank) and its signer (factory). */
export interface ApiWithCustodian {
  api: ApiUnderTest;
  factory: AttestationFactory;
  bank: Institution;
}

export async function startApiWithCustodian(
  alg: TransportAlg = 'EdDSA',
  policy: Partial<VerificationPolicy> = {},
): Promise<ApiWithCustodian> {
  const [api, factory, bank] = await Promise.all([
    startApi(policy),
    AttestationFactory.create(),
    newInstitution('onshore-bank', alg),
  ]);
  await registerCustodian(api, bank, await factory.signer());
  return { api, factory, bank };
}

/** A fresh challenge nonce of the API. */
export async function challengeNonce(app: Express): Promise<bigint> {
  return BigInt((await request(app).post('/v1/challenges').expect(201)).body.nonce);
}

/** A package proved for a fresh challenge of the API. */
export async function freshPackage(
  app: Express,
  factory: AttestationFactory,
): Promise<AttestationPackage> {
  return factory.package({ context: await challengeNonce(app) });
}

/** Serves `app` over real HTTP on a free loopback port. */
export function listenOnLoopback(app: Express): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const s = createServer(app).listen(0, '127.0.0.1', () => {
      resolve({ server: s, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}` });
    });
  });
}

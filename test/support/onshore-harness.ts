/**
 * Set-up the onshore service tests share: staff tokens, master keys, the P-256 signer key in the
 * vault, a signed FX table, an egress destination, the service on a real redis-server, and an
 * uploaded snapshot.
 * Each test keeps what it asserts; only where its parts come from is here.
 */
import { testSignerKey } from '../fixtures';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Express } from 'express';
import request from 'supertest';
import { createLogger } from '../../src/common/logger';
import type { RedisTarget } from '../../src/common/redis-client';
import type { JsonWebKey } from '../../src/common/transport-envelope';
import { fxMessage, fxTableHash, type FxTable } from '../../src/common/fx-table';
import { webCryptoSigner, type SignerKey } from '../../src/common/p256-signer';
import type { SignedFxTable } from '../../src/common/signed-fx-table';
import type { EgressDestination } from '../../src/prover/egress';
import { PROVING_QUEUE } from '../../src/prover/queue/proving-queue';
import {
  buildOnshoreService,
  type OnshoreService,
  type OnshoreServiceConfig,
} from '../../src/prover/service/onshore-service';
import { tokenHash, type OnshoreUser } from '../../src/prover/service/onshore-users';
import {
  masterKeysFromEnv,
  newMasterKeySecret,
  RedisVaultStore,
  Vault,
  type MasterKeyProvider,
} from '../../src/prover/vault';
import { startRedis, type RedisServer } from './redis-server';

export const OPERATOR = 'operator-token-0123456789abcdef0123';
export const AUDITOR = 'auditor-token-0123456789abcdef01234';
/** The staff header for a token. */
export const as = (token: string) => ({ Authorization: `Bearer ${token}` });
/** An operator (olivia) and an auditor (arthur), no desks. */
export const STAFF: OnshoreUser[] = [
  { name: 'olivia', role: 'operator', tokenSha256: tokenHash(OPERATOR) },
  { name: 'arthur', role: 'auditor', tokenSha256: tokenHash(AUDITOR) },
];
/** The example snapshot: its path and its text. */
export const SAMPLE_SNAPSHOT = join(__dirname, '..', '..', 'examples', 'snapshot.csv');
export const SAMPLE_CSV = readFileSync(SAMPLE_SNAPSHOT, 'utf8');
/** The three-currency example (CNY, HKD, USD reported in USD cents): path and text. */
export const MULTI_SNAPSHOT = join(__dirname, '..', '..', 'examples', 'snapshot-multicurrency.csv');
export const MULTI_CSV = readFileSync(MULTI_SNAPSHOT, 'utf8');
/** Its rates (examples/README.md): 1 CNY = 0.1379 USD, 1 HKD = 0.1282 USD, x 10^12 per cent. */
export const USD_CNY_HKD: FxTable = {
  reporting: { currency: 'USD', decimals: 2 },
  rows: [
    { currency: 'USD', decimals: 2, rate: '1000000000000' },
    { currency: 'CNY', decimals: 2, rate: '137900000000' },
    { currency: 'HKD', decimals: 2, rate: '128200000000' },
  ],
};

export { testSignerKey };

/** `table` signed by test FX source `seed` as of `asOf`, as `zkattest fx sign` writes it. */
export async function signedFx(table: FxTable, asOf: number, seed = 7): Promise<SignedFxTable> {
  const source = await webCryptoSigner(await testSignerKey(seed));
  const signature = await source.sign(fxMessage(await fxTableHash(table), table.reporting, asOf));
  return { table, source: { keyId: source.keyId, publicKey: source.publicKey, asOf, signature } };
}

/** The Zkattest-Fx upload header of a signed table (base64 of its JSON). */
export function fxHeader(fx: unknown): { 'Zkattest-Fx': string } {
  return { 'Zkattest-Fx': Buffer.from(JSON.stringify(fx)).toString('base64') };
}

/** A fresh master key env (one key, k1), for the service and for worker processes. */
export function testMasterEnv(): { ZKATTEST_MASTER_KEYS: string; ZKATTEST_MASTER_KEY_ID: string } {
  return { ZKATTEST_MASTER_KEYS: `k1:${newMasterKeySecret()}`, ZKATTEST_MASTER_KEY_ID: 'k1' };
}

/** Test signer key `seed` sealed into the vault on `redisUrl` (or a cluster): its vault id and key. */
export async function vaultSignerKey(
  redisUrl: RedisTarget,
  masterKeys: MasterKeyProvider,
  seed = 1,
  label = 'signer',
): Promise<{ signerKeyId: string; key: SignerKey }> {
  const key = await testSignerKey(seed);
  const keyStore = new RedisVaultStore(redisUrl);
  try {
    const signerKeyId = await new Vault(keyStore, masterKeys).putSignerKey(key, label);
    return { signerKeyId, key };
  } finally {
    await keyStore.close();
  }
}

/** The destination the tests send to: 'hk-platform', as institution mainland-custodian. */
export function hkPlatform(url: string, privateJwk: JsonWebKey): EgressDestination {
  return {
    name: 'hk-platform',
    url,
    institutionId: 'mainland-custodian',
    privateJwk,
    alg: 'ES256',
  };
}

/**
 * The service with test defaults: STAFF, no destinations, a placeholder signer key (unless a
 * signer set is given), no logs.
 */
export function buildTestOnshoreService(
  cfg: Pick<OnshoreServiceConfig, 'redisUrl' | 'masterKeys'> & Partial<OnshoreServiceConfig>,
): OnshoreService {
  return buildOnshoreService({
    users: STAFF,
    ...(cfg.signerSet ? {} : { signerKeyId: 'signer-1' }),
    destinations: [],
    logger: createLogger('silent'),
    ...cfg,
  });
}

/** Uploads a snapshot (with its signed FX table, if any) as the operator; its id. */
export async function uploadSnapshot(
  app: Express,
  csv = SAMPLE_CSV,
  fx?: SignedFxTable,
): Promise<string> {
  const uploaded = await request(app)
    .post('/v1/snapshots')
    .set(as(OPERATOR))
    .set(fx ? fxHeader(fx) : {})
    .set('Content-Type', 'text/csv')
    .send(csv)
    .expect(201);
  return uploaded.body.id as string;
}

/**
 * The onshore service on a real redis-server, without a worker: claim requests stay in the
 * queue, so a test can read the exact job payload each request produced.
 */
export interface OnshoreClaimsHarness {
  /** The onshore app, signed in as OPERATOR by `as(OPERATOR)`. */
  app: Express;
  /** POSTs a claim request body for an uploaded snapshot, with extra headers if given. */
  requestClaim(body: object, headers?: Record<string, string>): Promise<request.Response>;
  /** The payload of a queued job, as stored in Redis. */
  jobData(jobId: string): Promise<unknown>;
  /** Jobs in the queue (any state). */
  jobCount(): Promise<number>;
  close(): Promise<void>;
}

export async function startOnshoreClaimsHarness(): Promise<OnshoreClaimsHarness> {
  const redis: RedisServer = await startRedis();
  const service = buildTestOnshoreService({
    redisUrl: redis.url,
    masterKeys: await masterKeysFromEnv(testMasterEnv()),
    users: STAFF.filter((u) => u.role === 'operator'),
  });
  const snapshotId = await uploadSnapshot(service.app);
  const jobs = new Queue(PROVING_QUEUE, { connection: { url: redis.url } });
  return {
    app: service.app,
    requestClaim: (body, headers = {}) =>
      request(service.app)
        .post(`/v1/snapshots/${snapshotId}/claims`)
        .set({ ...as(OPERATOR), ...headers })
        .send(body),
    jobData: async (jobId) => (await jobs.getJob(jobId))?.data,
    jobCount: async () => Object.values(await jobs.getJobCounts()).reduce((a, b) => a + b, 0),
    async close() {
      await jobs.close();
      await service.close();
      await redis.stop();
    },
  };
}

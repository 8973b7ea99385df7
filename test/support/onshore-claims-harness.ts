import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import request from 'supertest';
import { createLogger } from '../../src/common/logger';
import { PROVING_QUEUE } from '../../src/prover/queue/proving-queue';
import { buildOnshoreService, type OnshoreService } from '../../src/prover/service/onshore-service';
import { tokenHash } from '../../src/prover/service/onshore-users';
import { masterKeysFromEnv, newMasterKeySecret } from '../../src/prover/vault';
import { startRedis, type RedisServer } from './redis-server';

const SAMPLE = join(__dirname, '..', '..', 'examples', 'snapshot.csv');
const OPERATOR = 'operator-token-0123456789abcdef0123';

/**
 * The onshore service on a real redis-server, without a worker: claim requests stay in the
 * queue, so a test can read the exact job payload each request produced.
 */
export interface OnshoreClaimsHarness {
  /** POSTs a claim request body for an uploaded snapshot. */
  requestClaim(body: object): Promise<request.Response>;
  /** The payload of a queued job, as stored in Redis. */
  jobData(jobId: string): Promise<unknown>;
  /** Jobs in the queue (any state). */
  jobCount(): Promise<number>;
  close(): Promise<void>;
}

export async function startOnshoreClaimsHarness(): Promise<OnshoreClaimsHarness> {
  const redis: RedisServer = await startRedis();
  const service: OnshoreService = buildOnshoreService({
    redisUrl: redis.url,
    masterKeys: await masterKeysFromEnv({
      ZKATTEST_MASTER_KEYS: `k1:${newMasterKeySecret()}`,
      ZKATTEST_MASTER_KEY_ID: 'k1',
    }),
    users: [{ name: 'olivia', role: 'operator', tokenSha256: tokenHash(OPERATOR) }],
    attestorKeyId: 'attestor-1',
    destinations: [],
    logger: createLogger('silent'),
  });
  const auth = { Authorization: `Bearer ${OPERATOR}` };
  const uploaded = await request(service.app)
    .post('/v1/snapshots')
    .set(auth)
    .set('Content-Type', 'text/csv')
    .send(readFileSync(SAMPLE, 'utf8'))
    .expect(201);
  const snapshotId = uploaded.body.id as string;
  const jobs = new Queue(PROVING_QUEUE, { connection: { url: redis.url } });
  return {
    requestClaim: (body) =>
      request(service.app).post(`/v1/snapshots/${snapshotId}/claims`).set(auth).send(body),
    jobData: async (jobId) => (await jobs.getJob(jobId))?.data,
    jobCount: async () => Object.values(await jobs.getJobCounts()).reduce((a, b) => a + b, 0),
    async close() {
      await jobs.close();
      await service.close();
      await redis.stop();
    },
  };
}

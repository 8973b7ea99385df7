/** The proving worker's configuration: one schema, read once at start-up (readEnvConfig). */
import { z } from 'zod';
import { positiveInt, redisTargetFields, redisTargetRule } from '../common/env-config';
import {
  DEFAULT_LOCK_DURATION_MS,
  DEFAULT_MAX_STALLED_COUNT,
  DEFAULT_STALLED_INTERVAL_MS,
} from '../prover/queue/proving-worker';
import { CONFIG_NAME_PATTERN, CONFIG_NAME_RULE } from '../common/ids';

/** What every proving worker needs, whatever its snapshot source and package sink. */
const workerSettingsFields = z.object({
  /** REDIS_URL or REDIS_CLUSTER_NODES: one is required. */
  ...redisTargetFields,
  /** 1: one core per worker process; unset: snarkjs spreads each proof over every core. */
  ZKATTEST_PROVER_THREADS: z
    .literal('1', { message: 'must be 1 (one core per worker) or unset (all cores)' })
    .optional(),
  WORKER_CONCURRENCY: positiveInt.default(1),
  ZKATTEST_LOCK_DURATION_MS: positiveInt.default(DEFAULT_LOCK_DURATION_MS),
  ZKATTEST_STALLED_INTERVAL_MS: positiveInt.default(DEFAULT_STALLED_INTERVAL_MS),
  ZKATTEST_MAX_STALLED_COUNT: positiveInt.default(DEFAULT_MAX_STALLED_COUNT),
  ZKATTEST_QUEUE: z.string().regex(CONFIG_NAME_PATTERN, `must be ${CONFIG_NAME_RULE}`).optional(),
  ZKATTEST_THROUGHPUT_LOG_SECONDS: positiveInt.default(30),
});
/** The rule holds in the extensions below too. */
export const workerSettingsSchema = workerSettingsFields.superRefine(...redisTargetRule(true));
export type WorkerSettings = z.output<typeof workerSettingsSchema>;

/**
 * The production worker: secrets from the encrypted vault, so the master keys are required
 * (their format is checked by masterKeysFromEnv; never echoed).
 */
export const workerConfigSchema = workerSettingsSchema.extend({
  ZKATTEST_MASTER_KEYS: z.string({ message: 'is not set' }),
  ZKATTEST_MASTER_KEY_ID: z.string().optional(),
});
export type WorkerConfig = z.output<typeof workerConfigSchema>;

import { z } from 'zod';
import {
  flag,
  logLevel,
  readEnvConfig,
  redisTargetFields,
  redisTargetRule,
  type Env,
} from '../common/env-config';

const envFields = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** REDIS_URL or REDIS_CLUSTER_NODES (or neither: the in-memory demo store). */
  ...redisTargetFields,
  ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  /** Path of a JSON file of signer sets and FX sources registered at start (trusted-keys-file.ts). */
  TRUSTED_KEYS_FILE: z.string().optional(),
  ALLOW_DEVELOPMENT_KEYS: flag.default(false),
  REQUIRE_CHALLENGE: flag.default(true),
  MAX_SNAPSHOT_AGE_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(7 * 24 * 3600),
  MAX_FX_AGE_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(2 * 24 * 3600),
  MAX_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).default(300),
  CHALLENGE_TTL_SECONDS: z.coerce.number().int().positive().default(600),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    // One envelope of a large book's package (128 chunk proofs) is about 200 KB.
    .default(1024 * 1024),
  WRITE_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(6000),
  WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  LOG_LEVEL: logLevel.default('info'),
});
/** REDIS_URL and REDIS_CLUSTER_NODES exclude each other. */
const envSchema = envFields.superRefine(...redisTargetRule(false));

/** The offshore API's configuration, read and validated once at start-up. */
export type ApiConfig = z.infer<typeof envSchema>;

/**
 * Reads the configuration from environment variables.
 * @throws ZkAttestError CONFIG_INVALID naming each bad variable (never its value).
 */
export function readConfig(env: Env = process.env): ApiConfig {
  return readEnvConfig(envSchema, env);
}

/** The onshore service's configuration: one schema, read once at start-up (readEnvConfig). */
import { z } from 'zod';
import {
  logLevel,
  readEnvConfig,
  redisTargetFields,
  redisTargetRule,
  type Env,
} from '../common/env-config';

/** A vault id (src/prover/vault/vault-store.ts VAULT_ID_PATTERN; config stays off the prover). */
const VAULT_ID = /^[A-Za-z0-9_-]{1,64}$/;

const onshoreFields = z.object({
  /** REDIS_URL or REDIS_CLUSTER_NODES: one is required. */
  ...redisTargetFields,
  ONSHORE_HOST: z.string().default('127.0.0.1'),
  ONSHORE_PORT: z.coerce.number().int().min(0).max(65535).default(8090),
  /** name:role:sha256-of-token,... (hashes, not tokens; parsed by usersFromEnv). */
  ONSHORE_USERS: z.string(),
  /**
   * Vault id of the P-256 signer key (`zkattest vault add-key` prints it): the service signs
   * each snapshot with it, a 1-of-1 set. One of this and ONSHORE_SIGNER_SET_FILE is required.
   */
  ONSHORE_SIGNER_KEY_ID: z
    .string()
    .regex(VAULT_ID, 'must be a vault id (1..64 of [A-Za-z0-9_-])')
    .optional(),
  /** Path of a signer-set file (`zkattest signer-set new`): its members co-sign each snapshot. */
  ONSHORE_SIGNER_SET_FILE: z.string().optional(),
  /** Path of destinations.json (it holds transport private keys). */
  ONSHORE_DESTINATIONS: z.string(),
  /** Secret: its format is checked by masterKeysFromEnv, and never echoed. */
  ZKATTEST_MASTER_KEYS: z.string(),
  ZKATTEST_MASTER_KEY_ID: z.string().optional(),
  /** Path of the disclosure policy (JSON; src/prover/disclosure). Unset: no precision rules. */
  ONSHORE_DISCLOSURE_POLICY_FILE: z.string().optional(),
  /**
   * Path of the export basis (JSON: assessmentRef, standardContractFilingId,
   * dataClassification, retentionYears >= 3): every egress log entry carries it.
   */
  ONSHORE_EXPORT_BASIS_FILE: z.string().optional(),
  LOG_LEVEL: logLevel.default('info'),
});
const onshoreSchema = onshoreFields.superRefine(...redisTargetRule(true));
export type OnshoreConfig = z.output<typeof onshoreSchema>;

/** @throws ZkAttestError CONFIG_INVALID naming each bad variable (never its value). */
export function readOnshoreConfig(env: Env = process.env): OnshoreConfig {
  return readEnvConfig(onshoreSchema, env);
}

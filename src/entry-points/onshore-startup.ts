/**
 * The onshore service's start-up reading: its configuration (onshore-config.ts), then the
 * secrets and files it names, each checked so that any bad setting stops start-up the same
 * way: CONFIG_INVALID naming the variable, never a secret value (onshore-server exits 2).
 */
import { readJsonConfigFile, readVariable, variableInvalid, type Env } from '../common/env-config';
import { ZkAttestError } from '../common/errors';
import { parseSignerSet, type SignerSet } from '../common/signer-set';
import {
  readExportBasisFile,
  type ExportBasis,
  checkEgressDestinations,
  egressDestinationsSchema,
  type EgressDestination,
} from '../prover/egress';
import { readDisclosurePolicyFile, type DisclosurePolicy } from '../prover/disclosure';
import { usersFromEnv, type OnshoreUser } from '../prover/service/onshore-users';
import { masterKeysFromEnv, type StaticMasterKeyProvider } from '../prover/vault';
import { readOnshoreConfig, type OnshoreConfig } from './onshore-config';

/** Everything the onshore service needs from its environment, each part checked. */
export interface OnshoreStartup {
  config: OnshoreConfig;
  masterKeys: StaticMasterKeyProvider;
  users: OnshoreUser[];
  destinations: EgressDestination[];
  disclosurePolicy: DisclosurePolicy;
  /** ONSHORE_EXPORT_BASIS_FILE, when set: the basis every egress log entry carries. */
  exportBasis?: ExportBasis;
  /** Who signs snapshots: the vault's key (ONSHORE_SIGNER_KEY_ID) or a set's members. */
  signing: { signerKeyId: string } | { signerSet: SignerSet };
}

/**
 * Reads the configuration, the master keys, the users and the destinations file.
 * @throws ZkAttestError CONFIG_INVALID naming the variable at fault (never a secret value).
 */
export async function readOnshoreStartup(env: Env = process.env): Promise<OnshoreStartup> {
  const config = readOnshoreConfig(env);
  return {
    config,
    masterKeys: await readVariable('ZKATTEST_MASTER_KEYS', () => masterKeysFromEnv(env)),
    users: await readVariable('ONSHORE_USERS', () => usersFromEnv(config.ONSHORE_USERS)),
    destinations: await readVariable('ONSHORE_DESTINATIONS', () =>
      readDestinationsFile(config.ONSHORE_DESTINATIONS),
    ),
    disclosurePolicy:
      config.ONSHORE_DISCLOSURE_POLICY_FILE === undefined
        ? {}
        : readPolicyVariable(config.ONSHORE_DISCLOSURE_POLICY_FILE),
    signing: signingOf(config),
    ...(config.ONSHORE_EXPORT_BASIS_FILE === undefined
      ? {}
      : { exportBasis: readExportBasisFile(config.ONSHORE_EXPORT_BASIS_FILE) }),
  };
}

/** ONSHORE_SIGNER_SET_FILE (co-signing) or ONSHORE_SIGNER_KEY_ID (1-of-1): exactly one. */
function signingOf(config: OnshoreConfig): OnshoreStartup['signing'] {
  const file = config.ONSHORE_SIGNER_SET_FILE;
  const keyId = config.ONSHORE_SIGNER_KEY_ID;
  if (file !== undefined && keyId !== undefined) {
    throw variableInvalid('ONSHORE_SIGNER_SET_FILE', 'set this or ONSHORE_SIGNER_KEY_ID, not both');
  }
  if (file !== undefined) return { signerSet: readSignerSetFile(file) };
  if (keyId === undefined) {
    throw variableInvalid(
      'ONSHORE_SIGNER_KEY_ID',
      'is not set (or set ONSHORE_SIGNER_SET_FILE to co-sign with a signer set)',
    );
  }
  return { signerKeyId: keyId };
}

/** The signer-set file, its refusal naming the variable (and the field, not content). */
export function readSignerSetFile(path: string): SignerSet {
  const variable = 'ONSHORE_SIGNER_SET_FILE';
  const json = readJsonConfigFile(path, variable);
  try {
    return parseSignerSet(json, 'set');
  } catch (err) {
    if (err instanceof ZkAttestError) throw variableInvalid(variable, err.message);
    throw err;
  }
}

/** The disclosure policy file, its refusal naming the variable (and the rule, not content). */
function readPolicyVariable(path: string): DisclosurePolicy {
  try {
    return readDisclosurePolicyFile(path);
  } catch (err) {
    if (err instanceof ZkAttestError) {
      throw variableInvalid('ONSHORE_DISCLOSURE_POLICY_FILE', err.message);
    }
    throw err;
  }
}

/** The destinations file (ONSHORE_DESTINATIONS), validated; errors name the rule, not content. */
export function readDestinationsFile(path: string): EgressDestination[] {
  const variable = 'ONSHORE_DESTINATIONS';
  const json = readJsonConfigFile(path, variable);
  const parsed = egressDestinationsSchema.safeParse(json);
  if (parsed.success) {
    checkEgressDestinations(parsed.data); // duplicates, url rules: EGRESS_CONFIG_INVALID
    return parsed.data;
  }
  const problems = parsed.error.issues.map((issue) => {
    const [index, ...field] = issue.path;
    const where =
      index === undefined
        ? 'the file'
        : `destination ${Number(index) + 1}${field.length ? ` ${field.join('.')}` : ''}`;
    return `${where}: ${issue.message}`;
  });
  throw variableInvalid(variable, problems.join('; '));
}

import { readFileSync } from 'node:fs';
import { redisTargetFromEnv } from '../common/env-config';
import { ZkAttestError } from '../common/errors';
import {
  importPrivateKey,
  newSignerKey,
  readSignerKeyFile,
  SIGNER_KEY_FILE_TYPE,
  type SignerKey,
} from '../common/p256-signer';
import { loadSnapshotFile, randomSalt } from '../prover';
import { masterKeysFromEnv, RedisVaultStore, Vault, type UnreadableEntry } from '../prover/vault';
import { required, type Command } from './args';

const ENV_HELP = `  environment: REDIS_URL (or REDIS_CLUSTER_NODES), ZKATTEST_MASTER_KEYS ('id:base64,...'), ZKATTEST_MASTER_KEY_ID`;

async function withVault<T>(work: (vault: Vault) => Promise<T>): Promise<T> {
  const url = redisTargetFromEnv();
  if (url === undefined) throw new ZkAttestError('USAGE', `REDIS_URL is not set\n${ENV_HELP}`);
  const store = new RedisVaultStore(url);
  try {
    const vault = new Vault(store, await masterKeysFromEnv());
    // Refuses a wrong master key before anything is sealed or re-wrapped under it.
    await vault.checkMasterKey();
    return await work(vault);
  } finally {
    await store.close();
  }
}

/** The exit code when some entries could not be read: the rest was listed or rotated. */
export const VAULT_DAMAGED_EXIT = 3;
const DAMAGED_HELP = `  exit ${VAULT_DAMAGED_EXIT}: some entries are unreadable (their ids on stderr); the rest was handled`;

/**
 * Malformed entries, by id and code (never content), on stderr: the rest was handled, and
 * the exit code says the vault is damaged so that a script does not take it for a clean run.
 */
function reportUnreadable(entries: UnreadableEntry[]): void {
  for (const e of entries) console.error(`unreadable vault entry ${e.id} [${e.code}]`);
  if (entries.length > 0) process.exitCode = VAULT_DAMAGED_EXIT;
}

const ADD_KEY_USAGE = `zkattest vault add-key (--from <signer.key.json | PKCS#8 PEM/DER | JWK> | --new) [--label <text>]
${ENV_HELP}
  Prints the vault id (for ONSHORE_SIGNER_KEY_ID) and the public key JSON to register offshore.`;

/** The key of --from: a signer key file (`zkattest keys new`), else PKCS#8 PEM/DER or a JWK. */
async function keyFrom(file: string): Promise<{ key: SignerKey; label?: string }> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    throw new ZkAttestError('KEY_FILE', `cannot read ${file}`, { file });
  }
  let type: unknown;
  try {
    type = (JSON.parse(bytes.toString('utf8')) as { type?: unknown }).type;
  } catch {
    // Not JSON: PKCS#8 PEM or DER.
  }
  return type === SIGNER_KEY_FILE_TYPE
    ? readSignerKeyFile(file)
    : { key: await importPrivateKey(bytes) };
}

const addKey: Command = {
  name: 'vault add-key',
  summary: 'store a P-256 signer key in the encrypted vault (from a key file, or a new one)',
  usage: ADD_KEY_USAGE,
  options: { from: { type: 'string' }, new: { type: 'boolean' }, label: { type: 'string' } },
  async run(values) {
    if ((values.from === undefined) === (values.new !== true)) {
      throw new ZkAttestError('USAGE', `give either --from <file> or --new\n\n${ADD_KEY_USAGE}`);
    }
    const { key, label: fileLabel } =
      typeof values.from === 'string' ? await keyFrom(values.from) : { key: await newSignerKey() };
    const label = typeof values.label === 'string' ? values.label : (fileLabel ?? 'signer');
    const id = await withVault((v) => v.putSignerKey(key, label));
    console.error(`signer key stored in the vault as ${id}`);
    if (values.from !== undefined) console.error('the key file can now be destroyed');
    console.log(JSON.stringify({ id, keyId: key.keyId, publicKey: key.publicKey, label }, null, 2));
  },
};

const ADD_SNAPSHOT_USAGE = `zkattest vault add-snapshot --snapshot <snapshot.csv|json> [--fx <fx.json>] [--label <text>]
${ENV_HELP}
  --fx: the signed FX table (\`zkattest fx sign\`), needed when positions are in several currencies.`;

const addSnapshot: Command = {
  name: 'vault add-snapshot',
  summary: 'store a snapshot (and its signed FX table) in the encrypted vault, with a new salt',
  usage: ADD_SNAPSHOT_USAGE,
  options: { snapshot: { type: 'string' }, fx: { type: 'string' }, label: { type: 'string' } },
  async run(values) {
    const snapshot = loadSnapshotFile(required(values, 'snapshot', ADD_SNAPSHOT_USAGE));
    const fx = typeof values.fx === 'string' ? readFxFile(values.fx) : undefined;
    const label = typeof values.label === 'string' ? values.label : undefined;
    const id = await withVault((v) => v.putSnapshot(snapshot, randomSalt(), { label, fx }));
    console.log(`snapshot stored in the vault as ${id} (${snapshot.positions.length} positions)`);
  },
};

/** The JSON of an FX file (checked against the snapshot by the vault). */
function readFxFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new ZkAttestError('FX_TABLE_INVALID', `cannot read a JSON signed FX table from ${file}`, {
      field: 'fx',
    });
  }
}

const list: Command = {
  name: 'vault list',
  summary: 'list the vault (metadata only)',
  usage: `zkattest vault list\n${ENV_HELP}\n${DAMAGED_HELP}`,
  options: {},
  async run() {
    const { snapshots, signerKeys: keys, unreadable } = await withVault((v) => v.inventory());
    for (const s of snapshots) {
      const fx = s.fxRows === undefined ? '' : `  FX ${s.fxRows} rows`;
      console.log(
        `snapshot ${s.id}  ${s.positions} positions${fx}  as of ${new Date(s.asOf * 1000).toISOString()}  ` +
          `${s.label ?? ''}  [${s.masterKeyId}]`,
      );
    }
    for (const k of keys) {
      console.log(`signer key ${k.id}  keyId ${k.keyId}  ${k.label}  [${k.masterKeyId}]`);
    }
    reportUnreadable(unreadable);
  },
};

const rotate: Command = {
  name: 'vault rotate',
  summary: 're-wrap every data key under another master key (data stays encrypted as is)',
  usage: `zkattest vault rotate --to <master key id>\n${ENV_HELP}
  Add the new key to ZKATTEST_MASTER_KEYS and keep the old one until this has run.
${DAMAGED_HELP}`,
  options: { to: { type: 'string' } },
  async run(values) {
    const to = required(values, 'to', this.usage);
    const { rewrapped, unreadable } = await withVault((v) => v.rotateMasterKey(to));
    console.log(`${rewrapped} data keys re-wrapped under ${to}`);
    reportUnreadable(unreadable);
  },
};

export const VAULT_COMMANDS: Command[] = [addKey, addSnapshot, list, rotate];

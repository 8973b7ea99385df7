import { ZkAttestError } from '../common/errors';
import { loadPrimitives, readAttestorKey } from '../prover';
import { masterKeysFromEnv, RedisVaultStore, Vault, type UnreadableEntry } from '../prover/vault';
import { required, type Command } from './args';

const ENV_HELP = `  environment: REDIS_URL, ZKATTEST_MASTER_KEYS ('id:base64,...'), ZKATTEST_MASTER_KEY_ID`;

async function withVault<T>(work: (vault: Vault) => Promise<T>): Promise<T> {
  const url = process.env.REDIS_URL;
  if (!url) throw new ZkAttestError('USAGE', `REDIS_URL is not set\n${ENV_HELP}`);
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

const importKey: Command = {
  name: 'vault import-key',
  summary: 'store an attestor signing key in the encrypted vault',
  usage: `zkattest vault import-key --key <attestor.key.json> [--label <text>]\n${ENV_HELP}`,
  options: { key: { type: 'string' }, label: { type: 'string', default: 'attestor' } },
  async run(values) {
    const key = readAttestorKey(await loadPrimitives(), required(values, 'key', this.usage));
    const id = await withVault((v) => v.putAttestorKey(key.privateKey, values.label as string));
    console.log(`attestor key stored in the vault as ${id} (key hash ${key.keyHash})`);
    console.log('the key file can now be destroyed');
  },
};

const list: Command = {
  name: 'vault list',
  summary: 'list the vault (metadata only)',
  usage: `zkattest vault list\n${ENV_HELP}\n${DAMAGED_HELP}`,
  options: {},
  async run() {
    const { snapshots, attestorKeys: keys, unreadable } = await withVault((v) => v.inventory());
    for (const s of snapshots) {
      console.log(
        `snapshot ${s.id}  ${s.positions} positions  as of ${new Date(s.asOf * 1000).toISOString()}  ` +
          `${s.label ?? ''}  [${s.masterKeyId}]`,
      );
    }
    for (const k of keys) console.log(`attestor key ${k.id}  ${k.label}  [${k.masterKeyId}]`);
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

export const VAULT_COMMANDS: Command[] = [importKey, list, rotate];

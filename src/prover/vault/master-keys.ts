/**
 * Master keys of the onshore vault: the key-encryption keys that wrap each entry's data key.
 *
 * The vault only ever asks a {@link MasterKeyProvider} for a key by id (or for the current one)
 * and uses it through WebCrypto's wrapKey/unwrapKey. The provider here reads base64 secrets from
 * the environment, which suits development and small deployments. Production would put an
 * HSM or KMS behind the same interface: e.g. a PKCS#11 WebCrypto provider (node-webcrypto-p11)
 * whose CryptoKeys are handles to non-extractable keys that never leave the HSM, or a KMS client
 * resolving key ids asynchronously (the methods may return promises for that reason).
 */
import { Crypto } from '@peculiar/webcrypto';
import { randomBytes, type webcrypto } from 'node:crypto';
import { ZkAttestError } from '../../common/errors';
import { CONFIG_NAME_PATTERN } from '../../common/ids';

// The project's one WebCrypto implementation, typed with Node's (identical) interfaces; see
// src/common/transport-key.ts.
export const subtle: webcrypto.SubtleCrypto = new Crypto().subtle;

/** The algorithm of every master key: AES-256 key wrap (RFC 3394); see vault.ts for why. */
export const MASTER_KEY_ALGORITHM = 'AES-KW';

/** Master key length in bytes (AES-256). */
export const MASTER_KEY_BYTES = 32;

/** A master key id: a config name (short, printable, no separator of the env format). */
export const MASTER_KEY_ID_PATTERN = CONFIG_NAME_PATTERN;

/** A master key: its id (recorded next to every key it wraps) and a wrapKey/unwrapKey key. */
export interface MasterKey {
  id: string;
  key: webcrypto.CryptoKey;
}

/** Where the vault's master keys come from. */
export interface MasterKeyProvider {
  /** The key new entries are wrapped under. */
  current(): MasterKey | Promise<MasterKey>;
  /** The key with this id, or undefined when this provider does not (or no longer) hold it. */
  get(id: string): MasterKey | undefined | Promise<MasterKey | undefined>;
}

function configError(message: string): ZkAttestError {
  return new ZkAttestError('VAULT_CONFIG_INVALID', message);
}

/** Imports 32 raw bytes as a non-extractable AES-KW master key. */
export async function importMasterKey(raw: Uint8Array): Promise<webcrypto.CryptoKey> {
  if (raw.length !== MASTER_KEY_BYTES) {
    throw configError(`a master key is ${MASTER_KEY_BYTES} bytes (AES-256)`);
  }
  return subtle.importKey('raw', raw, { name: MASTER_KEY_ALGORITHM }, false, [
    'wrapKey',
    'unwrapKey',
  ]);
}

/** A fixed set of master keys held in memory, one of them current. */
export class StaticMasterKeyProvider implements MasterKeyProvider {
  private readonly keys: ReadonlyMap<string, MasterKey>;
  private readonly currentKey: MasterKey;

  private constructor(keys: Map<string, MasterKey>, currentId: string) {
    const current = keys.get(currentId);
    if (!current) throw configError(`the current master key id is not among the keys`);
    this.keys = keys;
    this.currentKey = current;
  }

  /**
   * Imports raw 32-byte keys by id; `currentId` names the key new entries are wrapped under.
   * The raw bytes are only read here (the caller should wipe its copies).
   */
  static async fromRaw(
    raw: ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>,
    currentId: string,
  ): Promise<StaticMasterKeyProvider> {
    const entries = raw instanceof Map ? [...raw.entries()] : Object.entries(raw);
    const keys = new Map<string, MasterKey>();
    for (const [id, bytes] of entries) {
      if (!MASTER_KEY_ID_PATTERN.test(id)) {
        throw configError(`master key ids match ${MASTER_KEY_ID_PATTERN.source}`);
      }
      keys.set(id, { id, key: await importMasterKey(bytes) });
    }
    if (keys.size === 0) throw configError('no master key configured');
    return new StaticMasterKeyProvider(keys, currentId);
  }

  current(): MasterKey {
    return this.currentKey;
  }

  get(id: string): MasterKey | undefined {
    return this.keys.get(id);
  }

  /** The ids this provider holds (never the keys). */
  ids(): string[] {
    return [...this.keys.keys()];
  }
}

/** Environment variable with the master keys: `id1:base64,id2:base64`. */
export const MASTER_KEYS_ENV = 'ZKATTEST_MASTER_KEYS';
/** Environment variable with the current master key id (optional with a single key). */
export const MASTER_KEY_ID_ENV = 'ZKATTEST_MASTER_KEY_ID';

const BASE64_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The master keys from the environment: ZKATTEST_MASTER_KEYS='id1:base64,id2:base64' (each
 * 32 random bytes, e.g. `openssl rand -base64 32`) and ZKATTEST_MASTER_KEY_ID, the current id
 * (may be left out when there is a single key). Rotation: add the new key to the list and make
 * it current everywhere, run `Vault.rotateMasterKey(newId)`, then drop the old key.
 *
 * Error messages name the faulty entry by position, never its content.
 */
export async function masterKeysFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<StaticMasterKeyProvider> {
  const list = env[MASTER_KEYS_ENV]?.trim();
  if (!list) throw configError(`${MASTER_KEYS_ENV} is not set`);
  const raw = new Map<string, Uint8Array>();
  try {
    list.split(',').forEach((item, index) => {
      const where = `${MASTER_KEYS_ENV} entry ${index + 1}`;
      const colon = item.indexOf(':');
      if (colon < 0) throw configError(`${where} is not id:base64`);
      const id = item.slice(0, colon).trim();
      const secret = item.slice(colon + 1).trim();
      if (!MASTER_KEY_ID_PATTERN.test(id)) {
        throw configError(`${where}: the id must match ${MASTER_KEY_ID_PATTERN.source}`);
      }
      if (raw.has(id)) throw configError(`${where} repeats an earlier id`);
      const bytes = BASE64_PATTERN.test(secret) ? Buffer.from(secret, 'base64') : undefined;
      if (!bytes || bytes.length !== MASTER_KEY_BYTES) {
        bytes?.fill(0);
        throw configError(`${where}: the key must be ${MASTER_KEY_BYTES} bytes in base64`);
      }
      raw.set(id, bytes);
    });
    let currentId = env[MASTER_KEY_ID_ENV]?.trim();
    if (!currentId) {
      if (raw.size !== 1) throw configError(`${MASTER_KEY_ID_ENV} must name the current key`);
      currentId = [...raw.keys()][0];
    }
    if (!raw.has(currentId)) {
      throw configError(`${MASTER_KEY_ID_ENV} names no key of ${MASTER_KEYS_ENV}`);
    }
    return await StaticMasterKeyProvider.fromRaw(raw, currentId);
  } finally {
    for (const bytes of raw.values()) bytes.fill(0);
  }
}

/** A fresh random master key in the env format's base64 (for setup scripts and tests). */
export function newMasterKeySecret(): string {
  return randomBytes(MASTER_KEY_BYTES).toString('base64');
}

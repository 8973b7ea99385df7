/**
 * The onshore vault: a custodian's snapshots (with their commitment salts and signed FX tables)
 * and P-256 signer keys, encrypted at rest.
 *
 * Envelope encryption. Each entry gets its own random AES-256 data key; the entry's plaintext is
 * sealed with AES-256-GCM under it (a fresh random 96-bit IV per encryption, 128-bit tag), and
 * the data key is stored wrapped by a master key, recorded by id. The master keys come from a
 * {@link MasterKeyProvider} (environment secrets here; an HSM or KMS in production).
 *
 * Why AES-KW (RFC 3394) for the wrap rather than AES-GCM: it is the construction made for
 * wrapping key material, needs no IV (a long-lived master key wraps many data keys, and AES-GCM
 * with random 96-bit IVs must stay well below 2^32 uses per key, with a catastrophic failure on
 * an IV repeat), carries its own integrity check (a wrong master key or a flipped bit fails the
 * unwrap), and is what HSMs and KMSs offer natively (PKCS#11 CKM_AES_KEY_WRAP), so a hardware
 * provider can do the wrap without the master key ever leaving it. Its lack of associated data
 * does not matter here: the binding to the entry is carried by the data ciphertext's AAD, and a
 * data key wrapped for another entry cannot open this entry's ciphertext.
 *
 * Additional authenticated data. Every data ciphertext is bound to
 * `zkattest.vault/v1`, the entry's kind, its vault id and its clear metadata (label, counts,
 * times). Moving a ciphertext (or a whole record) to another id, relabelling it, or presenting
 * a signer key as a snapshot fails authentication. The master key id and the wrapped key
 * are deliberately outside the AAD, so that rotating the master key re-wraps data keys
 * without touching (or decrypting) any data ciphertext.
 *
 * The record format is in vault-record.ts, a snapshot's plaintext in snapshot-plaintext.ts.
 * Errors name the entry by its vault id only.
 */
import { randomBytes, timingSafeEqual, type webcrypto } from 'node:crypto';
import { ZkAttestError, type ErrorCode } from '../../common/errors';
import { importJwk, type SignerKey } from '../../common/p256-signer';
import type { P256PublicKey } from '../../common/p256';
import type { Snapshot } from '../snapshot/snapshot-types';
import {
  MASTER_KEY_ALGORITHM,
  subtle,
  type MasterKey,
  type MasterKeyProvider,
} from './master-keys';
import { checkSnapshotFx } from './snapshot-fx';
import {
  decodeSnapshotPlaintext,
  encodeSnapshotPlaintext,
  type SnapshotSecret,
} from './snapshot-plaintext';
import { decryptFailed, keyUnknown, notFound, recordInvalid } from './vault-errors';
import {
  aadOf,
  checkLabel,
  fromB64,
  parseRecord,
  toB64,
  type SignerKeyMeta,
  type SnapshotMeta,
  type VaultEntryKind,
  type VaultRecord,
} from './vault-record';
import { VAULT_ID_PATTERN, type VaultStore } from './vault-store';

/** What listSnapshots shows of a snapshot: metadata only, never its contents. */
export interface SnapshotListing {
  id: string;
  label?: string;
  positions: number;
  asOf: number;
  /** Rows of its signed FX table; absent: the identity table of its unit. */
  fxRows?: number;
  /** ISO-8601 time the entry was stored. */
  createdAt: string;
  /** The master key its data key is currently wrapped under. */
  masterKeyId: string;
}

/** What listSignerKeys shows of a signer key: metadata and its public half, never the private. */
export interface SignerKeyListing {
  id: string;
  label: string;
  keyId: string;
  publicKey: P256PublicKey;
  createdAt: string;
  masterKeyId: string;
}

/** An entry a listing or a rotation could not use: its id and why (a code), never content. */
export interface UnreadableEntry {
  id: string;
  code: ErrorCode;
}

/** Every entry's metadata, from one pass over the store. */
export interface VaultInventory {
  snapshots: SnapshotListing[];
  signerKeys: SignerKeyListing[];
  /** Entries whose record is malformed: reported, not fatal to the rest. */
  unreadable: UnreadableEntry[];
}

/** What a rotation did. */
export interface RotationResult {
  /** Data keys re-wrapped by this run (entries already under the target key are skipped). */
  rewrapped: number;
  /** Entries left as they were: malformed, or their data key fails authentication. */
  unreadable: UnreadableEntry[];
}

/** Vault id of the master key check value (see checkMasterKey). */
export const KEY_CHECK_ID = 'zkattest-master-key-check';
const KEY_CHECK_PLAINTEXT = 'zkattest.vault/master-key-check/v1';

const IV_BYTES = 12;
const DATA_KEY_BITS = 256;
const ROTATION_RETRIES = 5;
const DATA_ALGORITHM = 'AES-GCM';

/** Codes of an entry that is broken on its own (the rest of the vault is fine). */
const ENTRY_FAULTS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'VAULT_RECORD_INVALID',
  'VAULT_DECRYPT_FAILED',
]);

function entryFault(err: unknown): ErrorCode | undefined {
  return err instanceof ZkAttestError && ENTRY_FAULTS.has(err.code) ? err.code : undefined;
}

function keyMismatch(message: string, masterKeyId: string): ZkAttestError {
  return new ZkAttestError('VAULT_MASTER_KEY_MISMATCH', message, { masterKeyId });
}

/** Options of a {@link Vault}. */
export interface VaultOptions {
  /** Clock for createdAt (tests). */
  now?: () => Date;
}

/** Encrypted storage of snapshots and signer keys over a {@link VaultStore}. */
export class Vault {
  private readonly now: () => Date;
  /** Set by rotateMasterKey: this vault then wraps new entries under that key too. */
  private writeKeyId: string | undefined;
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(
    private readonly store: VaultStore,
    private readonly keys: MasterKeyProvider,
    opts: VaultOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  /**
   * Encrypts and stores a snapshot with its commitment salt and, for a book in several
   * currencies, its signed FX table (`fx`: `{ table, source }` as `zkattest fx sign` writes it,
   * untrusted JSON); returns the new vault id. The table is checked against the snapshot first
   * (see checkSnapshotFx: coded errors, nothing stored).
   */
  async putSnapshot(
    snapshot: Snapshot,
    salt: bigint,
    meta: { label?: string; fx?: unknown } = {},
  ): Promise<string> {
    if (typeof salt !== 'bigint' || salt < 0n) {
      throw new ZkAttestError('USAGE', 'the salt is a non-negative bigint');
    }
    const label = meta.label === undefined ? undefined : checkLabel(meta.label);
    const fx = await checkSnapshotFx(snapshot, meta.fx);
    const clearMeta: SnapshotMeta = {
      ...(label === undefined ? {} : { label }),
      positions: snapshot.positions.length,
      asOf: snapshot.asOf,
      ...(fx === undefined ? {} : { fxRows: fx.table.rows.length }),
      createdAt: this.now().toISOString(),
    };
    return this.track(
      this.seal('snapshot', clearMeta, encodeSnapshotPlaintext(snapshot, salt, fx)),
    );
  }

  /** Decrypts a snapshot, its salt and its signed FX table (none: the identity table). */
  async getSnapshot(id: string): Promise<SnapshotSecret> {
    const record = await this.read(id, 'snapshot');
    const plaintext = await this.open(id, record);
    try {
      return decodeSnapshotPlaintext(id, plaintext);
    } finally {
      plaintext.fill(0);
    }
  }

  /** Metadata of every snapshot (never values, identifiers or salts), oldest first. */
  async listSnapshots(): Promise<SnapshotListing[]> {
    return (await this.inventory()).snapshots;
  }

  /**
   * Encrypts and stores a P-256 signer key (its private JWK, checked by importJwk first);
   * returns the new vault id. Its keyId and public key are kept in clear for listings.
   */
  async putSignerKey(key: SignerKey, keyLabel: string): Promise<string> {
    const checked = await importJwk(key?.jwk ?? {});
    const clearMeta: SignerKeyMeta = {
      label: checkLabel(keyLabel),
      keyId: checked.keyId,
      publicKey: checked.publicKey,
      createdAt: this.now().toISOString(),
    };
    const plaintext = new TextEncoder().encode(JSON.stringify(checked.jwk));
    return this.track(this.seal('signer-key', clearMeta, plaintext));
  }

  /** Decrypts a signer key (wrap it with webCryptoSigner to sign). */
  async getSignerKey(id: string): Promise<SignerKey & { label: string }> {
    const record = await this.read(id, 'signer-key');
    const meta = record.meta as SignerKeyMeta;
    const plaintext = await this.open(id, record);
    let key: SignerKey;
    try {
      key = await importJwk(new TextDecoder().decode(plaintext));
    } catch {
      throw recordInvalid(id, 'its decrypted content is not a P-256 signer key');
    } finally {
      plaintext.fill(0);
    }
    // Authenticated with the record, but a key that is not the one listed must not sign.
    if (key.keyId !== meta.keyId) throw recordInvalid(id, 'its key is not the keyId it lists');
    return { ...key, label: meta.label };
  }

  /** Metadata of every signer key (keyId and public key included), oldest first. */
  async listSignerKeys(): Promise<SignerKeyListing[]> {
    return (await this.inventory()).signerKeys;
  }

  /**
   * Metadata of every entry, oldest first, in one pass. A malformed record does not stop the
   * listing: it is reported by id and code in `unreadable`.
   */
  async inventory(): Promise<VaultInventory> {
    const out: VaultInventory = { snapshots: [], signerKeys: [], unreadable: [] };
    for await (const { id, record } of this.store.scan()) {
      let r: VaultRecord;
      try {
        r = parseRecord(id, record);
      } catch (err) {
        const code = entryFault(err);
        if (!code) throw err;
        out.unreadable.push({ id, code });
        continue;
      }
      const common = { id, createdAt: r.meta.createdAt, masterKeyId: r.masterKeyId };
      if (r.kind === 'snapshot') {
        out.snapshots.push({
          ...common,
          ...(r.meta.label === undefined ? {} : { label: r.meta.label }),
          positions: r.meta.positions,
          asOf: r.meta.asOf,
          ...(r.meta.fxRows === undefined ? {} : { fxRows: r.meta.fxRows }),
        });
      } else if (r.kind === 'signer-key') {
        out.signerKeys.push({
          ...common,
          label: r.meta.label,
          keyId: r.meta.keyId,
          publicKey: r.meta.publicKey,
        });
      }
    }
    out.snapshots.sort(byCreation);
    out.signerKeys.sort(byCreation);
    out.unreadable.sort((a, b) => (a.id < b.id ? -1 : 1));
    return out;
  }

  /**
   * Re-wraps every data key under master key `newKeyId`, without decrypting any data: only
   * `wrappedKey` and `masterKeyId` of a record change, each by compare-and-swap (a record
   * changed meanwhile is re-read). Entries already under `newKeyId` are skipped, so a rotation
   * that stopped half-way (Redis down, VAULT_KEY_UNKNOWN) can simply be run again, and a run
   * after a complete one changes nothing. A malformed entry, or one whose data key fails
   * authentication, is left as it is and reported in `unreadable`; the others are rotated.
   * From then on this vault also wraps new entries under `newKeyId`; other writers must have
   * it as their current key before the rotation, and the old key may be dropped afterwards.
   * The master key check value is an entry like the others: it moves to `newKeyId` too.
   */
  async rotateMasterKey(newKeyId: string): Promise<RotationResult> {
    const target = await this.keys.get(newKeyId);
    if (!target) throw keyUnknown(newKeyId);
    this.writeKeyId = newKeyId;
    // Puts that chose their master key before the switch must land before the scan.
    await Promise.allSettled([...this.inflight]);
    const result: RotationResult = { rewrapped: 0, unreadable: [] };
    for await (const entry of this.store.scan()) {
      try {
        const rewrapped = await this.rewrap(entry.id, entry.record, target);
        // The check value moves with the keys but is not a data key of the custodian's.
        if (rewrapped && entry.id !== KEY_CHECK_ID) result.rewrapped++;
      } catch (err) {
        const code = entryFault(err);
        if (!code) throw err;
        result.unreadable.push({ id: entry.id, code });
      }
    }
    result.unreadable.sort((a, b) => (a.id < b.id ? -1 : 1));
    return result;
  }

  /**
   * Checks that the configured master keys are the ones this vault was initialised with, and
   * initialises it on first use. The vault keeps one check value: a known plaintext sealed like
   * any entry (so a rotation re-wraps it). It must open with the configured key of the id it
   * names; otherwise VAULT_MASTER_KEY_MISMATCH, before anything is sealed under a wrong key.
   * Without a check value yet (a new vault, or one from before this check), an existing entry
   * under the current key id must open with it before the check value is sealed.
   */
  async checkMasterKey(): Promise<{ masterKeyId: string; initialised: boolean }> {
    let raw = await this.store.get(KEY_CHECK_ID);
    let initialised = false;
    if (raw === undefined) {
      const current = await this.keys.current();
      await this.checkAgainstAnEntry(current);
      const record = await this.sealRecord(
        KEY_CHECK_ID,
        'key-check',
        { createdAt: this.now().toISOString() },
        new TextEncoder().encode(KEY_CHECK_PLAINTEXT),
        current,
      );
      // Another process may have initialised it meanwhile: check theirs.
      initialised = await this.store.put(KEY_CHECK_ID, record);
      raw = initialised ? record : await this.store.get(KEY_CHECK_ID);
      if (raw === undefined) throw notFound(KEY_CHECK_ID, 'master key check value');
    }
    const record = parseRecord(KEY_CHECK_ID, raw);
    if (record.kind !== 'key-check') throw recordInvalid(KEY_CHECK_ID, 'not a key check value');
    if (!(await this.keys.get(record.masterKeyId))) {
      throw keyMismatch(
        `the vault's master key check value is under master key ${record.masterKeyId}, ` +
          'which is not configured',
        record.masterKeyId,
      );
    }
    let plaintext: Uint8Array;
    try {
      plaintext = await this.open(KEY_CHECK_ID, record);
    } catch (err) {
      if (err instanceof ZkAttestError && err.code === 'VAULT_DECRYPT_FAILED') {
        throw keyMismatch(
          `the configured master key ${record.masterKeyId} is not the one this vault was ` +
            'initialised with (its check value does not open)',
          record.masterKeyId,
        );
      }
      throw err;
    }
    const expected = new TextEncoder().encode(KEY_CHECK_PLAINTEXT);
    if (plaintext.length !== expected.length || !timingSafeEqual(plaintext, expected)) {
      throw recordInvalid(KEY_CHECK_ID, 'the check value has unexpected content');
    }
    return { masterKeyId: record.masterKeyId, initialised };
  }

  // -------------------------------------------------------------------------------------------

  /** Before the first check value: the first readable entry under `key`'s id must unwrap. */
  private async checkAgainstAnEntry(key: MasterKey): Promise<void> {
    for await (const { id, record } of this.store.scan()) {
      let r: VaultRecord;
      try {
        r = parseRecord(id, record);
      } catch {
        continue;
      }
      if (r.masterKeyId !== key.id) continue;
      try {
        await this.unwrap(id, r, false);
        return;
      } catch (err) {
        if (err instanceof ZkAttestError && err.code === 'VAULT_DECRYPT_FAILED') {
          throw keyMismatch(
            `the configured master key ${key.id} does not open the vault's entries under that id`,
            key.id,
          );
        }
        throw err;
      }
    }
  }

  /** Re-wraps one entry's data key under `target`; false when it already was. */
  private async rewrap(id: string, stored: string, target: MasterKey): Promise<boolean> {
    let raw: string | undefined = stored;
    for (let attempt = 1; raw !== undefined; attempt++) {
      const record = parseRecord(id, raw);
      if (record.masterKeyId === target.id) return false;
      const dataKey = await this.unwrap(id, record, true);
      const wrapped = await subtle.wrapKey('raw', dataKey, target.key, MASTER_KEY_ALGORITHM);
      const next: VaultRecord = { ...record, masterKeyId: target.id, wrappedKey: toB64(wrapped) };
      if (await this.store.put(id, JSON.stringify(next), raw)) return true;
      if (attempt >= ROTATION_RETRIES) {
        throw new ZkAttestError(
          'STORE_UNAVAILABLE',
          `vault entry ${id} kept changing during rotation; run the rotation again`,
          { id },
        );
      }
      raw = await this.store.get(id);
    }
    return false;
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inflight.add(work);
    const done = () => this.inflight.delete(work);
    work.then(done, done);
    return work;
  }

  private async writeKey(): Promise<MasterKey> {
    if (this.writeKeyId === undefined) return this.keys.current();
    const key = await this.keys.get(this.writeKeyId);
    if (!key) throw keyUnknown(this.writeKeyId);
    return key;
  }

  /** Encrypts `plaintext` (then wipes it) under a new data key and stores it at a new id. */
  private async seal(
    kind: VaultEntryKind,
    meta: VaultRecord['meta'],
    plaintext: Uint8Array,
  ): Promise<string> {
    try {
      const master = await this.writeKey();
      // A fresh id per attempt: an (astronomically unlikely) collision must not overwrite.
      for (let attempt = 0; attempt < 3; attempt++) {
        const id = randomBytes(16).toString('hex');
        const record = await this.sealRecord(id, kind, meta, plaintext, master);
        if (await this.store.put(id, record)) return id;
      }
      throw new ZkAttestError('STORE_UNAVAILABLE', 'no free vault id');
    } finally {
      plaintext.fill(0);
    }
  }

  /** The stored record of `plaintext` at `id`, under a new data key wrapped by `master`. */
  private async sealRecord(
    id: string,
    kind: VaultEntryKind,
    meta: VaultRecord['meta'],
    plaintext: Uint8Array,
    master: MasterKey,
  ): Promise<string> {
    const dataKey = (await subtle.generateKey(
      { name: DATA_ALGORITHM, length: DATA_KEY_BITS },
      true, // extractable only so that wrapKey may export it, wrapped
      ['encrypt', 'decrypt'],
    )) as webcrypto.CryptoKey;
    const wrappedKey = toB64(
      await subtle.wrapKey('raw', dataKey, master.key, MASTER_KEY_ALGORITHM),
    );
    const iv = randomBytes(IV_BYTES);
    const ciphertext = await subtle.encrypt(
      { name: DATA_ALGORITHM, iv, additionalData: aadOf(kind, id, meta) },
      dataKey,
      plaintext,
    );
    const record = {
      v: 1,
      kind,
      meta,
      masterKeyId: master.id,
      wrappedKey,
      iv: toB64(iv),
      ciphertext: toB64(ciphertext),
    } as VaultRecord;
    return JSON.stringify(record);
  }

  /** Reads and parses the record of `id`, which must be of `kind`. */
  private async read(id: string, kind: VaultEntryKind): Promise<VaultRecord> {
    const what = kind === 'snapshot' ? 'snapshot' : 'signer key';
    if (typeof id !== 'string' || !VAULT_ID_PATTERN.test(id)) throw notFound(id, what);
    const raw = await this.store.get(id);
    if (raw === undefined) throw notFound(id, what);
    const record = parseRecord(id, raw);
    if (record.kind !== kind) throw notFound(id, what);
    return record;
  }

  /** The record's data key, unwrapped with the master key it names. */
  private async unwrap(
    id: string,
    record: VaultRecord,
    extractable: boolean,
  ): Promise<webcrypto.CryptoKey> {
    const master = await this.keys.get(record.masterKeyId);
    if (!master) throw keyUnknown(record.masterKeyId, id);
    try {
      return await subtle.unwrapKey(
        'raw',
        fromB64(record.wrappedKey),
        master.key,
        MASTER_KEY_ALGORITHM,
        { name: DATA_ALGORITHM },
        extractable,
        ['encrypt', 'decrypt'],
      );
    } catch {
      throw decryptFailed(id);
    }
  }

  /** Decrypts and authenticates the record's data under its id, kind and metadata. */
  private async open(id: string, record: VaultRecord): Promise<Uint8Array> {
    const dataKey = await this.unwrap(id, record, false);
    const iv = fromB64(record.iv);
    if (iv.length !== IV_BYTES) throw decryptFailed(id);
    try {
      return new Uint8Array(
        await subtle.decrypt(
          {
            name: DATA_ALGORITHM,
            iv,
            additionalData: aadOf(record.kind, id, record.meta),
          },
          dataKey,
          fromB64(record.ciphertext),
        ),
      );
    } catch {
      throw decryptFailed(id);
    }
  }
}

function byCreation(a: { createdAt: string; id: string }, b: { createdAt: string; id: string }) {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1;
}

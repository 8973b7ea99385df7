/**
 * The onshore vault: a custodian's snapshots (with their commitment salts) and attestor signing
 * keys, encrypted at rest.
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
 * an attestor key as a snapshot fails authentication. The master key id and the wrapped key
 * are deliberately outside the AAD, so that rotating the master key re-wraps data keys
 * without touching (or decrypting) any data ciphertext.
 *
 * What is stored in clear: the kind, the label, the number of positions and the as-of time of
 * a snapshot, the creation time, and the master key id. Never an identifier, a value or a salt.
 * Errors name the entry by its vault id only.
 */
import { randomBytes, type webcrypto } from 'node:crypto';
import { z } from 'zod';
import { ZkAttestError } from '../../common/errors';
import type { Snapshot } from '../snapshot/snapshot-types';
import {
  MASTER_KEY_ALGORITHM,
  subtle,
  type MasterKey,
  type MasterKeyProvider,
} from './master-keys';
import { VAULT_ID_PATTERN, type VaultStore } from './vault-store';

/** The two kinds of vault entry. */
export type VaultEntryKind = 'snapshot' | 'attestor-key';

/** What listSnapshots shows of a snapshot: metadata only, never its contents. */
export interface SnapshotListing {
  id: string;
  label?: string;
  positions: number;
  asOf: number;
  /** ISO-8601 time the entry was stored. */
  createdAt: string;
  /** The master key its data key is currently wrapped under. */
  masterKeyId: string;
}

/** What listAttestorKeys shows of an attestor key: metadata only. */
export interface AttestorKeyListing {
  id: string;
  label: string;
  createdAt: string;
  masterKeyId: string;
}

/** Longest label, in characters. Labels are stored in clear: never put secrets in them. */
export const MAX_LABEL_LENGTH = 128;

const AAD_DOMAIN = 'zkattest.vault/v1';
const IV_BYTES = 12;
const DATA_KEY_BITS = 256;
const ATTESTOR_KEY_BYTES = 32;
const ROTATION_RETRIES = 5;
const DATA_ALGORITHM = 'AES-GCM';

// ---------------------------------------------------------------------------------------------
// Stored record

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);
const label = z
  .string()
  .min(1)
  .max(MAX_LABEL_LENGTH)
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]*$/);
const isoTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
const sealed = {
  v: z.literal(1),
  masterKeyId: z.string().min(1).max(64),
  wrappedKey: base64,
  iv: base64,
  ciphertext: base64,
};
const recordSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    ...sealed,
    kind: z.literal('snapshot'),
    meta: z.strictObject({
      label: label.optional(),
      positions: z.number().int().min(0).max(1_000_000),
      asOf: z.number().int().min(0),
      createdAt: isoTime,
    }),
  }),
  z.strictObject({
    ...sealed,
    kind: z.literal('attestor-key'),
    meta: z.strictObject({ label, createdAt: isoTime }),
  }),
]);
type VaultRecord = z.infer<typeof recordSchema>;
type SnapshotMeta = Extract<VaultRecord, { kind: 'snapshot' }>['meta'];
type AttestorKeyMeta = Extract<VaultRecord, { kind: 'attestor-key' }>['meta'];

/** The AAD of an entry: domain, kind, id and the clear metadata in a fixed order. */
function aadOf(kind: VaultEntryKind, id: string, meta: VaultRecord['meta']): Uint8Array {
  const fixed =
    kind === 'snapshot'
      ? (() => {
          const m = meta as SnapshotMeta;
          return [m.label ?? null, m.positions, m.asOf, m.createdAt];
        })()
      : [(meta as AttestorKeyMeta).label, meta.createdAt];
  return new TextEncoder().encode(JSON.stringify([AAD_DOMAIN, kind, id, ...fixed]));
}

// ---------------------------------------------------------------------------------------------
// Snapshot plaintext: JSON with every bigint as a decimal string

const decimal = z.string().regex(/^(0|[1-9][0-9]{0,99})$/);
const snapshotPlaintextSchema = z.strictObject({
  v: z.literal(1),
  salt: decimal,
  asOf: z.number().int(),
  currency: z.string(),
  decimals: z.number().int(),
  liabilities: decimal,
  positions: z.array(
    z.strictObject({
      identifier: z.string(),
      assetId: decimal,
      assetClass: z.number().int(),
      value: decimal,
      haircutBps: z.number().int(),
      yieldBps: z.number().int(),
    }),
  ),
});

function encodeSnapshot(snapshot: Snapshot, salt: bigint): Uint8Array {
  const plain: z.infer<typeof snapshotPlaintextSchema> = {
    v: 1,
    salt: salt.toString(),
    asOf: snapshot.asOf,
    currency: snapshot.currency,
    decimals: snapshot.decimals,
    liabilities: snapshot.liabilities.toString(),
    positions: snapshot.positions.map((p) => ({
      identifier: p.identifier,
      assetId: p.assetId.toString(),
      assetClass: p.assetClass,
      value: p.value.toString(),
      haircutBps: p.haircutBps,
      yieldBps: p.yieldBps,
    })),
  };
  return new TextEncoder().encode(JSON.stringify(plain));
}

function decodeSnapshot(id: string, bytes: Uint8Array): { snapshot: Snapshot; salt: bigint } {
  let parsed: z.infer<typeof snapshotPlaintextSchema>;
  try {
    parsed = snapshotPlaintextSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));
  } catch {
    // Authenticated but not ours: never echo the content.
    throw recordInvalid(id, 'its decrypted content is not a snapshot');
  }
  return {
    salt: BigInt(parsed.salt),
    snapshot: {
      asOf: parsed.asOf,
      currency: parsed.currency,
      decimals: parsed.decimals,
      liabilities: BigInt(parsed.liabilities),
      positions: parsed.positions.map((p) => ({
        identifier: p.identifier,
        assetId: BigInt(p.assetId),
        assetClass: p.assetClass,
        value: BigInt(p.value),
        haircutBps: p.haircutBps,
        yieldBps: p.yieldBps,
      })),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Errors

function notFound(id: string, what: string): ZkAttestError {
  return new ZkAttestError('VAULT_NOT_FOUND', `no ${what} with vault id ${safeId(id)}`, {
    id: safeId(id),
  });
}

function recordInvalid(id: string, why: string): ZkAttestError {
  return new ZkAttestError('VAULT_RECORD_INVALID', `vault entry ${id} is malformed: ${why}`, {
    id,
  });
}

function decryptFailed(id: string): ZkAttestError {
  return new ZkAttestError(
    'VAULT_DECRYPT_FAILED',
    `vault entry ${id} failed authentication (tampered, moved from another entry, ` +
      'or wrapped under different master key material)',
    { id },
  );
}

function keyUnknown(keyId: string, id?: string): ZkAttestError {
  const where = id === undefined ? '' : ` (needed by vault entry ${id})`;
  return new ZkAttestError(
    'VAULT_KEY_UNKNOWN',
    `master key ${safeId(keyId)} is not available${where}`,
    id === undefined ? { masterKeyId: safeId(keyId) } : { masterKeyId: safeId(keyId), id },
  );
}

/** An id as it may appear in a message: only if it looks like an id at all. */
function safeId(id: string): string {
  return VAULT_ID_PATTERN.test(id) ? id : '(malformed id)';
}

function checkLabel(value: string): string {
  if (!label.safeParse(value).success) {
    throw new ZkAttestError(
      'USAGE',
      `a vault label is 1..${MAX_LABEL_LENGTH} characters without control characters`,
    );
  }
  return value;
}

const toB64 = (bytes: ArrayBuffer | Uint8Array) =>
  Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString('base64');
const fromB64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

// ---------------------------------------------------------------------------------------------
// The vault

/** Options of a {@link Vault}. */
export interface VaultOptions {
  /** Clock for createdAt (tests). */
  now?: () => Date;
}

/** Encrypted storage of snapshots and attestor keys over a {@link VaultStore}. */
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

  /** Encrypts and stores a snapshot with its commitment salt; returns the new vault id. */
  async putSnapshot(
    snapshot: Snapshot,
    salt: bigint,
    meta: { label?: string } = {},
  ): Promise<string> {
    if (typeof salt !== 'bigint' || salt < 0n) {
      throw new ZkAttestError('USAGE', 'the salt is a non-negative bigint');
    }
    const clearMeta: SnapshotMeta = {
      ...(meta.label === undefined ? {} : { label: checkLabel(meta.label) }),
      positions: snapshot.positions.length,
      asOf: snapshot.asOf,
      createdAt: this.now().toISOString(),
    };
    return this.track(this.seal('snapshot', clearMeta, encodeSnapshot(snapshot, salt)));
  }

  /** Decrypts a snapshot and its salt. */
  async getSnapshot(id: string): Promise<{ snapshot: Snapshot; salt: bigint }> {
    const record = await this.read(id, 'snapshot');
    const plaintext = await this.open(id, record);
    try {
      return decodeSnapshot(id, plaintext);
    } finally {
      plaintext.fill(0);
    }
  }

  /** Metadata of every snapshot (never values, identifiers or salts), oldest first. */
  async listSnapshots(): Promise<SnapshotListing[]> {
    const out: SnapshotListing[] = [];
    for await (const { id, record } of this.store.scan()) {
      const r = parseRecord(id, record);
      if (r.kind !== 'snapshot') continue;
      out.push({
        id,
        ...(r.meta.label === undefined ? {} : { label: r.meta.label }),
        positions: r.meta.positions,
        asOf: r.meta.asOf,
        createdAt: r.meta.createdAt,
        masterKeyId: r.masterKeyId,
      });
    }
    return out.sort(byCreation);
  }

  /** Encrypts and stores a 32-byte attestor private key; returns the new vault id. */
  async putAttestorKey(privateKey: Uint8Array, keyLabel: string): Promise<string> {
    if (!(privateKey instanceof Uint8Array) || privateKey.length !== ATTESTOR_KEY_BYTES) {
      throw new ZkAttestError('KEY_INVALID', 'a private key is 32 bytes');
    }
    const clearMeta: AttestorKeyMeta = {
      label: checkLabel(keyLabel),
      createdAt: this.now().toISOString(),
    };
    return this.track(this.seal('attestor-key', clearMeta, Uint8Array.from(privateKey)));
  }

  /** Decrypts an attestor private key (use attestorKeyFrom to derive its public key). */
  async getAttestorKey(id: string): Promise<{ privateKey: Uint8Array; label: string }> {
    const record = await this.read(id, 'attestor-key');
    const privateKey = await this.open(id, record);
    if (privateKey.length !== ATTESTOR_KEY_BYTES) {
      privateKey.fill(0);
      throw recordInvalid(id, 'its decrypted content is not an attestor key');
    }
    return { privateKey, label: (record.meta as AttestorKeyMeta).label };
  }

  /** Metadata of every attestor key, oldest first. */
  async listAttestorKeys(): Promise<AttestorKeyListing[]> {
    const out: AttestorKeyListing[] = [];
    for await (const { id, record } of this.store.scan()) {
      const r = parseRecord(id, record);
      if (r.kind !== 'attestor-key') continue;
      out.push({
        id,
        label: r.meta.label,
        createdAt: r.meta.createdAt,
        masterKeyId: r.masterKeyId,
      });
    }
    return out.sort(byCreation);
  }

  /**
   * Re-wraps every data key under master key `newKeyId`, without decrypting any data: only
   * `wrappedKey` and `masterKeyId` of a record change, each by compare-and-swap (a record
   * changed meanwhile is re-read). Entries already under `newKeyId` are skipped, so a rotation
   * that stopped half-way (e.g. VAULT_KEY_UNKNOWN for some entry) can simply be run again.
   * From then on this vault also wraps new entries under `newKeyId`; other writers must have
   * it as their current key before the rotation, and the old key may be dropped afterwards.
   */
  async rotateMasterKey(newKeyId: string): Promise<{ rewrapped: number }> {
    const target = await this.keys.get(newKeyId);
    if (!target) throw keyUnknown(newKeyId);
    this.writeKeyId = newKeyId;
    // Puts that chose their master key before the switch must land before the scan.
    await Promise.allSettled([...this.inflight]);
    let rewrapped = 0;
    for await (const entry of this.store.scan()) {
      let raw: string | undefined = entry.record;
      for (let attempt = 1; raw !== undefined; attempt++) {
        const record = parseRecord(entry.id, raw);
        if (record.masterKeyId === newKeyId) break;
        const dataKey = await this.unwrap(entry.id, record, true);
        const wrapped = await subtle.wrapKey('raw', dataKey, target.key, MASTER_KEY_ALGORITHM);
        const next: VaultRecord = { ...record, masterKeyId: newKeyId, wrappedKey: toB64(wrapped) };
        if (await this.store.put(entry.id, JSON.stringify(next), raw)) {
          rewrapped++;
          break;
        }
        if (attempt >= ROTATION_RETRIES) {
          throw new ZkAttestError(
            'STORE_UNAVAILABLE',
            `vault entry ${entry.id} kept changing during rotation; run the rotation again`,
            { id: entry.id },
          );
        }
        raw = await this.store.get(entry.id);
      }
    }
    return { rewrapped };
  }

  // -------------------------------------------------------------------------------------------

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

  /** Encrypts `plaintext` (then wipes it) under a new data key and stores the record. */
  private async seal(
    kind: VaultEntryKind,
    meta: VaultRecord['meta'],
    plaintext: Uint8Array,
  ): Promise<string> {
    try {
      const master = await this.writeKey();
      const dataKey = (await subtle.generateKey(
        { name: DATA_ALGORITHM, length: DATA_KEY_BITS },
        true, // extractable only so that wrapKey may export it, wrapped
        ['encrypt', 'decrypt'],
      )) as webcrypto.CryptoKey;
      const wrappedKey = toB64(
        await subtle.wrapKey('raw', dataKey, master.key, MASTER_KEY_ALGORITHM),
      );
      // A fresh id per attempt: an (astronomically unlikely) collision must not overwrite.
      for (let attempt = 0; attempt < 3; attempt++) {
        const id = randomBytes(16).toString('hex');
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
        if (await this.store.put(id, JSON.stringify(record))) return id;
      }
      throw new ZkAttestError('STORE_UNAVAILABLE', 'no free vault id');
    } finally {
      plaintext.fill(0);
    }
  }

  /** Reads and parses the record of `id`, which must be of `kind`. */
  private async read(id: string, kind: VaultEntryKind): Promise<VaultRecord> {
    const what = kind === 'snapshot' ? 'snapshot' : 'attestor key';
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

function parseRecord(id: string, raw: string): VaultRecord {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw recordInvalid(id, 'not JSON');
  }
  const parsed = recordSchema.safeParse(json);
  if (!parsed.success) {
    // Field paths only: never the stored values.
    const fields = [
      ...new Set(parsed.error.issues.map((i) => i.path.map(String).join('.') || '(root)')),
    ];
    throw recordInvalid(id, `bad field(s) ${fields.join(', ')}`);
  }
  return parsed.data;
}

function byCreation(a: { createdAt: string; id: string }, b: { createdAt: string; id: string }) {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1;
}

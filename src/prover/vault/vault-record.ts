/**
 * The stored form of a vault entry: a JSON record with the entry's kind, its clear metadata,
 * the id of the master key its data key is wrapped under, the wrapped data key, and the
 * AES-256-GCM IV and ciphertext of its plaintext. See vault.ts for the encryption scheme.
 *
 * What is stored in clear: the kind, the label, the number of positions and the as-of time of
 * a snapshot (and the row count of its FX table), the creation time, the master key id, and a
 * signer key's keyId and public key. Never an identifier, a value or a salt.
 */
import { z } from 'zod';
import { ZkAttestError } from '../../common/errors';
import { recordInvalid } from './vault-errors';

/**
 * The kinds of vault entry. `key-check` is the vault's one master key check value (see
 * master-key-check.ts): a known plaintext sealed like any entry, never listed.
 */
export type VaultEntryKind = 'snapshot' | 'signer-key' | 'key-check';

/** Longest label, in characters. Labels are stored in clear: never put secrets in them. */
export const MAX_LABEL_LENGTH = 128;

const AAD_DOMAIN = 'zkattest.vault/v1';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);
const label = z
  .string()
  .min(1)
  .max(MAX_LABEL_LENGTH)
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]*$/);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
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
      /** Rows of the snapshot's signed FX table; absent: the identity table of its unit. */
      fxRows: z.number().int().min(1).max(8).optional(),
      createdAt: isoTime,
    }),
  }),
  z.strictObject({
    ...sealed,
    kind: z.literal('signer-key'),
    // The public half is public: shown in listings so that it can be registered offshore.
    meta: z.strictObject({
      label,
      keyId: hex64,
      publicKey: z.strictObject({ x: hex64, y: hex64 }),
      createdAt: isoTime,
    }),
  }),
  z.strictObject({
    ...sealed,
    kind: z.literal('key-check'),
    meta: z.strictObject({ createdAt: isoTime }),
  }),
]);

export type VaultRecord = z.infer<typeof recordSchema>;
export type SnapshotMeta = Extract<VaultRecord, { kind: 'snapshot' }>['meta'];
export type SignerKeyMeta = Extract<VaultRecord, { kind: 'signer-key' }>['meta'];
export type KeyCheckMeta = Extract<VaultRecord, { kind: 'key-check' }>['meta'];

/** The AAD of an entry: domain, kind, id and the clear metadata in a fixed order. */
export function aadOf(kind: VaultEntryKind, id: string, meta: VaultRecord['meta']): Uint8Array {
  const fixed = (() => {
    switch (kind) {
      case 'snapshot': {
        const m = meta as SnapshotMeta;
        // fxRows joins only when present, so records sealed before it still authenticate.
        const fx = m.fxRows === undefined ? [] : [m.fxRows];
        return [m.label ?? null, m.positions, m.asOf, m.createdAt, ...fx];
      }
      case 'signer-key': {
        const m = meta as SignerKeyMeta;
        return [m.label, m.createdAt, m.keyId, m.publicKey.x, m.publicKey.y];
      }
      case 'key-check':
        return [meta.createdAt];
    }
  })();
  return new TextEncoder().encode(JSON.stringify([AAD_DOMAIN, kind, id, ...fixed]));
}

/** Parses a stored record; a malformed one is VAULT_RECORD_INVALID naming fields, never values. */
export function parseRecord(id: string, raw: string): VaultRecord {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw recordInvalid(id, 'not JSON');
  }
  const parsed = recordSchema.safeParse(json);
  if (!parsed.success) {
    const fields = [
      ...new Set(parsed.error.issues.map((i) => i.path.map(String).join('.') || '(root)')),
    ];
    throw recordInvalid(id, `bad field(s) ${fields.join(', ')}`);
  }
  return parsed.data;
}

/** A label as stored in clear, or USAGE. */
export function checkLabel(value: string): string {
  if (!label.safeParse(value).success) {
    throw new ZkAttestError(
      'USAGE',
      `a vault label is 1..${MAX_LABEL_LENGTH} characters without control characters`,
    );
  }
  return value;
}

export const toB64 = (bytes: ArrayBuffer | Uint8Array) =>
  Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString('base64');
export const fromB64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

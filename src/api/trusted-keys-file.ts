/**
 * Signer keys and FX sources an operator lists in a file (TRUSTED_KEYS_FILE), registered at
 * start-up. The file is JSON:
 *
 *   { "signers":   [{ "publicKey": { "x": hex64, "y": hex64 }, "keyId"?: hex64,
 *                     "label": "...", "validFrom": ISO, "revokedAt"?: ISO }],
 *     "fxSources": [ ...the same... ] }
 *
 * validFrom is required, so that every start registers the same entry (idempotent). Loading
 * only adds: an entry already registered with the same data is a no-op, one registered with
 * another label or validFrom stops start-up (CONFLICT -> CONFIG_INVALID), and a key the file no
 * longer lists stays registered (revoke it through the admin API). A revokedAt in the file is
 * applied like an admin revocation: the earliest revocation wins.
 */
import { z } from 'zod';
import { readJsonConfigFile, variableInvalid } from '../common/env-config';
import { ZkAttestError } from '../common/errors';
import { HEX64_PATTERN, KEY_LABEL_PATTERN, KEY_LABEL_RULE } from '../common/ids';
import { checkedKeyId, parsePublicKey, type P256PublicKey } from '../common/p256';
import type { AuditLog, KeyKind, KeyRegistryStore } from './store';

export const TRUSTED_KEYS_VARIABLE = 'TRUSTED_KEYS_FILE';

const entrySchema = z.strictObject({
  publicKey: z.unknown(),
  keyId: z.string().regex(HEX64_PATTERN, 'a 64-digit lowercase hex id').optional(),
  label: z.string().regex(KEY_LABEL_PATTERN, KEY_LABEL_RULE),
  validFrom: z.iso.datetime(),
  revokedAt: z.iso.datetime().optional(),
});
const fileSchema = z.strictObject({
  signers: z.array(entrySchema).max(1000).default([]),
  fxSources: z.array(entrySchema).max(1000).default([]),
});

/** One key the file lists, checked. */
export interface TrustedKey {
  kind: KeyKind;
  keyId: string;
  publicKey: P256PublicKey;
  label: string;
  validFrom: string;
  revokedAt?: string;
}

const LIST_OF: Record<KeyKind, 'signers' | 'fxSources'> = { signer: 'signers', fx: 'fxSources' };
const where = (kind: KeyKind, index: number) => `${LIST_OF[kind]} entry ${index + 1}`;

/**
 * Reads and checks the file: its shape, every key on the curve with its keyId, no key twice
 * in one list.
 * @throws ZkAttestError CONFIG_INVALID naming TRUSTED_KEYS_FILE, the entry and the rule.
 */
export function readTrustedKeysFile(path: string): TrustedKey[] {
  const json = readJsonConfigFile(path, TRUSTED_KEYS_VARIABLE);
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const [list, index, ...field] = issue.path;
      const at =
        typeof index === 'number'
          ? `${String(list)} entry ${index + 1}${field.length ? ` ${field.join('.')}` : ''}`
          : list === undefined
            ? 'the file'
            : String(list);
      return `${at}: ${issue.message}`;
    });
    throw variableInvalid(TRUSTED_KEYS_VARIABLE, problems.join('; '));
  }
  const keys: TrustedKey[] = [];
  for (const kind of ['signer', 'fx'] as const) {
    const seen = new Map<string, number>();
    parsed.data[LIST_OF[kind]].forEach((entry, index) => {
      let publicKey: P256PublicKey;
      let keyId: string;
      try {
        publicKey = parsePublicKey(entry.publicKey);
        keyId = checkedKeyId(publicKey, entry.keyId);
      } catch (err) {
        if (!(err instanceof ZkAttestError)) throw err;
        throw variableInvalid(TRUSTED_KEYS_VARIABLE, `${where(kind, index)}: ${err.message}`);
      }
      const first = seen.get(keyId);
      if (first !== undefined) {
        throw variableInvalid(
          TRUSTED_KEYS_VARIABLE,
          `${where(kind, index)}: the same key as entry ${first + 1}`,
        );
      }
      seen.set(keyId, index);
      const { label, validFrom, revokedAt } = entry;
      keys.push({ kind, keyId, publicKey, label, validFrom, ...(revokedAt ? { revokedAt } : {}) });
    });
  }
  return keys;
}

/** What loading the file did. */
export interface PreloadResult {
  registered: number;
  unchanged: number;
}

/**
 * Registers the file's keys (and revocations) in the registry; new ones are audited.
 * @throws ZkAttestError CONFIG_INVALID when an entry contradicts the registry (another label or
 * validFrom, a revocation before validFrom); STORE_UNAVAILABLE as the store does.
 */
export async function preloadTrustedKeys(
  store: { keys: KeyRegistryStore; audit: AuditLog },
  keys: TrustedKey[],
): Promise<PreloadResult> {
  const result: PreloadResult = { registered: 0, unchanged: 0 };
  const counts: Record<KeyKind, number> = { signer: 0, fx: 0 };
  for (const key of keys) {
    const index = counts[key.kind]++;
    try {
      const { publicKey, label, validFrom } = key;
      const registration = { publicKey, keyId: key.keyId, label, validFrom };
      const { created, entry } = await store.keys.register(key.kind, registration);
      const audited = `config.${key.kind === 'fx' ? 'fx-source' : 'signer'}`;
      if (created) {
        await store.audit.append({
          type: `${audited}.registered`,
          keyId: key.keyId,
          label,
          validFrom,
        });
      }
      result[created ? 'registered' : 'unchanged']++;
      if (key.revokedAt !== undefined) {
        const revokedAt = await store.keys.revoke(key.kind, key.keyId, key.revokedAt);
        // Audited when it changed the registry, not again at every start.
        if (revokedAt !== entry.revokedAt) {
          await store.audit.append({
            type: `${audited}.revoked`,
            keyId: key.keyId,
            revokedAt,
            requestedAt: key.revokedAt,
          });
        }
      }
    } catch (err) {
      const contradicts =
        err instanceof ZkAttestError && (err.code === 'CONFLICT' || err.code === 'REQUEST_INVALID');
      if (!contradicts) throw err;
      throw variableInvalid(TRUSTED_KEYS_VARIABLE, `${where(key.kind, index)}: ${err.message}`);
    }
  }
  return result;
}

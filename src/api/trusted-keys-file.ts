/**
 * Signer sets and FX sources an operator lists in a file (TRUSTED_KEYS_FILE), registered at
 * start-up (and read as is by `zkattest verify --trust`). The file is JSON:
 *
 *   { "signerSets": [{ "setId"?: hex64, "threshold": k, "signers": [{ "publicKey": { "x": hex64, "y": hex64 },
 *                       "keyId"?: hex64, "label": "..." }], "validFrom": ISO,
 *                       "firstEpoch"?: n, "revokedAt"?: ISO }],
 *     "fxSources":  [{ "publicKey": ..., "keyId"?: hex64, "label": "...", "validFrom": ISO,
 *                       "revokedAt"?: ISO }] }
 *
 * validFrom is required, so that every start registers the same entry (idempotent). Loading
 * only adds: an entry already registered with the same data is a no-op, one registered with
 * other data stops start-up (CONFLICT -> CONFIG_INVALID), and an entry the file no longer
 * lists stays registered (revoke it through the admin API). A revokedAt in the file is
 * applied like an admin revocation: the earliest revocation wins.
 */
import { z } from 'zod';
import { readJsonConfigFile, variableInvalid } from '../common/env-config';
import { ZkAttestError } from '../common/errors';
import { HEX64_PATTERN, KEY_LABEL_PATTERN, KEY_LABEL_RULE } from '../common/ids';
import { checkedKeyId, parsePublicKey } from '../common/p256';
import { parseSignerSet, SIGNER_SET_FILE_TYPE } from '../common/signer-set';
import type { KeyDirectory, KeyStatus, SignerSetStatus } from '../verifier/policy';
import type { AuditLog, KeyRegistryStore, SignerSetStore } from './store';

export const TRUSTED_KEYS_VARIABLE = 'TRUSTED_KEYS_FILE';

const keyEntrySchema = z.strictObject({
  publicKey: z.unknown(),
  keyId: z.string().regex(HEX64_PATTERN, 'a 64-digit lowercase hex id').optional(),
  label: z.string().regex(KEY_LABEL_PATTERN, KEY_LABEL_RULE),
  validFrom: z.iso.datetime(),
  revokedAt: z.iso.datetime().optional(),
});
// A signer-set file (`zkattest signer-set new`) pasted in as is, plus validFrom, is an entry:
// its type and setId may ride along (the setId must be the keys' own).
const setEntrySchema = z.strictObject({
  type: z.literal(SIGNER_SET_FILE_TYPE).optional(),
  setId: z.string().optional(),
  threshold: z.number().int(),
  signers: z.array(
    z.strictObject({ publicKey: z.unknown(), keyId: z.unknown().optional(), label: z.unknown() }),
  ),
  validFrom: z.iso.datetime(),
  firstEpoch: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  revokedAt: z.iso.datetime().optional(),
});
const fileSchema = z.strictObject({
  signerSets: z.array(setEntrySchema).max(1000).default([]),
  fxSources: z.array(keyEntrySchema).max(1000).default([]),
});

/** The file, checked: signer sets (with their ids) and FX sources (with their keyIds). */
export interface TrustedKeys {
  signerSets: SignerSetStatus[];
  fxSources: KeyStatus[];
}

type ListName = keyof TrustedKeys;
const where = (list: ListName, index: number) => `${list} entry ${index + 1}`;

function entryInvalid(list: ListName, index: number, rule: string): ZkAttestError {
  return variableInvalid(TRUSTED_KEYS_VARIABLE, `${where(list, index)}: ${rule}`);
}

/** Runs a check of one entry, turning its coded error into CONFIG_INVALID naming the entry. */
function checked<T>(list: ListName, index: number, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (!(err instanceof ZkAttestError)) throw err;
    throw entryInvalid(list, index, err.message);
  }
}

/** The ids of a list, refusing one named twice. */
function refuseRepeats(list: ListName, ids: string[]): void {
  const seen = new Map<string, number>();
  ids.forEach((id, index) => {
    const first = seen.get(id);
    if (first !== undefined) throw entryInvalid(list, index, `the same as entry ${first + 1}`);
    seen.set(id, index);
  });
}

/**
 * Reads and checks the file: its shape, every signer set (1..8 distinct keys on the curve, a
 * threshold 1..n, labels), every FX key with its keyId, no set or key twice in one list.
 * @throws ZkAttestError CONFIG_INVALID naming TRUSTED_KEYS_FILE, the entry and the rule.
 */
export function readTrustedKeysFile(path: string): TrustedKeys {
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
  const signerSets = parsed.data.signerSets.map((entry, index): SignerSetStatus => {
    const set = checked('signerSets', index, () => parseSignerSet(entry, 'signerSet'));
    const { validFrom, revokedAt } = entry;
    return {
      ...set,
      validFrom,
      firstEpoch: entry.firstEpoch ?? 0,
      ...(revokedAt ? { revokedAt } : {}),
    };
  });
  refuseRepeats(
    'signerSets',
    signerSets.map((s) => s.setId),
  );
  const fxSources = parsed.data.fxSources.map((entry, index): KeyStatus => {
    const { label, validFrom, revokedAt } = entry;
    return checked('fxSources', index, () => {
      const publicKey = parsePublicKey(entry.publicKey);
      const keyId = checkedKeyId(publicKey, entry.keyId);
      return { keyId, publicKey, label, validFrom, ...(revokedAt ? { revokedAt } : {}) };
    });
  });
  refuseRepeats(
    'fxSources',
    fxSources.map((k) => k.keyId),
  );
  return { signerSets, fxSources };
}

/**
 * A key directory over the file, in memory (what `zkattest verify --trust` checks against).
 * @throws ZkAttestError CONFIG_INVALID as readTrustedKeysFile.
 */
export function trustFileDirectory(path: string): KeyDirectory {
  const { signerSets, fxSources } = readTrustedKeysFile(path);
  const sets = new Map(signerSets.map((s) => [s.setId, s]));
  const fx = new Map(fxSources.map((k) => [k.keyId, k]));
  return {
    getSignerSet: async (setId) => sets.get(setId),
    getFxSource: async (keyId) => fx.get(keyId),
  };
}

/** What loading the file did. */
export interface PreloadResult {
  registered: number;
  unchanged: number;
}

/** Whether an error says the file contradicts the registry (not a store failure). */
function contradicts(err: unknown): err is ZkAttestError {
  return (
    err instanceof ZkAttestError && (err.code === 'CONFLICT' || err.code === 'REQUEST_INVALID')
  );
}

/**
 * Registers the file's signer sets and FX sources (and revocations); new ones are audited.
 * @throws ZkAttestError CONFIG_INVALID when an entry contradicts the registry (other data, a
 * revocation before validFrom); STORE_UNAVAILABLE as the store does.
 */
export async function preloadTrustedKeys(
  store: { signerSets: SignerSetStore; keys: KeyRegistryStore; audit: AuditLog },
  trusted: TrustedKeys,
): Promise<PreloadResult> {
  const result: PreloadResult = { registered: 0, unchanged: 0 };
  for (const [index, set] of trusted.signerSets.entries()) {
    try {
      const { setId, threshold, signers, validFrom, firstEpoch } = set;
      const { created, entry } = await store.signerSets.register({
        threshold,
        signers,
        validFrom,
        firstEpoch,
      });
      if (created) {
        await store.audit.append({
          type: 'config.signer-set.registered',
          setId,
          threshold,
          size: signers.length,
          validFrom,
          firstEpoch,
        });
      }
      result[created ? 'registered' : 'unchanged']++;
      if (set.revokedAt !== undefined) {
        const revokedAt = await store.signerSets.revoke(setId, set.revokedAt);
        // Audited when it changed the registry, not again at every start.
        if (revokedAt !== entry.revokedAt) {
          await store.audit.append({
            type: 'config.signer-set.revoked',
            setId,
            revokedAt,
            requestedAt: set.revokedAt,
          });
        }
      }
    } catch (err) {
      if (!contradicts(err)) throw err;
      throw entryInvalid('signerSets', index, err.message);
    }
  }
  for (const [index, key] of trusted.fxSources.entries()) {
    try {
      const { keyId, publicKey, label, validFrom } = key;
      const { created, entry } = await store.keys.register('fx', {
        publicKey,
        keyId,
        label,
        validFrom,
      });
      if (created) {
        await store.audit.append({ type: 'config.fx-source.registered', keyId, label, validFrom });
      }
      result[created ? 'registered' : 'unchanged']++;
      if (key.revokedAt !== undefined) {
        const revokedAt = await store.keys.revoke('fx', keyId, key.revokedAt);
        if (revokedAt !== entry.revokedAt) {
          await store.audit.append({
            type: 'config.fx-source.revoked',
            keyId,
            revokedAt,
            requestedAt: key.revokedAt,
          });
        }
      }
    } catch (err) {
      if (!contradicts(err)) throw err;
      throw entryInvalid('fxSources', index, err.message);
    }
  }
  return result;
}

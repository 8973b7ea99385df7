/**
 * The FX-source registry in process memory (demo), with the Redis one's contract.
 * Entries are kept as JSON and parsed on every read, so callers never share objects with it.
 */
import type { KeyEntry, KeyKind, KeyRegistryStore } from './store-contracts';
import {
  byValidFrom,
  checkKind,
  checkRegistration,
  checkSameRegistration,
  isKeyId,
  keyTime,
  revokedBeforeValid,
} from './key-registry-rules';

/** Runs a store operation (the memory stores' closed-store guard). */
export type StoreOp = <T>(name: string, work: () => T | Promise<T>) => Promise<T>;

/** The key registry on `op`'s store. */
export function createMemoryKeyRegistry(op: StoreOp): KeyRegistryStore {
  const registers: Record<KeyKind, Map<string, string>> = { fx: new Map() };
  const read = (kind: KeyKind, keyId: string): KeyEntry | undefined => {
    const json = registers[kind].get(keyId);
    return json === undefined ? undefined : (JSON.parse(json) as KeyEntry);
  };

  return {
    register: (kind, registration) =>
      op('keys.register', () => {
        checkKind(kind);
        const wanted = checkRegistration(registration, Date.now());
        const stored = read(kind, wanted.entry.keyId);
        if (stored) {
          checkSameRegistration(kind, stored, wanted);
          return { created: false, entry: stored };
        }
        registers[kind].set(wanted.entry.keyId, JSON.stringify(wanted.entry));
        return { created: true, entry: read(kind, wanted.entry.keyId)! };
      }),
    revoke: (kind, keyId, effectiveAt) =>
      op('keys.revoke', () => {
        checkKind(kind);
        const at = keyTime(effectiveAt, 'effectiveAt');
        const stored = isKeyId(keyId) ? read(kind, keyId) : undefined;
        if (!stored) return undefined;
        if (at < stored.validFrom) throw revokedBeforeValid(kind);
        if (stored.revokedAt === undefined || at < stored.revokedAt) {
          registers[kind].set(keyId, JSON.stringify({ ...stored, revokedAt: at }));
          return at;
        }
        return stored.revokedAt;
      }),
    get: (kind, keyId) =>
      op('keys.get', () => {
        checkKind(kind);
        return isKeyId(keyId) ? read(kind, keyId) : undefined;
      }),
    list: (kind) =>
      op('keys.list', () => {
        checkKind(kind);
        return [...registers[kind].keys()].map((id) => read(kind, id)!).sort(byValidFrom);
      }),
  };
}

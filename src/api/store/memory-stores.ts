/**
 * The stores in process memory, for the demo only: nothing persists, nothing is shared between
 * processes. Same contract as the Redis stores, structured the same way (record map plus sorted
 * indexes walked by the shared listing code), so both answer alike. Values are stored as JSON
 * and parsed on every read, so callers never share objects with the store.
 */
import { ZkAttestError } from '../../common/errors';
import {
  AUDIT_MAX_LENGTH,
  type AuditEntry,
  type ChallengeState,
  type InstitutionEntry,
  type Stores,
} from './store-contracts';
import {
  checkInt,
  checkRecord,
  checkText,
  cleanAuditEvent,
  invalidArgument,
  isNonce,
  isoMs,
  newNonce,
  normalIso,
} from './store-validation';
import { listFromIndexes, newestFirst, recordIndexes } from './record-listing';
import { createMemoryKeyRegistry } from './memory-key-registry';
import { createMemoryEpochChains, createMemorySignerSets } from './memory-signer-sets';

/** Above this many entries, issue/hit sweep out expired challenges and counters. */
const SWEEP_THRESHOLD = 10_000;

const clone = <T>(value: T): T =>
  value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);

/** In-memory stores with the same semantics as the Redis ones (kind 'memory'). */
export function createMemoryStores(): Stores {
  let closed = false;
  // Async so that a closed store rejects like a closed Redis connection does.
  const op = async <T>(name: string, work: () => T | Promise<T>): Promise<T> => {
    if (closed) throw new ZkAttestError('STORE_UNAVAILABLE', `memory ${name}: store closed`);
    return work();
  };

  const records = new Map<string, { ms: number; json: string }>();
  const indexes = new Map<string, string[]>();
  const entryOf = (id: string) => ({ ms: records.get(id)?.ms ?? NaN, id });
  // First position whose entry is not newer than `key` (binary search on newest-first order).
  const position = (list: string[], key: { ms: number; id: string }) => {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (newestFirst(entryOf(list[mid]), key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  const attestations: Stores['attestations'] = {
    putIfAbsent: (rec) =>
      op('putIfAbsent', () => {
        const ms = checkRecord(rec);
        const existing = records.get(rec.id);
        if (existing) return { created: false, record: JSON.parse(existing.json) };
        const json = JSON.stringify(rec);
        records.set(rec.id, { ms, json });
        for (const name of recordIndexes(rec)) {
          const list = indexes.get(name) ?? [];
          list.splice(position(list, { ms, id: rec.id }), 0, rec.id);
          indexes.set(name, list);
        }
        return { created: true, record: JSON.parse(json) };
      }),
    get: (id) =>
      op('get', () => {
        const found = records.get(id);
        return found && JSON.parse(found.json);
      }),
    list: (filter, page) =>
      op('list', () =>
        listFromIndexes(
          {
            size: async (index) => indexes.get(index)?.length ?? 0,
            after: async (index, afterId, count) => {
              const list = indexes.get(index) ?? [];
              let start = 0;
              if (afterId !== undefined) {
                const at = position(list, entryOf(afterId));
                if (list[at] !== afterId) return undefined;
                start = at + 1;
              }
              return list.slice(start, start + count);
            },
            records: async (ids) =>
              ids.map((id) => {
                const found = records.get(id);
                return found && JSON.parse(found.json);
              }),
          },
          filter,
          page,
        ),
      ),
  };

  // nonce -> 'fresh' or the consumer mark, until expiresAt (ms).
  const nonces = new Map<string, { value: string; expiresAt: number }>();
  const liveNonce = (nonce: string) => {
    const found = nonces.get(nonce);
    if (found && found.expiresAt <= Date.now()) nonces.delete(nonce);
    return found && found.expiresAt > Date.now() ? found : undefined;
  };
  const sweep = <V extends { expiresAt: number }>(map: Map<string, V>) => {
    if (map.size < SWEEP_THRESHOLD) return;
    const now = Date.now();
    for (const [key, v] of map) if (v.expiresAt <= now) map.delete(key);
  };
  let anonymous = 0;

  const challenges: Stores['challenges'] = {
    issue: (ttlSeconds) =>
      op('issue', () => {
        checkInt(ttlSeconds, 'ttlSeconds', 1, 7 * 24 * 3600);
        sweep(nonces);
        let nonce = newNonce();
        while (liveNonce(nonce)) nonce = newNonce();
        const expiresAt = Date.now() + ttlSeconds * 1000;
        nonces.set(nonce, { value: 'fresh', expiresAt });
        return { nonce, expiresAt: new Date(expiresAt).toISOString() };
      }),
    consume: (nonce, consumer) =>
      op('consume', (): ChallengeState => {
        if (consumer !== undefined) checkText(consumer, 'consumer', 256);
        if (!isNonce(nonce)) return 'unknown';
        const found = liveNonce(nonce);
        if (!found) return 'unknown';
        // Named and anonymous marks cannot collide: 'c:' and 't:' prefixes.
        const mark = consumer === undefined ? `used:t:${++anonymous}` : `used:c:${consumer}`;
        if (found.value === 'fresh') found.value = mark;
        return found.value === mark ? 'ok' : 'used';
      }),
    peek: (nonce) =>
      op('peek', (): ChallengeState => {
        const found = isNonce(nonce) ? liveNonce(nonce) : undefined;
        return !found ? 'unknown' : found.value === 'fresh' ? 'ok' : 'used';
      }),
  };

  const institutions = new Map<string, InstitutionEntry>();
  const revoke = <T extends { revokedAt?: string }>(
    map: Map<string, T>,
    key: string,
    at: string,
  ) => {
    const revokedAt = normalIso(at, 'revokedAt');
    const found = map.get(key);
    if (!found) return undefined;
    // One-way, as in Redis: keep the earlier of two effective times.
    if (found.revokedAt === undefined || revokedAt < found.revokedAt) found.revokedAt = revokedAt;
    return found.revokedAt;
  };
  const byRegistration =
    <T extends { registeredAt: string }>(key: (e: T) => string) =>
    (a: T, b: T) =>
      Date.parse(a.registeredAt) - Date.parse(b.registeredAt) ||
      (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

  const registry: Stores['registry'] = {
    putInstitution: (e) =>
      op('putInstitution', () => {
        checkText(e.id, 'id', 128);
        checkText(e.name, 'name', 200);
        if (e.alg !== 'ES256' && e.alg !== 'EdDSA') throw invalidArgument('alg', 'not ES256/EdDSA');
        isoMs(e.registeredAt, 'registeredAt');
        const { revokedAt } = institutions.get(e.id) ?? {};
        const entry: InstitutionEntry = {
          id: e.id,
          name: e.name,
          alg: e.alg,
          publicKeyJwk: clone(e.publicKeyJwk),
          registeredAt: e.registeredAt,
        };
        institutions.set(e.id, revokedAt === undefined ? entry : { ...entry, revokedAt });
      }),
    revokeInstitution: (id, revokedAt) =>
      op('revokeInstitution', () => revoke(institutions, id, revokedAt)),
    getInstitution: (id) => op('getInstitution', () => clone(institutions.get(id))),
    listInstitutions: () =>
      op('listInstitutions', () =>
        clone([...institutions.values()]).sort(byRegistration((e) => e.id)),
      ),
  };

  // Ids mimic Redis stream ids: <ms>-<seq>, strictly increasing even if the clock steps back.
  const log: AuditEntry[] = [];
  let last = { ms: 0, seq: 0 };
  const audit: Stores['audit'] = {
    append: (event) =>
      op('audit.append', () => {
        const clean = cleanAuditEvent(event);
        const now = Date.now();
        last = now > last.ms ? { ms: now, seq: 0 } : { ms: last.ms, seq: last.seq + 1 };
        const id = `${last.ms}-${last.seq}`;
        log.push({ id, event: clean });
        if (log.length > AUDIT_MAX_LENGTH) log.splice(0, log.length - AUDIT_MAX_LENGTH);
        return id;
      }),
    read: (count) =>
      op('audit.read', () => {
        checkInt(count, 'count', 1, 10_000);
        return clone(log.slice(-count));
      }),
  };

  const windows = new Map<string, { count: number; expiresAt: number }>();
  const rateLimiter: Stores['rateLimiter'] = {
    hit: (key, limit, windowSeconds) =>
      op('rateLimit', () => {
        checkText(key, 'key');
        checkInt(limit, 'limit', 1, Number.MAX_SAFE_INTEGER);
        checkInt(windowSeconds, 'windowSeconds', 1, 366 * 24 * 3600);
        sweep(windows);
        const now = Date.now();
        let w = windows.get(key);
        if (!w || w.expiresAt <= now) {
          w = { count: 0, expiresAt: now + windowSeconds * 1000 };
          windows.set(key, w);
        }
        w.count++;
        return {
          allowed: w.count <= limit,
          remaining: Math.max(0, limit - w.count),
          resetSeconds: Math.max(1, Math.ceil((w.expiresAt - now) / 1000)),
        };
      }),
  };

  return {
    kind: 'memory',
    attestations,
    challenges,
    registry,
    keys: createMemoryKeyRegistry(op),
    signerSets: createMemorySignerSets(op),
    chains: createMemoryEpochChains(op),
    audit,
    rateLimiter,
    ping: async () => !closed,
    close: async () => {
      closed = true;
    },
  };
}

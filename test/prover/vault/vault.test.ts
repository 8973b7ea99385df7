import { randomBytes, randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { ZkAttestError } from '../../../src/common/errors';
import { verifySignature } from '../../../src/common/p256';
import { newSignerKey, webCryptoSigner } from '../../../src/common/p256-signer';
import { loadSnapshotFile } from '../../../src/prover/snapshot/ingest-snapshot';
import { findLeaks, sensitiveStrings } from '../../../src/prover/egress/leak-scan';
import { randomSalt } from '../../../src/prover/snapshot/snapshot-commitment';
import type { Snapshot } from '../../../src/prover/snapshot/snapshot-types';
import {
  KEY_CHECK_ID,
  MemoryVaultStore,
  RedisVaultStore,
  StaticMasterKeyProvider,
  Vault,
  masterKeysFromEnv,
  newMasterKeySecret,
  type VaultStore,
} from '../../../src/prover/vault';
import type { SignedFxTable } from '../../../src/common/signed-fx-table';
import { MULTI_SNAPSHOT, signedFx, USD_CNY_HKD } from '../../support/onshore-harness';
import { startRedis, type RedisServer } from '../../support/redis-server';
import { rejectionOf as errorOf } from '../../support/zk-error';

const FILE_PREFIX = `zkattest-test:${randomUUID()}:`;
let server: RedisServer | undefined;
let admin: Redis | undefined;
let testNo = 0;

beforeAll(async () => {
  server = await startRedis();
  admin = new Redis(server.url);
});
afterAll(async () => {
  await admin?.quit();
  await server?.stop();
});

const SNAPSHOT = loadSnapshotFile('examples/snapshot.csv');
const SECRETS = { k1: newMasterKeySecret(), k2: newMasterKeySecret() };

function provider(ids: Array<keyof typeof SECRETS>, current: keyof typeof SECRETS) {
  return masterKeysFromEnv({
    ZKATTEST_MASTER_KEYS: ids.map((id) => `${id}:${SECRETS[id]}`).join(','),
    ZKATTEST_MASTER_KEY_ID: current,
  });
}

/** Raw access to the records of one store, as an attacker with write access would have. */
interface Raw {
  get(id: string): Promise<string>;
  set(id: string, value: string): Promise<void>;
  /** Every stored value of the store (Redis: every key under its prefix). */
  all(): Promise<string[]>;
}

interface Harness {
  store: VaultStore;
  raw: Raw;
}

function memoryHarness(): Harness {
  const store = new MemoryVaultStore();
  const map = (store as unknown as { records: Map<string, string> }).records;
  return {
    store,
    raw: {
      get: async (id) => map.get(id) ?? '',
      set: async (id, value) => {
        map.set(id, value);
      },
      all: async () => [...map.values()],
    },
  };
}

function redisHarness(): Harness {
  if (!server || !admin) throw new Error('redis-server not started');
  const prefix = `${FILE_PREFIX}${++testNo}:`;
  const store = new RedisVaultStore(server.url, { keyPrefix: prefix });
  const r = admin;
  return {
    store,
    raw: {
      get: async (id) => (await r.get(store.keyOf(id))) ?? '',
      set: async (id, value) => {
        await r.set(store.keyOf(id), value);
      },
      async all() {
        const keys: string[] = [];
        let cursor = '0';
        do {
          const [next, batch] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          keys.push(...batch);
          cursor = next;
        } while (cursor !== '0');
        return Promise.all(
          keys.map(async (key) =>
            (await r.type(key)) === 'string'
              ? ((await r.get(key)) ?? '')
              : (await r.smembers(key)).join('\n'),
          ),
        );
      },
    },
  };
}

async function codeOf(work: Promise<unknown>): Promise<string | undefined> {
  try {
    await work;
    return undefined;
  } catch (err) {
    return err instanceof ZkAttestError ? err.code : `not a ZkAttestError: ${String(err)}`;
  }
}

type StoredRecord = {
  masterKeyId: string;
  wrappedKey: string;
  iv: string;
  ciphertext: string;
  meta: Record<string, unknown>;
};
const parse = (raw: string) => JSON.parse(raw) as StoredRecord;

function flipByte(b64: string, index: number): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[index % bytes.length] ^= 0x01;
  return bytes.toString('base64');
}

describe.each([
  ['memory', memoryHarness],
  ['redis', redisHarness],
] as const)('vault on the %s store', (_kind, make) => {
  let h: Harness;
  let vault: Vault;
  const salt = randomSalt();

  beforeEach(async () => {
    h = make();
    vault = new Vault(h.store, await provider(['k1', 'k2'], 'k1'));
  });
  afterEach(async () => {
    await h.store.close();
  });

  test('round trip of the sample snapshot with its salt (bigints exact)', async () => {
    const id = await vault.putSnapshot(SNAPSHOT, salt, { label: 'sample 2026-11' });
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    const back = await vault.getSnapshot(id);
    expect(back.salt).toBe(salt);
    expect(back.snapshot).toEqual(SNAPSHOT);
    expect(typeof back.snapshot.positions[0].value).toBe('bigint');
    expect(typeof back.snapshot.positions[0].assetId).toBe('bigint');
    // Two puts of the same snapshot: different ids, IVs, data keys and ciphertexts.
    const id2 = await vault.putSnapshot(SNAPSHOT, salt);
    const [a, b] = [parse(await h.raw.get(id)), parse(await h.raw.get(id2))];
    expect(id2).not.toBe(id);
    expect(a.iv).not.toBe(b.iv);
    expect(a.wrappedKey).not.toBe(b.wrappedKey);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(Buffer.from(a.iv, 'base64')).toHaveLength(12);
  });

  test('nothing stored contains an identifier, a value or the salt', async () => {
    await vault.putSnapshot(SNAPSHOT, salt, { label: 'sample' });
    await vault.putSnapshot(SNAPSHOT, salt);
    const sensitive = sensitiveStrings(SNAPSHOT, salt);
    // The scanner covers what we mean to test: identifiers, values as minor units and as
    // decimal text, the salt in decimal and hex.
    expect(sensitive).toEqual(
      expect.arrayContaining([
        SNAPSHOT.positions[0].identifier,
        '980000000',
        '9800000.00',
        salt.toString(),
        salt.toString(16),
      ]),
    );
    const all = await h.raw.all();
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const value of all) expect(findLeaks(value, sensitive)).toEqual([]);
  });

  test('a flipped byte anywhere in the sealed parts is VAULT_DECRYPT_FAILED', async () => {
    const id = await vault.putSnapshot(SNAPSHOT, salt);
    const original = await h.raw.get(id);
    for (const field of ['ciphertext', 'iv', 'wrappedKey'] as const) {
      for (const index of [0, 17, -1]) {
        const rec = parse(original);
        const at = index < 0 ? Buffer.from(rec[field], 'base64').length - 1 : index;
        rec[field] = flipByte(rec[field], at);
        await h.raw.set(id, JSON.stringify(rec));
        const err = await errorOf(vault.getSnapshot(id));
        expect(err.code).toBe('VAULT_DECRYPT_FAILED');
        // The message names the entry, never its content.
        expect(
          findLeaks(
            `${err.message} ${JSON.stringify(err.details)}`,
            sensitiveStrings(SNAPSHOT, salt),
          ),
        ).toEqual([]);
      }
    }
    await h.raw.set(id, original);
    expect((await vault.getSnapshot(id)).salt).toBe(salt);
  });

  test('clear metadata is authenticated too: a relabelled entry is refused', async () => {
    const id = await vault.putSnapshot(SNAPSHOT, salt, { label: 'q3' });
    const rec = parse(await h.raw.get(id));
    rec.meta.label = 'q4';
    await h.raw.set(id, JSON.stringify(rec));
    expect(await codeOf(vault.getSnapshot(id))).toBe('VAULT_DECRYPT_FAILED');
    rec.meta.label = 'q3';
    rec.meta.positions = 11;
    await h.raw.set(id, JSON.stringify(rec));
    expect(await codeOf(vault.getSnapshot(id))).toBe('VAULT_DECRYPT_FAILED');
  });

  test('swapping two entries is refused (the AAD binds each ciphertext to its id)', async () => {
    const other: Snapshot = { ...SNAPSHOT, positions: SNAPSHOT.positions.slice(0, 3) };
    const a = await vault.putSnapshot(SNAPSHOT, salt, { label: 'same' });
    const b = await vault.putSnapshot(other, salt + 1n, { label: 'same' });
    const [ra, rb] = [await h.raw.get(a), await h.raw.get(b)];
    // Whole records swapped (wrapped key, IV and ciphertext move together).
    await h.raw.set(a, rb);
    await h.raw.set(b, ra);
    expect(await codeOf(vault.getSnapshot(a))).toBe('VAULT_DECRYPT_FAILED');
    expect(await codeOf(vault.getSnapshot(b))).toBe('VAULT_DECRYPT_FAILED');
    // Only the sealed parts swapped, each record keeping its own metadata.
    const [pa, pb] = [parse(ra), parse(rb)];
    const swap = (to: StoredRecord, from: StoredRecord) =>
      JSON.stringify({
        ...to,
        wrappedKey: from.wrappedKey,
        iv: from.iv,
        ciphertext: from.ciphertext,
      });
    await h.raw.set(a, swap(pa, pb));
    await h.raw.set(b, swap(pb, pa));
    expect(await codeOf(vault.getSnapshot(a))).toBe('VAULT_DECRYPT_FAILED');
    expect(await codeOf(vault.getSnapshot(b))).toBe('VAULT_DECRYPT_FAILED');
    // Back in place, both read again.
    await h.raw.set(a, ra);
    await h.raw.set(b, rb);
    expect((await vault.getSnapshot(a)).salt).toBe(salt);
    expect((await vault.getSnapshot(b)).snapshot.positions).toHaveLength(3);
  });

  test('a signer key cannot pass as a snapshot, nor the reverse', async () => {
    const keyId = await vault.putSignerKey(await newSignerKey(), 'signer');
    const snapId = await vault.putSnapshot(SNAPSHOT, salt);
    expect(await codeOf(vault.getSnapshot(keyId))).toBe('VAULT_NOT_FOUND');
    expect(await codeOf(vault.getSignerKey(snapId))).toBe('VAULT_NOT_FOUND');
    // Changing the clear kind does not help: the kind is in the AAD.
    const rec = JSON.parse(await h.raw.get(keyId)) as Record<string, unknown>;
    await h.raw.set(
      keyId,
      JSON.stringify({
        ...rec,
        kind: 'snapshot',
        meta: { positions: 1, asOf: SNAPSHOT.asOf, createdAt: new Date().toISOString() },
      }),
    );
    expect(await codeOf(vault.getSnapshot(keyId))).toBe('VAULT_DECRYPT_FAILED');
  });

  test('unknown ids and malformed records have their own codes', async () => {
    expect(await codeOf(vault.getSnapshot('0'.repeat(32)))).toBe('VAULT_NOT_FOUND');
    expect(await codeOf(vault.getSnapshot('../etc/passwd'))).toBe('VAULT_NOT_FOUND');
    expect(await codeOf(vault.getSignerKey('nope'))).toBe('VAULT_NOT_FOUND');
    const id = await vault.putSnapshot(SNAPSHOT, salt);
    await h.raw.set(id, '{not json');
    expect(await codeOf(vault.getSnapshot(id))).toBe('VAULT_RECORD_INVALID');
    await h.raw.set(id, JSON.stringify({ v: 1, kind: 'snapshot' }));
    expect(await codeOf(vault.getSnapshot(id))).toBe('VAULT_RECORD_INVALID');
  });

  test('rotation re-wraps data keys only; old entries stay readable', async () => {
    const ids = [
      await vault.putSnapshot(SNAPSHOT, salt, { label: 'one' }),
      await vault.putSnapshot(SNAPSHOT, salt + 7n, { label: 'two' }),
    ];
    const signerKey = await newSignerKey();
    const keyId = await vault.putSignerKey(signerKey, 'signer');
    const before = await Promise.all([...ids, keyId].map(async (id) => parse(await h.raw.get(id))));

    expect(await vault.rotateMasterKey('k2')).toEqual({ rewrapped: 3, unreadable: [] });

    const after = await Promise.all([...ids, keyId].map(async (id) => parse(await h.raw.get(id))));
    after.forEach((rec, i) => {
      expect(rec.masterKeyId).toBe('k2');
      expect(rec.wrappedKey).not.toBe(before[i].wrappedKey);
      // The data ciphertext bytes, IV and metadata are exactly as they were.
      expect(rec.ciphertext).toBe(before[i].ciphertext);
      expect(rec.iv).toBe(before[i].iv);
      expect(rec.meta).toEqual(before[i].meta);
    });
    expect((await vault.getSnapshot(ids[0])).salt).toBe(salt);
    expect((await vault.getSnapshot(ids[1])).salt).toBe(salt + 7n);
    expect((await vault.listSnapshots()).map((s) => s.masterKeyId)).toEqual(['k2', 'k2']);

    // The rotation is idempotent: nothing left to re-wrap.
    expect(await vault.rotateMasterKey('k2')).toEqual({ rewrapped: 0, unreadable: [] });
    // This vault now writes under k2 as well.
    const fresh = await vault.putSnapshot(SNAPSHOT, salt);
    expect(parse(await h.raw.get(fresh)).masterKeyId).toBe('k2');

    // With k1 gone entirely, every entry still reads.
    const onlyK2 = new Vault(h.store, await provider(['k2'], 'k2'));
    expect((await onlyK2.getSnapshot(ids[0])).snapshot).toEqual(SNAPSHOT);
    expect((await onlyK2.getSnapshot(fresh)).salt).toBe(salt);
    expect((await onlyK2.getSignerKey(keyId)).jwk).toEqual(signerKey.jwk);
  });

  test('puts racing a rotation all end up under the new master key', async () => {
    await vault.putSnapshot(SNAPSHOT, salt);
    const before = Array.from({ length: 5 }, (_, i) => vault.putSnapshot(SNAPSHOT, BigInt(i)));
    const rotation = vault.rotateMasterKey('k2');
    const after = Array.from({ length: 5 }, (_, i) => vault.putSnapshot(SNAPSHOT, BigInt(i)));
    const ids = await Promise.all([...before, ...after]);
    expect((await rotation).rewrapped).toBeGreaterThanOrEqual(6);
    const list = await vault.listSnapshots();
    expect(list).toHaveLength(11);
    expect(new Set(list.map((s) => s.masterKeyId))).toEqual(new Set(['k2']));
    expect((await vault.getSnapshot(ids[3])).salt).toBe(3n);
  });

  test('an unknown master key id is VAULT_KEY_UNKNOWN', async () => {
    const id = await vault.putSnapshot(SNAPSHOT, salt);
    // Rotating to a key no provider holds.
    expect(await codeOf(vault.rotateMasterKey('k9'))).toBe('VAULT_KEY_UNKNOWN');
    // Reading an entry whose master key this provider does not hold.
    const onlyK2 = new Vault(h.store, await provider(['k2'], 'k2'));
    const err = await errorOf(onlyK2.getSnapshot(id));
    expect(err.code).toBe('VAULT_KEY_UNKNOWN');
    expect(err.details).toEqual({ masterKeyId: 'k1', id });
    // A rotation needing that key stops with the same code, and can be rerun once it is back.
    expect(await codeOf(onlyK2.rotateMasterKey('k2'))).toBe('VAULT_KEY_UNKNOWN');
    expect(await vault.rotateMasterKey('k2')).toEqual({ rewrapped: 1, unreadable: [] });
    // Same id, different key material: the unwrap fails its integrity check.
    const impostor = await StaticMasterKeyProvider.fromRaw({ k2: randomBytes(32) }, 'k2');
    expect(await codeOf(new Vault(h.store, impostor).getSnapshot(id))).toBe('VAULT_DECRYPT_FAILED');
  });

  test('signer key round trip: the private JWK sealed, keyId and public key listed', async () => {
    const key = await newSignerKey();
    const id = await vault.putSignerKey(key, 'signer 2026');
    const back = await vault.getSignerKey(id);
    expect(back).toEqual({ ...key, label: 'signer 2026' });
    // It signs, and its signature verifies under the listed public key.
    const signer = await webCryptoSigner(back);
    const message = new TextEncoder().encode('zkattest vault test');
    expect(verifySignature(key.publicKey, message, await signer.sign(message))).toBe(true);
    const stored = await h.raw.get(id);
    const d = key.jwk.d!;
    expect(stored).not.toContain(d);
    expect(stored).not.toContain(Buffer.from(d, 'base64url').toString('hex'));
    expect(stored).not.toContain(Buffer.from(d, 'base64url').toString('base64'));
    // A public-only JWK or a bad label is refused before anything is stored.
    const publicOnly = { ...key, jwk: { ...key.jwk, d: undefined } };
    expect(await codeOf(vault.putSignerKey(publicOnly, 'public'))).toBe('KEY_MALFORMED');
    expect(await codeOf(vault.putSignerKey(key, ''))).toBe('USAGE');
    const listed = await vault.listSignerKeys();
    expect(listed).toEqual([
      {
        id,
        label: 'signer 2026',
        keyId: key.keyId,
        publicKey: key.publicKey,
        createdAt: expect.any(String),
        masterKeyId: 'k1',
      },
    ]);
    expect(JSON.stringify(listed)).not.toContain(d);
  });

  test('a signer key record whose listed keyId is swapped does not open', async () => {
    const [a, b] = [await newSignerKey(), await newSignerKey()];
    const id = await vault.putSignerKey(a, 'a');
    const rec = parse(await h.raw.get(id));
    // The clear keyId and public key are in the AAD: relabelling the key breaks the record.
    await h.raw.set(
      id,
      JSON.stringify({ ...rec, meta: { ...rec.meta, keyId: b.keyId, publicKey: b.publicKey } }),
    );
    expect(await codeOf(vault.getSignerKey(id))).toBe('VAULT_DECRYPT_FAILED');
    // A v1 EdDSA attestor key record is no entry of this vault any more: listed as unreadable.
    await h.raw.set(id, JSON.stringify({ ...rec, kind: 'attestor-key', meta: { label: 'x' } }));
    expect((await vault.inventory()).unreadable).toEqual([{ id, code: 'VAULT_RECORD_INVALID' }]);
    expect(await codeOf(vault.getSignerKey(id))).toBe('VAULT_RECORD_INVALID');
  });

  test('listSnapshots shows metadata only', async () => {
    const a = await vault.putSnapshot(SNAPSHOT, salt, { label: 'month end' });
    const b = await vault.putSnapshot(SNAPSHOT, salt);
    await vault.putSignerKey(await newSignerKey(), 'not a snapshot');
    const list = await vault.listSnapshots();
    expect(list.map((s) => s.id).sort()).toEqual([a, b].sort());
    const first = list.find((s) => s.id === a);
    expect(first).toEqual({
      id: a,
      label: 'month end',
      positions: SNAPSHOT.positions.length,
      asOf: SNAPSHOT.asOf,
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      masterKeyId: 'k1',
    });
    expect(Object.keys(list.find((s) => s.id === b) ?? {}).sort()).toEqual([
      'asOf',
      'createdAt',
      'id',
      'masterKeyId',
      'positions',
    ]);
    expect(findLeaks(JSON.stringify(list), sensitiveStrings(SNAPSHOT, salt))).toEqual([]);
  });

  test('one malformed record: reported by id, every other entry still listed', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) ids.push(await vault.putSnapshot(SNAPSHOT, salt + BigInt(i)));
    const keyId = await vault.putSignerKey(await newSignerKey(), 'signer');
    const bad = ids[3];
    await h.raw.set(
      bad,
      `{"v":1,"kind":"snapshot","meta":{"label":"${SNAPSHOT.positions[0].identifier}"}`,
    );

    const list = await vault.listSnapshots();
    expect(list.map((s) => s.id).sort()).toEqual(ids.filter((id) => id !== bad).sort());
    expect((await vault.listSignerKeys()).map((k) => k.id)).toEqual([keyId]);
    const inventory = await vault.inventory();
    expect(inventory.unreadable).toEqual([{ id: bad, code: 'VAULT_RECORD_INVALID' }]);
    expect(inventory.snapshots).toHaveLength(8);
    // Reported by id and code only: nothing of the record's content.
    expect(JSON.stringify(inventory)).not.toContain(SNAPSHOT.positions[0].identifier);
  });

  test('rotation re-wraps every readable entry past a malformed one, and can be rerun', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await vault.putSnapshot(SNAPSHOT, salt + BigInt(i)));
    const bad = ids[2];
    const tampered = parse(await h.raw.get(ids[5]));
    tampered.wrappedKey = flipByte(tampered.wrappedKey, 3);
    await h.raw.set(ids[5], JSON.stringify(tampered));
    await h.raw.set(bad, '{not json');

    const first = await vault.rotateMasterKey('k2');
    expect(first).toEqual({
      rewrapped: 8,
      unreadable: [
        { id: bad, code: 'VAULT_RECORD_INVALID' },
        { id: ids[5], code: 'VAULT_DECRYPT_FAILED' },
      ].sort((a, b) => (a.id < b.id ? -1 : 1)),
    });
    // Running it again changes nothing and reports the same entries.
    expect(await vault.rotateMasterKey('k2')).toEqual({ ...first, rewrapped: 0 });
    const onlyK2 = new Vault(h.store, await provider(['k2'], 'k2'));
    for (const id of ids.filter((x) => x !== bad && x !== ids[5])) {
      expect((await onlyK2.getSnapshot(id)).snapshot).toEqual(SNAPSHOT);
    }
  });

  test('a rotation stopped part-way (store failing) finishes when run again', async () => {
    for (let i = 0; i < 10; i++) await vault.putSnapshot(SNAPSHOT, salt + BigInt(i));
    // A store whose writes start failing after 3 swaps, as Redis going away would.
    let swaps = 0;
    const flaky: VaultStore = {
      get: (id) => h.store.get(id),
      list: () => h.store.list(),
      scan: () => h.store.scan(),
      close: async () => undefined,
      put: async (id, record, expected) => {
        if (expected !== undefined && ++swaps > 3) {
          throw new ZkAttestError('STORE_UNAVAILABLE', 'the store is unavailable');
        }
        return h.store.put(id, record, expected);
      },
    };
    const keys = await provider(['k1', 'k2'], 'k2');
    expect(await codeOf(new Vault(flaky, keys).rotateMasterKey('k2'))).toBe('STORE_UNAVAILABLE');
    const under = async () => (await vault.listSnapshots()).filter((s) => s.masterKeyId === 'k2');
    expect(await under()).toHaveLength(3);
    expect(await new Vault(h.store, keys).rotateMasterKey('k2')).toEqual({
      rewrapped: 7,
      unreadable: [],
    });
    expect(await under()).toHaveLength(10);
    expect(await new Vault(h.store, keys).rotateMasterKey('k2')).toEqual({
      rewrapped: 0,
      unreadable: [],
    });
  });

  test('the master key check refuses a wrong key and follows a rotation', async () => {
    expect(await vault.checkMasterKey()).toEqual({ masterKeyId: 'k1', initialised: true });
    expect(await vault.checkMasterKey()).toEqual({ masterKeyId: 'k1', initialised: false });
    const id = await vault.putSnapshot(SNAPSHOT, salt);

    // Same id, other key material: refused before anything is sealed under it.
    const impostor = await StaticMasterKeyProvider.fromRaw({ k1: randomBytes(32) }, 'k1');
    const err = await errorOf(new Vault(h.store, impostor).checkMasterKey());
    expect(err.code).toBe('VAULT_MASTER_KEY_MISMATCH');
    expect(err.details).toEqual({ masterKeyId: 'k1' });
    // A key set without the vault's key id at all.
    const other = await provider(['k2'], 'k2');
    expect(await codeOf(new Vault(h.store, other).checkMasterKey())).toBe(
      'VAULT_MASTER_KEY_MISMATCH',
    );

    // The check value is not a snapshot, is never listed, and is re-wrapped by a rotation
    // (without being counted as a data key).
    expect(await vault.listSnapshots()).toHaveLength(1);
    expect(await codeOf(vault.getSnapshot(KEY_CHECK_ID))).toBe('VAULT_NOT_FOUND');
    expect(await vault.rotateMasterKey('k2')).toEqual({ rewrapped: 1, unreadable: [] });
    expect(await new Vault(h.store, other).checkMasterKey()).toEqual({
      masterKeyId: 'k2',
      initialised: false,
    });
    const wrongK2 = await StaticMasterKeyProvider.fromRaw({ k2: randomBytes(32) }, 'k2');
    expect(await codeOf(new Vault(h.store, wrongK2).checkMasterKey())).toBe(
      'VAULT_MASTER_KEY_MISMATCH',
    );
    expect((await new Vault(h.store, other).getSnapshot(id)).salt).toBe(salt);
  });

  test('a vault from before the check value: a wrong key is refused, the right one initialises it', async () => {
    await vault.putSnapshot(SNAPSHOT, salt);
    const impostor = await StaticMasterKeyProvider.fromRaw({ k1: randomBytes(32) }, 'k1');
    expect(await codeOf(new Vault(h.store, impostor).checkMasterKey())).toBe(
      'VAULT_MASTER_KEY_MISMATCH',
    );
    // The refusal left no check value behind: the right key still initialises the vault.
    expect(await vault.checkMasterKey()).toEqual({ masterKeyId: 'k1', initialised: true });
  });
});

describe('master keys from the environment', () => {
  test('parses id:base64 pairs and picks the current id', async () => {
    const keys = await provider(['k1', 'k2'], 'k2');
    expect(keys.current().id).toBe('k2');
    expect(keys.ids()).toEqual(['k1', 'k2']);
    expect(keys.get('k3')).toBeUndefined();
    const single = await masterKeysFromEnv({ ZKATTEST_MASTER_KEYS: `only:${SECRETS.k1}` });
    expect(single.current().id).toBe('only');
  });

  test('the env provider imports the same key material as a direct import', async () => {
    const store = new MemoryVaultStore();
    const fromEnv = new Vault(store, await provider(['k1'], 'k1'));
    const id = await fromEnv.putSnapshot(SNAPSHOT, 5n);
    const direct = await StaticMasterKeyProvider.fromRaw(
      { k1: Buffer.from(SECRETS.k1, 'base64') },
      'k1',
    );
    expect((await new Vault(store, direct).getSnapshot(id)).salt).toBe(5n);
  });

  test.each([
    [{}],
    [{ ZKATTEST_MASTER_KEYS: 'k1' }],
    [{ ZKATTEST_MASTER_KEYS: `k1:${Buffer.alloc(16).toString('base64')}` }],
    [{ ZKATTEST_MASTER_KEYS: 'k1:not base64!' }],
    [{ ZKATTEST_MASTER_KEYS: `bad id:${SECRETS.k1}` }],
    [{ ZKATTEST_MASTER_KEYS: `k1:${SECRETS.k1},k1:${SECRETS.k2}` }],
    [{ ZKATTEST_MASTER_KEYS: `k1:${SECRETS.k1},k2:${SECRETS.k2}` }],
    [{ ZKATTEST_MASTER_KEYS: `k1:${SECRETS.k1}`, ZKATTEST_MASTER_KEY_ID: 'k2' }],
  ])('refuses a bad configuration without echoing secrets (%#)', async (env) => {
    const err = await errorOf(masterKeysFromEnv(env));
    expect(err.code).toBe('VAULT_CONFIG_INVALID');
    expect(err.message).not.toContain(SECRETS.k1);
    expect(err.message).not.toContain(SECRETS.k2);
  });
});

describe('snapshots with their signed FX table', () => {
  const MULTI = loadSnapshotFile(MULTI_SNAPSHOT);
  let store: MemoryVaultStore;
  let vault: Vault;
  let fx: SignedFxTable;

  beforeAll(async () => {
    fx = await signedFx(USD_CNY_HKD, MULTI.asOf - 3600);
  });
  beforeEach(async () => {
    store = new MemoryVaultStore();
    vault = new Vault(store, await provider(['k1'], 'k1'));
  });

  test('a three-currency snapshot is sealed with its table and reads back exactly', async () => {
    const id = await vault.putSnapshot(MULTI, 11n, { label: 'book', fx });
    expect(await vault.getSnapshot(id)).toEqual({ snapshot: MULTI, salt: 11n, fx });
    expect((await vault.listSnapshots())[0]).toMatchObject({ id, positions: 8, fxRows: 3 });
    // Inside the ciphertext: the record shows neither the rates nor the source signature.
    const raw = (await store.get(id))!;
    expect(raw).not.toContain('137900000000');
    expect(raw).not.toContain(fx.source!.signature);
    // A one-currency snapshot needs none: it is proved with its unit's identity table.
    const plain = await vault.putSnapshot(SNAPSHOT, 12n);
    expect(await vault.getSnapshot(plain)).toEqual({ snapshot: SNAPSHOT, salt: 12n });
  });

  test.each([
    ['no table for a book in three currencies', () => undefined, 'FX_CURRENCY_MISSING'],
    [
      'a table without the HKD row',
      async () => signedFx({ ...USD_CNY_HKD, rows: USD_CNY_HKD.rows.slice(0, 2) }, 1),
      'FX_CURRENCY_MISSING',
    ],
    [
      'a table reporting in CNY',
      async () =>
        signedFx(
          {
            reporting: { currency: 'CNY', decimals: 2 },
            rows: [
              { currency: 'CNY', decimals: 2, rate: '1000000000000' },
              { currency: 'HKD', decimals: 2, rate: '929600000000' },
              { currency: 'USD', decimals: 2, rate: '7251000000000' },
            ],
          },
          1,
        ),
      'FX_TABLE_INVALID',
    ],
    [
      'a forged signature (the rates changed after signing)',
      async () => {
        const signed = await signedFx(USD_CNY_HKD, 1);
        const rows = signed.table.rows.map((r) =>
          r.currency === 'CNY' ? { ...r, rate: '150000000000' } : r,
        );
        return { ...signed, table: { ...signed.table, rows } };
      },
      'FX_TABLE_INVALID',
    ],
    ['an unsigned conversion table', async () => ({ table: USD_CNY_HKD }), 'FX_TABLE_INVALID'],
    [
      "a source whose keyId is not its key's",
      async () => {
        const signed = await signedFx(USD_CNY_HKD, 1);
        return { ...signed, source: { ...signed.source!, keyId: 'ab'.repeat(32) } };
      },
      'KEY_MALFORMED',
    ],
    ['not a signed table at all', async () => ({ rows: [] }), 'FX_TABLE_INVALID'],
  ])('refuses %s with a code, storing nothing', async (_name, make, code) => {
    const err = await errorOf(vault.putSnapshot(MULTI, 1n, { fx: await make() }));
    expect(err.code).toBe(code);
    // Fields only: never a value, identifier or rate of the upload.
    expect(findLeaks(err.message, sensitiveStrings(MULTI, 1n))).toEqual([]);
    expect(await store.list()).toEqual([]);
  });
});

import { execFile } from 'node:child_process';
import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { newSignerKey, readSignerKeyFile } from '../../src/common/p256-signer';
import { findLeaks, sensitiveStrings } from '../../src/prover/egress/leak-scan';
import { loadSnapshotFile } from '../../src/prover/snapshot/ingest-snapshot';
import { MULTI_SNAPSHOT, signedFx, USD_CNY_HKD } from '../support/onshore-harness';
import {
  masterKeysFromEnv,
  newMasterKeySecret,
  RedisVaultStore,
  Vault,
} from '../../src/prover/vault';
import { startRedis, type RedisServer } from '../support/redis-server';

const BIN = join(__dirname, '..', '..', 'bin', 'zkattest.cjs');
const run = promisify(execFile);
const k1 = newMasterKeySecret();
const k2 = newMasterKeySecret();

let redis: RedisServer;
let dir: string;

async function zkattest(args: string[], env: Record<string, string>, url = redis.url) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { ...process.env, REDIS_URL: url, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  redis = await startRedis();
  dir = mkdtempSync(join(tmpdir(), 'zkattest-vault-cli-'));
});
afterAll(async () => {
  await redis.stop();
});

describe('zkattest vault', () => {
  it('adds a P-256 signer key, lists it, rotates the master key, and still reads it', async () => {
    const one = { ZKATTEST_MASTER_KEYS: `k1:${k1}`, ZKATTEST_MASTER_KEY_ID: 'k1' };
    await zkattest(['keys', 'new', '--out', 'a.key.json', '--label', 'desk a'], one);
    const added = await zkattest(['vault', 'add-key', '--from', 'a.key.json'], one);
    expect(added.code).toBe(0);
    // Its vault id, keyId and public key (JSON), never the private part.
    const printed = JSON.parse(added.stdout) as { id: string; keyId: string; label: string };
    const file = await readSignerKeyFile(join(dir, 'a.key.json'));
    expect(printed).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      keyId: file.key.keyId,
      publicKey: file.key.publicKey,
      label: 'desk a',
    });
    expect(added.stdout + added.stderr).not.toContain(file.key.jwk.d!);
    expect((await zkattest(['vault', 'list'], one)).stdout).toContain(
      `signer key ${printed.id}  keyId ${file.key.keyId}  desk a  [k1]`,
    );
    // The vault's key is the file's key: it signs for the same keyId.
    const store = new RedisVaultStore(redis.url);
    try {
      const vault = new Vault(store, await masterKeysFromEnv(one));
      expect((await vault.getSignerKey(printed.id)).jwk).toEqual(file.key.jwk);
    } finally {
      await store.close();
    }

    const both = { ZKATTEST_MASTER_KEYS: `k1:${k1},k2:${k2}`, ZKATTEST_MASTER_KEY_ID: 'k2' };
    const rotated = await zkattest(['vault', 'rotate', '--to', 'k2'], both);
    expect(rotated.stdout).toContain('1 data keys re-wrapped under k2');
    const onlyNew = { ZKATTEST_MASTER_KEYS: `k2:${k2}`, ZKATTEST_MASTER_KEY_ID: 'k2' };
    expect((await zkattest(['vault', 'list'], onlyNew)).stdout).toMatch(/\[k2\]/);
  });

  // After the rotation above, the vault's master key is k2.
  const one = { ZKATTEST_MASTER_KEYS: `k1:${k1},k2:${k2}`, ZKATTEST_MASTER_KEY_ID: 'k2' };

  it('adds keys from PKCS#8 PEM, a JWK, or new ones; refuses a public key', async () => {
    const key = await newSignerKey();
    const pem = createPrivateKey({ key: key.jwk as JsonWebKey, format: 'jwk' })
      .export({ type: 'pkcs8', format: 'pem' })
      .toString();
    writeFileSync(join(dir, 'k.pem'), pem, { mode: 0o600 });
    writeFileSync(join(dir, 'k.jwk'), JSON.stringify(key.jwk), { mode: 0o600 });
    const { d: _d, ...publicJwk } = key.jwk;
    writeFileSync(join(dir, 'pub.jwk'), JSON.stringify(publicJwk));
    for (const from of ['k.pem', 'k.jwk']) {
      const added = await zkattest(['vault', 'add-key', '--from', from, '--label', from], one);
      expect(added.code).toBe(0);
      expect(JSON.parse(added.stdout)).toMatchObject({ keyId: key.keyId, label: from });
    }
    const fresh = await zkattest(['vault', 'add-key', '--new'], one);
    expect(JSON.parse(fresh.stdout)).toMatchObject({ label: 'signer' });
    const pub = await zkattest(['vault', 'add-key', '--from', 'pub.jwk'], one);
    expect([pub.code, pub.stderr]).toEqual([1, expect.stringMatching(/\[KEY_MALFORMED\]/)]);
    const both = await zkattest(['vault', 'add-key', '--new', '--from', 'k.pem'], one);
    expect([both.code, both.stderr]).toEqual([2, expect.stringMatching(/\[USAGE\]/)]);
  });

  it('adds a three-currency snapshot with its signed FX table; refuses a table that does not fit', async () => {
    const multi = MULTI_SNAPSHOT;
    const snapshot = loadSnapshotFile(multi);
    writeFileSync(join(dir, 'fx.json'), JSON.stringify(await signedFx(USD_CNY_HKD, 1)));
    const forged = await signedFx(USD_CNY_HKD, 1);
    forged.source!.asOf = 2;
    writeFileSync(join(dir, 'forged.json'), JSON.stringify(forged));
    const added = await zkattest(
      ['vault', 'add-snapshot', '--snapshot', multi, '--fx', 'fx.json', '--label', 'book'],
      one,
    );
    expect(added.code).toBe(0);
    const id = /as (\S+) \(8 positions\)/.exec(added.stdout)![1]!;
    expect((await zkattest(['vault', 'list'], one)).stdout).toMatch(
      new RegExp(`snapshot ${id} {2}8 positions {2}FX 3 rows`),
    );
    for (const [args, code] of [
      [[], 'FX_CURRENCY_MISSING'],
      [['--fx', 'forged.json'], 'FX_TABLE_INVALID'],
    ] as const) {
      const refused = await zkattest(['vault', 'add-snapshot', '--snapshot', multi, ...args], one);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`[${code}]`);
      expect(findLeaks(refused.stderr, sensitiveStrings(snapshot, 0n))).toEqual([]);
    }
  });

  it('refuses to run without the master keys', async () => {
    const { code, stderr } = await zkattest(['vault', 'list'], { ZKATTEST_MASTER_KEYS: '' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/\[VAULT_CONFIG_INVALID\]/);
  });
});

describe('zkattest vault with a damaged vault or a wrong master key', () => {
  const one = { ZKATTEST_MASTER_KEYS: `k1:${k1}`, ZKATTEST_MASTER_KEY_ID: 'k1' };
  let own: RedisServer;
  beforeEach(async () => {
    own = await startRedis();
  });
  afterEach(async () => {
    await own.stop();
  });

  /** Ten snapshots sealed under k1 (a vault from before the key check), one then mangled. */
  async function seedWithOneMalformed(): Promise<{ ids: string[]; bad: string }> {
    const store = new RedisVaultStore(own.url);
    const vault = new Vault(store, await masterKeysFromEnv(one));
    const snapshot = loadSnapshotFile(join(__dirname, '..', '..', 'examples', 'snapshot.csv'));
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await vault.putSnapshot(snapshot, BigInt(i + 1)));
    const bad = ids[3]!;
    const raw = new Redis(own.url);
    await raw.set(store.keyOf(bad), '{"v":1,"kind":"snapshot"');
    raw.disconnect();
    await store.close();
    return { ids, bad };
  }

  it('lists the others and reports the malformed entry by id; rotation re-wraps the rest', async () => {
    const { ids, bad } = await seedWithOneMalformed();
    const listed = await zkattest(['vault', 'list'], one, own.url);
    expect(listed.code).toBe(3); // damaged: a script must be able to tell
    for (const id of ids.filter((x) => x !== bad)) expect(listed.stdout).toContain(id);
    expect(listed.stdout).not.toContain(bad);
    expect(listed.stderr).toContain(`unreadable vault entry ${bad} [VAULT_RECORD_INVALID]`);

    const both = { ZKATTEST_MASTER_KEYS: `k1:${k1},k2:${k2}`, ZKATTEST_MASTER_KEY_ID: 'k2' };
    const rotated = await zkattest(['vault', 'rotate', '--to', 'k2'], both, own.url);
    expect(rotated.code).toBe(3);
    expect(rotated.stdout).toContain('9 data keys re-wrapped under k2');
    expect(rotated.stderr).toContain(`unreadable vault entry ${bad} [VAULT_RECORD_INVALID]`);
    const again = await zkattest(['vault', 'rotate', '--to', 'k2'], both, own.url);
    expect(again.stdout).toContain('0 data keys re-wrapped under k2');
    expect(again.code).toBe(3);
    const onlyNew = { ZKATTEST_MASTER_KEYS: `k2:${k2}`, ZKATTEST_MASTER_KEY_ID: 'k2' };
    const after = await zkattest(['vault', 'list'], onlyNew, own.url);
    expect(after.stdout.match(/\[k2\]/g)).toHaveLength(9);
    expect(after.code).toBe(3);
    for (const command of ['list', 'rotate']) {
      const help = await zkattest(['vault', command, '--help'], onlyNew, own.url);
      expect(help.stdout).toContain('exit 3: some entries are unreadable');
    }
  });

  it('exits 0 when every entry is readable', async () => {
    const store = new RedisVaultStore(own.url);
    const vault = new Vault(store, await masterKeysFromEnv(one));
    await vault.putSnapshot(
      loadSnapshotFile(join(__dirname, '..', '..', 'examples', 'snapshot.csv')),
      1n,
    );
    await store.close();
    expect((await zkattest(['vault', 'list'], one, own.url)).code).toBe(0);
  });

  it("refuses a master key that is not the vault's, before sealing anything under it", async () => {
    await zkattest(['keys', 'new', '--out', 'w.key.json'], one, own.url);
    expect((await zkattest(['vault', 'add-key', '--from', 'w.key.json'], one, own.url)).code).toBe(
      0,
    );
    const wrong = {
      ZKATTEST_MASTER_KEYS: `k1:${newMasterKeySecret()}`,
      ZKATTEST_MASTER_KEY_ID: 'k1',
    };
    for (const args of [
      ['vault', 'list'],
      ['vault', 'add-key', '--from', 'w.key.json'],
    ]) {
      const refused = await zkattest(args, wrong, own.url);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/\[VAULT_MASTER_KEY_MISMATCH\]/);
    }
    // Nothing was added under the wrong key: still the one entry.
    const listed = await zkattest(['vault', 'list'], one, own.url);
    expect(listed.stdout.match(/signer key/g)).toHaveLength(1);
  });
});

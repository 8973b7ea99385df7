import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { newMasterKeySecret } from '../../src/prover/vault';
import { startRedis, type RedisServer } from '../support/redis-server';

const BIN = join(__dirname, '..', '..', 'bin', 'zkattest.cjs');
const run = promisify(execFile);
const k1 = newMasterKeySecret();
const k2 = newMasterKeySecret();

let redis: RedisServer;
let dir: string;

async function zkattest(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { ...process.env, REDIS_URL: redis.url, ...env },
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
  it('imports an attestor key, lists it, rotates the master key, and still reads it', async () => {
    const one = { ZKATTEST_MASTER_KEYS: `k1:${k1}`, ZKATTEST_MASTER_KEY_ID: 'k1' };
    await zkattest(['keys', 'new', '--out', 'a.key.json'], one);
    const imported = await zkattest(['vault', 'import-key', '--key', 'a.key.json'], one);
    expect(imported.code).toBe(0);
    expect((await zkattest(['vault', 'list'], one)).stdout).toMatch(
      /attestor key \S+ {2}attestor {2}\[k1\]/,
    );

    const both = { ZKATTEST_MASTER_KEYS: `k1:${k1},k2:${k2}`, ZKATTEST_MASTER_KEY_ID: 'k2' };
    const rotated = await zkattest(['vault', 'rotate', '--to', 'k2'], both);
    expect(rotated.stdout).toContain('1 data keys re-wrapped under k2');
    const onlyNew = { ZKATTEST_MASTER_KEYS: `k2:${k2}`, ZKATTEST_MASTER_KEY_ID: 'k2' };
    expect((await zkattest(['vault', 'list'], onlyNew)).stdout).toMatch(/\[k2\]/);
  });

  it('refuses to run without the master keys', async () => {
    const { code, stderr } = await zkattest(['vault', 'list'], { ZKATTEST_MASTER_KEYS: '' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/\[VAULT_CONFIG_INVALID\]/);
  });
});

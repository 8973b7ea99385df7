import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tokenHash } from '../../../src/prover/service/onshore-users';
import { masterKeysFromEnv } from '../../../src/prover/vault';
import { testMasterEnv, vaultSignerKey } from '../../support/onshore-harness';
import { startRedis, type RedisServer } from '../../support/redis-server';
import { spawnWorker } from '../../support/worker-process';

// A server or worker started with a master key that is not the vault's refuses to start, with
// a coded error, instead of sealing uploads under it.

const ROOT = join(__dirname, '..', '..', '..');
const RIGHT = testMasterEnv();
const WRONG = testMasterEnv();

let redis: RedisServer;
let signerKeyId: string;
let destinations: string;

beforeAll(async () => {
  redis = await startRedis();
  ({ signerKeyId } = await vaultSignerKey(redis.url, await masterKeysFromEnv(RIGHT)));
  const dir = mkdtempSync(join(tmpdir(), 'zkattest-onshore-'));
  destinations = join(dir, 'destinations.json');
  writeFileSync(destinations, '[]', { mode: 0o600 });
});
afterAll(async () => {
  await redis?.stop();
});

/** Runs the onshore server until it prints that it listens (then stops it) or exits. */
function runOnshoreServer(
  keys: Record<string, string>,
): Promise<{ listening: boolean; code: number | null; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--require', 'tsx/cjs', join(ROOT, 'src', 'entry-points', 'onshore-server.ts')],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        REDIS_URL: redis.url,
        ONSHORE_PORT: '0',
        ONSHORE_USERS: `olivia:operator:${tokenHash('operator-token-0123456789')}`,
        ONSHORE_SIGNER_KEY_ID: signerKeyId,
        ONSHORE_DESTINATIONS: destinations,
        LOG_LEVEL: 'info',
        ...keys,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  let listening = false;
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    if (!listening && stdout.includes('onshore service listening')) {
      listening = true;
      child.kill('SIGTERM');
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve) =>
    child.once('exit', (code) => resolve({ listening, code, stderr })),
  );
}

describe('start-up with the wrong master key', () => {
  it('the onshore server refuses to start with VAULT_MASTER_KEY_MISMATCH', async () => {
    const refused = await runOnshoreServer(WRONG);
    expect(refused).toEqual({
      listening: false,
      code: 1,
      stderr: expect.stringContaining('[VAULT_MASTER_KEY_MISMATCH]'),
    });
    // The right key starts it: the refusal was the key check.
    expect(await runOnshoreServer(RIGHT)).toMatchObject({ listening: true });
  });

  it('a proving worker refuses to start with VAULT_MASTER_KEY_MISMATCH', async () => {
    const worker = spawnWorker({
      redisUrl: redis.url,
      extraEnv: WRONG,
    });
    try {
      await expect(worker.ready).rejects.toThrow(/exited before ready/);
      expect((await worker.exited).code).toBe(1);
      expect(worker.events).toContainEqual(
        expect.objectContaining({ event: 'fatal', code: 'VAULT_MASTER_KEY_MISMATCH' }),
      );
    } finally {
      await worker.stop();
    }
  });
});

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readConfig } from '../../src/api/config';
import { readEnvConfig, redisTargetFromEnv, redisTargetOf } from '../../src/common/env-config';
import { ZkAttestError } from '../../src/common/errors';
import { readOnshoreConfig } from '../../src/entry-points/onshore-config';
import { readDestinationsFile, readOnshoreStartup } from '../../src/entry-points/onshore-startup';
import { buildSignerSet, signerSetFile } from '../../src/common/signer-set';
import { testSigner } from '../fixtures';
import { workerConfigSchema } from '../../src/entry-points/worker-config';
import { ROOT, sourceFiles } from '../support/source-files';

const run = promisify(execFile);
const SECRET = 'hunter2-not-for-logs';
const WORKER_OK = { REDIS_URL: 'redis://127.0.0.1:1', ZKATTEST_MASTER_KEYS: `k1:${SECRET}` };

/** The CONFIG_INVALID error `read` throws (fails the test if it throws nothing else). */
function configError(read: () => unknown): ZkAttestError {
  try {
    read();
  } catch (err) {
    expect(err).toBeInstanceOf(ZkAttestError);
    expect((err as ZkAttestError).code).toBe('CONFIG_INVALID');
    return err as ZkAttestError;
  }
  throw new Error('the configuration was accepted');
}

/** Starts an entry point with exactly `env` (plus PATH); resolves with its exit and output. */
async function startProcess(entry: string, env: Record<string, string>, args: string[] = []) {
  try {
    await run(process.execPath, ['--require', 'tsx/cjs', join(ROOT, entry), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      timeout: 30_000,
    });
    return { code: 0, out: '' };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

describe('worker configuration', () => {
  const read = (extra: Record<string, string>) =>
    readEnvConfig(workerConfigSchema, { ...WORKER_OK, ...extra });

  it('reads defaults and numbers once', () => {
    expect(read({ WORKER_CONCURRENCY: '4' })).toMatchObject({
      WORKER_CONCURRENCY: 4,
      ZKATTEST_LOCK_DURATION_MS: 30_000,
    });
  });

  it('WORKER_CONCURRENCY=abc (or 0) names the variable and its rule', () => {
    for (const bad of ['abc', '0', '-1', '1.5']) {
      const err = configError(() => read({ WORKER_CONCURRENCY: bad }));
      expect(err.message).toMatch(/WORKER_CONCURRENCY: must be a positive integer/);
      expect(err.details.variables).toBe('WORKER_CONCURRENCY');
    }
  });

  it('a bad REDIS_URL is named, and a password inside it is never shown', () => {
    for (const bad of ['not a url', 'http://127.0.0.1:6379', `redis://:${SECRET}@host:port`]) {
      const err = configError(() => read({ REDIS_URL: bad }));
      expect(err.message).toContain('REDIS_URL: must be a redis:// or rediss:// URL');
      expect(err.message).not.toContain(SECRET);
    }
  });

  it('the master keys are required and never echoed', () => {
    const missing = configError(() =>
      readEnvConfig(workerConfigSchema, { REDIS_URL: 'redis://h' }),
    );
    expect(missing.message).toContain('ZKATTEST_MASTER_KEYS: is not set');
    const other = configError(() => read({ ZKATTEST_PROVER_THREADS: '8' }));
    expect(other.message).toContain('ZKATTEST_PROVER_THREADS');
    expect(JSON.stringify({ m: other.message, d: other.details })).not.toContain(SECRET);
  });
});

describe('Redis Cluster configuration (REDIS_CLUSTER_NODES)', () => {
  const worker = (env: Record<string, string>) =>
    readEnvConfig(workerConfigSchema, { ZKATTEST_MASTER_KEYS: `k1:${SECRET}`, ...env });

  it('host:port,... gives the cluster nodes in place of REDIS_URL', () => {
    const cfg = worker({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b.internal:7001,[::1]:7002' });
    const nodes = [
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b.internal', port: 7001 },
      { host: '::1', port: 7002 },
    ];
    expect(cfg.REDIS_CLUSTER_NODES).toEqual(nodes);
    expect(redisTargetOf(cfg)).toEqual({ clusterNodes: nodes });
    expect(redisTargetOf(worker({ REDIS_URL: 'redis://h:1' }))).toBe('redis://h:1');
  });

  it('a malformed node list is CONFIG_INVALID naming the variable, never its value', () => {
    for (const bad of [
      'node-a',
      'node-a:',
      'node-a:0',
      'node-a:65536',
      `redis://:${SECRET}@h:1`,
      'a:1,,b:2',
      'a b:1',
    ]) {
      const err = configError(() => worker({ REDIS_CLUSTER_NODES: bad }));
      expect(err.details.variables).toBe('REDIS_CLUSTER_NODES');
      expect(err.message).toContain('REDIS_CLUSTER_NODES: must be host:port');
      expect(err.message).not.toContain(SECRET);
    }
  });

  it('REDIS_URL and REDIS_CLUSTER_NODES together are refused, in every process', () => {
    const both = { REDIS_URL: 'redis://h:1', REDIS_CLUSTER_NODES: 'h:1' };
    for (const read of [
      () => worker(both),
      () => readConfig(both),
      () => readOnshoreConfig(both),
    ]) {
      const err = configError(read);
      expect(err.message).toContain('REDIS_CLUSTER_NODES: set REDIS_URL (one server) or');
    }
    expect(() => redisTargetFromEnv(both)).toThrow(/not both/);
  });

  it('a worker needs one of them; the API runs in memory without either', () => {
    expect(configError(() => worker({})).details.variables).toBe('REDIS_URL');
    expect(redisTargetOf(readConfig({}))).toBeUndefined();
    expect(redisTargetFromEnv({})).toBeUndefined();
  });
});

describe('API and onshore configuration', () => {
  it('the API names each bad variable', () => {
    const err = configError(() =>
      readConfig({ PORT: 'http', ADMIN_TOKEN: 'short-secret', REDIS_URL: 'localhost:6379' }),
    );
    expect(err.details.variables).toBe('PORT,REDIS_URL,ADMIN_TOKEN');
    expect(err.message).toContain('ADMIN_TOKEN: must be at least 24 characters');
    expect(err.message).not.toContain('short-secret');
  });

  it('the onshore service lists every missing variable', () => {
    const err = configError(() => readOnshoreConfig({}));
    expect(err.details.variables).toBe(
      // The signer (ONSHORE_SIGNER_KEY_ID or ONSHORE_SIGNER_SET_FILE) is checked by the start-up.
      'REDIS_URL,ONSHORE_USERS,ONSHORE_DESTINATIONS,ZKATTEST_MASTER_KEYS',
    );
  });
});

describe('the processes refuse a bad environment at start-up', () => {
  it('the worker exits 2 with a coded config-error naming the variable', async () => {
    const { code, out } = await startProcess('src/entry-points/worker.ts', {
      ...WORKER_OK,
      WORKER_CONCURRENCY: 'abc',
    });
    expect(code).toBe(2);
    const event = JSON.parse(out.trim().split('\n')[0]!) as Record<string, string>;
    expect(event).toMatchObject({ event: 'config-error', code: 'CONFIG_INVALID' });
    expect(event.reason).toContain('WORKER_CONCURRENCY');
    expect(out).not.toContain(SECRET);
  });

  it('the onshore server exits 2 naming a bad REDIS_URL, without its password', async () => {
    const { code, out } = await startProcess('src/entry-points/onshore-server.ts', {
      REDIS_URL: `https://:${SECRET}@127.0.0.1:1`,
      ONSHORE_USERS: 'x',
      ONSHORE_SIGNER_KEY_ID: 'x',
      ONSHORE_DESTINATIONS: '/nonexistent',
      ZKATTEST_MASTER_KEYS: 'x',
    });
    expect(code).toBe(2);
    expect(out).toContain('error [CONFIG_INVALID]');
    expect(out).toContain('REDIS_URL');
    expect(out).not.toContain(SECRET);
  });
});

describe('the onshore server refuses bad keys, users and destinations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zkattest-onshore-config-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const JWK_SECRET = 'private-jwk-d-never-printed';
  const destination = {
    name: 'hk',
    url: 'https://offshore.example',
    institutionId: 'acme-bank',
    alg: 'ES256',
    privateJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: JWK_SECRET },
  };
  const good = {
    REDIS_URL: 'redis://127.0.0.1:1',
    ONSHORE_USERS: `olivia:operator:${'a'.repeat(64)}`,
    ONSHORE_SIGNER_KEY_ID: 'x',
    ONSHORE_DESTINATIONS: file('good.json', JSON.stringify([destination])),
    ZKATTEST_MASTER_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  };
  const cases: [string, Record<string, string>, string][] = [
    [
      'a missing destinations file',
      { ONSHORE_DESTINATIONS: '/nonexistent' },
      'ONSHORE_DESTINATIONS',
    ],
    [
      'a destinations file that is not a list',
      { ONSHORE_DESTINATIONS: file('x.json', '{"x":1}') },
      'ONSHORE_DESTINATIONS',
    ],
    [
      'a destinations file that is not JSON',
      { ONSHORE_DESTINATIONS: file('t.json', 'not json') },
      'ONSHORE_DESTINATIONS',
    ],
    [
      'a destination with an unknown field and a bad alg',
      {
        ONSHORE_DESTINATIONS: file(
          'alg.json',
          JSON.stringify([{ ...destination, alg: 'none', extra: JWK_SECRET }]),
        ),
      },
      'ONSHORE_DESTINATIONS',
    ],
    [
      'a destination url with a query',
      {
        ONSHORE_DESTINATIONS: file(
          'q.json',
          JSON.stringify([{ ...destination, url: 'https://h/?q=1' }]),
        ),
      },
      'ONSHORE_DESTINATIONS',
    ],
    ['a short master key', { ZKATTEST_MASTER_KEYS: `k1:${SECRET}` }, 'ZKATTEST_MASTER_KEYS'],
    ['malformed users', { ONSHORE_USERS: `olivia:operator:${SECRET}` }, 'ONSHORE_USERS'],
    [
      'a signer key id that is no vault id',
      { ONSHORE_SIGNER_KEY_ID: '../k' },
      'ONSHORE_SIGNER_KEY_ID',
    ],
  ];

  it.each(cases)('%s: exit 2, CONFIG_INVALID naming the variable', async (_, bad, variable) => {
    const { code, out } = await startProcess('src/entry-points/onshore-server.ts', {
      ...good,
      ...bad,
    });
    expect(out).toContain('error [CONFIG_INVALID]');
    expect(out).toContain(`${variable}: `);
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain(JWK_SECRET);
    expect(out).not.toMatch(/\n\s+at /); // no stack trace
    expect(code).toBe(2);
  });

  describe('who signs: ONSHORE_SIGNER_KEY_ID or ONSHORE_SIGNER_SET_FILE, exactly one', () => {
    const { ONSHORE_SIGNER_KEY_ID: _key, ...unsigned } = good;
    const startupError = async (env: Record<string, string>) => {
      const err = await readOnshoreStartup(env).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ZkAttestError);
      expect((err as ZkAttestError).code).toBe('CONFIG_INVALID');
      return err as ZkAttestError;
    };
    const setFile = async () => {
      const members = await Promise.all([31, 32].map((seed) => testSigner(seed)));
      const set = buildSignerSet(
        2,
        members.map((m, i) => ({ publicKey: m.publicKey, label: `Member ${i}` })),
      );
      return { set, path: file('set.json', JSON.stringify(signerSetFile(set))) };
    };

    it('reads a signer-set file as `zkattest signer-set new` writes it', async () => {
      const { set, path } = await setFile();
      const startup = await readOnshoreStartup({ ...unsigned, ONSHORE_SIGNER_SET_FILE: path });
      expect(startup.signing).toEqual({ signerSet: set });
      const keyed = await readOnshoreStartup(good);
      expect(keyed.signing).toEqual({ signerKeyId: 'x' });
    });

    it('refuses neither, both, and a bad set file, naming the variable', async () => {
      expect((await startupError(unsigned)).details.variables).toBe('ONSHORE_SIGNER_KEY_ID');
      const { path } = await setFile();
      const both = await startupError({ ...good, ONSHORE_SIGNER_SET_FILE: path });
      expect(both.details.variables).toBe('ONSHORE_SIGNER_SET_FILE');
      const bad: string[] = [
        '/nonexistent/set.json',
        file('notjson.json', 'nope'),
        file('threshold.json', JSON.stringify({ threshold: 3, signers: [] })),
        file(
          'tampered.json',
          JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), threshold: 1 }),
        ),
      ];
      for (const p of bad) {
        const err = await startupError({ ...unsigned, ONSHORE_SIGNER_SET_FILE: p });
        expect([p, err.details.variables]).toEqual([p, 'ONSHORE_SIGNER_SET_FILE']);
      }
    });
  });

  it('the destinations schema keeps the private JWK and refuses unknown fields', () => {
    expect(readDestinationsFile(good.ONSHORE_DESTINATIONS)).toEqual([destination]);
    const err = configError(() =>
      readDestinationsFile(file('extra.json', JSON.stringify([{ ...destination, extra: 1 }]))),
    );
    expect(err.details.variables).toBe('ONSHORE_DESTINATIONS');
    expect(err.message).toContain('destination 1');
  });
});

describe('`zkattest worker` refuses a bad environment as the worker entry does', () => {
  const env = { ...WORKER_OK, WORKER_CONCURRENCY: 'abc' };

  it.each([
    ['zkattest worker', 'bin/zkattest.cjs', ['worker']],
    ['the worker entry', 'src/entry-points/worker.ts', []],
  ])('%s: exit 2 and one JSON config-error line', async (_, entry, args) => {
    const { code, out } = await startProcess(entry, env, args);
    const event = JSON.parse(out.trim().split('\n')[0]!) as Record<string, string>;
    expect(event).toMatchObject({ event: 'config-error', code: 'CONFIG_INVALID' });
    expect(event.reason).toContain('WORKER_CONCURRENCY');
    expect(out).not.toContain(SECRET);
    expect(code).toBe(2);
  });

  it('zkattest worker without REDIS_URL: exit 2 naming it', async () => {
    const { code, out } = await startProcess('bin/zkattest.cjs', {}, ['worker']);
    expect(out).toContain('"event":"config-error"');
    expect(out).toContain('REDIS_URL: is not set');
    expect(code).toBe(2);
  });
});

describe('the production worker has no fixture mode', () => {
  it('fixture directories do not stand in for the vault', async () => {
    const { code, out } = await startProcess('src/entry-points/worker.ts', {
      REDIS_URL: 'redis://127.0.0.1:1',
      ZKATTEST_SOURCE_DIR: '/tmp',
      ZKATTEST_SINK_DIR: '/tmp',
    });
    expect(code).toBe(2);
    expect(out).toContain('ZKATTEST_MASTER_KEYS: is not set');
  });

  it('the file store and its variables live under test/ only', () => {
    expect(existsSync(join(ROOT, 'src', 'prover', 'queue', 'file-store.ts'))).toBe(false);
    const mentions = sourceFiles(['src'])
      .filter(({ text }) => /ZKATTEST_(SOURCE|SINK)_DIR|file-store/.test(text))
      .map(({ file }) => file);
    expect(mentions).toEqual([]);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { readConfig } from '../../src/api/config';
import { keyDirectory } from '../../src/api/key-directory';
import { createMemoryStores, createRedisStores } from '../../src/api/store';
import { readTrustedKeysFile } from '../../src/api/trusted-keys-file';
import { ZkAttestError } from '../../src/common/errors';
import { createLogger } from '../../src/common/logger';
import { startServer } from '../../src/entry-points/api-server';
import { keyTrustReasons } from '../../src/verifier';
import { newP256Key, offCurve } from '../support/p256-keys';
import { startRedis, type RedisServer } from '../support/redis-server';

// TRUSTED_KEYS_FILE: signer keys and FX sources registered at start-up, idempotently; a bad
// file or one that contradicts the registry stops start-up with CONFIG_INVALID.

const JAN = '2025-01-01T00:00:00.000Z';
const MAR = '2025-03-01T00:00:00.000Z';
const dir = mkdtempSync(join(tmpdir(), 'zkattest-trusted-keys-'));
let fileNo = 0;
function file(content: unknown): string {
  const path = join(dir, `keys-${++fileNo}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

const silent = createLogger('silent');
const start = (path: string) =>
  startServer(readConfig({ PORT: '0', REDIS_URL: redis.url, TRUSTED_KEYS_FILE: path }), silent);

async function configError(work: () => unknown): Promise<ZkAttestError> {
  try {
    await work();
  } catch (err) {
    if (err instanceof ZkAttestError) return err;
    throw err;
  }
  throw new Error('accepted');
}

const signer = newP256Key();
const fx = newP256Key();
const revokedFx = newP256Key();
const content = {
  signers: [
    { publicKey: signer.publicKey, keyId: signer.keyId, label: 'Custodian', validFrom: JAN },
  ],
  fxSources: [
    { publicKey: fx.publicKey, label: 'ECB reference rates', validFrom: JAN },
    { publicKey: revokedFx.publicKey, label: 'old feed', validFrom: JAN, revokedAt: MAR },
  ],
};

describe('start-up with TRUSTED_KEYS_FILE', () => {
  it('registers the keys and revocations; a restart with the same file changes nothing', async () => {
    const path = file(content);
    const first = await start(path);
    try {
      const s = await request(first.url).get(`/v1/signers/${signer.keyId}`).expect(200);
      expect(s.body).toEqual({ ...content.signers[0], validFrom: JAN });
      const list = await request(first.url).get('/v1/fx-sources').expect(200);
      expect(list.body.items).toEqual([
        ...[
          { keyId: fx.keyId, ...content.fxSources[0] },
          { keyId: revokedFx.keyId, ...content.fxSources[1] },
        ].sort((a, b) => (a.keyId < b.keyId ? -1 : 1)),
      ]);
    } finally {
      await first.close();
    }

    const second = await start(path);
    await second.close();
    const stores = createRedisStores(redis.url);
    try {
      const events = (await stores.audit.read(100)).map((e) => e.event.type);
      expect(events.sort()).toEqual([
        'config.fx-source.registered',
        'config.fx-source.registered',
        'config.fx-source.revoked',
        'config.signer.registered',
      ]);
      expect((await stores.keys.get('fx', revokedFx.keyId))?.revokedAt).toBe(MAR);
    } finally {
      await stores.close();
    }
  });

  it('stops start-up when the file contradicts the registry', async () => {
    const changed = {
      ...content,
      signers: [{ ...content.signers[0], label: 'renamed' }],
    };
    const err = await configError(() => start(file(changed)));
    expect([err.code, err.details]).toEqual(['CONFIG_INVALID', { variables: 'TRUSTED_KEYS_FILE' }]);
    expect(err.message).toMatch(/signers entry 1: .*another label/);
    const early = {
      fxSources: [{ ...content.fxSources[0], revokedAt: '2024-01-01T00:00:00Z' }],
    };
    expect((await configError(() => start(file(early)))).message).toMatch(
      /fxSources entry 1: effectiveAt: before the FX source's validFrom/,
    );
  });
});

describe('readTrustedKeysFile', () => {
  const entry = { publicKey: signer.publicKey, label: 'ok', validFrom: JAN };
  it.each([
    ['a missing file', join(dir, 'absent.json'), /the file cannot be read \(ENOENT\)/],
    ['not JSON', file('{'), /the file is not JSON/],
    ['a list', file([entry]), /the file: /],
    ['an unknown list', file({ attestors: [] }), /attestors/],
    [
      'an off-curve key',
      file({ signers: [entry, { ...entry, publicKey: offCurve(fx.publicKey) }] }),
      /signers entry 2: publicKey: not a point on P-256/,
    ],
    [
      'a wrong keyId',
      file({ fxSources: [{ ...entry, keyId: fx.keyId }] }),
      /fxSources entry 1: keyId: not sha256/,
    ],
    [
      'a key twice',
      file({ signers: [entry, { ...entry, label: 'again' }] }),
      /signers entry 2: the same key as entry 1/,
    ],
    [
      'a label with a control character',
      file({ signers: [{ ...entry, label: 'a\tb' }] }),
      /signers entry 1 label: 1\.\.64 printable/,
    ],
    [
      'no validFrom',
      file({ signers: [{ publicKey: signer.publicKey, label: 'x' }] }),
      /signers entry 1 validFrom/,
    ],
    ['an unknown field', file({ signers: [{ ...entry, role: 'x' }] }), /signers entry 1: /],
  ])(
    'refuses %s with CONFIG_INVALID, naming the rule, not the content',
    async (_what, path, message) => {
      const err = await configError(() => readTrustedKeysFile(path));
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.message).toMatch(/^bad configuration: TRUSTED_KEYS_FILE: /);
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain(signer.publicKey.x.slice(0, 16));
    },
  );

  it('a key may be listed once as a signer and once as an FX source', () => {
    const keys = readTrustedKeysFile(file({ signers: [entry], fxSources: [entry] }));
    expect(keys.map((k) => [k.kind, k.keyId])).toEqual([
      ['signer', signer.keyId],
      ['fx', signer.keyId],
    ]);
  });
});

describe('keyDirectory', () => {
  it('gives the verifier signer keys and FX sources, each from its own register', async () => {
    const stores = createMemoryStores();
    await stores.keys.register('signer', {
      publicKey: signer.publicKey,
      label: 's',
      validFrom: JAN,
    });
    await stores.keys.register('fx', { publicKey: fx.publicKey, label: 'f', validFrom: JAN });
    await stores.keys.revoke('fx', fx.keyId, MAR);
    const directory = keyDirectory(stores.keys);
    const feb = Date.parse('2025-02-01T00:00:00Z') / 1000;
    const apr = Date.parse('2025-04-01T00:00:00Z') / 1000;
    expect(keyTrustReasons('signer', await directory.getSigner(signer.keyId), apr)).toEqual([]);
    expect(keyTrustReasons('signer', await directory.getSigner(fx.keyId), feb)).toEqual([
      'SIGNER_UNKNOWN',
    ]);
    expect(keyTrustReasons('fx', await directory.getFxSource(fx.keyId), feb)).toEqual([]);
    expect(keyTrustReasons('fx', await directory.getFxSource(fx.keyId), apr)).toEqual([
      'FX_SOURCE_REVOKED',
    ]);
    expect(keyTrustReasons('fx', await directory.getFxSource(signer.keyId), feb)).toEqual([
      'FX_SOURCE_UNKNOWN',
    ]);
  });
});

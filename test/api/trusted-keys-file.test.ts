import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { readConfig } from '../../src/api/config';
import { keyDirectory } from '../../src/api/key-directory';
import { createMemoryStores, createRedisStores } from '../../src/api/store';
import { buildSignerSet } from '../../src/common/signer-set';
import { ZkAttestError } from '../../src/common/errors';
import { createLogger } from '../../src/common/logger';
import { startServer } from '../../src/entry-points/api-server';
import { keyTrustReasons } from '../../src/verifier';
import { newP256Key } from '../support/p256-keys';
import { startRedis, type RedisServer } from '../support/redis-server';

// TRUSTED_KEYS_FILE: signer sets and FX sources registered at start-up, idempotently; a bad
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
const auditor = newP256Key();
const fx = newP256Key();
const revokedFx = newP256Key();
const members = [
  { publicKey: signer.publicKey, keyId: signer.keyId, label: 'Custodian' },
  { publicKey: auditor.publicKey, label: 'Auditor' },
];
const set = buildSignerSet(2, members);
const retired = buildSignerSet(1, members);
const content = {
  signerSets: [
    { threshold: 2, signers: members, validFrom: JAN, firstEpoch: 3 },
    { threshold: 1, signers: members, validFrom: JAN, revokedAt: MAR },
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
      const s = await request(first.url).get(`/v1/signer-sets/${set.setId}`).expect(200);
      expect(s.body).toEqual({
        ...set,
        validFrom: JAN,
        firstEpoch: 3,
        chain: { head: null, links: 0 },
        equivocations: [],
      });
      const r = await request(first.url).get(`/v1/signer-sets/${retired.setId}`).expect(200);
      expect(r.body).toMatchObject({ firstEpoch: 0, revokedAt: MAR });
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
        'config.signer-set.registered',
        'config.signer-set.registered',
        'config.signer-set.revoked',
      ]);
      expect((await stores.keys.get('fx', revokedFx.keyId))?.revokedAt).toBe(MAR);
    } finally {
      await stores.close();
    }
  });

  it('stops start-up when the file contradicts the registry', async () => {
    const changed = {
      ...content,
      signerSets: [{ ...content.signerSets[0], firstEpoch: 4 }],
    };
    const err = await configError(() => start(file(changed)));
    expect([err.code, err.details]).toEqual(['CONFIG_INVALID', { variables: 'TRUSTED_KEYS_FILE' }]);
    expect(err.message).toMatch(/signerSets entry 1: .*other firstEpoch/);
    const early = {
      fxSources: [{ ...content.fxSources[0], revokedAt: '2024-01-01T00:00:00Z' }],
    };
    expect((await configError(() => start(file(early)))).message).toMatch(
      /fxSources entry 1: effectiveAt: before the FX source's validFrom/,
    );
  });
});

describe('keyDirectory', () => {
  it('gives the verifier signer sets and FX sources from their registers', async () => {
    const stores = createMemoryStores();
    await stores.signerSets.register({ threshold: 2, signers: members, validFrom: JAN });
    await stores.signerSets.revoke(set.setId, MAR);
    await stores.keys.register('fx', { publicKey: fx.publicKey, label: 'f', validFrom: JAN });
    const directory = keyDirectory(stores);
    const feb = Date.parse('2025-02-01T00:00:00Z') / 1000;
    const apr = Date.parse('2025-04-01T00:00:00Z') / 1000;
    expect(keyTrustReasons('signerSet', await directory.getSignerSet(set.setId), feb)).toEqual([]);
    expect(keyTrustReasons('signerSet', await directory.getSignerSet(set.setId), apr)).toEqual([
      'SIGNER_SET_REVOKED',
    ]);
    expect(keyTrustReasons('signerSet', await directory.getSignerSet(retired.setId), feb)).toEqual([
      'SIGNER_SET_UNKNOWN',
    ]);
    expect(keyTrustReasons('fx', await directory.getFxSource(fx.keyId), feb)).toEqual([]);
    expect(keyTrustReasons('fx', await directory.getFxSource(signer.keyId), feb)).toEqual([
      'FX_SOURCE_UNKNOWN',
    ]);
  });
});

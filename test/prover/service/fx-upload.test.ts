/**
 * Snapshot uploads with their signed FX table (the Zkattest-Fx header): checked against the
 * snapshot before anything is sealed, refusals coded 4xx naming fields, never values.
 */
import request from 'supertest';
import { findLeaks, loadSnapshotFile, sensitiveStrings } from '../../../src/prover';
import type { OnshoreService } from '../../../src/prover/service/onshore-service';
import { masterKeysFromEnv } from '../../../src/prover/vault';
import {
  as,
  AUDITOR,
  buildTestOnshoreService,
  fxHeader,
  MULTI_CSV,
  MULTI_SNAPSHOT,
  OPERATOR,
  SAMPLE_CSV,
  signedFx,
  testMasterEnv,
  USD_CNY_HKD,
} from '../../support/onshore-harness';
import { startRedis, type RedisServer } from '../../support/redis-server';

let redis: RedisServer;
let service: OnshoreService;
const MULTI = loadSnapshotFile(MULTI_SNAPSHOT);
const FX_AS_OF = MULTI.asOf - 3600;

beforeAll(async () => {
  redis = await startRedis();
  service = buildTestOnshoreService({
    redisUrl: redis.url,
    masterKeys: await masterKeysFromEnv(testMasterEnv()),
  });
});
afterAll(async () => {
  await service?.close();
  await redis?.stop();
});

const upload = (csv: string, headers: Record<string, string> = {}) =>
  request(service.app)
    .post('/v1/snapshots')
    .set(as(OPERATOR))
    .set(headers)
    .set('Content-Type', 'text/csv')
    .send(csv);

describe('snapshot uploads with a signed FX table', () => {
  it('seals a three-currency snapshot with its table; the vault gives both back', async () => {
    const fx = await signedFx(USD_CNY_HKD, FX_AS_OF);
    const res = await upload(MULTI_CSV, fxHeader(fx)).expect(201);
    expect(res.body).toMatchObject({ positions: 8, currency: 'USD', decimals: 2 });
    const stored = await service.vault.getSnapshot(res.body.id as string);
    expect(stored.fx).toEqual(fx);
    expect(stored.snapshot).toEqual(MULTI);
    const listed = await request(service.app).get('/v1/snapshots').set(as(AUDITOR)).expect(200);
    expect(listed.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: res.body.id, fxRows: 3 })]),
    );
    // A one-currency snapshot needs no table.
    expect((await upload(SAMPLE_CSV)).status).toBe(201);
  });

  it.each([
    ['no table for three currencies', async () => undefined, 'FX_CURRENCY_MISSING'],
    [
      'a table missing a position currency',
      async () => signedFx({ ...USD_CNY_HKD, rows: USD_CNY_HKD.rows.slice(0, 2) }, FX_AS_OF),
      'FX_CURRENCY_MISSING',
    ],
    [
      'a table of another reporting unit',
      async () =>
        signedFx(
          {
            reporting: { currency: 'HKD', decimals: 2 },
            rows: [
              { currency: 'HKD', decimals: 2, rate: '1000000000000' },
              { currency: 'CNY', decimals: 2, rate: '1075700000000' },
              { currency: 'USD', decimals: 2, rate: '7800000000000' },
            ],
          },
          FX_AS_OF,
        ),
      'FX_TABLE_INVALID',
    ],
    [
      'a forged FX signature (signed for another as-of time)',
      async () => {
        const fx = await signedFx(USD_CNY_HKD, FX_AS_OF);
        return { ...fx, source: { ...fx.source!, asOf: FX_AS_OF + 60 } };
      },
      'FX_TABLE_INVALID',
    ],
    [
      'a high-s FX signature',
      async () => {
        const fx = await signedFx(USD_CNY_HKD, FX_AS_OF);
        const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
        const s = n - BigInt(`0x${fx.source!.signature.slice(64)}`);
        const signature = fx.source!.signature.slice(0, 64) + s.toString(16).padStart(64, '0');
        return { ...fx, source: { ...fx.source!, signature } };
      },
      'SIGNATURE_MALFORMED',
    ],
  ])('refuses %s: coded 400, nothing stored', async (_name, make, code) => {
    const before = (await service.vault.listSnapshots()).length;
    const fx = await make();
    const res = await upload(MULTI_CSV, fx === undefined ? {} : fxHeader(fx));
    expect([res.status, res.body.error?.code]).toEqual([400, code]);
    expect(findLeaks(JSON.stringify(res.body), sensitiveStrings(MULTI, 0n))).toEqual([]);
    expect((await service.vault.listSnapshots()).length).toBe(before);
  });

  it('refuses a header that is not base64 of JSON', async () => {
    for (const header of ['not base64 at all!', Buffer.from('{nope').toString('base64')]) {
      const res = await upload(MULTI_CSV, { 'Zkattest-Fx': header });
      expect([res.status, res.body.error?.code]).toEqual([400, 'FX_TABLE_INVALID']);
    }
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { loadSnapshotFile } from '../../../src/prover';
import type { OnshoreService } from '../../../src/prover/service/onshore-service';
import { masterKeysFromEnv } from '../../../src/prover/vault';
import {
  as,
  AUDITOR,
  buildTestOnshoreService,
  OPERATOR,
  testMasterEnv,
} from '../../support/onshore-harness';
import { startRedis, type RedisServer } from '../../support/redis-server';

// A custodian's own export uploaded to the onshore API with its mapping (multipart/form-data),
// on a real redis-server and the encrypted vault.

const EXAMPLES = join(__dirname, '..', '..', '..', 'examples');
const EXPORT = readFileSync(join(EXAMPLES, 'custodian-export.csv'));
const MAPPING = readFileSync(join(EXAMPLES, 'custodian-mapping.json'));
const AS_OF = '2026-11-20T00:00:00+08:00';

let redis: RedisServer;
let service: OnshoreService;

beforeAll(async () => {
  redis = await startRedis();
  service = buildTestOnshoreService({
    redisUrl: redis.url,
    masterKeys: await masterKeysFromEnv(testMasterEnv()),
  });
});

afterAll(async () => {
  await service.close();
  await redis.stop();
});

const FX_HEADER = readFileSync(join(EXAMPLES, 'fx-rates.signed.json')).toString('base64');

/** A multipart upload as `curl -F` sends it: files for export and mapping, fields for the rest. */
function upload(
  parts: { export?: Buffer; mapping?: Buffer; asOf?: string; liabilities?: string } = {},
  filename = 'holdings.csv',
  contentType = 'application/octet-stream',
) {
  const req = request(service.app).post('/v1/snapshots').set(as(OPERATOR));
  // The sample's three currencies: its signed FX table rides along (Zkattest-Fx, base64).
  if (parts.export === undefined) req.set('zkattest-fx', FX_HEADER);
  const all = {
    export: EXPORT,
    mapping: MAPPING,
    asOf: AS_OF,
    liabilities: '12500000.00',
    ...parts,
  };
  req.attach('export', all.export, { filename, contentType });
  req.attach('mapping', all.mapping, { filename: 'mapping.json', contentType: 'application/json' });
  if (all.asOf !== '') req.field('asOf', all.asOf);
  if (all.liabilities !== '') req.field('liabilities', all.liabilities);
  return req;
}

describe('POST /v1/snapshots with a custodian export and its mapping', () => {
  it('seals the snapshot the export means, as the sample snapshot file', async () => {
    const res = await upload();
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ positions: 8, currency: 'USD', decimals: 2 });
    const { snapshot } = await service.vault.getSnapshot(res.body.id);
    expect(snapshot).toEqual(loadSnapshotFile(join(EXAMPLES, 'snapshot-multicurrency.csv')));
    const listed = await request(service.app).get('/v1/snapshots').set(as(AUDITOR)).expect(200);
    expect(listed.body.items.map((s: { id: string }) => s.id)).toContain(res.body.id);
  });

  it('takes the export format from the part type, else the file name', async () => {
    expect((await upload({}, 'holdings.txt', 'text/csv')).status).toBe(201);
    const unknown = await upload({}, 'holdings.xlsx');
    expect([unknown.status, unknown.body.error?.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });

  it('answers a bad cell with row and column, never the content', async () => {
    const text = EXPORT.toString('utf8').replace('government_bond,CNY', 'SECRET_CLASS,CNY');
    const res = await upload({ export: Buffer.from(text) });
    expect([res.status, res.body.error?.code]).toEqual([400, 'MAPPING_INVALID']);
    expect(res.body.error.details).toEqual({ row: 5, column: 'assetClass' });
    expect(JSON.stringify(res.body)).not.toContain('SECRET');
  });

  it('refuses a mapping naming a column the export lacks, or two fields one column', async () => {
    const mapping = JSON.parse(MAPPING.toString('utf8'));
    const missing = await upload({
      mapping: Buffer.from(
        JSON.stringify({ ...mapping, columns: { ...mapping.columns, yield: 'Coupon' } }),
      ),
    });
    expect([missing.status, missing.body.error?.code]).toEqual([400, 'MAPPING_INVALID']);
    expect(missing.body.error.details).toEqual({ row: 3, column: 'yield' });
    const twice = await upload({
      mapping: Buffer.from(
        JSON.stringify({ ...mapping, columns: { ...mapping.columns, yield: 'Haircut %' } }),
      ),
    });
    expect([twice.status, twice.body.error?.code]).toEqual([400, 'MAPPING_INVALID']);
    expect(twice.body.error.details).toEqual({ field: 'columns.yield' });
  });

  it('requires asOf and liabilities, and refuses unknown or repeated parts', async () => {
    const noAsOf = await upload({ asOf: '' });
    expect([noAsOf.status, noAsOf.body.error?.details]).toEqual([400, { column: 'asOf' }]);
    const extra = await upload().field('comment', 'hello');
    expect([extra.status, extra.body.error?.code]).toEqual([400, 'REQUEST_INVALID']);
    const repeated = await upload().field('asOf', AS_OF);
    expect([repeated.status, repeated.body.error?.code]).toEqual([400, 'REQUEST_INVALID']);
    const noMapping = await request(service.app)
      .post('/v1/snapshots')
      .set(as(OPERATOR))
      .attach('export', EXPORT, 'holdings.csv');
    expect([noMapping.status, noMapping.body.error?.code]).toEqual([400, 'REQUEST_INVALID']);
  });

  it('reads a JSON export, its format from the part type', async () => {
    const mapping = {
      type: 'zkattest.export-mapping/v1',
      columns: { identifier: 'isin', value: 'mv', haircut: 'hc', assetClass: 'cls' },
      defaults: { yieldBps: 0 },
      haircut: 'percent',
      reporting: { currency: 'HKD' },
      json: { records: 'holdings' },
    };
    const res = await upload(
      {
        export: Buffer.from(
          JSON.stringify({ holdings: [{ isin: 'HK-1', mv: 1000.5, hc: 2.5, cls: 1 }] }),
        ),
        mapping: Buffer.from(JSON.stringify(mapping)),
        liabilities: '1',
      },
      'export',
      'application/json',
    );
    expect(res.status).toBe(201);
    const { snapshot } = await service.vault.getSnapshot(res.body.id);
    expect(snapshot.positions[0]).toMatchObject({
      value: 100050n,
      haircutBps: 250,
      currency: 'HKD',
    });
  });

  it('takes a 4,096-position book and bounds the upload size (2 MiB) as for snapshot files', async () => {
    const rows = Array.from(
      { length: 4096 },
      (_, i) => `LARGE-BOOK-ASSET-${String(i).padStart(5, '0')},${i % 4},${1000 + i}.00,250,180`,
    );
    const csv = [
      `# asOf=${AS_OF}`,
      '# currency=CNY',
      '# decimals=2',
      '# liabilities=1000.00',
      'identifier,assetClass,value,haircutBps,yieldBps',
      ...rows,
    ].join('\n');
    const large = await request(service.app)
      .post('/v1/snapshots')
      .set(as(OPERATOR))
      .set('Content-Type', 'text/csv')
      .send(csv);
    expect([large.status, large.body.positions]).toEqual([201, 4096]);
    const big = Buffer.alloc(2 * 1024 * 1024 + 1, 'a');
    const res = await upload({ export: big });
    expect([res.status, res.body.error?.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  });

  it('refuses a malformed multipart body and non-UTF-8 export bytes', async () => {
    const garbage = await request(service.app)
      .post('/v1/snapshots')
      .set(as(OPERATOR))
      .set('Content-Type', 'multipart/form-data; boundary=XyZ')
      .send('not multipart at all');
    expect([garbage.status, garbage.body.error?.code]).toEqual([400, 'REQUEST_INVALID']);
    const bad = Buffer.concat([EXPORT.subarray(0, 300), Buffer.from([0xff]), EXPORT.subarray(300)]);
    const res = await upload({ export: bad });
    expect([res.status, res.body.error?.code]).toEqual([400, 'SNAPSHOT_PARSE']);
  });
});

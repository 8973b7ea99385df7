import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSignedFxTable, readSignedFxTable } from '../../src/common/signed-fx-table';
import { fxBook, loadPrimitives, loadSnapshotFile } from '../../src/prover';
import { testSigner } from '../fixtures';

const EXAMPLES = join(__dirname, '..', '..', 'examples');
const signed = () =>
  JSON.parse(readFileSync(join(EXAMPLES, 'fx-rates.signed.json'), 'utf8')) as {
    table: { rows: Array<{ rate: string }> };
    source: Record<string, unknown>;
  };

describe('signed FX tables', () => {
  it('reads the example signed table and converts the three-currency sample with it', async () => {
    const fx = await readSignedFxTable(join(EXAMPLES, 'fx-rates.signed.json'));
    const snapshot = loadSnapshotFile(join(EXAMPLES, 'snapshot-multicurrency.csv'));
    const book = fxBook(await loadPrimitives(), snapshot, fx.table);
    expect(new Set(book.positions.map((x) => x.currency))).toEqual(new Set(['CNY', 'HKD', 'USD']));
    // CNY 20,000,000.00 at 0.1379 is USD 2,758,000.00: minor units times 10^12, exactly.
    expect(book.positions[0]!.converted).toBe(275_800_000n * 10n ** 12n);
  });

  it('refuses a rate edited after signing', async () => {
    const body = signed();
    body.table.rows[1]!.rate = '137900000001';
    await expect(parseSignedFxTable(body)).rejects.toMatchObject({
      code: 'FX_TABLE_INVALID',
      details: { field: 'source.signature' },
    });
  });

  it('refuses a table of several currencies without its source, and a key id of another key', async () => {
    const { table } = signed();
    await expect(parseSignedFxTable({ table })).rejects.toMatchObject({
      code: 'FX_TABLE_INVALID',
      details: { field: 'source' },
    });
    const body = signed();
    body.source.publicKey = (await testSigner(3)).publicKey;
    await expect(parseSignedFxTable(body)).rejects.toMatchObject({ code: 'KEY_MALFORMED' });
  });

  it('refuses a malformed signature, an unknown field and a non-object with coded errors', async () => {
    const body = signed();
    body.source.signature = 'zz';
    await expect(parseSignedFxTable(body)).rejects.toMatchObject({ code: 'SIGNATURE_MALFORMED' });
    await expect(parseSignedFxTable({ ...signed(), extra: 1 })).rejects.toMatchObject({
      code: 'FX_TABLE_INVALID',
    });
    await expect(parseSignedFxTable('rates')).rejects.toMatchObject({ code: 'FX_TABLE_INVALID' });
  });

  it('accepts an identity table without a source', async () => {
    const table = {
      reporting: { currency: 'HKD', decimals: 2 },
      rows: [{ currency: 'HKD', decimals: 2, rate: '1000000000000' }],
    };
    await expect(parseSignedFxTable({ table })).resolves.toEqual({ table });
  });
});

import { ZkAttestError } from '../../../src/common/errors';
import { findLeaks, sensitiveStrings } from '../../../src/prover/egress';
import { parseSnapshot } from '../../../src/prover/snapshot/ingest-snapshot';
import {
  decodeSnapshotPlaintext,
  encodeSnapshotPlaintext,
} from '../../../src/prover/vault/snapshot-plaintext';

const META = ['# asOf=2026-11-20T00:00:00Z', '# currency=USD', '# liabilities=1000.00'];
const HEADER = 'identifier,assetClass,value,haircutBps,yieldBps,currency';
// The first data row is physical line 5.
const csv = (rows: string[], header = HEADER) => [...META, header, ...rows].join('\n');

function codedError(fn: () => unknown, code: string): ZkAttestError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ZkAttestError);
    expect((err as ZkAttestError).code).toBe(code);
    return err as ZkAttestError;
  }
  throw new Error(`expected ${code}`);
}

describe('position currencies', () => {
  it('reads a currency column; each position counts in its own minor unit', () => {
    const snapshot = parseSnapshot(
      csv(['A,0,100.00,0,0,CNY', 'B,1,200.5,0,0,HKD', 'C,1,7,0,0, USD ', 'D,0,1234,0,0,JPY']),
      'csv',
    );
    expect(snapshot.currency).toBe('USD');
    expect(snapshot.positions.map((p) => [p.currency, p.decimals, p.value])).toEqual([
      ['CNY', 2, 10000n],
      ['HKD', 2, 20050n],
      ['USD', 2, 700n],
      ['JPY', 0, 1234n],
    ]);
  });

  it("defaults to the snapshot's currency and decimals when there is no column", () => {
    const header = 'identifier,assetClass,value,haircutBps,yieldBps';
    const meta = [...META, '# decimals=6'];
    const snapshot = parseSnapshot(
      [...meta, header, 'A,0,1.000001,0,0'].join('\n').replace('1000.00', '1'),
      'csv',
    );
    expect(snapshot.positions[0]).toMatchObject({ currency: 'USD', decimals: 6, value: 1000001n });
  });

  it("uses the snapshot's decimals for positions in the reporting currency only", () => {
    const text = csv(['A,0,1.000001,0,0,USD', 'B,0,1.00,0,0,HKD'], HEADER).replace(
      '# liabilities=1000.00',
      '# liabilities=1\n# decimals=6',
    );
    const snapshot = parseSnapshot(text, 'csv');
    expect(snapshot.positions.map((p) => [p.currency, p.decimals, p.value])).toEqual([
      ['USD', 6, 1000001n],
      ['HKD', 2, 100n],
    ]);
  });

  it('refuses more decimals than the position currency has, naming row and column', () => {
    const err = codedError(
      () => parseSnapshot(csv(['A,0,1.00,0,0,USD', 'B,0,12.5,0,0,JPY']), 'csv'),
      'SNAPSHOT_INVALID_FIELD',
    );
    expect(err.details).toEqual({ row: 6, column: 'value' });
  });

  it.each(['usd', 'CNH', 'SECRET', '', 'US D'])(
    'refuses currency %j as CURRENCY_UNKNOWN with row and column, never the value',
    (code) => {
      const err = codedError(
        () => parseSnapshot(csv(['A,0,1.00,0,0,USD', `B,0,1.00,0,0,${code}`]), 'csv'),
        'CURRENCY_UNKNOWN',
      );
      expect(err.details).toEqual({ row: 6, column: 'currency' });
      expect(err.message).toContain('line 6');
      if (code.length > 1) expect(err.message).not.toContain(code);
    },
  );

  it('refuses a ninth currency: an FX table has at most 8 rows', () => {
    const codes = ['USD', 'CNY', 'HKD', 'EUR', 'GBP', 'JPY', 'SGD', 'CHF', 'AUD'];
    const rows = codes.map((c, i) => `A${i},0,1,0,0,${c}`);
    expect(parseSnapshot(csv(rows.slice(0, 8)), 'csv').positions).toHaveLength(8);
    const err = codedError(() => parseSnapshot(csv(rows), 'csv'), 'SNAPSHOT_INVALID_FIELD');
    expect(err.details).toEqual({ row: 13, column: 'currency' });
    // Many positions in few currencies are fine.
    const same = codes.map((_, i) => `B${i},0,1,0,0,${i % 2 ? 'CNY' : 'USD'}`);
    expect(parseSnapshot(csv(same), 'csv').positions).toHaveLength(9);
  });

  it('refuses a repeated currency column', () => {
    const err = codedError(
      () => parseSnapshot(csv(['A,0,1,0,0,USD,USD'], `${HEADER},currency`), 'csv'),
      'SNAPSHOT_PARSE',
    );
    expect(err.details).toEqual({ row: 4, column: 'currency' });
  });

  it('reads a JSON currency field, and refuses an unknown one by position', () => {
    const position = (currency?: string) => ({
      identifier: `ID-${currency ?? 'NONE'}`,
      assetClass: 0,
      value: '1.00',
      haircutBps: 0,
      yieldBps: 0,
      ...(currency === undefined ? {} : { currency }),
    });
    const text = (positions: object[]) =>
      JSON.stringify({ asOf: 1763596800, currency: 'HKD', liabilities: '1', positions });
    const snapshot = parseSnapshot(text([position('CNY'), position()]), 'json');
    expect(snapshot.positions.map((p) => p.currency)).toEqual(['CNY', 'HKD']);
    const err = codedError(
      () => parseSnapshot(text([position(), position('RMB')]), 'json'),
      'CURRENCY_UNKNOWN',
    );
    expect(err.details).toEqual({ row: 2, column: 'currency' });
    expect(err.message).toContain('position 2');
  });

  it('survives the vault: position units are sealed with the snapshot', () => {
    const snapshot = parseSnapshot(csv(['A,0,100.00,0,0,CNY', 'B,0,1234,0,0,JPY']), 'csv');
    const { snapshot: back } = decodeSnapshotPlaintext('s1', encodeSnapshotPlaintext(snapshot, 7n));
    expect(back).toEqual(snapshot);
  });

  it("reads records sealed before positions had units in the snapshot's unit", () => {
    const old = {
      v: 1,
      salt: '7',
      asOf: 1763596800,
      currency: 'CNY',
      decimals: 2,
      liabilities: '100',
      positions: [
        { identifier: 'A', assetId: '1', assetClass: 0, value: '5', haircutBps: 0, yieldBps: 0 },
      ],
    };
    const { snapshot } = decodeSnapshotPlaintext(
      's1',
      new TextEncoder().encode(JSON.stringify(old)),
    );
    expect(snapshot.positions[0]).toMatchObject({ currency: 'CNY', decimals: 2 });
  });
});

describe('the leak scan of a book in several currencies', () => {
  it("looks for each value as written, in its position's own minor unit", () => {
    const snapshot = parseSnapshot(
      csv(['A,0,1234567.89,0,0,CNY', 'B,0,7654321,0,0,JPY', 'C,0,100000.005,0,0,KWD']),
      'csv',
    );
    const sensitive = sensitiveStrings(snapshot, 2n ** 200n);
    expect(sensitive).toEqual(expect.arrayContaining(['1234567.89', '7654321', '100000.005']));
    expect(findLeaks('{"note":"7654321"}', sensitive)).toEqual(['7654321']);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZkAttestError } from '../../../src/common/errors';
import { formatAmount } from '../../../src/common/money';
import { parseExportMapping } from '../../../src/prover/snapshot/export-mapping';
import {
  loadExportFile,
  loadExportMapping,
  parseExport,
  type ExportRun,
} from '../../../src/prover/snapshot/ingest-export';
import { loadSnapshotFile } from '../../../src/prover/snapshot/ingest-snapshot';

const EXAMPLES = join(__dirname, '..', '..', '..', 'examples');
const RUN: ExportRun = { asOf: '2026-11-20T00:00:00+08:00', liabilities: '12500000.00' };

/** A minimal valid mapping, with `patch` merged into its top level. */
function mapping(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'zkattest.export-mapping/v1',
    columns: {
      identifier: 'ISIN',
      value: 'Market Value',
      haircut: 'Haircut',
      yield: 'Yield',
      assetClass: 'Class',
    },
    reporting: { currency: 'HKD' },
    ...patch,
  };
}

const HEADER = 'ISIN,Name,Class,Market Value,Haircut,Yield';

function ingest(csv: string, m: Record<string, unknown> = mapping(), run: ExportRun = RUN) {
  return parseExport(csv, 'csv', parseExportMapping(m), run);
}

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

describe('the sample custodian export', () => {
  it('ingests through its mapping to the three-currency sample snapshot', () => {
    const m = loadExportMapping(join(EXAMPLES, 'custodian-mapping.json'));
    const fromExport = loadExportFile(join(EXAMPLES, 'custodian-export.csv'), m, RUN);
    const sample = loadSnapshotFile(join(EXAMPLES, 'snapshot-multicurrency.csv'));
    expect(fromExport).toEqual(sample);
    expect(sample.currency).toBe('USD');
    expect(new Set(sample.positions.map((p) => p.currency))).toEqual(
      new Set(['CNY', 'HKD', 'USD']),
    );
    expect(sample.positions).toHaveLength(8);
    // The figures examples/README.md states.
    const total = (code: string) =>
      formatAmount(
        sample.positions.filter((p) => p.currency === code).reduce((sum, p) => sum + p.value, 0n),
        { currency: code, decimals: 2 },
      );
    expect([total('CNY'), total('HKD'), total('USD')]).toEqual([
      'CNY 65,000,000.00',
      'HKD 41,000,000.00',
      'USD 3,500,000.00',
    ]);
    expect(formatAmount(sample.liabilities, sample)).toBe('USD 12,500,000.00');
    // Spot checks of the conversions: "30,000,000.00" CNY, "2.00%" -> 200 bps, "2.10" % -> 210.
    expect(sample.positions[1]).toMatchObject({
      identifier: 'CN-GOV-2030-01',
      assetClass: 1,
      value: 3_000_000_000n,
      haircutBps: 200,
      yieldBps: 210,
      currency: 'CNY',
      decimals: 2,
    });
  });

  it('is a real spreadsheet export: CRLF, a title block, quoted names, a totals row', () => {
    const text = readFileSync(join(EXAMPLES, 'custodian-export.csv'), 'utf8');
    expect(text).toContain('\r\n');
    expect(text).toContain('""Green""');
    expect(text).toMatch(/^Total,/m);
  });
});

describe('ingesting an export', () => {
  it('reads text classes, separators, percent and fraction rates, and defaults', () => {
    const m = mapping({
      numbers: { thousandsSeparator: '.', decimalSeparator: ',' },
      csv: { delimiter: ';' },
      haircut: 'fraction',
      yield: 'percent',
      assetClasses: { 'Government Bond': 1, CASH: 0 },
      defaults: { currency: 'CNY' },
    });
    const csv = [
      'ISIN;Name;Class;Market Value;Haircut;Yield',
      'CN-1;"Bond; 2030";government bond;1.234.567,89;0,02;2,5 %',
      'CN-2;Deposit;  cash ;500;0;1',
    ].join('\n');
    const snapshot = ingest(csv, m);
    expect(snapshot.currency).toBe('HKD');
    expect(snapshot.decimals).toBe(2);
    expect(snapshot.liabilities).toBe(1_250_000_000n);
    expect(
      snapshot.positions.map((p) => [p.assetClass, p.value, p.haircutBps, p.yieldBps]),
    ).toEqual([
      [1, 123456789n, 200, 250],
      [0, 50000n, 0, 100],
    ]);
    expect(snapshot.positions.map((p) => p.currency)).toEqual(['CNY', 'CNY']);
  });

  it('defaults positions to the reporting currency, and constant haircut/yield/class', () => {
    const m = mapping({
      columns: { identifier: 'ISIN', value: 'Market Value' },
      defaults: { haircutBps: 0, yieldBps: 150, assetClass: 0 },
    });
    const [position] = ingest(
      `${HEADER}\nHK-1,x,9,"1,0",77,88`.replace('"1,0"', '12.5'),
      m,
    ).positions;
    expect(position).toMatchObject({
      currency: 'HKD',
      assetClass: 0,
      haircutBps: 0,
      yieldBps: 150,
      value: 1250n,
    });
  });

  it('reads a JSON export through json.records, with exact numbers', () => {
    const m = parseExportMapping(
      mapping({
        columns: {
          identifier: 'isin',
          value: 'mv',
          haircut: 'hc',
          yield: 'yld',
          currency: 'ccy',
          assetClass: 'type',
        },
        assetClasses: { govt: 1 },
        haircut: 'percent',
        json: { records: 'data.holdings' },
      }),
    );
    const text = JSON.stringify({
      data: {
        holdings: [
          { isin: 'HK-1', mv: 1234567.89, hc: 2.5, yld: 300, ccy: 'USD', type: 'GOVT', x: [1] },
          { isin: 'HK-2', mv: '1000', hc: '0', yld: 0, ccy: 'HKD', type: 'govt' },
        ],
      },
    });
    const snapshot = parseExport(text, 'json', m, RUN);
    expect(snapshot.positions.map((p) => [p.currency, p.value, p.haircutBps])).toEqual([
      ['USD', 123456789n, 250],
      ['HKD', 100000n, 0],
    ]);
    // A number a double cannot hold exactly is refused, by line, not rounded.
    const long = '{"data":{"holdings":[\n{"isin":"HK-1","mv":12345678901234567.1}]}}';
    const err = codedError(() => parseExport(long, 'json', m, RUN), 'SNAPSHOT_PARSE');
    expect(err.details).toEqual({ row: 2 });
    expect(err.message).not.toContain('12345678901234567');
    // A record lacking a mapped field: MAPPING_INVALID by record and field.
    const lacking = JSON.stringify({ data: { holdings: [{ isin: 'HK-1', mv: '1' }] } });
    expect(
      codedError(() => parseExport(lacking, 'json', m, RUN), 'MAPPING_INVALID').details,
    ).toEqual({ row: 1, column: 'haircut' });
    const notArray = JSON.stringify({ data: { holdings: {} } });
    codedError(() => parseExport(notArray, 'json', m, RUN), 'MAPPING_INVALID');
  });

  it('refuses a haircut that is not a whole number of basis points, never rounding it', () => {
    const m = mapping({ haircut: 'percent' });
    const err = codedError(
      () => ingest(`${HEADER}\nA,x,1,100,2.555,300`, m),
      'SNAPSHOT_INVALID_FIELD',
    );
    expect(err.details).toEqual({ row: 2, column: 'haircut' });
    expect(err.message).toContain('whole number of basis points');
    expect(err.message).not.toContain('2.555');
    // The yield too: rounding it either way could move it into a yield range.
    const y = codedError(
      () => ingest(`${HEADER}\nA,x,1,100,250,0.00005`, mapping({ yield: 'fraction' })),
      'SNAPSHOT_INVALID_FIELD',
    );
    expect(y.details).toEqual({ row: 2, column: 'yield' });
  });

  it('refuses cells in another number format, naming row and column only', () => {
    const m = mapping({ numbers: { thousandsSeparator: ',' } });
    const err = codedError(
      () => ingest(`${HEADER}\nA,x,1,100,0,0\nB,x,1,"9.876.543,21",0,0`, m),
      'SNAPSHOT_INVALID_FIELD',
    );
    expect(err.details).toEqual({ row: 3, column: 'value' });
    expect(err.message).not.toContain('9.876');
    // Range rules still apply after conversion: 100.01% is more than 10000 bps.
    const over = codedError(
      () => ingest(`${HEADER}\nA,x,1,100,100.01,0`, mapping({ haircut: 'percent' })),
      'SNAPSHOT_INVALID_FIELD',
    );
    expect(over.details).toEqual({ row: 2, column: 'haircutBps' });
  });

  it('refuses an asset class text the mapping does not name, by row and column', () => {
    const m = mapping({ assetClasses: { government_bond: 1 } });
    const err = codedError(
      () => ingest(`${HEADER}\nA,x,government_bond,1,0,0\nB,x,SECRET_CLASS,1,0,0`, m),
      'MAPPING_INVALID',
    );
    expect(err.details).toEqual({ row: 3, column: 'assetClass' });
    expect(err.message).not.toContain('SECRET');
  });

  it('refuses a mapping naming a column the file lacks or has twice', () => {
    const missing = codedError(
      () => ingest('ISIN,Class,Market Value,Haircut\nA,1,1,0', mapping()),
      'MAPPING_INVALID',
    );
    expect(missing.details).toEqual({ row: 1, column: 'yield' });
    const twice = codedError(
      () => ingest('ISIN,Class,Market Value,Haircut,Yield,ISIN\nA,1,1,0,0,B', mapping()),
      'MAPPING_INVALID',
    );
    expect(twice.details).toEqual({ row: 1, column: 'identifier' });
  });

  it('skips a title block and footer rows, and blank lines', () => {
    const m = mapping({ csv: { headerRow: 2, footerRows: 1 } });
    const csv = `Report for the account\n\n${HEADER}\nA,x,1,100,0,0\n,,,,,\nTotal,,,100,,\n`;
    expect(ingest(csv, m).positions).toHaveLength(1);
  });

  it('requires asOf and liabilities for each run', () => {
    const csv = `${HEADER}\nA,x,1,100,0,0`;
    expect(
      codedError(() => ingest(csv, mapping(), { liabilities: '1' }), 'SNAPSHOT_INVALID_FIELD')
        .details,
    ).toEqual({ column: 'asOf' });
    expect(
      codedError(() => ingest(csv, mapping(), { asOf: '1763596800' }), 'SNAPSHOT_INVALID_FIELD')
        .details,
    ).toEqual({ column: 'liabilities' });
  });

  it('refuses a position currency it does not know', () => {
    const m = mapping({ columns: { ...(mapping().columns as object), currency: 'Name' } });
    const err = codedError(() => ingest(`${HEADER}\nA,RMB,1,100,0,0`, m), 'CURRENCY_UNKNOWN');
    expect(err.details).toEqual({ row: 2, column: 'currency' });
  });
});

describe('checking the mapping', () => {
  const columns = mapping().columns as Record<string, string>;
  it.each([
    ['two fields from one column', { columns: { ...columns, yield: 'Haircut' } }, 'columns.yield'],
    [
      'a field with neither column nor default',
      { columns: { identifier: 'a', value: 'b' } },
      'columns.haircut',
    ],
    ['a field with both', { defaults: { haircutBps: 0 } }, 'defaults.haircutBps'],
    [
      'equal separators',
      { numbers: { thousandsSeparator: '.', decimalSeparator: '.' } },
      'numbers',
    ],
    [
      'an unknown separator',
      { numbers: { thousandsSeparator: '_' } },
      'numbers.thousandsSeparator',
    ],
    ['an unknown rate unit', { haircut: 'permille' }, 'haircut'],
    ['a class number out of range', { assetClasses: { x: 16 } }, 'assetClasses.x'],
    ['one class text twice', { assetClasses: { Bond: 1, bond: 2 } }, 'assetClasses'],
    ['an unknown field', { colums: {} }, 'top level'],
    ['a wrong type tag', { type: 'zkattest.mapping/v9' }, 'type'],
    ['a missing reporting unit', { reporting: undefined }, 'reporting'],
  ])('refuses %s as MAPPING_INVALID naming the field', (_name, patch, field) => {
    const err = codedError(() => parseExportMapping(mapping(patch)), 'MAPPING_INVALID');
    expect(err.details).toEqual({ field });
  });

  it('refuses bad JSON and a non-object', () => {
    codedError(() => parseExportMapping('{"type": oops'), 'MAPPING_INVALID');
    codedError(() => parseExportMapping('[]'), 'MAPPING_INVALID');
  });

  it('checks the reporting unit and the default currency with the unit codes', () => {
    const unknown = codedError(
      () => parseExportMapping(mapping({ reporting: { currency: 'CNH' } })),
      'CURRENCY_UNKNOWN',
    );
    expect(unknown.details).toEqual({ field: 'reporting.currency' });
    const decimals = codedError(
      () => parseExportMapping(mapping({ reporting: { currency: 'USD', decimals: 19 } })),
      'DECIMALS_OUT_OF_RANGE',
    );
    expect(decimals.details).toEqual({ field: 'reporting.decimals' });
    codedError(
      () => parseExportMapping(mapping({ defaults: { currency: 'usd' } })),
      'CURRENCY_UNKNOWN',
    );
  });

  it('reads a mapping file, and says when it cannot', () => {
    expect(loadExportMapping(join(EXAMPLES, 'custodian-mapping.json')).reporting).toEqual({
      currency: 'USD',
      decimals: 2,
    });
    const err = codedError(() => loadExportMapping(join(EXAMPLES, 'nope.json')), 'MAPPING_INVALID');
    expect(err.details.reason).toBe('ENOENT');
  });
});

import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZkAttestError } from '../../../src/common/errors';
import { SNARK_SCALAR_FIELD } from '../../../src/common/field';
import {
  ASSET_ID_DOMAIN,
  assetIdOf,
  canonicalIdentifier,
} from '../../../src/prover/snapshot/asset-id';
import { toMinorUnits } from '../../../src/prover/snapshot/decimal-amount';
import {
  MAX_POSITIONS,
  decodeSnapshotBytes,
  loadSnapshotFile,
  parseSnapshot,
  refuseLargeIdCollision,
  validateRawSnapshot,
} from '../../../src/prover/snapshot/ingest-snapshot';
import { largeAssetIdOf } from '../../../src/prover/snapshot/large-book';
import { readCsvSnapshot } from '../../../src/prover/snapshot/snapshot-csv';
import { MAX_JSON_DEPTH } from '../../../src/prover/snapshot/snapshot-json';

const EXAMPLES = join(__dirname, '..', '..', '..', 'examples');
const HEADER = 'identifier,assetClass,value,haircutBps,yieldBps';
const META = ['# asOf=2026-11-20T00:00:00Z', '# currency=CNY', '# liabilities=1000.00'];
const META_NO_CURRENCY = META.filter((line) => !line.startsWith('# currency'));
// With META and HEADER, the first data row is physical line 4.
const FIRST_ROW = META.length + 2;

function csv(rows: string[], meta: string[] = META): string {
  return [...meta, HEADER, ...rows].join('\n');
}

function row(i: number): string {
  return `BOND-${i},1,100.00,200,300`;
}

interface JsonPosition {
  identifier?: unknown;
  assetClass?: unknown;
  value?: unknown;
  haircutBps?: unknown;
  yieldBps?: unknown;
  [extra: string]: unknown;
}

function jsonPosition(i: number, overrides: JsonPosition = {}): JsonPosition {
  return {
    identifier: `BOND-${i}`,
    assetClass: 1,
    value: '100.00',
    haircutBps: 200,
    yieldBps: 300,
    ...overrides,
  };
}

function json(positions: unknown[], overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    asOf: '2026-11-20T00:00:00Z',
    currency: 'CNY',
    decimals: 2,
    liabilities: '1000.00',
    positions,
    ...overrides,
  });
}

/** Runs `fn`, asserts it throws a ZkAttestError with `code`, and returns the error. */
function catchError(fn: () => unknown, code: string): ZkAttestError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ZkAttestError);
  const err = caught as ZkAttestError;
  expect(err.code).toBe(code);
  return err;
}

function expectFieldError(fn: () => unknown, details: Record<string, string | number>): void {
  const err = catchError(fn, 'SNAPSHOT_INVALID_FIELD');
  expect(err.details).toEqual(details);
}

describe('toMinorUnits', () => {
  it.each([
    ['0.10', 2, 10n],
    ['1', 2, 100n],
    ['12345.67', 2, 1234567n],
    ['0', 2, 0n],
    ['0.5', 2, 50n],
    ['  42.1\t', 2, 4210n],
    ['007.00', 2, 700n],
    ['18446744073709551615', 0, 18446744073709551615n],
    ['0.000000000000000001', 18, 1n],
    ['123456789012345678901234567890.12', 2, 12345678901234567890123456789012n],
  ])('converts %j at %d decimals exactly', (text, decimals, expected) => {
    expect(toMinorUnits(text, decimals)).toBe(expected);
  });

  it.each([
    ['', 2],
    ['   ', 2],
    ['-1.00', 2],
    ['+1.00', 2],
    ['1e3', 2],
    ['1E3', 2],
    ['1,000.00', 2],
    ['1 000', 2],
    ['1.234', 2],
    ['1.0', 0],
    ['.5', 2],
    ['5.', 2],
    ['1.2.3', 2],
    ['abc', 2],
    ['0x10', 2],
    ['NaN', 2],
    ['Infinity', 2],
    ['１２', 2],
  ])('rejects %j at %d decimals', (text, decimals) => {
    expect(toMinorUnits(text, decimals)).toBeUndefined();
  });

  it('rejects an invalid decimals argument', () => {
    expect(toMinorUnits('1', -1)).toBeUndefined();
    expect(toMinorUnits('1', 1.5)).toBeUndefined();
  });
});

describe('assetIdOf', () => {
  it('is the first 31 bytes of SHA-256 over the domain-tagged identifier', () => {
    const digest = createHash('sha256')
      .update(Buffer.from('zkattest.asset-id.v1:CN-GOV-2030-01', 'utf8'))
      .digest('hex');
    expect(ASSET_ID_DOMAIN).toBe('zkattest.asset-id.v1:');
    expect(assetIdOf('CN-GOV-2030-01')).toBe(BigInt('0x' + digest.slice(0, 62)));
  });

  it('stays below 2^248 and the BN254 field, and separates identifiers', () => {
    const ids = ['a', 'b', 'CN-GOV-2030-01', '国债-2030', ''].map(assetIdOf);
    for (const id of ids) {
      expect(id).toBeLessThan(1n << 248n);
      expect(id).toBeLessThan(SNARK_SCALAR_FIELD);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('names the asset, not its spelling: case, surrounding space, NFC and width fold to one id', () => {
    // Independently: the tagged SHA-256 of the upper-case ASCII spelling.
    const expected = BigInt(
      '0x' +
        createHash('sha256')
          .update('zkattest.asset-id.v1:CN-GOV-2030-01', 'utf8')
          .digest('hex')
          .slice(0, 62),
    );
    for (const spelling of [
      'cn-gov-2030-01',
      ' Cn-Gov-2030-01\t',
      'ＣＮ－ＧＯＶ－２０３０－０１',
    ]) {
      expect(assetIdOf(spelling)).toBe(expected);
    }
    expect(canonicalIdentifier('e\u0301tat-1')).toBe('\u00c9TAT-1'); // decomposed é -> composed É
    expect(assetIdOf('e\u0301tat-1')).toBe(assetIdOf('\u00c9TAT-1'));
    expect(assetIdOf('CN-GOV-2030-01')).not.toBe(assetIdOf('CN-GOV-2030-02'));
  });
});

describe('sample snapshots', () => {
  it('parse to identical Snapshots from CSV and JSON', () => {
    const fromCsv = loadSnapshotFile(join(EXAMPLES, 'snapshot.csv'));
    const fromJson = loadSnapshotFile(join(EXAMPLES, 'snapshot.json'));
    expect(fromCsv).toEqual(fromJson);
    expect(fromCsv.currency).toBe('CNY');
    expect(fromCsv.decimals).toBe(2);
    expect(fromCsv.asOf).toBe(Date.UTC(2026, 10, 19, 16) / 1000);
    expect(fromCsv.positions).toHaveLength(12);
    for (const position of fromCsv.positions) {
      expect(position.assetId).toBe(assetIdOf(position.identifier));
    }
  });

  it('are realistic: about 125% haircut coverage, no position above 20%', () => {
    const snapshot = loadSnapshotFile(join(EXAMPLES, 'snapshot.csv'));
    const total = snapshot.positions.reduce((sum, p) => sum + p.value, 0n);
    const collateral = snapshot.positions.reduce(
      (sum, p) => sum + (p.value * BigInt(10000 - p.haircutBps)) / 10000n,
      0n,
    );
    const coverageBps = (collateral * 10000n) / snapshot.liabilities;
    expect(coverageBps).toBeGreaterThanOrEqual(12400n);
    expect(coverageBps).toBeLessThanOrEqual(12600n);
    for (const position of snapshot.positions) {
      expect(position.value * 5n).toBeLessThanOrEqual(total);
    }
  });
});

describe('parseSnapshot (CSV)', () => {
  it('produces positions in minor units with derived asset ids', () => {
    const snapshot = parseSnapshot(csv(['CN-GOV-2030-01,1,2500000.00,200,285']), 'csv');
    expect(snapshot).toEqual({
      asOf: Date.UTC(2026, 10, 20) / 1000,
      currency: 'CNY',
      decimals: 2,
      liabilities: 100000n,
      positions: [
        {
          identifier: 'CN-GOV-2030-01',
          assetId: assetIdOf('CN-GOV-2030-01'),
          assetClass: 1,
          value: 250000000n,
          haircutBps: 200,
          yieldBps: 285,
          currency: 'CNY',
          decimals: 2,
        },
      ],
    });
  });

  it('accepts columns in any order, extra columns, quotes, CRLF and blank lines', () => {
    const text = [
      '# a plain comment',
      '# asOf=1763596800',
      '# liabilities=5',
      '# currency=CNY',
      '# decimals=0',
      '',
      'note,yieldBps,value,identifier,haircutBps,assetClass',
      '"a, ""quoted"" note",150, 7 ,"ID,WITH ""QUOTES""",0,0',
      '',
      'plain, 200,9,  spaced-id  ,10,4',
      '',
    ].join('\r\n');
    const snapshot = parseSnapshot(text, 'csv');
    expect(snapshot.asOf).toBe(1763596800);
    expect(snapshot.currency).toBe('CNY');
    expect(snapshot.decimals).toBe(0);
    expect(snapshot.liabilities).toBe(5n);
    expect(
      snapshot.positions.map((p) => [p.identifier, p.assetClass, p.value, p.yieldBps]),
    ).toEqual([
      ['ID,WITH "QUOTES"', 0, 7n, 150],
      ['SPACED-ID', 4, 9n, 200], // trimmed and upper-cased: the canonical spelling
    ]);
  });

  it('accepts 2^64-1 minor units and rejects 2^64', () => {
    const meta = [
      '# asOf=2026-11-20T00:00:00Z',
      '# liabilities=18446744073709551615',
      '# currency=USD',
      '# decimals=0',
    ];
    const ok = parseSnapshot(csv(['A,0,18446744073709551615,0,0'], meta), 'csv');
    expect(ok.positions[0].value).toBe(18446744073709551615n);
    expect(ok.liabilities).toBe(18446744073709551615n);
    expectFieldError(() => parseSnapshot(csv(['A,0,18446744073709551616,0,0'], meta), 'csv'), {
      row: FIRST_ROW + 1,
      column: 'value',
    });
    const bigLiabilities = [
      '# asOf=1763596800',
      '# liabilities=18446744073709551616',
      '# decimals=0',
      '# currency=USD',
    ];
    expectFieldError(() => parseSnapshot(csv(['A,0,1,0,0'], bigLiabilities), 'csv'), {
      row: 2,
      column: 'liabilities',
    });
  });

  it('rejects an unterminated quote with SNAPSHOT_PARSE naming the line', () => {
    const err = catchError(
      () => parseSnapshot(csv([row(1), '"BOND-2,1,100.00,200,300']), 'csv'),
      'SNAPSHOT_PARSE',
    );
    expect(err.details).toEqual({ row: FIRST_ROW + 1 });
    expect(err.message).toContain(`line ${FIRST_ROW + 1}`);
  });

  it('rejects a row with the wrong number of fields', () => {
    const err = catchError(
      () => parseSnapshot(csv([row(1), 'BOND-2,1,100.00,200']), 'csv'),
      'SNAPSHOT_PARSE',
    );
    expect(err.details).toEqual({ row: FIRST_ROW + 1 });
  });

  it('names the missing columns', () => {
    const text = [...META, 'identifier,value,yieldBps,comment', 'A,1.00,100,x'].join('\n');
    const err = catchError(() => parseSnapshot(text, 'csv'), 'SNAPSHOT_MISSING_COLUMN');
    expect(err.details).toEqual({ row: META.length + 1, columns: 'assetClass,haircutBps' });
    expect(err.message).toContain('assetClass');
    expect(err.message).toContain('haircutBps');
  });

  it('requires the asOf and liabilities metadata', () => {
    expectFieldError(() => parseSnapshot(csv([row(1)], ['# liabilities=1']), 'csv'), {
      column: 'asOf',
    });
    expectFieldError(() => parseSnapshot(csv([row(1)], ['# asOf=1763596800']), 'csv'), {
      column: 'liabilities',
    });
  });

  it('rejects unknown or repeated metadata keys', () => {
    const typo = ['# asOf=1763596800', '# liabilites=1'];
    expect(
      catchError(() => parseSnapshot(csv([row(1)], typo), 'csv'), 'SNAPSHOT_PARSE').details,
    ).toEqual({
      row: 2,
    });
    const twice = [...META, '# asOf=1763596800'];
    expect(
      catchError(() => parseSnapshot(csv([row(1)], twice), 'csv'), 'SNAPSHOT_PARSE').details,
    ).toEqual({
      row: META.length + 1,
    });
  });

  it.each([
    ['negative amount', 'A,1,-5.00,200,300', 'value'],
    ['non-numeric amount', 'A,1,lots,200,300', 'value'],
    ['too many decimals', 'A,1,5.001,200,300', 'value'],
    ['exponent amount', 'A,1,5e6,200,300', 'value'],
    ['thousands separator', 'A,1,"5,000.00",200,300', 'value'],
    ['haircut 10001', 'A,1,5.00,10001,300', 'haircutBps'],
    ['negative haircut', 'A,1,5.00,-1,300', 'haircutBps'],
    ['assetClass 16', 'A,16,5.00,200,300', 'assetClass'],
    ['fractional assetClass', 'A,1.5,5.00,200,300', 'assetClass'],
    ['yield 70000', 'A,1,5.00,200,70000', 'yieldBps'],
    ['empty identifier', '  ,1,5.00,200,300', 'identifier'],
    ['identifier over 128 chars', `${'x'.repeat(129)},1,5.00,200,300`, 'identifier'],
  ])('rejects %s with SNAPSHOT_INVALID_FIELD row/column', (_name, bad, column) => {
    expectFieldError(() => parseSnapshot(csv([row(1), row(2), bad]), 'csv'), {
      row: FIRST_ROW + 2,
      column,
    });
  });

  it('accepts the boundary values', () => {
    const snapshot = parseSnapshot(csv([`${'x'.repeat(128)},15,0.00,10000,65535`]), 'csv');
    expect(snapshot.positions[0]).toMatchObject({
      assetClass: 15,
      haircutBps: 10000,
      yieldBps: 65535,
    });
  });

  it.each([
    ['before 2000', '1999-12-31T23:59:59Z'],
    ['no timezone', '2026-11-20T00:00:00'],
    ['impossible date', '2026-02-30T00:00:00Z'],
    ['sub-second time', '2026-11-20T00:00:00.5Z'],
    ['beyond 2^40-1 seconds', String(2 ** 40)],
    ['a date only', '2026-11-20'],
  ])('rejects asOf %s', (_name, asOf) => {
    expectFieldError(
      () =>
        parseSnapshot(
          csv([row(1)], [`# asOf=${asOf}`, '# liabilities=1', '# currency=CNY']),
          'csv',
        ),
      {
        row: 1,
        column: 'asOf',
      },
    );
  });

  it('reads asOf offsets and unix seconds to the same instant', () => {
    const at = (asOf: string): number =>
      parseSnapshot(csv([row(1)], [`# asOf=${asOf}`, '# currency=CNY', '# liabilities=1']), 'csv')
        .asOf;
    expect(at('2026-11-20T08:00:00+08:00')).toBe(at('2026-11-20T00:00:00Z'));
    expect(at('2026-11-19T19:00-0500')).toBe(at('2026-11-20T00:00:00.000Z'));
    expect(at('1795132800')).toBe(at('2026-11-20T00:00:00Z'));
    expect(at('2000-01-01T00:00:00Z')).toBe(946684800);
  });

  it('rejects an unknown currency or decimals out of range, naming line and column', () => {
    for (const code of ['cny', 'CNH', 'XXX', 'SECRETCCY', '']) {
      const meta = [...META_NO_CURRENCY, `# currency=${code}`];
      const err = catchError(() => parseSnapshot(csv([row(1)], meta), 'csv'), 'CURRENCY_UNKNOWN');
      expect(err.details).toEqual({ row: 3, column: 'currency' });
      expect(err.message).toContain('line 3');
      if (code !== '') expect(err.message).not.toContain(code);
    }
    for (const decimals of ['19', '-1', '2.5', 'two', '']) {
      const meta = [...META, `# decimals=${decimals}`];
      const err = catchError(
        () => parseSnapshot(csv([row(1)], meta), 'csv'),
        'DECIMALS_OUT_OF_RANGE',
      );
      expect(err.details).toEqual({ row: 4, column: 'decimals' });
    }
    const ok = parseSnapshot(
      csv(['A,0,1.000000000000000001,0,0'], [...META, '# decimals=18']).replace('=1000.00', '=1'),
      'csv',
    );
    expect(ok.positions[0]!.value).toBe(10n ** 18n + 1n);
  });

  it('requires the reporting currency: a proof has a unit', () => {
    expectFieldError(() => parseSnapshot(csv([row(1)], META_NO_CURRENCY), 'csv'), {
      column: 'currency',
    });
  });

  it('defaults decimals to the currency minor unit (JPY 0, KWD 3)', () => {
    const jpy = parseSnapshot(
      csv(['A,0,1234,0,0'], [...META_NO_CURRENCY, '# currency=JPY']).replace('1000.00', '1000'),
      'csv',
    );
    expect(jpy.decimals).toBe(0);
    expect(jpy.positions[0]!.value).toBe(1234n);
    const kwd = parseSnapshot(csv(['A,0,1.5,0,0'], [...META_NO_CURRENCY, '# currency=KWD']), 'csv');
    expect(kwd.decimals).toBe(3);
    expect(kwd.liabilities).toBe(1_000_000n);
    expect(kwd.positions[0]!.value).toBe(1500n);
  });

  it('accepts a large book of up to 4,096 positions and rejects more', () => {
    expect(MAX_POSITIONS).toBe(4096);
    const rows = Array.from({ length: 4097 }, (_, i) => row(i));
    const err = catchError(() => parseSnapshot(csv(rows), 'csv'), 'SNAPSHOT_TOO_MANY_POSITIONS');
    expect(err.details).toEqual({ count: 4097, max: 4096 });
    expect(parseSnapshot(csv(rows.slice(0, 4096)), 'csv').positions).toHaveLength(4096);
    expect(parseSnapshot(csv(rows.slice(0, 33)), 'csv').positions).toHaveLength(33);
    catchError(
      () => parseSnapshot(csv(rows.slice(0, 33)), 'csv', { maxPositions: 32 }),
      'SNAPSHOT_TOO_MANY_POSITIONS',
    );
  });

  it('refuses two identifiers on one large-book asset id like a duplicate, naming rows only', () => {
    const raw = readCsvSnapshot(csv(Array.from({ length: 40 }, (_, i) => row(i))));
    const snapshot = validateRawSnapshot(raw);
    // A real 64-bit collision is out of reach: an id function that folds two identifiers.
    const sameAs3 = (identifier: string) =>
      largeAssetIdOf(identifier === 'BOND-7' ? 'BOND-3' : identifier);
    const err = catchError(
      () => refuseLargeIdCollision(raw.positions, snapshot.positions, sameAs3),
      'SNAPSHOT_DUPLICATE_ASSET',
    );
    expect(err.details).toEqual({
      row: raw.positions[7]!.where.row,
      firstRow: raw.positions[3]!.where.row,
    });
    expect(err.message).not.toContain('BOND');
    catchError(
      () =>
        refuseLargeIdCollision(raw.positions, snapshot.positions, (id) =>
          id === 'BOND-5' ? 0n : largeAssetIdOf(id),
        ),
      'SNAPSHOT_DUPLICATE_ASSET',
    );
    expect(() => refuseLargeIdCollision(raw.positions, snapshot.positions)).not.toThrow();
  });

  it('rejects a snapshot without positions, and an empty file', () => {
    catchError(() => parseSnapshot(csv([]), 'csv'), 'SNAPSHOT_EMPTY');
    catchError(() => parseSnapshot(' \n\r\n', 'csv'), 'SNAPSHOT_EMPTY');
  });

  it('rejects duplicate identifiers, naming rows not the identifier', () => {
    const text = csv([row(1), 'DUP-ISIN-77,1,1.00,0,0', row(2), ' DUP-ISIN-77 ,2,3.00,0,0']);
    const err = catchError(() => parseSnapshot(text, 'csv'), 'SNAPSHOT_DUPLICATE_ASSET');
    expect(err.details).toEqual({ row: FIRST_ROW + 3, firstRow: FIRST_ROW + 1 });
    expect(err.message).not.toContain('DUP-ISIN-77');
  });

  it('treats identifiers differing only in case or width as one asset: a duplicate', () => {
    for (const twin of ['dup-isin-77', 'Dup-Isin-77', 'ＤＵＰ-ＩＳＩＮ-７７']) {
      const text = csv([row(1), 'DUP-ISIN-77,1,1.00,0,0', row(2), `${twin},1,3.00,0,0`]);
      const err = catchError(() => parseSnapshot(text, 'csv'), 'SNAPSHOT_DUPLICATE_ASSET');
      expect(err.details).toEqual({ row: FIRST_ROW + 3, firstRow: FIRST_ROW + 1 });
      expect(err.message.toUpperCase()).not.toContain('DUP-ISIN-77');
    }
  });

  it('keeps the canonical spelling of an identifier, and derives the id from it', () => {
    const [position] = parseSnapshot(csv([' cn-gov-2030-01 ,1,1.00,0,0']), 'csv').positions;
    expect(position!.identifier).toBe('CN-GOV-2030-01');
    expect(position!.assetId).toBe(
      BigInt(
        '0x' +
          createHash('sha256')
            .update('zkattest.asset-id.v1:CN-GOV-2030-01', 'utf8')
            .digest('hex')
            .slice(0, 62),
      ),
    );
  });
});

describe('parseSnapshot (JSON)', () => {
  it("applies the decimals default: the currency's minor unit", () => {
    const text = JSON.stringify({
      asOf: 1763596800,
      currency: 'HKD',
      liabilities: '1',
      positions: [jsonPosition(1)],
    });
    const snapshot = parseSnapshot(text, 'json');
    expect(snapshot.currency).toBe('HKD');
    expect(snapshot.decimals).toBe(2);
    expect(snapshot.liabilities).toBe(100n);
    expect(snapshot.positions[0]).toMatchObject({ currency: 'HKD', decimals: 2 });
  });

  it('requires the reporting currency', () => {
    const text = JSON.stringify({
      asOf: 1763596800,
      liabilities: '1',
      positions: [jsonPosition(1)],
    });
    expectFieldError(() => parseSnapshot(text, 'json'), { column: 'currency' });
  });

  it('rejects malformed JSON without echoing its content', () => {
    const err = catchError(
      () => parseSnapshot('{"liabilities": "SECRET-LIAB-123", oops}', 'json'),
      'SNAPSHOT_PARSE',
    );
    expect(err.message).not.toContain('SECRET');
    expect(err.message).not.toContain('oops');
  });

  it('rejects a non-object root', () => {
    catchError(() => parseSnapshot('[]', 'json'), 'SNAPSHOT_PARSE');
  });

  it('rejects unknown fields at the top level and in a position', () => {
    expectFieldError(() => parseSnapshot(json([jsonPosition(1)], { custodian: 'X' }), 'json'), {
      column: 'custodian',
    });
    const positions = [jsonPosition(1), jsonPosition(2, { isin: 'CN000' })];
    expectFieldError(() => parseSnapshot(json(positions), 'json'), { row: 2, column: 'isin' });
  });

  it('rejects a float (number) amount', () => {
    const positions = [jsonPosition(1), jsonPosition(2), jsonPosition(3, { value: 2500000.5 })];
    expectFieldError(() => parseSnapshot(json(positions), 'json'), { row: 3, column: 'value' });
    expectFieldError(() => parseSnapshot(json([jsonPosition(1)], { liabilities: 1000 }), 'json'), {
      column: 'liabilities',
    });
  });

  it.each([
    ['negative amount', { value: '-1.00' }, 'value'],
    ['non-numeric amount', { value: 'ten' }, 'value'],
    ['too many decimals', { value: '1.001' }, 'value'],
    ['haircut 10001', { haircutBps: 10001 }, 'haircutBps'],
    ['assetClass 64', { assetClass: 64 }, 'assetClass'],
    ['non-integer assetClass', { assetClass: 1.5 }, 'assetClass'],
    ['string haircut', { haircutBps: '200' }, 'haircutBps'],
    ['yield 70000', { yieldBps: 70000 }, 'yieldBps'],
    ['missing identifier', { identifier: undefined }, 'identifier'],
    ['blank identifier', { identifier: '   ' }, 'identifier'],
  ])('rejects %s with SNAPSHOT_INVALID_FIELD row/column', (_name, overrides, column) => {
    const positions = [jsonPosition(1), jsonPosition(2, overrides)];
    expectFieldError(() => parseSnapshot(json(positions), 'json'), { row: 2, column });
  });

  it('rejects an invalid top-level field', () => {
    expectFieldError(() => parseSnapshot(json([jsonPosition(1)], { asOf: 5 }), 'json'), {
      column: 'asOf',
    });
    for (const decimals of [2.5, 19, -1]) {
      const err = catchError(
        () => parseSnapshot(json([jsonPosition(1)], { decimals }), 'json'),
        'DECIMALS_OUT_OF_RANGE',
      );
      expect(err.details).toEqual({ column: 'decimals' });
    }
    const unknown = catchError(
      () => parseSnapshot(json([jsonPosition(1)], { currency: 'C' }), 'json'),
      'CURRENCY_UNKNOWN',
    );
    expect(unknown.details).toEqual({ column: 'currency' });
    expectFieldError(() => parseSnapshot(json([jsonPosition(1)], { currency: 840 }), 'json'), {
      column: 'currency',
    });
    expectFieldError(() => parseSnapshot(json([jsonPosition(1)], { positions: {} }), 'json'), {
      column: 'positions',
    });
  });

  it('rejects too many, no, and duplicate positions', () => {
    const many = Array.from({ length: 4097 }, (_, i) => jsonPosition(i));
    const err = catchError(() => parseSnapshot(json(many), 'json'), 'SNAPSHOT_TOO_MANY_POSITIONS');
    expect(err.details).toEqual({ count: 4097, max: 4096 });
    catchError(() => parseSnapshot(json([]), 'json'), 'SNAPSHOT_EMPTY');
    const dup = catchError(
      () => parseSnapshot(json([jsonPosition(1), jsonPosition(2), jsonPosition(1)]), 'json'),
      'SNAPSHOT_DUPLICATE_ASSET',
    );
    expect(dup.details).toEqual({ row: 3, firstRow: 1 });
    const caseTwin = jsonPosition(1, { identifier: 'bond-1' });
    const twin = catchError(
      () => parseSnapshot(json([jsonPosition(1), jsonPosition(2), caseTwin]), 'json'),
      'SNAPSHOT_DUPLICATE_ASSET',
    );
    expect(twin.details).toEqual({ row: 3, firstRow: 1 });
  });
});

describe('privacy of errors', () => {
  const secretId = 'SECRET-ISIN-XJ42Q';
  const secretValue = '98765.4321';

  it.each([
    ['CSV', () => parseSnapshot(csv([row(1), `${secretId},1,${secretValue},200,300`]), 'csv')],
    [
      'JSON',
      () =>
        parseSnapshot(
          json([jsonPosition(1), jsonPosition(2, { identifier: secretId, value: secretValue })]),
          'json',
        ),
    ],
  ])('%s: never echoes the identifier or value of a bad row', (_format, parse) => {
    const err = catchError(parse, 'SNAPSHOT_INVALID_FIELD');
    expect(err.details).toMatchObject({ column: 'value' });
    for (const text of [err.message, JSON.stringify(err.details), String(err.stack)]) {
      expect(text).not.toContain(secretId);
      expect(text).not.toContain(secretValue);
      expect(text).not.toContain('98765');
    }
  });
});

describe('loadSnapshotFile', () => {
  it('rejects an unknown extension', () => {
    catchError(() => loadSnapshotFile(join(EXAMPLES, 'README.md')), 'SNAPSHOT_PARSE');
  });

  it('rejects a missing file', () => {
    const err = catchError(() => loadSnapshotFile(join(EXAMPLES, 'absent.csv')), 'SNAPSHOT_PARSE');
    expect(err.details).toMatchObject({ reason: 'ENOENT' });
  });

  it('rejects a file that is not UTF-8 (the check uploads share)', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'zk-utf8-')), 'snapshot.csv');
    writeFileSync(path, Buffer.concat([Buffer.from(csv([row(1)])), Buffer.from([0xff])]));
    const err = catchError(() => loadSnapshotFile(path), 'SNAPSHOT_PARSE');
    expect(err.message).toBe(`snapshot file ${path} is not valid UTF-8`);
    expect(err.details).toEqual({ path });
  });
});

describe('decodeSnapshotBytes', () => {
  it('decodes UTF-8 and refuses invalid sequences rather than replace them', () => {
    expect(decodeSnapshotBytes(Buffer.from('BOND-É', 'utf8'))).toBe('BOND-É');
    for (const bad of [[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80]]) {
      const err = catchError(
        () => decodeSnapshotBytes(Buffer.from([0x41, ...bad, 0x42])),
        'SNAPSHOT_PARSE',
      );
      expect(err.message).toBe('the snapshot is not valid UTF-8');
    }
  });
});

describe('JSON nesting', () => {
  it(`refuses JSON nested deeper than ${MAX_JSON_DEPTH} levels before parsing it`, () => {
    const deep = '['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1);
    const err = catchError(() => parseSnapshot(deep, 'json'), 'SNAPSHOT_PARSE');
    expect(err.message).toBe(`snapshot JSON is nested deeper than ${MAX_JSON_DEPTH} levels`);
    catchError(
      () => parseSnapshot('{"a":'.repeat(100_000) + '}'.repeat(100_000), 'json'),
      'SNAPSHOT_PARSE',
    );
  });

  it('counts brackets inside strings as text, not nesting', () => {
    const text = json([
      jsonPosition(1, { identifier: `BOND-${'['.repeat(MAX_JSON_DEPTH + 5)}"\\` }),
    ]);
    expect(parseSnapshot(text, 'json').positions).toHaveLength(1);
  });
});

describe('identifiers that read the same are one asset', () => {
  const ID = 'CN-GOV-2030-01';
  const INVISIBLE: Array<[string, string]> = [
    ['zero-width space', '\u200b'],
    ['byte order mark', '\ufeff'],
    ['soft hyphen', '\u00ad'],
    ['word joiner', '\u2060'],
    ['left-to-right mark', '\u200e'],
    ['right-to-left override', '\u202e'],
    ['tag character', '\u{e0041}'],
    ['bell (control)', '\u0007'],
    ['tab', '\t'],
    ['next line (control)', '\u0085'],
    ['no-break space', '\u00a0'],
    ['ideographic space', '\u3000'],
    ['line separator', '\u2028'],
    ['Hangul filler', '\u3164'],
    ['variation selector', '\ufe0f'],
    ['private use', '\ue000'],
  ];

  it.each(INVISIBLE)('refuses an identifier with a %s, naming line and column only', (_n, c) => {
    for (const spelled of [`${ID}${c}`, `CN-${c}GOV-2030-01`, `${c}${ID}`]) {
      const text = csv([`${ID},1,1.00,0,0`, `${spelled},1,3.00,0,0`]);
      const err = catchError(() => parseSnapshot(text, 'csv'), 'SNAPSHOT_INVALID_FIELD');
      expect(err.details).toEqual({ row: FIRST_ROW + 1, column: 'identifier' });
      expect(err.message).toMatch(new RegExp(`^line ${FIRST_ROW + 1}: identifier `));
      expect(err.message).not.toContain('CN-');
      expect(err.message).not.toContain(c);

      const positions = [
        jsonPosition(1, { identifier: ID }),
        jsonPosition(2, { identifier: spelled }),
      ];
      const jsonErr = catchError(
        () => parseSnapshot(json(positions), 'json'),
        'SNAPSHOT_INVALID_FIELD',
      );
      expect(jsonErr.details).toEqual({ row: 2, column: 'identifier' });
      expect(jsonErr.message).not.toContain('CN-');
    }
  });

  it('folds dash variants to ASCII "-": the same asset, a duplicate', () => {
    const dashes = ['\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212'];
    for (const dash of [...dashes, '\ufe58', '\ufe63', '\uff0d']) {
      const twin = ID.replaceAll('-', dash);
      const [position] = parseSnapshot(csv([`${twin},1,1.00,0,0`]), 'csv').positions;
      expect([dash, position!.identifier]).toEqual([dash, ID]);
      expect(position!.assetId).toBe(assetIdOf(ID));
      const text = csv([`${ID},1,1.00,0,0`, `${twin.toLowerCase()},1,3.00,0,0`]);
      const err = catchError(() => parseSnapshot(text, 'csv'), 'SNAPSHOT_DUPLICATE_ASSET');
      expect(err.details).toEqual({ row: FIRST_ROW + 1, firstRow: FIRST_ROW });
    }
  });

  it('keeps the asset ids of canonical identifiers, padded by plain spaces or not', () => {
    for (const spelled of [ID, `  ${ID} `, 'BOND 7 A']) {
      const [position] = parseSnapshot(csv([`${spelled},1,1.00,0,0`]), 'csv').positions;
      expect(position!.identifier).toBe(spelled.trim());
      const digest = createHash('sha256')
        .update(`zkattest.asset-id.v1:${spelled.trim()}`, 'utf8')
        .digest('hex');
      expect(position!.assetId).toBe(BigInt('0x' + digest.slice(0, 62)));
    }
  });
});

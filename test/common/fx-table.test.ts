import { buildPoseidon } from 'circomlibjs';
import { AbiCoder, encodeBytes32String, hexlify } from 'ethers';
import {
  FX_SCALE,
  fxMessage,
  fxTableHash,
  identityFxTable,
  isIdentityTable,
  parseFxTable,
  rateFromDecimal,
  rowIndexOf,
  type FxTable,
} from '../../src/common/fx-table';
import { unitCode } from '../../src/common/currency-code';
import { ZkAttestError } from '../../src/common/errors';

const USD = { currency: 'USD', decimals: 2 };
const TABLE: FxTable = {
  reporting: USD,
  rows: [
    { currency: 'USD', decimals: 2, rate: '1000000000000' },
    { currency: 'CNY', decimals: 2, rate: '137900000000' },
    { currency: 'JPY', decimals: 0, rate: '670000000000' },
  ],
};

/** The ZkAttestError `work` throws. */
function errorOf(work: () => unknown): ZkAttestError {
  try {
    work();
  } catch (err) {
    expect(err).toBeInstanceOf(ZkAttestError);
    return err as ZkAttestError;
  }
  throw new Error('expected a ZkAttestError');
}

/** The spec's hash, computed here straight from circomlibjs and hand-written unit codes. */
async function expectedHash(codes: bigint[], rates: bigint[]): Promise<bigint> {
  const poseidon = await buildPoseidon();
  const pad = (xs: bigint[]) => [...xs, ...new Array<bigint>(8 - xs.length).fill(0n)];
  const meta = poseidon.F.toObject(poseidon([codes[0]!, ...pad(codes.slice(1))]));
  return poseidon.F.toObject(poseidon([meta, ...pad(rates)]));
}

describe('FX table', () => {
  it('unit codes are the 3 ASCII bytes plus decimals * 2^24', () => {
    expect(unitCode('USD', 2)).toBe(0x555344n + 2n * 16777216n);
    expect(unitCode('JPY', 0)).toBe(0x4a5059n);
    expect(unitCode('EUR', 18)).toBe(0x455552n + 18n * 16777216n);
  });

  it('hashes as the spec says, rows past the last 0', async () => {
    const usd = 0x555344n + (2n << 24n);
    const cny = 0x434e59n + (2n << 24n);
    const jpy = 0x4a5059n;
    const expected = await expectedHash(
      [usd, usd, cny, jpy],
      [10n ** 12n, 137900000000n, 670000000000n],
    );
    expect(await fxTableHash(TABLE)).toBe(expected);
    const identity = await expectedHash([usd, usd], [10n ** 12n]);
    expect(await fxTableHash(identityFxTable(USD))).toBe(identity);
  });

  it('a changed rate, unit, order or reporting unit changes the hash', async () => {
    const base = await fxTableHash(TABLE);
    const variants: FxTable[] = [
      { ...TABLE, rows: TABLE.rows.map((r, i) => (i === 1 ? { ...r, rate: '137900000001' } : r)) },
      { ...TABLE, rows: TABLE.rows.map((r, i) => (i === 2 ? { ...r, decimals: 1 } : r)) },
      { ...TABLE, rows: [TABLE.rows[1]!, TABLE.rows[0]!, TABLE.rows[2]!] },
      { ...TABLE, reporting: { currency: 'USD', decimals: 3 } },
      { ...TABLE, rows: TABLE.rows.slice(0, 2) },
    ];
    const hashes = new Set([base, ...(await Promise.all(variants.map(fxTableHash)))]);
    expect(hashes.size).toBe(variants.length + 1);
  });

  it('knows its identity table', () => {
    const identity = identityFxTable({ currency: 'JPY', decimals: 0 });
    expect(identity.rows).toEqual([{ currency: 'JPY', decimals: 0, rate: FX_SCALE.toString() }]);
    expect(isIdentityTable(identity)).toBe(true);
    expect(isIdentityTable(TABLE)).toBe(false);
    expect(isIdentityTable({ ...identity, rows: [{ ...identity.rows[0]!, rate: '1' }] })).toBe(
      false,
    );
    expect(isIdentityTable({ ...identity, reporting: { currency: 'JPY', decimals: 2 } })).toBe(
      false,
    );
  });

  it('finds a row index, and says FX_CURRENCY_MISSING for a currency without a row', () => {
    expect(rowIndexOf(TABLE, 'USD')).toBe(0);
    expect(rowIndexOf(TABLE, 'JPY')).toBe(2);
    expect(errorOf(() => rowIndexOf(TABLE, 'EUR')).code).toBe('FX_CURRENCY_MISSING');
  });

  const row = (patch: object) => ({ ...TABLE, rows: [{ ...TABLE.rows[0]!, ...patch }] });
  it.each<[string, unknown, string, string]>([
    ['not an object', 'USD', 'FX_TABLE_INVALID', 'table'],
    ['an unknown member', { ...TABLE, note: 'x' }, 'FX_TABLE_INVALID', 'table'],
    ['an unknown row member', row({ source: 'x' }), 'FX_TABLE_INVALID', 'rows[0]'],
    ['no reporting unit', { rows: TABLE.rows }, 'FX_TABLE_INVALID', 'reporting'],
    ['a rate as a number', row({ rate: 1000 }), 'FX_TABLE_INVALID', 'rows[0].rate'],
    ['no rows', { ...TABLE, rows: [] }, 'FX_TABLE_INVALID', 'rows'],
    [
      'nine rows',
      {
        ...TABLE,
        rows: 'ABCDEFGHI'.split('').map((c) => ({ ...TABLE.rows[0]!, currency: `X${c}X` })),
      },
      'FX_TABLE_INVALID',
      'rows',
    ],
    [
      'a repeated currency',
      { ...TABLE, rows: [TABLE.rows[0]!, TABLE.rows[1]!, { ...TABLE.rows[1]!, rate: '5' }] },
      'FX_TABLE_INVALID',
      'rows[2].currency',
    ],
    ['a lowercase currency', row({ currency: 'usd' }), 'CURRENCY_UNKNOWN', 'rows[0].currency'],
    [
      'a bad reporting currency',
      { ...TABLE, reporting: { currency: 'US', decimals: 2 } },
      'CURRENCY_UNKNOWN',
      'reporting.currency',
    ],
    ['19 decimals', row({ decimals: 19 }), 'DECIMALS_OUT_OF_RANGE', 'rows[0].decimals'],
    ['fractional decimals', row({ decimals: 1.5 }), 'DECIMALS_OUT_OF_RANGE', 'rows[0].decimals'],
    [
      'negative reporting decimals',
      { ...TABLE, reporting: { currency: 'USD', decimals: -1 } },
      'DECIMALS_OUT_OF_RANGE',
      'reporting.decimals',
    ],
    ['a zero rate', row({ rate: '0' }), 'FX_RATE_INVALID', 'rows[0].rate'],
    ['a rate of 2^64', row({ rate: (1n << 64n).toString() }), 'FX_RATE_INVALID', 'rows[0].rate'],
    ['a leading zero', row({ rate: '01' }), 'FX_RATE_INVALID', 'rows[0].rate'],
    ['a decimal point', row({ rate: '1.5' }), 'FX_RATE_INVALID', 'rows[0].rate'],
    ['a negative rate', row({ rate: '-1' }), 'FX_RATE_INVALID', 'rows[0].rate'],
  ])('refuses %s with its code, naming the field and not the value', (_, table, code, field) => {
    const err = errorOf(() => parseFxTable(table));
    expect(err.code).toBe(code);
    expect(err.details.field).toBe(field);
    expect(err.message).toContain(field);
  });

  it('accepts rates up to 2^64-1 and 8 rows', () => {
    const codes = ['USD', 'CNY', 'HKD', 'EUR', 'JPY', 'GBP', 'SGD', 'CHF'];
    const rows = codes.map((currency) => ({ currency, decimals: 18, rate: '1' }));
    rows[7]!.rate = ((1n << 64n) - 1n).toString();
    expect(parseFxTable({ reporting: USD, rows }).rows).toHaveLength(8);
  });

  it('builds the signed FX message as abi.encode of the spec', () => {
    const hash = 123456789n * 10n ** 60n + 7n;
    const expected = AbiCoder.defaultAbiCoder().encode(
      ['bytes32', 'uint256', 'bytes3', 'uint8', 'uint40'],
      [encodeBytes32String('zkattest.fx.v2'), hash, '0x555344', 2, 1795132800],
    );
    expect(hexlify(fxMessage(hash, USD, 1795132800))).toBe(expected);
    expect(hexlify(fxMessage(hash, USD, 1795132801))).not.toBe(expected);
    expect(hexlify(fxMessage(hash, { currency: 'USD', decimals: 3 }, 1795132800))).not.toBe(
      expected,
    );
    expect(errorOf(() => fxMessage(hash, USD, -1)).code).toBe('FX_TABLE_INVALID');
    expect(errorOf(() => fxMessage(hash, USD, 2 ** 40)).code).toBe('FX_TABLE_INVALID');
  });
});

describe('rateFromDecimal', () => {
  const CNY = { currency: 'CNY', decimals: 2 };
  const JPY = { currency: 'JPY', decimals: 0 };
  const BHD = { currency: 'BHD', decimals: 3 };

  it.each<
    [string, { currency: string; decimals: number }, { currency: string; decimals: number }, bigint]
  >([
    // 1 CNY fen = 0.1379 US cents
    ['0.1379', CNY, USD, 137_900_000_000n],
    // 1 yen = 0.0067 USD = 0.67 cents
    ['0.0067', JPY, USD, 670_000_000_000n],
    // 1 cent = 1.50123 yen
    ['150.123', USD, JPY, 1_501_230_000_000n],
    // 1 fils = 2.6525 cents (1 BHD = 2.6525 USD, 3 decimals)
    ['2.6525', BHD, USD, 265_250_000_000n],
    ['1', USD, USD, 1_000_000_000_000n],
    // rounded down, never up: the 13th and 14th fraction digits go
    ['0.12345678901299', CNY, USD, 123_456_789_012n],
    ['0.000000000001', CNY, USD, 1n],
  ])('%s (%j in %j) is %s', (major, row, reporting, rate) => {
    expect(rateFromDecimal(major, row, reporting)).toBe(rate);
  });

  it('rounds down exactly: rate <= value < rate + 1 at the fixed point', () => {
    const cases = ['7.123456789123456789', '0.000123456789987654321', '314.159265358979'];
    for (const major of cases) {
      for (const [row, reporting] of [
        [JPY, BHD],
        [BHD, JPY],
        [CNY, USD],
      ] as const) {
        const rate = rateFromDecimal(major, row, reporting);
        const [whole, fraction = ''] = major.split('.');
        const n = BigInt(`${whole}${fraction}`);
        // value * 10^fraction.length = n * 10^(12 + dRep - dRow)
        const shift = 12 + reporting.decimals - row.decimals;
        const lhs = (x: bigint) => x * 10n ** BigInt(fraction.length);
        const value = n * 10n ** BigInt(shift);
        expect(lhs(rate) <= value && value < lhs(rate + 1n)).toBe(true);
      }
    }
  });

  it.each([
    '',
    '-1',
    '1e3',
    '.5',
    '1.',
    '0x10',
    '01.5',
    ' 1',
    '0',
    '0.000000000000000001',
    '20000000',
  ])('refuses %j with FX_RATE_INVALID', (major) => {
    // Into a 6-decimal unit from a 2-decimal one: rate = major * 10^16, so 10^-18 rounds to
    // 0 and 2 * 10^7 reaches 2^64 (about 1.8 * 10^19).
    const err = errorOf(() => rateFromDecimal(major, USD, { currency: 'XAU', decimals: 6 }));
    expect(err.code).toBe('FX_RATE_INVALID');
  });

  it('refuses decimals out of range', () => {
    expect(errorOf(() => rateFromDecimal('1', { currency: 'USD', decimals: 19 }, USD)).code).toBe(
      'DECIMALS_OUT_OF_RANGE',
    );
  });
});

describe('loadPoseidon', () => {
  it('is built once per process and hashes as circomlibjs does', async () => {
    const { loadPoseidon } = await import('../../src/common/poseidon');
    const [a, b] = await Promise.all([loadPoseidon(), loadPoseidon()]);
    expect(a).toBe(b);
    const poseidon = await buildPoseidon();
    expect(a([1n, 2n, 3n])).toBe(poseidon.F.toObject(poseidon([1n, 2n, 3n])));
  });
});

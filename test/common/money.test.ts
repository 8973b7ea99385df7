import { ZkAttestError } from '../../src/common/errors';
import { formatAmount, formatRate } from '../../src/common/money';

const USD = { currency: 'USD', decimals: 2 };
const CNY = { currency: 'CNY', decimals: 2 };
const JPY = { currency: 'JPY', decimals: 0 };
const U64_MAX = 2n ** 64n - 1n;

describe('formatAmount', () => {
  it.each([
    [1_250_000_000n, USD, 'USD 12,500,000.00'],
    [0n, USD, 'USD 0.00'],
    [1n, USD, 'USD 0.01'],
    [99n, USD, 'USD 0.99'],
    [100n, USD, 'USD 1.00'],
    [99_999n, USD, 'USD 999.99'],
    [100_000n, USD, 'USD 1,000.00'],
    [1234n, JPY, 'JPY 1,234'],
    [0n, JPY, 'JPY 0'],
    [1n, JPY, 'JPY 1'],
    [123n, JPY, 'JPY 123'],
    [1n, { currency: 'KWD', decimals: 3 }, 'KWD 0.001'],
    [1n, { currency: 'USD', decimals: 18 }, 'USD 0.000000000000000001'],
    [U64_MAX, { currency: 'USD', decimals: 18 }, 'USD 18.446744073709551615'],
    [U64_MAX, USD, 'USD 184,467,440,737,095,516.15'],
    [U64_MAX, JPY, 'JPY 18,446,744,073,709,551,615'],
    [10n ** 21n, { currency: 'EUR', decimals: 18 }, 'EUR 1,000.000000000000000000'],
  ])('formats %s minor units of %j as %j', (minor, unit, expected) => {
    expect(formatAmount(minor, unit)).toBe(expected);
  });

  it('refuses a negative amount', () => {
    expect(() => formatAmount(-1n, USD)).toThrow(RangeError);
  });

  it('refuses an unknown unit with a coded error', () => {
    expect(() => formatAmount(1n, { currency: 'CNH', decimals: 2 })).toThrow(ZkAttestError);
    expect(() => formatAmount(1n, { currency: 'USD', decimals: 19 })).toThrow(ZkAttestError);
  });
});

describe('formatRate', () => {
  it('prints the value of one major unit, exactly, with at least 6 places', () => {
    // 1 fen = 0.1379 cent, times 10^12.
    expect(formatRate(137_900_000_000n, CNY, USD)).toBe('1 CNY = 0.137900 USD');
    expect(formatRate(10n ** 12n, USD, USD)).toBe('1 USD = 1.000000 USD');
    // 1 cent = 0.0725 CNY = 7.25 fen.
    expect(formatRate(7_250_000_000_000n, USD, CNY)).toBe('1 USD = 7.250000 CNY');
    // Digits past the 6th are kept, never rounded.
    expect(formatRate(137_912_345_678n, CNY, USD)).toBe('1 CNY = 0.137912345678 USD');
    expect(formatRate(1n, CNY, USD)).toBe('1 CNY = 0.000000000001 USD');
  });

  it('accounts for different decimals on each side, with grouping', () => {
    // 1 cent = 13.5 won (KRW has no minor unit): 1 USD = 1,350 KRW.
    expect(formatRate(13_500_000_000_000n, USD, { currency: 'KRW', decimals: 0 })).toBe(
      '1 USD = 1,350.000000 KRW',
    );
    // 1 yen = 0.0065 USD = 0.65 cent.
    expect(formatRate(650_000_000_000n, JPY, USD)).toBe('1 JPY = 0.006500 USD');
    // 1 fils (KWD/3) = 0.325 cent: 1 KWD = 3.25 USD.
    expect(formatRate(325_000_000_000n, { currency: 'KWD', decimals: 3 }, USD)).toBe(
      '1 KWD = 3.250000 USD',
    );
    // The largest rate at 18 decimals on both sides.
    const wei = { currency: 'USD', decimals: 18 };
    expect(formatRate(U64_MAX, wei, wei)).toBe('1 USD = 18,446,744.073709551615 USD');
  });

  it('refuses a negative rate and unknown units', () => {
    expect(() => formatRate(-1n, CNY, USD)).toThrow(RangeError);
    expect(() => formatRate(1n, { currency: 'CNH', decimals: 2 }, USD)).toThrow(ZkAttestError);
  });
});

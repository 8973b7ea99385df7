import { currencyInt, unitCode } from '../../src/common/currency-code';
import {
  defaultDecimals,
  isIsoCurrency,
  isoCurrencies,
  parseUnit,
} from '../../src/common/currency';
import { ZkAttestError } from '../../src/common/errors';

function codedError(fn: () => unknown): ZkAttestError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ZkAttestError);
    return err as ZkAttestError;
  }
  throw new Error('expected a ZkAttestError');
}

describe('the ISO 4217 table', () => {
  it.each([
    ['USD', 2],
    ['CNY', 2],
    ['HKD', 2],
    ['EUR', 2],
    ['GBP', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['SGD', 2],
    ['CHF', 2],
    ['AUD', 2],
    ['CAD', 2],
    ['TWD', 2],
    ['MOP', 2],
    ['KWD', 3],
    ['BHD', 3],
    ['CLF', 4],
  ])('knows %s with %d decimals', (code, decimals) => {
    expect(isIsoCurrency(code)).toBe(true);
    expect(defaultDecimals(code)).toBe(decimals);
  });

  it('holds at least the 40 most traded currencies, each 3 upper-case letters', () => {
    const codes = isoCurrencies();
    expect(codes.length).toBeGreaterThanOrEqual(40);
    for (const code of codes) expect(code).toMatch(/^[A-Z]{3}$/);
  });

  it.each(['CNH', 'XXX', 'XAU', 'usd', 'Usd', 'USDT', 'US', '', ' USD', 'toString', '__proto__'])(
    'refuses %j',
    (code) => {
      expect(isIsoCurrency(code)).toBe(false);
    },
  );

  it('refuses non-strings', () => {
    for (const v of [undefined, null, 840, ['USD'], { USD: 1 }]) {
      expect(isIsoCurrency(v)).toBe(false);
    }
  });
});

describe('integer forms', () => {
  it('packs the 3 ASCII bytes big-endian', () => {
    expect(currencyInt('USD')).toBe(0x555344n);
    expect(currencyInt('CNY')).toBe(0x434e59n);
    expect(currencyInt('HKD')).toBe(0x484b44n);
  });

  it('adds decimals * 2^24 for the unit code, within 32 bits', () => {
    expect(unitCode('USD', 2)).toBe(0x02555344n);
    expect(unitCode('JPY', 0)).toBe(0x4a5059n);
    expect(unitCode('USD', 18)).toBe(0x12555344n);
    expect(unitCode('ZAR', 18)).toBeLessThan(2n ** 32n);
  });

  it('refuses unknown codes and decimals out of range', () => {
    expect(() => currencyInt('CNH')).toThrow(expect.objectContaining({ code: 'CURRENCY_UNKNOWN' }));
    for (const bad of [19, -1, 1.5]) {
      expect(() => unitCode('USD', bad)).toThrow(
        expect.objectContaining({ code: 'DECIMALS_OUT_OF_RANGE' }),
      );
    }
  });
});

describe('parseUnit', () => {
  it('returns a checked unit', () => {
    expect(parseUnit({ currency: 'HKD', decimals: 2 }, 'reporting')).toEqual({
      currency: 'HKD',
      decimals: 2,
    });
    expect(parseUnit({ currency: 'USD', decimals: 18 }, 'reporting').decimals).toBe(18);
    expect(parseUnit({ currency: 'USD', decimals: -0 }, 'reporting').decimals).toBe(0);
    expect(Object.is(parseUnit({ currency: 'USD', decimals: -0 }, 'r').decimals, 0)).toBe(true);
  });

  it.each(['CNH', 'SECRET', 42, undefined])(
    'refuses currency %j as CURRENCY_UNKNOWN naming the field, not the value',
    (currency) => {
      const err = codedError(() => parseUnit({ currency, decimals: 2 }, 'fx.rows[3]'));
      expect(err.code).toBe('CURRENCY_UNKNOWN');
      expect(err.details).toEqual({ field: 'fx.rows[3].currency' });
      expect(err.message).toContain('fx.rows[3].currency');
      if (typeof currency === 'string') expect(err.message).not.toContain(currency);
    },
  );

  it.each([19, -1, 2.5, '2', NaN, Infinity, undefined, 2 ** 53])(
    'refuses decimals %j as DECIMALS_OUT_OF_RANGE',
    (decimals) => {
      const err = codedError(() => parseUnit({ currency: 'USD', decimals }, 'reporting'));
      expect(err.code).toBe('DECIMALS_OUT_OF_RANGE');
      expect(err.details).toEqual({ field: 'reporting.decimals' });
    },
  );
});

import { ZkAttestError } from '../../../src/common/errors';
import { csvRecords } from '../../../src/prover/snapshot/csv-records';
import {
  canonicalDecimal,
  exactJsonNumber,
  toBasisPoints,
  type NumberFormat,
} from '../../../src/prover/snapshot/export-cells';

const PLAIN: NumberFormat = { thousandsSeparator: '', decimalSeparator: '.' };
const US: NumberFormat = { thousandsSeparator: ',', decimalSeparator: '.' };
const DE: NumberFormat = { thousandsSeparator: '.', decimalSeparator: ',' };
const FR: NumberFormat = { thousandsSeparator: ' ', decimalSeparator: ',' };
const CH: NumberFormat = { thousandsSeparator: "'", decimalSeparator: '.' };

describe('csvRecords (RFC 4180)', () => {
  it('reads quoted fields with delimiters, doubled quotes and line breaks, CRLF', () => {
    const text = 'a,b,c\r\n"x, y","say ""hi""","line 1\r\nline 2"\r\n1,,3\r\n';
    expect(csvRecords(text)).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'line 1\r\nline 2'] },
      { line: 4, fields: ['1', '', '3'] },
    ]);
  });

  it('reads LF and CR line ends, empty quoted fields, a last line without a break', () => {
    expect(csvRecords('a;"";c\rd;e;\n"f"', ';')).toEqual([
      { line: 1, fields: ['a', '', 'c'] },
      { line: 2, fields: ['d', 'e', ''] },
      { line: 3, fields: ['f'] },
    ]);
    expect(csvRecords('a;b', ';')).toEqual([{ line: 1, fields: ['a', 'b'] }]);
    expect(csvRecords('')).toEqual([]);
    expect(csvRecords('\n\n')).toEqual([
      { line: 1, fields: [''] },
      { line: 2, fields: [''] },
    ]);
  });

  it.each([
    ['an unterminated quote', 'a,b\n"SECRET,1\n', 2, 'unterminated'],
    ['text after a closing quote', 'a\n"SECRET"x,1', 2, 'after a closing quote'],
    ['a quote inside an unquoted field', 'a\nSEC"RET,1', 2, 'quote inside'],
  ])('refuses %s, naming the line only', (_name, text, line, problem) => {
    let caught: unknown;
    try {
      csvRecords(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ZkAttestError);
    const err = caught as ZkAttestError;
    expect(err.code).toBe('SNAPSHOT_PARSE');
    expect(err.details).toEqual({ row: line });
    expect(err.message).toContain(problem);
    expect(err.message).not.toContain('SECRET');
  });
});

describe('canonicalDecimal', () => {
  it.each([
    ['1234567.89', PLAIN, '1234567.89'],
    [' 12 ', PLAIN, '12'],
    ['1,234,567.89', US, '1234567.89'],
    ['1234567.89', US, '1234567.89'],
    ['999', US, '999'],
    ['1.234.567,89', DE, '1234567.89'],
    ['0,5', DE, '0.5'],
    ['1 234 567,89', FR, '1234567.89'],
    ['1\u00a0234\u202f567,89', FR, '1234567.89'],
    ["1'234'567.89", CH, '1234567.89'],
  ])('reads %j', (text, format, expected) => {
    expect(canonicalDecimal(text, format)).toBe(expected);
  });

  it.each([
    ['1,234.56', PLAIN],
    ['1.234,56', US], // the other locale's number: refused, not read as 1.23456
    ['1,23,456.00', US], // Indian grouping is not thousands grouping
    ['1,2345.00', US],
    [',123.00', US],
    ['1,234.', US],
    ['1.234.567,89', US],
    ['-5.00', US],
    ['(5.00)', US],
    ['$5.00', US],
    ['5e3', US],
    ['1,234,567.89', DE],
    ['', US],
    ['1 234', US],
  ])('refuses %j in its format', (text, format) => {
    expect(canonicalDecimal(text, format)).toBeUndefined();
  });
});

describe('toBasisPoints: exact or refused', () => {
  it.each([
    ['250', 'bps', PLAIN, 250],
    ['250.0', 'bps', PLAIN, 250],
    ['2.5', 'percent', PLAIN, 250],
    ['2.50 %', 'percent', PLAIN, 250],
    ['2,5%', 'percent', DE, 250],
    ['0.025', 'fraction', PLAIN, 250],
    ['0.0001', 'fraction', PLAIN, 1],
    ['100', 'percent', PLAIN, 10000],
    ['1', 'fraction', PLAIN, 10000],
    ['0', 'percent', PLAIN, 0],
    ['1,000', 'bps', US, 1000],
  ] as const)('reads %j in %s', (text, unit, format, expected) => {
    expect(toBasisPoints(text, unit, format)).toBe(expected);
  });

  it.each([
    ['250.5', 'bps'],
    ['2.555', 'percent'],
    ['0.00005', 'fraction'],
    ['0.333333', 'fraction'],
  ] as const)('refuses %j in %s as inexact, never rounds', (text, unit) => {
    expect(toBasisPoints(text, unit, PLAIN)).toBe('inexact');
  });

  it('refuses a malformed cell, and % outside percent', () => {
    expect(toBasisPoints('2.5%', 'bps', PLAIN)).toBeUndefined();
    expect(toBasisPoints('-1', 'percent', PLAIN)).toBeUndefined();
    expect(toBasisPoints('', 'percent', PLAIN)).toBeUndefined();
  });

  it('leaves huge values for the range check, never a float', () => {
    expect(toBasisPoints('1' + '0'.repeat(20), 'percent', PLAIN)).toBe('1' + '0'.repeat(22));
  });
});

describe('exactJsonNumber', () => {
  it('gives the text of numbers a double holds exactly', () => {
    expect(exactJsonNumber(JSON.parse('1234567.89'))).toBe('1234567.89');
    expect(exactJsonNumber(JSON.parse('0.1'))).toBe('0.1');
    expect(exactJsonNumber(JSON.parse('999999999999999'))).toBe('999999999999999');
  });

  it('refuses longer numbers, exponents and negatives', () => {
    expect(exactJsonNumber(JSON.parse('12345678901234567'))).toBeUndefined();
    expect(exactJsonNumber(1e21)).toBeUndefined();
    expect(exactJsonNumber(1e-7)).toBeUndefined();
    expect(exactJsonNumber(-1)).toBeUndefined();
    expect(exactJsonNumber(NaN)).toBeUndefined();
  });
});

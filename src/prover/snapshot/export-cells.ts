/**
 * Numbers as a custodian's export writes them, made exact: amounts with its own thousands and
 * decimal separators, haircuts and yields as basis points, percentages or fractions. Every
 * conversion is exact or refused; nothing is rounded (see toBasisPoints for why).
 */

/** Thousands separators a mapping may name ('' = none). */
export const THOUSANDS_SEPARATORS = ['', ',', '.', ' ', "'"] as const;
export const DECIMAL_SEPARATORS = ['.', ','] as const;

export interface NumberFormat {
  thousandsSeparator: (typeof THOUSANDS_SEPARATORS)[number];
  decimalSeparator: (typeof DECIMAL_SEPARATORS)[number];
}

/** How a mapping says a haircut or yield is written. */
export type RateUnit = 'bps' | 'percent' | 'fraction';

// Spreadsheets in French and Swiss locales group with a no-break or narrow no-break space.
const SPACE_VARIANTS = /[\u00a0\u202f]/g;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether `text` (trimmed) is a well-formed non-negative number in `format`. */
function numberPattern(format: NumberFormat): RegExp {
  const dec = escapeRegExp(format.decimalSeparator);
  const sep = escapeRegExp(format.thousandsSeparator);
  // Grouping is checked, not stripped blindly: "1.234,56" read with "," as the thousands
  // separator would otherwise turn into 1.23456 instead of being refused.
  const whole = sep === '' ? '[0-9]+' : `(?:[0-9]+|[0-9]{1,3}(?:${sep}[0-9]{3})+)`;
  return new RegExp(`^(${whole})(?:${dec}([0-9]+))?$`);
}

/**
 * An amount cell in canonical form ("1234567.89": digits, optionally "." and digits), or
 * undefined when it is not a number in `format` (signs, currency symbols, exponents and
 * parentheses included: a snapshot has no negative or symbolic amounts).
 */
export function canonicalDecimal(text: string, format: NumberFormat): string | undefined {
  let cell = text.trim();
  if (format.thousandsSeparator === ' ') cell = cell.replace(SPACE_VARIANTS, ' ');
  const match = numberPattern(format).exec(cell);
  if (match === null) return undefined;
  const whole = match[1]!.split(format.thousandsSeparator || '\u0000').join('');
  return match[2] === undefined ? whole : `${whole}.${match[2]}`;
}

const SCALE: Record<RateUnit, bigint> = { bps: 1n, percent: 100n, fraction: 10_000n };

/**
 * Basis points from a haircut or yield cell written in `unit` ("2.5" percent, "0.025" fraction,
 * "250" bps -> 250); a trailing "%" is allowed in percent. Returns 'inexact' when the value is
 * not a whole number of basis points: it is refused, not rounded, because rounding favours the
 * prover either way for some claim (a haircut rounded down inflates coverage; a yield rounded
 * either way can move it inside a yield range). Digit strings are returned past 2^53 so the
 * range check, not a float, refuses them.
 */
export function toBasisPoints(
  text: string,
  unit: RateUnit,
  format: NumberFormat,
): number | string | 'inexact' | undefined {
  let cell = text.trim();
  if (unit === 'percent') cell = cell.replace(/\s*%$/, '');
  const decimal = canonicalDecimal(cell, format);
  if (decimal === undefined) return undefined;
  const [whole, fraction = ''] = decimal.split('.');
  const scaled = BigInt(whole! + fraction) * SCALE[unit];
  const divisor = 10n ** BigInt(fraction.length);
  if (scaled % divisor !== 0n) return 'inexact';
  const bps = scaled / divisor;
  return bps <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(bps) : bps.toString();
}

/**
 * The decimal text of a JSON number, when that text is exactly the number the file wrote:
 * a double holds any decimal of at most 15 significant digits exactly enough that its shortest
 * form (String) gives that decimal back. Longer numbers, exponents and negatives: undefined
 * (the export must give them as strings).
 */
export function exactJsonNumber(n: number): string | undefined {
  if (!Number.isFinite(n) || n < 0) return undefined;
  const text = String(n);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text)) return undefined; // "1e+21", "1e-7"
  const digits = text.replace('.', '').replace(/^0+/, '');
  return digits.length <= 15 ? text : undefined;
}

/**
 * Amounts as people read them (V2SPEC "Amount formatting"): code, space, the whole part grouped
 * by 3 with ",", then "." and exactly `decimals` digits. Exact: integer arithmetic on bigints,
 * never a float, so 2^64-1 minor units print to the last digit.
 */
import { parseUnit, type Unit } from './currency';

import { FX_SCALE } from './fx-table';

export { FX_SCALE };

/** Fewest fractional digits a rate is printed with (more when the rate needs them). */
const RATE_MIN_PLACES = 6;

function grouped(whole: string): string {
  return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `scaled / 10^places` as "whole.fraction" with exactly `places` fractional digits. */
function fixedPoint(scaled: bigint, places: number): string {
  const divisor = 10n ** BigInt(places);
  const whole = grouped((scaled / divisor).toString());
  if (places === 0) return whole;
  return `${whole}.${(scaled % divisor).toString().padStart(places, '0')}`;
}

/**
 * `minor` minor units of `unit` for people: `formatAmount(1250000000n, USD/2)` ->
 * "USD 12,500,000.00", `formatAmount(1234n, JPY/0)` -> "JPY 1,234". Negative amounts do not
 * exist in a snapshot (RangeError); an unknown unit is a coded error.
 */
export function formatAmount(minor: bigint, unit: Unit): string {
  const { currency, decimals } = parseUnit(unit, 'unit');
  if (minor < 0n) throw new RangeError('amounts are never negative');
  return `${currency} ${fixedPoint(minor, decimals)}`;
}

/**
 * An FX rate for people: "1 CNY = 0.137900 USD". `rate` is the value of ONE minor unit of `from`
 * in minor units of `to`, times FX_SCALE (the table's form); printed exactly, per major unit,
 * with trailing zeros trimmed down to 6 places (never rounded).
 */
export function formatRate(rate: bigint, from: Unit, to: Unit): string {
  const source = parseUnit(from, 'from');
  const target = parseUnit(to, 'to');
  if (rate < 0n) throw new RangeError('rates are never negative');
  // One major unit of `from` is 10^from.decimals minor units; the result is in major units of
  // `to`, so it is rate * 10^from.decimals / (10^12 * 10^to.decimals): a fixed-point number
  // with 12 + to.decimals places, scaled by 10^from.decimals.
  const places = 12 + target.decimals;
  const scaled = rate * 10n ** BigInt(source.decimals);
  let text = fixedPoint(scaled, places);
  const point = text.indexOf('.');
  while (text.length - point - 1 > RATE_MIN_PLACES && text.endsWith('0')) {
    text = text.slice(0, -1);
  }
  return `1 ${source.currency} = ${text} ${target.currency}`;
}

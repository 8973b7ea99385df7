/**
 * Currencies and units (V2SPEC "Units"): a closed table of ISO 4217 alphabetic codes with their
 * default minor-unit decimals, and the integer forms the circuit and the contracts use.
 * Shared by prover and verifiers, so both sides agree on what a unit is.
 */
import { ZkAttestError } from './errors';

/**
 * ISO 4217 code -> default minor-unit decimals (ISO's "minor unit" column). Closed on purpose:
 * a typo ("USB") or a private label must be refused, not signed into a proof as a unit.
 *
 * Left out, with reasons:
 * - CNH: the offshore renminbi is a market convention, not an ISO 4217 code (ISO has CNY
 *   only). Offshore RMB holdings are CNY positions; that offshore CNY trades at another
 *   rate is the FX source's business (it signs the CNY rate it applies).
 * - Codes without a minor unit (ISO "N.A."): XXX (no currency), XTS (testing), XAU/XAG/XPT/XPD
 *   (metals), XDR, XSU, XUA: an amount in them has no defined minor unit to count in.
 * - Withdrawn codes (e.g. HRK, ANG, BGN after its euro change-over, SLL, VEF): no new
 *   snapshot should be denominated in them.
 */
const MINOR_UNITS: Readonly<Record<string, number>> = Object.freeze({
  // The most traded currencies (BIS triennial survey order, roughly), then regional ones.
  USD: 2,
  EUR: 2,
  JPY: 0,
  GBP: 2,
  CNY: 2,
  AUD: 2,
  CAD: 2,
  CHF: 2,
  HKD: 2,
  SGD: 2,
  SEK: 2,
  KRW: 0,
  NOK: 2,
  NZD: 2,
  INR: 2,
  MXN: 2,
  TWD: 2,
  ZAR: 2,
  BRL: 2,
  DKK: 2,
  PLN: 2,
  THB: 2,
  ILS: 2,
  IDR: 2,
  CZK: 2,
  AED: 2,
  TRY: 2,
  HUF: 2,
  CLP: 0,
  SAR: 2,
  PHP: 2,
  MYR: 2,
  COP: 2,
  RUB: 2,
  RON: 2,
  PEN: 2,
  VND: 0,
  ISK: 0,
  MOP: 2,
  QAR: 2,
  KWD: 3,
  BHD: 3,
  OMR: 3,
  JOD: 3,
  TND: 3,
  LYD: 3,
  IQD: 3,
  EGP: 2,
  PKR: 2,
  NGN: 2,
  KZT: 2,
  UAH: 2,
  BDT: 2,
  LKR: 2,
  MAD: 2,
  ARS: 2,
  UYU: 2,
  KES: 2,
  GHS: 2,
  MNT: 2,
  KHR: 2,
  LAK: 2,
  MMK: 2,
  NPR: 2,
  BND: 2,
  UGX: 0,
  PYG: 0,
  RWF: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  CLF: 4,
  UYW: 4,
});

/** Largest decimals of a unit: amounts are < 2^64 minor units, and 10^18 < 2^64 < 10^20. */
export const MAX_UNIT_DECIMALS = 18;

/** A unit of account: an ISO 4217 code and the number of decimals of its minor unit. */
export interface Unit {
  currency: string;
  decimals: number;
}

/** Whether `code` is a known ISO 4217 alphabetic code (exact: 3 upper-case letters). */
export function isIsoCurrency(code: unknown): code is string {
  return typeof code === 'string' && Object.hasOwn(MINOR_UNITS, code);
}

/** Every known code, sorted. */
export function isoCurrencies(): string[] {
  return Object.keys(MINOR_UNITS).sort();
}

/** ISO 4217's default minor-unit decimals of a known code (2 for USD, 0 for JPY, 3 for KWD). */
export function defaultDecimals(code: string): number {
  if (!isIsoCurrency(code)) throw new RangeError('not a known ISO 4217 code');
  return MINOR_UNITS[code]!;
}

function isDecimals(decimals: unknown): decimals is number {
  return (
    Number.isSafeInteger(decimals) &&
    (decimals as number) >= 0 &&
    (decimals as number) <= MAX_UNIT_DECIMALS
  );
}

/**
 * A currency code, or CURRENCY_UNKNOWN naming `field` (never the value: it may be a cell of a
 * custodian's file). `details` (default `{ field }`) says where for programs, e.g. row, column.
 */
export function parseCurrency(
  code: unknown,
  field: string,
  details: Record<string, string | number> = { field },
): string {
  if (!isIsoCurrency(code)) {
    throw new ZkAttestError(
      'CURRENCY_UNKNOWN',
      `${field} must be a known ISO 4217 currency code (3 upper-case letters, e.g. USD)`,
      details,
    );
  }
  return code;
}

/** Decimals 0..18, or DECIMALS_OUT_OF_RANGE naming `field` (`details` as parseCurrency's). */
export function parseDecimals(
  decimals: unknown,
  field: string,
  details: Record<string, string | number> = { field },
): number {
  if (!isDecimals(decimals)) {
    throw new ZkAttestError(
      'DECIMALS_OUT_OF_RANGE',
      `${field} must be an integer from 0 to ${MAX_UNIT_DECIMALS}`,
      details,
    );
  }
  return decimals === 0 ? 0 : decimals; // folds -0
}

/**
 * A checked unit from untrusted input (`{ currency, decimals }`); errors name
 * `${field}.currency` or `${field}.decimals`.
 */
export function parseUnit(raw: { currency: unknown; decimals: unknown }, field: string): Unit {
  return {
    currency: parseCurrency(raw.currency, `${field}.currency`),
    decimals: parseDecimals(raw.decimals, `${field}.decimals`),
  };
}

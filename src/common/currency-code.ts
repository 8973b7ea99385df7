/**
 * Currency codes in the form the FX table hash, the signed messages and the contracts take
 * them (bytes, integers), with coded errors. Which codes exist: currency.ts.
 */
import { parseCurrency, parseDecimals } from './currency';

export { isIsoCurrency } from './currency';

/** The code's 3 ASCII bytes, as Solidity's bytes3 holds them; CURRENCY_UNKNOWN otherwise. */
export function currencyBytes(code: string, field = 'currency'): Uint8Array {
  return new Uint8Array(Buffer.from(parseCurrency(code, field), 'ascii'));
}

/** The code's 3 ASCII bytes as a big-endian integer (`USD` = 0x555344), as the circuit has it. */
export function currencyInt(code: string, field = 'currency'): bigint {
  return BigInt(`0x${Buffer.from(currencyBytes(code, field)).toString('hex')}`);
}

/** A unit's 32-bit code: `currencyInt + decimals * 2^24`, as the FX table hash takes it. */
export function unitCode(code: string, decimals: number, field = 'currency'): bigint {
  const d = parseDecimals(decimals, field.replace(/currency$/, 'decimals'));
  return currencyInt(code, field) + BigInt(d) * (1n << 24n);
}

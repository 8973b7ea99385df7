/**
 * Currency codes in the form the FX table hash, the signed messages and the contracts take
 * them (bytes, integers), with coded errors. Which codes exist: currency.ts.
 */
import { isIsoCurrency, MAX_UNIT_DECIMALS as MAX_DECIMALS } from './currency';
import { ZkAttestError } from './errors';

export { isIsoCurrency };

/** The code's 3 ASCII bytes, as Solidity's bytes3 holds them; CURRENCY_UNKNOWN otherwise. */
export function currencyBytes(code: string, field = 'currency'): Uint8Array {
  if (!isIsoCurrency(code)) {
    throw new ZkAttestError('CURRENCY_UNKNOWN', `${field} is not a known ISO 4217 code`, {
      field,
    });
  }
  return new Uint8Array(Buffer.from(code, 'ascii'));
}

/** The code's 3 ASCII bytes as a big-endian integer (`USD` = 0x555344), as the circuit has it. */
export function currencyInt(code: string, field = 'currency'): bigint {
  return BigInt(`0x${Buffer.from(currencyBytes(code, field)).toString('hex')}`);
}

/** Checks decimals are an integer 0..18; DECIMALS_OUT_OF_RANGE naming `field` otherwise. */
export function checkDecimals(decimals: unknown, field = 'decimals'): number {
  if (
    typeof decimals !== 'number' ||
    !Number.isInteger(decimals) ||
    decimals < 0 ||
    decimals > MAX_DECIMALS
  ) {
    throw new ZkAttestError(
      'DECIMALS_OUT_OF_RANGE',
      `${field} must be an integer from 0 to ${MAX_DECIMALS}`,
      { field },
    );
  }
  return decimals;
}

/** A unit's 32-bit code: `currencyInt + decimals * 2^24`, as the FX table hash takes it. */
export function unitCode(code: string, decimals: number, field = 'currency'): bigint {
  const d = checkDecimals(decimals, field.replace(/currency$/, 'decimals'));
  return currencyInt(code, field) + BigInt(d) * (1n << 24n);
}

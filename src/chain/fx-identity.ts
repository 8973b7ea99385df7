import { buildPoseidon, type Poseidon } from 'circomlibjs';
import { ZkAttestError } from '../common/errors';

// Interim: src/common/fx-table.ts (another slice) owns the FX table hash; this computes only
// the identity table a token is deployed with, by the V2SPEC formula, until the two are deduped.

/** Rates are fixed-point with this scale (V2SPEC). */
export const FX_SCALE = 10n ** 12n;
/** Rows of a rate table the circuit hashes (rows past the last are 0). */
const FX_ROWS = 8;

/** A unit's currency as the circuit and the ABI take it: 3 ASCII bytes big-endian (USD = 0x555344). */
export function currencyInt(currency: string): bigint {
  if (!/^[A-Z]{3}$/.test(currency)) {
    throw new ZkAttestError('CURRENCY_UNKNOWN', 'currency must be 3 uppercase ASCII letters');
  }
  return BigInt(`0x${Buffer.from(currency, 'ascii').toString('hex')}`);
}

/** decimals must be an integer 0..18. */
export function checkDecimals(decimals: number): number {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 18) {
    throw new ZkAttestError('DECIMALS_OUT_OF_RANGE', 'decimals must be an integer from 0 to 18');
  }
  return decimals;
}

/** unitCode(currency, decimals) = currencyInt + decimals * 2^24. */
export function unitCode(currency: string, decimals: number): bigint {
  return currencyInt(currency) + BigInt(checkDecimals(decimals)) * (1n << 24n);
}

let poseidon: Promise<Poseidon> | undefined;

/**
 * The `fxTable` signal of a unit's identity table (one row: the unit itself at rate 10^12):
 * meta = Poseidon9(unitCode(reporting), unitCode(row0), 0 x 7);
 * hash = Poseidon9(meta, 10^12, 0 x 7).
 */
export async function identityFxTableHash(currency: string, decimals: number): Promise<bigint> {
  const code = unitCode(currency, decimals);
  poseidon ??= buildPoseidon();
  const p = await poseidon;
  const zeros = Array<bigint>(FX_ROWS - 1).fill(0n);
  const meta = p.F.toObject(p([code, code, ...zeros]));
  return p.F.toObject(p([meta, FX_SCALE, ...zeros]));
}

/**
 * The FX rate table of Statement v2: which currencies a book's positions may be in, and what
 * one minor unit of each is worth in minor units of the reporting currency (fixed point,
 * FX_SCALE). Its Poseidon hash is the `fxTable` public signal; an FX source signs the hash.
 */
import { z } from 'zod';
import { abiEncode, bytes32Label } from './abi-encode';
import { parseDecimals, parseUnit } from './currency';
import { currencyBytes, unitCode } from './currency-code';
import { ZkAttestError } from './errors';
import { loadPoseidon, type PoseidonHash } from './poseidon';

/** Rates are fixed point: the value times 10^12, rounded down. */
export const FX_SCALE = 10n ** 12n;

/** Rows a table may have: a position's currency is a 3-bit row index. */
export const FX_MAX_ROWS = 8;

/** A rate is below 2^64 (the circuit multiplies it by a 64-bit value). */
export const FX_RATE_LIMIT = 1n << 64n;

/** The signed FX message's domain label. */
export const FX_MESSAGE_LABEL = 'zkattest.fx.v2';

const unitSchema = z.strictObject({ currency: z.string(), decimals: z.number() });
const rowSchema = z.strictObject({ currency: z.string(), decimals: z.number(), rate: z.string() });

/** The table's JSON shape (structure only; {@link parseFxTable} adds the value rules). */
export const fxTableSchema = z.strictObject({ reporting: unitSchema, rows: z.array(rowSchema) });

/** A currency and its number of decimals (USD 2, JPY 0). */
export type Unit = z.infer<typeof unitSchema>;
export type FxRow = z.infer<typeof rowSchema>;
export type FxTable = z.infer<typeof fxTableSchema>;

/**
 * Parses and checks a table: strict shape (FX_TABLE_INVALID), 1..8 rows of distinct
 * currencies (FX_TABLE_INVALID), known currencies (CURRENCY_UNKNOWN), decimals 0..18
 * (DECIMALS_OUT_OF_RANGE), rates canonical decimal integers with 0 < rate < 2^64
 * (FX_RATE_INVALID). Errors name the field (`rows[2].rate`), never its value.
 */
export function parseFxTable(candidate: unknown): FxTable {
  const parsed = fxTableSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = fieldName(issue.path) || 'table';
    const problem = issue.code === 'unrecognized_keys' ? 'has an unknown member' : 'is malformed';
    throw new ZkAttestError('FX_TABLE_INVALID', `FX table: ${field} ${problem}`, { field });
  }
  const table = parsed.data;
  checkUnit(table.reporting, 'reporting');
  if (table.rows.length < 1 || table.rows.length > FX_MAX_ROWS) {
    throw new ZkAttestError('FX_TABLE_INVALID', `FX table: rows has 1 to ${FX_MAX_ROWS} entries`, {
      field: 'rows',
    });
  }
  const seen = new Set<string>();
  table.rows.forEach((row, i) => {
    checkUnit(row, `rows[${i}]`);
    if (seen.has(row.currency)) {
      const field = `rows[${i}].currency`;
      throw new ZkAttestError('FX_TABLE_INVALID', `FX table: ${field} repeats a currency`, {
        field,
      });
    }
    seen.add(row.currency);
    checkRate(row.rate, `rows[${i}].rate`);
  });
  return table;
}

/** The rate as a bigint if it is a canonical decimal integer with 0 < rate < 2^64. */
function checkRate(rate: string, field: string): bigint {
  // At most 20 digits (2^64 has 20) before BigInt; no leading zeros, so one encoding per rate.
  const value = /^[1-9][0-9]{0,19}$/.test(rate) ? BigInt(rate) : 0n;
  if (value === 0n || value >= FX_RATE_LIMIT) {
    throw new ZkAttestError(
      'FX_RATE_INVALID',
      `FX table: ${field} must be a decimal integer from 1 to 2^64-1`,
      { field },
    );
  }
  return value;
}

function checkUnit(unit: Unit, where: string): void {
  parseUnit(unit, where); // CURRENCY_UNKNOWN / DECIMALS_OUT_OF_RANGE naming `${where}.<part>`
}

/** zod's issue path as `rows[2].rate`. */
function fieldName(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

/** The table of a one-currency book: its own unit at rate 1 (needs no FX source signature). */
export function identityFxTable(unit: Unit): FxTable {
  return {
    reporting: { currency: unit.currency, decimals: unit.decimals },
    rows: [{ currency: unit.currency, decimals: unit.decimals, rate: FX_SCALE.toString() }],
  };
}

/** Whether the table is its reporting unit's identity table. */
export function isIdentityTable(table: FxTable): boolean {
  const [row] = table.rows;
  return (
    table.rows.length === 1 &&
    row!.currency === table.reporting.currency &&
    row!.decimals === table.reporting.decimals &&
    row!.rate === FX_SCALE.toString()
  );
}

/**
 * What the circuit takes of a table (circuits/lib/fx_conversion.circom): `meta`, the Poseidon
 * of its units, and its 8 rates (absent rows 0), and what it outputs: the table's `hash`.
 * Checks the table first.
 */
export function fxTableParts(
  poseidon: PoseidonHash,
  candidate: FxTable,
): { meta: bigint; rates: bigint[]; hash: bigint } {
  const table = parseFxTable(candidate);
  const codes = new Array<bigint>(FX_MAX_ROWS).fill(0n);
  const rates = new Array<bigint>(FX_MAX_ROWS).fill(0n);
  table.rows.forEach((row, i) => {
    codes[i] = unitCode(row.currency, row.decimals);
    rates[i] = BigInt(row.rate);
  });
  const meta = poseidon([unitCode(table.reporting.currency, table.reporting.decimals), ...codes]);
  return { meta, rates, hash: poseidon([meta, ...rates]) };
}

/**
 * The table's hash (the `fxTable` public signal), with a Poseidon already at hand:
 * `Poseidon9(Poseidon9(unitCode(reporting), unitCode(row_0..7)), rate_0..7)`, absent rows 0.
 */
export function fxTableHashWith(poseidon: PoseidonHash, candidate: FxTable): bigint {
  // Verifiers hash the same few tables (one per unit and fixing) for every package.
  const memoKey = JSON.stringify(candidate);
  const known = tableHashes.get(memoKey);
  if (known !== undefined) return known;
  const { hash } = fxTableParts(poseidon, candidate);
  if (tableHashes.size >= TABLE_HASH_CACHE) tableHashes.delete(tableHashes.keys().next().value!);
  tableHashes.set(memoKey, hash);
  return hash;
}

/** Hashes of tables already checked, by their JSON (a table that failed is never here). */
const tableHashes = new Map<string, bigint>();
const TABLE_HASH_CACHE = 256;

/** The table's hash (see {@link fxTableHashWith}); checks the table first. */
export async function fxTableHash(table: FxTable): Promise<bigint> {
  return fxTableHashWith(await loadPoseidon(), table);
}

/**
 * The bytes an FX source signs (ECDSA P-256 / SHA-256): abi.encode(bytes32 "zkattest.fx.v2",
 * uint256 fxTableHash, bytes3 reportingCurrency, uint8 reportingDecimals, uint40 fxAsOf).
 */
export function fxMessage(hash: bigint, reporting: Unit, fxAsOf: number): Uint8Array {
  return abiEncode([
    ['bytes32', bytes32Label(FX_MESSAGE_LABEL)],
    ['uint256', hash],
    ['bytes3', currencyBytes(reporting.currency, 'reporting.currency')],
    ['uint8', BigInt(parseDecimals(reporting.decimals, 'reporting.decimals'))],
    ['uint40', BigInt(checkUnixSeconds(fxAsOf, 'fxAsOf'))],
  ]);
}

/** A uint40 unix time in seconds, or FX_TABLE_INVALID naming `field`. */
function checkUnixSeconds(seconds: number, field: string): number {
  if (!Number.isSafeInteger(seconds) || seconds < 0 || seconds >= 2 ** 40) {
    throw new ZkAttestError('FX_TABLE_INVALID', `${field} must be unix seconds below 2^40`, {
      field,
    });
  }
  return seconds;
}

/** The row index (0..7) of `currency`, which a position's currency field holds. */
export function rowIndexOf(table: FxTable, currency: string): number {
  const index = table.rows.findIndex((row) => row.currency === currency);
  if (index < 0) {
    throw new ZkAttestError('FX_CURRENCY_MISSING', 'a position currency has no FX table row', {
      field: 'currency',
    });
  }
  return index;
}

/** A positive decimal as people write rates: `0.1379`, `7.25`, `150`. */
const MAJOR_RATE_PATTERN = /^(0|[1-9][0-9]{0,39})(?:\.([0-9]{1,40}))?$/;

/**
 * The table rate of a row from a human rate (`1 major row unit = majorRate major reporting
 * units`, e.g. CNY -> USD "0.1379"): one row minor unit in reporting minor units times 10^12,
 * rounded down, exactly (decimal strings and bigints, never floats).
 *
 * rate = floor(majorRate * 10^(12 + reporting.decimals - row.decimals)).
 *
 * @throws ZkAttestError FX_RATE_INVALID when it is not a positive decimal or the rate rounds
 *   to 0 or reaches 2^64; DECIMALS_OUT_OF_RANGE for bad decimals.
 */
export function rateFromDecimal(majorRate: string, row: Unit, reporting: Unit): bigint {
  const rowDecimals = parseDecimals(row.decimals, 'row.decimals');
  const reportingDecimals = parseDecimals(reporting.decimals, 'reporting.decimals');
  const match = MAJOR_RATE_PATTERN.exec(majorRate);
  const invalid = (why: string) =>
    new ZkAttestError('FX_RATE_INVALID', `rate ${why}`, { field: 'rate' });
  if (match === null) throw invalid('must be a decimal such as 0.1379');
  const fraction = match[2] ?? '';
  // majorRate = digits / 10^fraction.length
  const digits = BigInt(`${match[1]}${fraction}`);
  const exponent = 12 + reportingDecimals - rowDecimals - fraction.length;
  const rate = exponent >= 0 ? digits * 10n ** BigInt(exponent) : digits / 10n ** BigInt(-exponent);
  if (rate === 0n) throw invalid('is zero at 10^12 fixed point in minor units');
  if (rate >= FX_RATE_LIMIT) throw invalid('reaches 2^64 in minor units at 10^12 fixed point');
  return rate;
}

/**
 * Allocations: one coverage proof's capacity split across deployments (chain id + token +
 * amount), so that a token living on two chains never lets the same collateral back both. The
 * table is public (it names deployments and amounts); its full-width SHA-256 is signed in the
 * snapshot message (`allocations`), and every verifier and each token checks that the amounts
 * sum to at most the proven capacity and takes only its own row. Both the capacity and the
 * amounts are public, so this needs no circuit: a truncated or unsigned binding would let a
 * custodian grind two tables to one value, a signed SHA-256 does not.
 *
 * allocations = sha256(abi.encode(bytes32 "zkattest.allocations.v2",
 *                                 (uint256 chainId, address token, uint64 amount)[] rows))
 * with rows strictly ascending by (chainId, token): one table, one hash.
 */
import { z } from 'zod';
import { bytes32Label } from './abi-encode';
import { ZkAttestError } from './errors';
import { sha256Hex } from './hash';

export const ALLOCATIONS_LABEL = 'zkattest.allocations.v2';
/** The most deployments one proof may be split across. */
export const MAX_ALLOCATIONS = 16;
const UINT64_MAX = (1n << 64n) - 1n;
const UINT256_MAX = (1n << 256n) - 1n;

export interface AllocationRow {
  /** EIP-155 chain id, decimal string (uint256). */
  chainId: string;
  /** The token's address, 0x + 40 lowercase hex digits. */
  token: string;
  /** Token base units (the reporting unit's minor units), decimal string (uint64). */
  amount: string;
}

export interface AllocationTable {
  rows: AllocationRow[];
}

export const allocationTableSchema = z.strictObject({
  rows: z
    .array(
      z.strictObject({
        chainId: z.string().regex(/^[1-9][0-9]{0,77}$/, 'a positive decimal integer'),
        token: z.string().regex(/^0x[0-9a-f]{40}$/, '0x and 40 lowercase hex digits'),
        amount: z.string().regex(/^(0|[1-9][0-9]{0,19})$/, 'a decimal integer'),
      }),
    )
    .min(1)
    .max(MAX_ALLOCATIONS),
});

function invalid(field: string, rule: string): ZkAttestError {
  return new ZkAttestError('ALLOCATIONS_INVALID', `${field}: ${rule}`, { field });
}

const rowKey = (r: AllocationRow) => [BigInt(r.chainId), BigInt(r.token)] as const;
function compareRows(a: AllocationRow, b: AllocationRow): number {
  const [ac, at] = rowKey(a);
  const [bc, bt] = rowKey(b);
  if (ac !== bc) return ac < bc ? -1 : 1;
  return at < bt ? -1 : at > bt ? 1 : 0;
}

/**
 * Checks a table (as typed by a custodian: token addresses in any case, chain ids and amounts
 * as numbers or strings) and returns its canonical form, rows ascending by (chainId, token).
 *
 * @throws ZkAttestError ALLOCATIONS_INVALID naming the row and field: 1..16 rows, chain ids
 *   1..2^256-1, 20-byte addresses, amounts < 2^64, no deployment twice.
 */
export function parseAllocationTable(value: unknown): AllocationTable {
  const v = value as { rows?: unknown };
  if (typeof value !== 'object' || value === null || !Array.isArray(v.rows)) {
    throw invalid('allocations', 'an object with rows');
  }
  const rows = v.rows.map((row: unknown, i): AllocationRow => {
    const r = row as Record<string, unknown>;
    const at = `allocations.rows.${i}`;
    if (typeof row !== 'object' || row === null) throw invalid(at, 'not an object');
    const chainId = decimal(r.chainId, `${at}.chainId`, UINT256_MAX);
    if (chainId === 0n) throw invalid(`${at}.chainId`, 'a positive chain id');
    if (typeof r.token !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(r.token)) {
      throw invalid(`${at}.token`, 'a 20-byte address, 0x and 40 hex digits');
    }
    const amount = decimal(r.amount, `${at}.amount`, UINT64_MAX);
    return { chainId: chainId.toString(), token: r.token.toLowerCase(), amount: amount.toString() };
  });
  const parsed = allocationTableSchema.safeParse({ rows });
  if (!parsed.success) throw invalid('allocations.rows', `1 to ${MAX_ALLOCATIONS} rows`);
  const sorted = [...rows].sort(compareRows);
  sorted.forEach((r, i) => {
    if (i > 0 && compareRows(sorted[i - 1]!, r) === 0) {
      throw invalid('allocations.rows', 'a deployment (chain id and token) is named twice');
    }
  });
  return { rows: sorted };
}

function decimal(value: unknown, field: string, max: bigint): bigint {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== 'string' || !/^(0|[1-9][0-9]{0,77})$/.test(text)) {
    throw invalid(field, 'a non-negative decimal integer');
  }
  const n = BigInt(text);
  if (n > max) throw invalid(field, 'too large');
  return n;
}

const word = (n: bigint) => n.toString(16).padStart(64, '0');

/** The signed `allocations` field of a table (hex64), see the module comment. */
export function allocationsHash(table: AllocationTable): string {
  const { rows } = parseAllocationTable(table);
  const hex =
    Buffer.from(bytes32Label(ALLOCATIONS_LABEL)).toString('hex') +
    word(0x40n) +
    word(BigInt(rows.length)) +
    rows
      .map((r) => word(BigInt(r.chainId)) + word(BigInt(r.token)) + word(BigInt(r.amount)))
      .join('');
  return sha256Hex(Buffer.from(hex, 'hex'));
}

/** The sum of the table's amounts. */
export function allocatedTotal(table: AllocationTable): bigint {
  return table.rows.reduce((sum, r) => sum + BigInt(r.amount), 0n);
}

/** The row of one deployment, if the table names it. */
export function allocationFor(
  table: AllocationTable,
  chainId: bigint,
  token: string,
): AllocationRow | undefined {
  const t = token.toLowerCase();
  return table.rows.find((r) => BigInt(r.chainId) === chainId && r.token === t);
}

export const ALLOCATION_CONTEXT_LABEL = 'zkattest.alloc-context.v2';

/**
 * The 128-bit context of a proof split across deployments: every token named in the table
 * accepts it (and only its own row of it), so it binds the table instead of one contract:
 * uint256(sha256(abi.encode(bytes32 "zkattest.alloc-context.v2", bytes32 allocations))) >> 128.
 */
export function allocationContext(allocations: string): bigint {
  const hex = Buffer.from(bytes32Label(ALLOCATION_CONTEXT_LABEL)).toString('hex') + allocations;
  return BigInt(`0x${sha256Hex(Buffer.from(hex, 'hex'))}`) >> 128n;
}

import { AbiCoder, encodeBytes32String, sha256 } from 'ethers';
import {
  ALLOCATION_CONTEXT_LABEL,
  ALLOCATIONS_LABEL,
  MAX_ALLOCATIONS,
  allocatedTotal,
  allocationContext,
  allocationFor,
  allocationsHash,
  parseAllocationTable,
  type AllocationTable,
} from '../../src/common/allocations';
import { ZkAttestError } from '../../src/common/errors';

function expectZkError(work: () => unknown, code: string, where: string): void {
  let err: unknown;
  try {
    work();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ZkAttestError);
  expect((err as ZkAttestError).code).toBe(code);
  expect((err as ZkAttestError).message).toContain(where);
}

const TOKEN_A = '0x' + 'aa'.repeat(20);
const TOKEN_B = '0x' + 'Bb'.repeat(20);
const MAX_U64 = (1n << 64n) - 1n;

/** What a Solidity contract computes: sha256(abi.encode(DOMAIN, rows)). */
function solidityHash(table: AllocationTable): string {
  const encoded = AbiCoder.defaultAbiCoder().encode(
    ['bytes32', 'tuple(uint256,address,uint64)[]'],
    [
      encodeBytes32String(ALLOCATIONS_LABEL),
      table.rows.map((r) => [BigInt(r.chainId), r.token, BigInt(r.amount)]),
    ],
  );
  return sha256(encoded).slice(2);
}

const two = {
  rows: [
    { chainId: 31338, token: TOKEN_B, amount: '300' },
    { chainId: '31337', token: TOKEN_A, amount: 500 },
  ],
};

describe('parseAllocationTable', () => {
  it('canonicalises: rows ascending by (chainId, token), lowercase tokens, decimal strings', () => {
    expect(parseAllocationTable(two)).toEqual({
      rows: [
        { chainId: '31337', token: TOKEN_A, amount: '500' },
        { chainId: '31338', token: TOKEN_B.toLowerCase(), amount: '300' },
      ],
    });
    // Same chain: ordered by token address as a number.
    const sameChain = parseAllocationTable({
      rows: [
        { chainId: 1, token: TOKEN_B, amount: 1 },
        { chainId: 1, token: TOKEN_A, amount: 2 },
      ],
    });
    expect(sameChain.rows.map((r) => r.token)).toEqual([TOKEN_A, TOKEN_B.toLowerCase()]);
  });

  it.each([
    ['not an object', 7, 'allocations'],
    ['no rows', { rows: [] }, 'allocations.rows'],
    ['chain id 0', { rows: [{ chainId: 0, token: TOKEN_A, amount: 1 }] }, 'rows.0.chainId'],
    [
      'chain id 2^256',
      { rows: [{ chainId: (1n << 256n).toString(), token: TOKEN_A, amount: 1 }] },
      'rows.0.chainId',
    ],
    ['short address', { rows: [{ chainId: 1, token: '0x1234', amount: 1 }] }, 'rows.0.token'],
    [
      'amount 2^64',
      { rows: [{ chainId: 1, token: TOKEN_A, amount: (MAX_U64 + 1n).toString() }] },
      'rows.0.amount',
    ],
    ['negative amount', { rows: [{ chainId: 1, token: TOKEN_A, amount: -1 }] }, 'rows.0.amount'],
    [
      'fractional amount',
      { rows: [{ chainId: 1, token: TOKEN_A, amount: '1.5' }] },
      'rows.0.amount',
    ],
    [
      'a deployment twice (address case aside)',
      {
        rows: [
          { chainId: 1, token: TOKEN_B, amount: 1 },
          { chainId: 1, token: TOKEN_B.toLowerCase(), amount: 2 },
        ],
      },
      'named twice',
    ],
    [
      `${MAX_ALLOCATIONS + 1} rows`,
      {
        rows: Array.from({ length: MAX_ALLOCATIONS + 1 }, (_, i) => ({
          chainId: i + 1,
          token: TOKEN_A,
          amount: 1,
        })),
      },
      `1 to ${MAX_ALLOCATIONS} rows`,
    ],
  ])('refuses %s with ALLOCATIONS_INVALID naming where', (_name, value, where) => {
    expectZkError(() => parseAllocationTable(value), 'ALLOCATIONS_INVALID', where);
  });

  it('accepts the limits: amount 2^64-1, chain id 2^256-1, 16 rows', () => {
    const big = {
      chainId: ((1n << 256n) - 1n).toString(),
      token: TOKEN_A,
      amount: MAX_U64.toString(),
    };
    expect(parseAllocationTable({ rows: [big] }).rows[0]).toEqual(big);
    const rows = Array.from({ length: MAX_ALLOCATIONS }, (_, i) => ({
      chainId: i + 1,
      token: TOKEN_A,
      amount: 1,
    }));
    expect(parseAllocationTable({ rows }).rows).toHaveLength(MAX_ALLOCATIONS);
  });
});

describe('allocationsHash', () => {
  it("equals sha256 of ethers' AbiCoder encoding of (bytes32, (uint256,address,uint64)[])", () => {
    const table = parseAllocationTable(two);
    expect(allocationsHash(table)).toBe(solidityHash(table));
    const edge = parseAllocationTable({
      rows: [
        { chainId: ((1n << 256n) - 1n).toString(), token: TOKEN_B, amount: MAX_U64.toString() },
        { chainId: 1, token: '0x' + '00'.repeat(19) + '01', amount: 0 },
      ],
    });
    expect(allocationsHash(edge)).toBe(solidityHash(edge));
    const full = parseAllocationTable({
      rows: Array.from({ length: MAX_ALLOCATIONS }, (_, i) => ({
        chainId: 10 + i,
        token: TOKEN_A,
        amount: 1000 * i,
      })),
    });
    expect(allocationsHash(full)).toBe(solidityHash(full));
  });

  it('is one hash per table: input order and address case do not matter, any amount does', () => {
    const reversed = { rows: [...two.rows].reverse() };
    expect(allocationsHash(reversed as unknown as AllocationTable)).toBe(
      allocationsHash(two as unknown as AllocationTable),
    );
    const canonical = parseAllocationTable(two);
    const oneMore = {
      rows: canonical.rows.map((r, i) => (i === 0 ? { ...r, amount: '501' } : r)),
    };
    expect(allocationsHash(oneMore)).not.toBe(allocationsHash(canonical));
    const otherChain = {
      rows: canonical.rows.map((r, i) => (i === 0 ? { ...r, chainId: '31339' } : r)),
    };
    expect(allocationsHash(otherChain)).not.toBe(allocationsHash(canonical));
  });
});

describe('allocatedTotal, allocationFor, allocationContext', () => {
  const table = parseAllocationTable(two);

  it('sums the amounts exactly (past 2^53)', () => {
    expect(allocatedTotal(table)).toBe(800n);
    const big = parseAllocationTable({
      rows: [
        { chainId: 1, token: TOKEN_A, amount: MAX_U64.toString() },
        { chainId: 2, token: TOKEN_A, amount: MAX_U64.toString() },
      ],
    });
    expect(allocatedTotal(big)).toBe(2n * MAX_U64);
  });

  it('finds only the row of that chain and that token (address case aside)', () => {
    expect(allocationFor(table, 31338n, TOKEN_B.toUpperCase().replace('0X', '0x'))?.amount).toBe(
      '300',
    );
    expect(allocationFor(table, 31337n, TOKEN_A)?.amount).toBe('500');
    expect(allocationFor(table, 31337n, TOKEN_B)).toBeUndefined(); // right token, wrong chain
    expect(allocationFor(table, 31339n, TOKEN_A)).toBeUndefined();
  });

  it('is the top 128 bits of sha256(abi.encode(bytes32 label, bytes32 allocations))', () => {
    const hash = allocationsHash(table);
    const encoded = AbiCoder.defaultAbiCoder().encode(
      ['bytes32', 'bytes32'],
      [encodeBytes32String(ALLOCATION_CONTEXT_LABEL), `0x${hash}`],
    );
    const expected = BigInt(sha256(encoded)) >> 128n;
    expect(allocationContext(hash)).toBe(expected);
    expect(allocationContext(hash)).toBeLessThan(1n << 128n);
    expect(allocationContext('00'.repeat(32))).not.toBe(expected);
  });
});

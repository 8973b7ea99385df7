/**
 * A large book (33..4,096 CNY positions, the identity FX table) as snapshot JSON, for the
 * fleet tests and bench:scale. Liabilities are 5,000.00 per position: the coverage claim at
 * 120% holds (each position is worth 10,000.00 or more, haircuts below 20%).
 */
import type { Snapshot } from '../../src/prover';
import { largePositions } from '../circuits/large-book-fixtures';

export function largeSnapshotJson(count: number): string {
  const cents = (v: bigint) => `${v / 100n}.${(v % 100n).toString().padStart(2, '0')}`;
  const book: Snapshot = {
    asOf: Math.floor(Date.now() / 1000) - 600,
    currency: 'CNY',
    decimals: 2,
    liabilities: 500_000n * BigInt(count),
    positions: largePositions(count, () => ({ currency: 'CNY' })),
  };
  return JSON.stringify({
    asOf: new Date(book.asOf * 1000).toISOString(),
    currency: book.currency,
    decimals: book.decimals,
    liabilities: cents(book.liabilities),
    positions: book.positions.map((p) => ({
      identifier: p.identifier,
      assetClass: p.assetClass,
      value: cents(p.value),
      haircutBps: p.haircutBps,
      yieldBps: p.yieldBps,
      currency: p.currency,
    })),
  });
}

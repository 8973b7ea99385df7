import type { FxTable } from '../../src/common/fx-table';
import {
  accumulatorChain,
  fxBook,
  planLargeBook,
  type ChunkChain,
  type LargeBookPlan,
  type Position,
  type Primitives,
} from '../../src/prover';
import { CNY_HKD_USD, position, SALT, snapshot } from '../fixtures';

/**
 * A large book of `count` positions over CNY, HKD and USD rows, classes 1..3, varied haircuts
 * and yields; position `i` has value 1,000,000 + 1,000 * i minor units unless `fields` says.
 */
export function largePositions(
  count: number,
  fields: (i: number) => Partial<Omit<Position, 'identifier'>> = () => ({}),
): Position[] {
  const currencies = ['CNY', 'HKD', 'USD'];
  return Array.from({ length: count }, (_, i) =>
    position(i, {
      value: 1_000_000n + 1_000n * BigInt(i),
      currency: currencies[i % 3]!,
      assetClass: 1 + (i % 3),
      haircutBps: (i * 37) % 2000,
      yieldBps: 200 + ((i * 13) % 300),
      ...fields(i),
    }),
  );
}

export interface LargeFixture {
  plan: LargeBookPlan;
  chain: ChunkChain;
}

/** A planned, committed large book and its accumulator chain (fixed blinds when given). */
export function largeBook(
  p: Primitives,
  positions: Position[],
  opts: { liabilities?: bigint; table?: FxTable; blinds?: bigint[] } = {},
): LargeFixture {
  const book = fxBook(
    p,
    snapshot(positions, opts.liabilities ?? 1_000_000n),
    opts.table ?? CNY_HKD_USD,
  );
  const plan = planLargeBook(p, book, SALT);
  return { plan, chain: accumulatorChain(p, plan, opts.blinds) };
}

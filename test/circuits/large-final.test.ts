import { readFileSync } from 'node:fs';
import { loadManifest } from '../../src/common/artifact-manifest';
import { circuitsForClaim } from '../../src/common/artifact-store';
import { sha256Hex } from '../../src/common/hash';
import { claimHolds, claimStatementParams, type ClaimParams } from '../../src/claims';
import { packStatement } from '../../src/common/statement';
import {
  finalCircuitInput,
  loadPrimitives,
  type Position,
  type Primitives,
} from '../../src/prover';
import { CONTEXT } from '../fixtures';
import { TestCircuit } from './circuit-harness';
import { largeBook, largePositions, type LargeFixture } from './large-book-fixtures';

// The final proofs of a large book (LARGESPEC §5): they open the last chunk's accumulator
// (chunkSet) only when every chunk of the committed tree is in the chain (n = 2^d), and prove
// the claim over the book's totals exactly as the TypeScript reference states it.

const FINALS = {
  'coverage-4096': 1_079,
  'yield-range-4096': 1_256,
  'concentration-4096': 1_130,
} as const;
type FinalId = keyof typeof FINALS;

const circuits = {} as Record<FinalId, TestCircuit>;
let p: Primitives;
let fx: LargeFixture;

beforeAll(async () => {
  p = await loadPrimitives();
  for (const id of Object.keys(FINALS) as FinalId[]) circuits[id] = await TestCircuit.compile(id);
  fx = largeBook(p, largePositions(40));
});

const idOf = (params: ClaimParams): FinalId => `${params.claim}-4096`;

/** The final's witness for `params` (its input's opening edited by `edit`). */
async function final(
  book: LargeFixture,
  params: ClaimParams,
  edit: Record<string, string> = {},
): Promise<bigint[]> {
  const input = { ...finalCircuitInput(book.plan, book.chain, params, CONTEXT), ...edit };
  return circuits[idOf(params)].witness(input);
}

/** Whether the final accepts, checked against the claim's own reference (claimHolds). */
async function accepts(book: LargeFixture, params: ClaimParams): Promise<boolean> {
  const ok = await final(book, params).then(
    () => true,
    () => false,
  );
  expect(ok).toBe(claimHolds(book.plan.book, params));
  return ok;
}

const total = (book: LargeFixture) => book.chain.states[book.plan.chunks]!;
const divCeil = (a: bigint, b: bigint) => (a + b - 1n) / b;

describe.each(Object.entries(FINALS))('%s', (id, constraints) => {
  it('has the expected number of constraints, within the 2^11 domain', () => {
    expect(circuits[id as FinalId].constraints.length).toBe(constraints);
    expect(constraints + 4 + 1).toBeLessThanOrEqual(2 ** 11);
  });

  it('compiles from source to the committed wasm; closes chunk-32 proofs, never alone', () => {
    const entry = loadManifest().circuits[id]!;
    expect(entry.constraints).toBe(constraints);
    expect(entry).toMatchObject({ chunkCircuit: 'chunk-32', maxPositions: 4096 });
    expect(entry.ptauPower).toBeUndefined(); // the shared 2^14 .ptau
    expect(sha256Hex(readFileSync(circuits[id as FinalId].wasmPath))).toBe(entry.files.wasm.sha256);
    const claim = id.replace('-4096', '');
    expect(circuitsForClaim(loadManifest(), claim)).toEqual([`${claim}-32`]);
  });
});

describe('the finals', () => {
  const examples: ClaimParams[] = [
    { claim: 'coverage', minCoverageBps: 10000 },
    { claim: 'yield-range', minYieldBps: 100, maxYieldBps: 600 },
    { claim: 'concentration', maxShareBps: 5000, allowedClasses: [1, 2, 3] },
  ];

  it.each(examples)(
    'output the reference commitment, statement, FX table and chunkSet: $claim',
    async (params) => {
      const circuit = circuits[idOf(params)];
      const w = await final(fx, params);
      const at = (name: string) => w[circuit.wire(`main.${name}`)];
      expect(at('commitment')).toBe(fx.plan.commitment);
      expect(at('fxTable')).toBe(fx.plan.book.tableHash);
      expect(at('chunkSet')).toBe(fx.chain.accs[fx.plan.chunks]);
      expect(at('statement')).toBe(
        packStatement({ context: CONTEXT, ...claimStatementParams(params, fx.plan.book) }),
      );
      expect(circuit.violated(w)).toEqual([]);
    },
  );

  it.each(examples)(
    'refuse a chain missing a chunk, or with one too many (n != 2^d): $claim',
    async (params) => {
      const book = largeBook(p, largePositions(70)); // 4 chunks
      await expect(final(book, params)).resolves.toBeDefined();
      // The accumulator after 3 of the 4 chunks: a dropped chunk.
      const dropped = book.chain.states[3]!;
      await expect(
        final(book, params, {
          accN: '3',
          accCover: dropped.cover.toString(),
          accValue: dropped.value.toString(),
          accYieldW: dropped.yieldW.toString(),
          accMaxC: dropped.maxC.toString(),
          accMask: dropped.mask.toString(),
          accLast: dropped.last.toString(),
          accBlind: book.chain.blinds[3]!.toString(),
        }),
      ).rejects.toThrow('ChunkSet');
      await expect(final(book, params, { accN: '5' })).rejects.toThrow('ChunkSet');
      // A depth that disagrees with the chain: 4 chunks claimed as a tree of 8.
      await expect(
        final(book, params, { active: ['1', '1', '1', '0', '0', '0', '0'] } as never),
      ).rejects.toThrow('ChunkSet');
    },
  );
});

describe('coverage-4096', () => {
  it('accepts cover exactly at the ratio and refuses one unit of liabilities more', async () => {
    // 10000 bps * L * 10^12 <= cover: the largest L that passes.
    const at = total(fx).cover / 10n ** 16n;
    const params: ClaimParams = { claim: 'coverage', minCoverageBps: 10000 };
    expect(await accepts(largeBook(p, largePositions(40), { liabilities: at }), params)).toBe(true);
    expect(await accepts(largeBook(p, largePositions(40), { liabilities: at + 1n }), params)).toBe(
      false,
    );
  });
});

describe('yield-range-4096', () => {
  it('accepts the tightest range around the weighted yield and refuses one bp inside it', async () => {
    const { value, yieldW } = total(fx);
    const low = Number(yieldW / value);
    const high = Number(divCeil(yieldW, value));
    expect(low).toBeLessThan(high); // not an exact average: both bounds are strict tests
    const range = (minYieldBps: number, maxYieldBps: number): ClaimParams => ({
      claim: 'yield-range',
      minYieldBps,
      maxYieldBps,
    });
    expect(await accepts(fx, range(low, high))).toBe(true);
    expect(await accepts(fx, range(low + 1, high))).toBe(false);
    expect(await accepts(fx, range(low, high - 1))).toBe(false);
  });

  it('refuses a book holding nothing', async () => {
    const empty = largeBook(
      p,
      largePositions(40, () => ({ value: 0n })),
    );
    const params: ClaimParams = { claim: 'yield-range', minYieldBps: 0, maxYieldBps: 65535 };
    await expect(final(empty, params)).rejects.toThrow('YieldRangeFinal');
  });
});

describe('concentration-4096', () => {
  const share = (maxShareBps: number, allowedClasses = [1, 2, 3]): ClaimParams => ({
    claim: 'concentration',
    maxShareBps,
    allowedClasses,
  });

  it('accepts the largest asset exactly at the share and refuses one bp less', async () => {
    // Position 5 is a third of the book.
    const big = (i: number): Partial<Position> => (i === 5 ? { value: 20_000_000n } : {});
    const book = largeBook(p, largePositions(40, big));
    const { value, maxC } = total(book);
    expect(maxC).toBe(book.plan.book.positions[5]!.converted);
    const limit = Number(divCeil(maxC * 10000n, value));
    expect(await accepts(book, share(limit))).toBe(true);
    expect(await accepts(book, share(limit - 1))).toBe(false);
  });

  it('refuses a held class outside the allowed set, and ignores the class of an empty position', async () => {
    expect(await accepts(fx, share(10000, [1, 3]))).toBe(false);
    const withEmpty = largeBook(
      p,
      largePositions(40, (i) => (i === 7 ? { value: 0n, assetClass: 9 } : {})),
    );
    expect(await accepts(withEmpty, share(10000, [1, 2, 3]))).toBe(true);
    expect(await accepts(withEmpty, share(10000, [1, 2]))).toBe(false);
  });
});

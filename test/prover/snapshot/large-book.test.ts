import { assetIdOf } from '../../../src/prover/snapshot/asset-id';
import {
  accumulatorChain,
  chunkCountFor,
  chunkPath,
  foldChunk,
  fxBook,
  largeAssetIdOf,
  loadPrimitives,
  planLargeBook,
  type Primitives,
} from '../../../src/prover';
import { EMPTY_ACCUMULATOR, START } from '../../../src/common/large-book-accumulator';
import { CNY_HKD_USD, position, SALT, snapshot } from '../../fixtures';

// The TypeScript reference of a large book's layout and commitment (LARGESPEC §1-§3); the
// circuit tests (test/circuits/chunk-step.test.ts, large-final.test.ts) check the circuits
// compute the same.

let p: Primitives;
beforeAll(async () => {
  p = await loadPrimitives();
});

const positions = (count: number) => Array.from({ length: count }, (_, i) => position(i));
const plan = (ps = positions(40)) => planLargeBook(p, fxBook(p, snapshot(ps), CNY_HKD_USD), SALT);

describe('large book reference', () => {
  it('takes the top 64 bits of the asset id, with the same spelling rules', () => {
    const id = largeAssetIdOf('cn-gov-1');
    expect(id).toBe(assetIdOf('CN-GOV-1') >> 184n);
    expect(id).toBeLessThan(1n << 64n);
    expect(id).toBeGreaterThan(1n << 56n); // 248 bits shifted by 184 (a zero top byte is rare)
  });

  it.each([
    [1, 2],
    [32, 2],
    [64, 2],
    [65, 4],
    [129, 8],
    [4096, 128],
  ])('lays %i positions out in %i chunks', (count, chunks) => {
    expect(chunkCountFor(count)).toBe(chunks);
  });

  it('sorts by large id strictly ascending, then pads with all-zero slots', () => {
    const { slots, chunks, depth } = plan();
    expect([chunks, depth, slots.length]).toEqual([2, 1, 64]);
    const ids = slots.slice(0, 40).map((s) => s.assetId);
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(ids).size).toBe(40);
    expect(slots.slice(40).every((s) => s.assetId === 0n && s.value === 0n)).toBe(true);
  });

  it('commits to Poseidon(bookRoot, d, liabilities, salt), each path leading to the root', () => {
    const book = plan(positions(70));
    expect(book.chunks).toBe(4);
    expect(book.commitment).toBe(p.poseidon([book.bookRoot, 2n, 1_000_000n, SALT]));
    for (let k = 0; k < book.chunks; k++) {
      const { siblings, active } = chunkPath(book, k);
      expect(active).toEqual([1, 1, 0, 0, 0, 0, 0]);
      let node = book.levels[0]![k]!;
      for (let l = 0; l < book.depth; l++) {
        node = (k >> l) & 1 ? p.poseidon([siblings[l]!, node]) : p.poseidon([node, siblings[l]!]);
      }
      expect(node).toBe(book.bookRoot);
      expect(siblings.slice(book.depth)).toEqual([0n, 0n, 0n, 0n, 0n]);
    }
  });

  it('chains the accumulators from START with fresh blinds, ending at the book totals', () => {
    const book = plan();
    const a = accumulatorChain(p, book);
    const b = accumulatorChain(p, book);
    expect(a.accs[0]).toBe(START);
    expect(a.accs[2]).not.toBe(b.accs[2]); // fresh blinds: nothing links two runs
    expect(a.states[2]).toEqual(b.states[2]);
    const totals = foldChunk(EMPTY_ACCUMULATOR, book.slots);
    expect(a.states[2]).toEqual({ ...totals, n: 2n });
    expect(totals.value).toBe(book.book.positions.reduce((s, x) => s + x.converted, 0n));
    expect(totals.last).toBe(book.slots[39]!.assetId);
  });

  it('refuses two identifiers on one large asset id, an empty book and one over 4,096', () => {
    const twice = [...positions(3), { ...position(0), identifier: ' test-asset-0 ' }];
    expect(() => plan(twice)).toThrow(
      expect.objectContaining({ code: 'SNAPSHOT_DUPLICATE_ASSET' }),
    );
    expect(() => plan([])).toThrow(expect.objectContaining({ code: 'SNAPSHOT_EMPTY' }));
    expect(() => plan(positions(4097))).toThrow(
      expect.objectContaining({ code: 'SNAPSHOT_TOO_MANY_POSITIONS' }),
    );
  });
});

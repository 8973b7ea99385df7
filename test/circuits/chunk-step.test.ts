import { readFileSync } from 'node:fs';
import { loadManifest } from '../../src/common/artifact-manifest';
import { sha256Hex } from '../../src/common/hash';
import {
  accumulatorHash,
  START,
  type AccumulatorState,
} from '../../src/common/large-book-accumulator';
import { loadPoseidon } from '../../src/common/poseidon';
import {
  chunkCircuitInput,
  chunkPublicSignals,
  loadPrimitives,
  type Primitives,
} from '../../src/prover';
import { TestCircuit } from './circuit-harness';
import { largeBook, largePositions, type LargeFixture } from './large-book-fixtures';

// ChunkStep(32, 7) (LARGESPEC §4): honest chunks match the TypeScript reference, and every
// way a chunk could cheat on the order, the tree position or the hidden accumulator fails
// the witness calculator's assertions (the constraints) or the R1CS itself.

const EXPECTED_CONSTRAINTS = 19_648;

let circuit: TestCircuit;
let p: Primitives;
/** 40 positions: 2 chunks, the second holding 8. */
let two: LargeFixture;

beforeAll(async () => {
  p = await loadPrimitives();
  circuit = await TestCircuit.compile('chunk-32');
  two = largeBook(p, largePositions(40));
});

const wire = (w: readonly bigint[], name: string) => w[circuit.wire(`main.${name}`)]!;

/** A chunk input with some signals replaced (arrays: by index). */
function edited(
  fx: LargeFixture,
  k: number,
  edits: Record<string, string | Record<number, string>>,
): Record<string, string | string[]> {
  const input = chunkCircuitInput(fx.plan, fx.chain, k);
  for (const [name, edit] of Object.entries(edits)) {
    if (typeof edit === 'string') input[name] = edit;
    else {
      const column = [...(input[name] as string[])];
      for (const [i, v] of Object.entries(edit)) column[Number(i)] = v;
      input[name] = column;
    }
  }
  return input;
}

describe('ChunkStep(32, 7)', () => {
  it('has exactly the expected number of constraints, within the 2^15 domain', () => {
    expect(circuit.constraints.length).toBe(EXPECTED_CONSTRAINTS);
    expect(EXPECTED_CONSTRAINTS + 4 + 1).toBeLessThanOrEqual(2 ** 15);
  });

  it('compiles from source to the committed wasm, on the 2^15 development .ptau', () => {
    const entry = loadManifest().circuits['chunk-32']!;
    expect(entry.constraints).toBe(EXPECTED_CONSTRAINTS);
    expect(entry.ptauPower).toBe(15);
    expect(entry.claim).toBeUndefined();
    expect(sha256Hex(readFileSync(circuit.wasmPath))).toBe(entry.files.wasm.sha256);
  });

  it('START is Poseidon of eight zeros', async () => {
    expect(accumulatorHash(await loadPoseidon(), emptyState(), 0n)).toBe(START);
  });

  it.each([
    ['2 chunks (40 positions)', 40],
    ['4 chunks (70 positions)', 70],
  ])('chains every chunk of %s from START to the reference outputs', async (_n, count) => {
    const fx = count === 40 ? two : largeBook(p, largePositions(count));
    let accIn = START;
    for (let k = 0; k < fx.plan.chunks; k++) {
      const w = await circuit.witness(chunkCircuitInput(fx.plan, fx.chain, k));
      const expected = chunkPublicSignals(fx.plan, fx.chain, k);
      expect(wire(w, 'commitment').toString()).toBe(expected.commitment);
      expect(wire(w, 'fxTable').toString()).toBe(expected.fxTable);
      expect(wire(w, 'accIn')).toBe(accIn);
      expect(wire(w, 'accOut').toString()).toBe(expected.accOut);
      if (k === 0) expect(circuit.violated(w)).toEqual([]);
      accIn = wire(w, 'accOut');
    }
    expect(accIn).toBe(fx.chain.accs[fx.plan.chunks]);
  });

  it('folds the max, the class mask of held positions and the last id as the reference', async () => {
    // Position 5 is the largest; position 7 is an empty position of class 9 (not in the mask).
    const fx = largeBook(
      p,
      largePositions(40, (i) =>
        i === 5 ? { value: 1n << 50n } : i === 7 ? { value: 0n, assetClass: 9 } : {},
      ),
    );
    const state = fx.chain.states[2]!;
    expect(state.mask).toBe(0b1110n);
    expect(state.maxC).toBe(fx.plan.book.positions[5]!.converted);
    const w0 = await circuit.witness(chunkCircuitInput(fx.plan, fx.chain, 0));
    const w1 = await circuit.witness(chunkCircuitInput(fx.plan, fx.chain, 1));
    expect(wire(w1, 'accIn')).toBe(wire(w0, 'accOut'));
    expect(wire(w1, 'accOut')).toBe(fx.chain.accs[2]);
  });

  describe('refuses', () => {
    it('ids out of order within a chunk', async () => {
      const input = chunkCircuitInput(two.plan, two.chain, 0);
      const ids = input.assetId as string[];
      await expect(
        circuit.witness(edited(two, 0, { assetId: { 3: ids[4]!, 4: ids[3]! } })),
      ).rejects.toThrow('ChunkStep');
    });

    it('a duplicate id across the chunk boundary (the last id of chunk 0 again)', async () => {
      const last = two.chain.states[1]!.last.toString();
      await expect(circuit.witness(edited(two, 1, { assetId: { 0: last } }))).rejects.toThrow(
        'ChunkStep',
      );
      // ...and an id below it, that would read as a fresh asset.
      const below = (two.chain.states[1]!.last - 1n).toString();
      await expect(circuit.witness(edited(two, 1, { assetId: { 0: below } }))).rejects.toThrow(
        'ChunkStep',
      );
    });

    it('an empty slot (id 0) holding a value', async () => {
      // Slot 20 of chunk 1 is padding; a value there would count without an asset id.
      await expect(circuit.witness(edited(two, 1, { value: { 20: '5' } }))).rejects.toThrow(
        'ChunkStep',
      );
      // ...and a filled slot whose id is zeroed, to dodge the order.
      await expect(circuit.witness(edited(two, 1, { assetId: { 0: '0' } }))).rejects.toThrow(
        'ChunkStep',
      );
    });

    it('an id of 2^64 or more (outside the 64-bit comparator)', async () => {
      const wrapped = ((1n << 64n) + 1n).toString();
      await expect(circuit.witness(edited(two, 1, { assetId: { 20: wrapped } }))).rejects.toThrow(
        'Num2Bits',
      );
    });

    it('an index with a bit above the depth (chunk 2 of a 2-chunk tree)', async () => {
      await expect(circuit.witness(edited(two, 0, { accN: '2' }))).rejects.toThrow('ChunkPath');
      await expect(circuit.witness(edited(two, 0, { accN: '128' }))).rejects.toThrow('Num2Bits');
    });

    it.each([
      ['a gap (1, 0, 1)', { 0: '1', 1: '0', 2: '1' }],
      ['no level at all', { 0: '0' }],
      ['a non-bit level', { 1: '2' }],
    ])('active levels that are not a prefix of ones: %s', async (_name, active) => {
      await expect(circuit.witness(edited(two, 0, { active }))).rejects.toThrow('BookCommitment');
    });

    it('an accIn opening other than the previous accOut: another accIn (wrong sum, wrong n)', async () => {
      const honest = await circuit.witness(chunkCircuitInput(two.plan, two.chain, 1));
      const forgeries: Array<[string, bigint]> = [
        ['accCover', two.chain.states[1]!.cover - 1n],
        ['accN', 0n],
      ];
      for (const [name, value] of forgeries) {
        // An honest witness of the forged opening outputs another accIn: the link breaks...
        const w = await circuit.witness(edited(two, 1, { [name]: value.toString() }));
        expect(wire(w, 'accIn')).not.toBe(wire(honest, 'accIn'));
        // ...and keeping accIn with the forged opening violates the R1CS.
        const forged = circuit.tamper(honest, { [`main.${name}`]: value });
        expect(circuit.violated(forged)).not.toEqual([]);
      }
    });

    it.each([
      ['sum', (s: AccumulatorState) => ({ ...s, cover: s.cover + 1n })],
      ['value', (s: AccumulatorState) => ({ ...s, value: s.value - 1n })],
      ['max', (s: AccumulatorState) => ({ ...s, maxC: s.maxC - 1n })],
      ['mask', (s: AccumulatorState) => ({ ...s, mask: s.mask & ~2n })],
      ['n', (s: AccumulatorState) => ({ ...s, n: s.n + 1n })],
      ['last', (s: AccumulatorState) => ({ ...s, last: 0n })],
    ])('an accOut that opens to a wrong %s', async (_name, forge) => {
      const honest = await circuit.witness(chunkCircuitInput(two.plan, two.chain, 0));
      const poseidon = await loadPoseidon();
      const blind = two.chain.blinds[1]!;
      const forgedAcc = accumulatorHash(poseidon, forge(two.chain.states[1]!), blind);
      expect(accumulatorHash(poseidon, two.chain.states[1]!, blind)).toBe(wire(honest, 'accOut'));
      const forged = circuit.tamper(honest, { 'main.accOut': forgedAcc });
      expect(circuit.violated(forged)).not.toEqual([]);
    });
  });
});

function emptyState(): AccumulatorState {
  return { n: 0n, cover: 0n, value: 0n, yieldW: 0n, maxC: 0n, mask: 0n, last: 0n };
}

import { readFileSync } from 'node:fs';
import { loadManifest } from '../../src/common/artifact-manifest';
import { sha256Hex } from '../../src/common/hash';
import { packStatement } from '../../src/common/statement';
import { loadPrimitives, type Primitives } from '../../src/prover';
import { AS_OF, CONTEXT, position, signedInput, snapshot } from '../fixtures';
import { TestCircuit } from './circuit-harness';

const EXPECTED_CONSTRAINTS = 15_768;

let circuit: TestCircuit;
let p: Primitives;

beforeAll(async () => {
  p = await loadPrimitives();
  circuit = await TestCircuit.compile('concentration-32');
});

const ALL_CLASSES = (1n << 16n) - 1n;
// The circuit takes the class set as a mask: the tests hand it any mask, even invalid ones.
const input = (snap: ReturnType<typeof snapshot>, maxShareBps: number, mask = ALL_CLASSES) => ({
  ...signedInput(p, snap, { claim: 'concentration', maxShareBps, allowedClasses: [0] }).input,
  allowedClasses: mask.toString(),
});

// Largest position: 2,500 of 10,000 = exactly 25.00%.
const portfolio = () =>
  snapshot([
    position(0, { value: 2_500n, assetClass: 1 }),
    position(1, { value: 2_500n, assetClass: 2 }),
    position(2, { value: 2_000n, assetClass: 3 }),
    position(3, { value: 3_000n - 1_000n, assetClass: 1 }),
    position(4, { value: 1_000n, assetClass: 0 }),
  ]);

const proves = async (snap: ReturnType<typeof snapshot>, share: number, classes?: bigint) => {
  const w = await circuit.witness(input(snap, share, classes));
  return circuit.violated(w).length === 0;
};

describe('ConcentrationClaim(32)', () => {
  it('has exactly the expected number of constraints', () => {
    expect(circuit.constraints.length).toBe(EXPECTED_CONSTRAINTS);
    expect(loadManifest().circuits['concentration-32']!.constraints).toBe(EXPECTED_CONSTRAINTS);
  });

  it('compiles from source to the committed wasm', () => {
    const entry = loadManifest().circuits['concentration-32']!;
    expect(sha256Hex(readFileSync(circuit.wasmPath))).toBe(entry.files.wasm.sha256);
  });

  it('outputs the statement computed in TypeScript', async () => {
    const w = await circuit.witness(input(portfolio(), 2500, 0b1111n));
    expect(w[circuit.wire('main.statement')]).toBe(
      packStatement({ context: CONTEXT, asOf: BigInt(AS_OF), paramA: 2500n, paramB: 0b1111n }),
    );
  });

  it('accepts the largest share exactly at the limit and refuses one basis point below', async () => {
    expect(await proves(portfolio(), 2500)).toBe(true);
    await expect(proves(portfolio(), 2499)).rejects.toThrow();
  });

  it('accepts when every class with value is allowed', async () => {
    expect(await proves(portfolio(), 10000, 0b1111n)).toBe(true);
  });

  it('refuses a position of a class outside the allowed set', async () => {
    await expect(proves(portfolio(), 10000, 0b1110n)).rejects.toThrow(); // class 0 not allowed
  });

  it('ignores an empty slot of a disallowed class', async () => {
    const snap = snapshot([
      position(0, { value: 5n, assetClass: 1 }),
      position(1, { value: 0n, assetClass: 9 }),
    ]);
    expect(await proves(snap, 10000, 0b10n)).toBe(true);
  });

  it('handles the highest class (15) and refuses a 17-bit mask', async () => {
    const snap = snapshot([position(0, { value: 5n, assetClass: 15 })]);
    expect(await proves(snap, 10000, 1n << 15n)).toBe(true);
    await expect(proves(snap, 10000, 1n << 16n)).rejects.toThrow('Num2Bits');
  });

  it('refuses an empty portfolio', async () => {
    await expect(proves(snapshot([position(0, { value: 0n })]), 10000)).rejects.toThrow();
  });

  it('at the R1CS level: a position cannot be re-classed under the same commitment', async () => {
    const w = await circuit.witness(input(portfolio(), 10000, 0b1111n));
    expect(circuit.violated(circuit.tamper(w, { 'main.assetClass[4]': 1n }))).not.toEqual([]);
  });
});

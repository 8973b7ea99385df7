import { readFileSync } from 'node:fs';
import { loadManifest } from '../../src/common/artifact-manifest';
import { sha256Hex } from '../../src/common/hash';
import { packStatement } from '../../src/common/statement';
import { loadPrimitives, type Primitives } from '../../src/prover';
import { CONTEXT, position, claimInput, snapshot } from '../fixtures';
import { TestCircuit } from './circuit-harness';

const EXPECTED_CONSTRAINTS = 8_278;

let circuit: TestCircuit;
let p: Primitives;

beforeAll(async () => {
  p = await loadPrimitives();
  circuit = await TestCircuit.compile('yield-range-32');
});

const range = (minYieldBps: number, maxYieldBps: number) => ({
  claim: 'yield-range' as const,
  minYieldBps,
  maxYieldBps,
});

// Value-weighted yield of this portfolio: (3 * 200 + 1 * 600) / 4 = 300 bps exactly.
const portfolio = () =>
  snapshot([
    position(0, { value: 3_000_000n, yieldBps: 200 }),
    position(1, { value: 1_000_000n, yieldBps: 600 }),
  ]);

const proves = async (snap: ReturnType<typeof snapshot>, min: number, max: number) => {
  const w = await circuit.witness(claimInput(p, snap, range(min, max)).input);
  return circuit.violated(w).length === 0;
};

describe('YieldRangeClaim(32)', () => {
  it('has exactly the expected number of constraints', () => {
    expect(circuit.constraints.length).toBe(EXPECTED_CONSTRAINTS);
    expect(loadManifest().circuits['yield-range-32']!.constraints).toBe(EXPECTED_CONSTRAINTS);
  });

  it('compiles from source to the committed wasm', () => {
    const entry = loadManifest().circuits['yield-range-32']!;
    expect(sha256Hex(readFileSync(circuit.wasmPath))).toBe(entry.files.wasm.sha256);
  });

  it('outputs the statement computed in TypeScript', async () => {
    const { input, commitment } = claimInput(p, portfolio(), range(250, 350));
    const w = await circuit.witness(input);
    expect(w[circuit.wire('main.commitment')]).toBe(commitment);
    expect(w[circuit.wire('main.statement')]).toBe(
      packStatement({ context: CONTEXT, paramA: 250n, paramB: 350n }),
    );
  });

  it('accepts the yield at each bound', async () => {
    expect(await proves(portfolio(), 300, 300)).toBe(true);
    expect(await proves(portfolio(), 300, 65535)).toBe(true);
    expect(await proves(portfolio(), 0, 300)).toBe(true);
  });

  it('refuses a range one basis point above or below the yield', async () => {
    await expect(proves(portfolio(), 301, 400)).rejects.toThrow();
    await expect(proves(portfolio(), 200, 299)).rejects.toThrow();
  });

  it('weights by value: an equal-weight average would be inside, the real one is not', async () => {
    // Equal weights: (200 + 600) / 2 = 400; value-weighted: 300.
    await expect(proves(portfolio(), 350, 450)).rejects.toThrow();
  });

  it('refuses an empty portfolio (no average to bound)', async () => {
    const empty = snapshot([position(0, { value: 0n })]);
    await expect(proves(empty, 0, 65535)).rejects.toThrow();
  });

  it('refuses a bound of 2^16 bps (statement range check)', async () => {
    await expect(proves(portfolio(), 0, 65536)).rejects.toThrow('Num2Bits');
  });

  it('at the R1CS level: the bounds cannot be edited under the same statement', async () => {
    const w = await circuit.witness(claimInput(p, portfolio(), range(250, 350)).input);
    const min = w[circuit.wire('main.minYieldBps')]!;
    expect(circuit.violated(circuit.tamper(w, { 'main.minYieldBps': min + 60n }))).not.toEqual([]);
  });
});

import { readFileSync } from 'node:fs';
import { loadManifest } from '../../src/common/artifact-manifest';
import { sha256Hex } from '../../src/common/hash';
import { packStatement } from '../../src/common/statement';
import { loadPrimitives, type Primitives } from '../../src/prover';
import { CNY_HKD_USD, CONTEXT, position, claimInput, snapshot } from '../fixtures';
import { TestCircuit } from './circuit-harness';

const EXPECTED_CONSTRAINTS = 8_108;

let circuit: TestCircuit;
let p: Primitives;

beforeAll(async () => {
  p = await loadPrimitives();
  circuit = await TestCircuit.compile('coverage-32');
});

const coverage = (minCoverageBps: number) => ({ claim: 'coverage' as const, minCoverageBps });

describe('CoverageClaim(32)', () => {
  it('has exactly the expected number of constraints, within the 2^13 domain', () => {
    expect(circuit.constraints.length).toBe(EXPECTED_CONSTRAINTS);
    // Groth16 adds one constraint per public input and one more: the FFT domain is the next
    // power of two of the sum, and 2^13 halves the proving work of 2^14.
    expect(EXPECTED_CONSTRAINTS + 3 + 1).toBeLessThanOrEqual(2 ** 13);
  });

  it('compiles from source to the committed wasm and constraint count', () => {
    const entry = loadManifest().circuits['coverage-32']!;
    expect(entry.constraints).toBe(EXPECTED_CONSTRAINTS);
    expect(sha256Hex(readFileSync(circuit.wasmPath))).toBe(entry.files.wasm.sha256);
  });

  it('outputs the commitment, statement and FX table hash computed independently in TypeScript', async () => {
    const snap = snapshot([position(0), position(1, { haircutBps: 0 })], 1_000_000n);
    const { input, commitment, book } = claimInput(p, snap, coverage(15000));
    const w = await circuit.witness(input);
    expect(w[circuit.wire('main.commitment')]).toBe(commitment);
    expect(w[circuit.wire('main.fxTable')]).toBe(book.tableHash);
    expect(w[circuit.wire('main.statement')]).toBe(
      packStatement({ context: CONTEXT, paramA: 15000n, paramB: 1_000_000n }),
    );
    expect(circuit.violated(w)).toEqual([]);
  });

  it('accepts coverage exactly at the ratio and refuses one unit below', async () => {
    // 12,000 * (10000 - 0) = 12000 bps * 10,000 liabilities exactly.
    const at = snapshot([position(0, { value: 12_000n, haircutBps: 0 })], 10_000n);
    await expect(circuit.witness(claimInput(p, at, coverage(12000)).input)).resolves.toBeDefined();
    const below = snapshot([position(0, { value: 11_999n, haircutBps: 0 })], 10_000n);
    await expect(circuit.witness(claimInput(p, below, coverage(12000)).input)).rejects.toThrow();
  });

  it('counts haircuts: 100% haircut collateral covers nothing', async () => {
    const snap = snapshot([position(0, { value: 10n ** 12n, haircutBps: 10000 })], 1n);
    await expect(circuit.witness(claimInput(p, snap, coverage(1)).input)).rejects.toThrow();
  });

  it('proves over a full snapshot of 32 positions at the largest values', async () => {
    const max = (1n << 64n) - 1n;
    const snap = snapshot(
      Array.from({ length: 32 }, (_, i) => position(i, { value: max, haircutBps: 0 })),
      max,
    );
    const w = await circuit.witness(claimInput(p, snap, coverage(10000)).input);
    expect(circuit.violated(w)).toEqual([]);
  });

  it('pads empty slots with the fixed leaf: one position is a valid snapshot', async () => {
    const snap = snapshot([position(0)], 1n);
    const w = await circuit.witness(claimInput(p, snap, coverage(10000)).input);
    expect(circuit.violated(w)).toEqual([]);
  });

  it('converts a multi-currency book at the table rates, exactly at the boundary', async () => {
    // USD 100.00 at 7.105 CNY per USD is CNY 710.50: covers 71,050 fen at 100%, not 71,051.
    const book = (liabilities: bigint) =>
      snapshot([position(0, { currency: 'USD', value: 10_000n, haircutBps: 0 })], liabilities);
    const at = claimInput(p, book(71_050n), coverage(10000), { table: CNY_HKD_USD });
    const w = await circuit.witness(at.input);
    expect(circuit.violated(w)).toEqual([]);
    expect(w[circuit.wire('main.fxTable')]).toBe(at.book.tableHash);
    const over = claimInput(p, book(71_051n), coverage(10000), { table: CNY_HKD_USD });
    await expect(circuit.witness(over.input)).rejects.toThrow();
  });

  it('binds the currency row into the commitment: the same numbers in another currency differ', () => {
    const usd = claimInput(p, snapshot([position(0, { currency: 'USD' })]), coverage(1), {
      table: CNY_HKD_USD,
    });
    const hkd = claimInput(p, snapshot([position(0, { currency: 'HKD' })]), coverage(1), {
      table: CNY_HKD_USD,
    });
    expect(usd.commitment).not.toBe(hkd.commitment);
  });
});

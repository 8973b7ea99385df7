import { readFileSync } from 'node:fs';
import { loadManifest } from '../../src/common/artifact-manifest';
import { SNARK_SCALAR_FIELD } from '../../src/common/field';
import { sha256Hex } from '../../src/common/hash';
import { packStatement } from '../../src/common/statement';
import { assetIdOf, loadPrimitives, type Primitives } from '../../src/prover';
import { CONTEXT, position, claimInput, snapshot } from '../fixtures';
import { TestCircuit } from './circuit-harness';

// 15,768 before the per-asset check, plus OneSlotPerAsset(32): 32 * 31 / 2 = 496.
const EXPECTED_CONSTRAINTS = 13_257 + (32 * 31) / 2; // OneSlotPerAsset adds 496
// The FFT domain must hold the constraints, one per public signal, and one more.
const DOMAIN = 2 ** 14;

let circuit: TestCircuit;
let p: Primitives;

beforeAll(async () => {
  p = await loadPrimitives();
  circuit = await TestCircuit.compile('concentration-32');
});

const ALL_CLASSES = (1n << 16n) - 1n;
// The circuit takes the class set as a mask: the tests hand it any mask, even invalid ones.
const input = (snap: ReturnType<typeof snapshot>, maxShareBps: number, mask = ALL_CLASSES) => ({
  ...claimInput(p, snap, { claim: 'concentration', maxShareBps, allowedClasses: [0] }).input,
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
  it('has exactly the expected number of constraints, within the 2^14 domain', () => {
    expect(circuit.constraints.length).toBe(EXPECTED_CONSTRAINTS);
    expect(loadManifest().circuits['concentration-32']!.constraints).toBe(EXPECTED_CONSTRAINTS);
    expect(EXPECTED_CONSTRAINTS + circuit.spec.publicSignals.length + 1).toBeLessThanOrEqual(
      DOMAIN,
    );
  });

  it('compiles from source to the committed wasm', () => {
    const entry = loadManifest().circuits['concentration-32']!;
    expect(sha256Hex(readFileSync(circuit.wasmPath))).toBe(entry.files.wasm.sha256);
  });

  it('outputs the statement computed in TypeScript', async () => {
    const w = await circuit.witness(input(portfolio(), 2500, 0b1111n));
    expect(w[circuit.wire('main.statement')]).toBe(
      packStatement({ context: CONTEXT, paramA: 2500n, paramB: 0b1111n }),
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

// One asset in two slots: the same asset id (what two rows of one asset, or a case-twin that
// escaped ingest, would give). The cap is per asset, so it must hold for the slots' total.
const sameAsset = (i: number, fields: Parameters<typeof position>[1]) =>
  position(i, { ...fields, assetId: assetIdOf('TEST-ASSET-0') });

/** The reference rule, in TypeScript: every asset's total within maxShareBps of the total. */
function perAssetWithin(snap: ReturnType<typeof snapshot>, maxShareBps: number): boolean {
  const total = snap.positions.reduce((sum, q) => sum + q.value, 0n);
  const byAsset = new Map<bigint, bigint>();
  for (const q of snap.positions) byAsset.set(q.assetId, (byAsset.get(q.assetId) ?? 0n) + q.value);
  return [...byAsset.values()].every((v) => v * 10000n <= BigInt(maxShareBps) * total);
}

describe('ConcentrationClaim(32) holds per asset, not per slot', () => {
  // Asset 0 in slots 0 and 1: 2,000 + 2,000 of 10,000 = 40%; each slot alone is 20%.
  const split = () =>
    snapshot([
      position(0, { value: 2_000n }),
      sameAsset(1, { value: 2_000n }),
      position(2, { value: 2_000n }),
      position(3, { value: 2_000n }),
      position(4, { value: 2_000n }),
    ]);

  it('refuses one asset split over two slots, each under the cap, together over it', async () => {
    const snap = split();
    expect(snap.positions.every((q) => q.value * 10000n <= 2500n * 10000n)).toBe(true);
    expect(perAssetWithin(snap, 2500)).toBe(false);
    await expect(proves(snap, 2500)).rejects.toThrow('OneSlotPerAsset');
    // Not a matter of the cap: a non-zero amount of one asset in two slots is refused at any.
    await expect(proves(snap, 10000)).rejects.toThrow('OneSlotPerAsset');
  });

  it('accepts the same asset id twice when the earlier slot is empty', async () => {
    const snap = snapshot([
      sameAsset(0, { value: 0n }),
      position(1, { value: 2_500n }),
      sameAsset(2, { value: 2_500n }),
      position(3, { value: 5_000n }),
    ]);
    expect(perAssetWithin(snap, 5000)).toBe(true);
    expect(await proves(snap, 5000)).toBe(true);
  });

  it('accepts 31 padding slots (asset id 0, value 0) after one position', async () => {
    expect(await proves(snapshot([position(0, { value: 1n })]), 10000)).toBe(true);
  });

  it('at the R1CS level: no inverse hides a non-zero amount in a repeated asset id', async () => {
    // Honest witness: asset 0 twice, slot 0 empty. Then the prover moves value into slot 0.
    const snap = snapshot([sameAsset(0, { value: 0n }), sameAsset(1, { value: 7n })]);
    const w = await circuit.witness(input(snap, 10000));
    expect(circuit.violated(w)).toEqual([]);
    const [pairConstraint] = circuit.constraintsOn('main.perAsset.inv[0][1]');
    expect(pairConstraint).toBeDefined();
    // (id_0 - id_1) * inv = value_0 with id_0 = id_1 reads 0 = value_0, whatever inv is.
    for (const inv of [0n, 1n, 7n, -1n, 123456789n]) {
      const bad = circuit.tamper(w, { 'main.value[0]': 7n, 'main.perAsset.inv[0][1]': inv });
      expect(circuit.violated(bad)).toContain(pairConstraint);
    }
  });

  it('at the R1CS level: a tampered inverse of distinct ids breaks the constraint', async () => {
    const w = await circuit.witness(input(portfolio(), 2500));
    const wire = 'main.perAsset.inv[0][1]';
    const inv = w[circuit.wire(wire)]!;
    // Independently: inv = value_0 / (id_0 - id_1) in the field.
    const r = SNARK_SCALAR_FIELD;
    const diff = (((assetIdOf('TEST-ASSET-0') - assetIdOf('TEST-ASSET-1')) % r) + r) % r;
    expect((diff * inv) % r).toBe(2_500n);
    const [pairConstraint] = circuit.constraintsOn(wire);
    for (const edit of [0n, inv + 1n]) {
      expect(circuit.violated(circuit.tamper(w, { [wire]: edit }))).toEqual([pairConstraint]);
    }
  });
});

describe('the circuit test harness', () => {
  it("reports each failure with its own template, not a previous failure's", async () => {
    const tooWide = snapshot([position(0, { value: 5n, assetClass: 15 })]);
    await expect(proves(tooWide, 10000, 1n << 16n)).rejects.toThrow('Num2Bits');
    // circom's calculator keeps its error text: a reused one would still say Num2Bits here.
    const err = await proves(portfolio(), 2499).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('ConcentrationClaim');
    expect((err as Error).message).not.toContain('Num2Bits');
  });
});

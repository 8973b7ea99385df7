import { SNARK_SCALAR_FIELD } from '../../src/common/field';
import { loadPrimitives, type Primitives } from '../../src/prover';
import { CNY_HKD_USD, position, claimInput, snapshot } from '../fixtures';
import { TestCircuit } from './circuit-harness';

// A dishonest prover, against the coverage circuit (every claim shares ConvertedSnapshot).
// Two layers: the witness calculator must refuse a signed-but-malicious snapshot, and a
// hand-edited witness must violate the R1CS itself (what a Groth16 verifier enforces).

let circuit: TestCircuit;
let p: Primitives;
const r = SNARK_SCALAR_FIELD;
const claim = { claim: 'coverage' as const, minCoverageBps: 10000 };

beforeAll(async () => {
  p = await loadPrimitives();
  circuit = await TestCircuit.compile('coverage-32');
});

async function honestWitness() {
  const snap = snapshot([position(0), position(1)], 1_000_000n);
  return circuit.witness(claimInput(p, snap, claim).input);
}

describe('a dishonest prover cannot', () => {
  describe('smuggle out-of-range numbers into a signed snapshot', () => {
    // The signers signed a commitment to these values; only the range checks stand in the way.
    it.each([
      ['a value of 2^64', { value: 1n << 64n }, 'Num2Bits'],
      ['a field-wrapped negative value (r - 1)', { value: r - 1n }, 'Num2Bits'],
      ['a haircut of 10001 bps', { haircutBps: 10001 }, 'Num2Bits'],
      ['a yield of 2^16 bps', { yieldBps: 1 << 16 }, 'Num2Bits'],
      ['an asset class of 16', { assetClass: 16 }, 'Num2Bits'],
    ])('%s', async (_name, fields, template) => {
      const snap = snapshot([position(0, fields as never), position(1)], 1n);
      await expect(circuit.witness(claimInput(p, snap, claim).input)).rejects.toThrow(template);
    });

    it('a negative haircut (r - 1) that would inflate collateral', async () => {
      const input = claimInput(p, snapshot([position(0)], 1n), claim).input;
      (input.haircutBps as string[])[0] = (r - 1n).toString();
      await expect(circuit.witness(input)).rejects.toThrow();
    });

    it('field-wrapped liabilities (r - 1) that would make the requirement small', async () => {
      const snap = snapshot([position(0)], r - 1n);
      await expect(circuit.witness(claimInput(p, snap, claim).input)).rejects.toThrow('Num2Bits');
    });

    it('at the R1CS level: a witness edited to value + 2^64 violates the constraints', async () => {
      const w = await honestWitness();
      const v = w[circuit.wire('main.value[0]')]!;
      expect(circuit.violated(circuit.tamper(w, { 'main.value[0]': v + (1n << 64n) }))).not.toEqual(
        [],
      );
      expect(circuit.violated(circuit.tamper(w, { 'main.value[0]': -1n }))).not.toEqual([]);
    });
  });

  describe('prove about numbers the signers did not sign', () => {
    it('by changing a position under the same commitment', async () => {
      const w = await honestWitness();
      const v = w[circuit.wire('main.value[1]')]!;
      expect(circuit.violated(circuit.tamper(w, { 'main.value[1]': v * 2n }))).not.toEqual([]);
      // ...and an honest witness of the changed snapshot has another commitment.
      const changed = snapshot([position(0), position(1, { value: 2_000_000n })], 1_000_000n);
      const w2 = await circuit.witness(claimInput(p, changed, claim).input);
      expect(w2[circuit.wire('main.commitment')]).not.toBe(w[circuit.wire('main.commitment')]);
    });

    it('by changing the salt under the same commitment', async () => {
      const w = await honestWitness();
      const salt = w[circuit.wire('main.salt')]!;
      expect(circuit.violated(circuit.tamper(w, { 'main.salt': salt + 1n }))).not.toEqual([]);
    });
  });

  describe('alter public signals', () => {
    it.each(['main.statement', 'main.commitment', 'main.fxTable'])('%s + 1', async (signal) => {
      const w = await honestWitness();
      const v = w[circuit.wire(signal)]!;
      expect(circuit.violated(circuit.tamper(w, { [signal]: v + 1n }))).not.toEqual([]);
    });

    it('the context under the same public statement', async () => {
      const w = await honestWitness();
      const ctx = w[circuit.wire('main.context')]!;
      expect(circuit.violated(circuit.tamper(w, { 'main.context': ctx + 1n }))).not.toEqual([]);
    });
  });

  describe('convert at rates other than the hashed table', () => {
    const fxBook = () =>
      snapshot(
        [position(0, { currency: 'USD', value: 10_000n }), position(1, { currency: 'HKD' })],
        500_000n,
      );
    const fxWitness = () =>
      circuit.witness(claimInput(p, fxBook(), claim, { table: CNY_HKD_USD }).input);

    it('a rate not in the table: a better USD rate under the same fxTable signal', async () => {
      const w = await fxWitness();
      const rate = w[circuit.wire('main.fxRate[2]')]!;
      // One unit up is rounding in the prover's favour; the table hash no longer matches.
      expect(circuit.violated(circuit.tamper(w, { 'main.fxRate[2]': rate + 1n }))).not.toEqual([]);
    });

    it('a table whose units (meta) were edited under the same fxTable signal', async () => {
      const w = await fxWitness();
      const meta = w[circuit.wire('main.fxMeta')]!;
      expect(circuit.violated(circuit.tamper(w, { 'main.fxMeta': meta + 1n }))).not.toEqual([]);
    });

    it('a position re-tagged with another currency row under the same commitment', async () => {
      const w = await fxWitness();
      // HKD (row 1) re-tagged as USD (row 2): 7.8x the collateral, but not the signed book.
      expect(circuit.violated(circuit.tamper(w, { 'main.currency[1]': 2n }))).not.toEqual([]);
    });

    it('a held position pointing at an unused row (rate 0) to drop out of the totals', async () => {
      const { input } = claimInput(p, fxBook(), claim, { table: CNY_HKD_USD });
      (input.currency as string[])[1] = '5';
      await expect(circuit.witness(input)).rejects.toThrow('FxConversion');
    });

    it('a rate of 2^64 or a field-wrapped negative rate', async () => {
      for (const bad of [1n << 64n, r - 1n]) {
        const { input } = claimInput(p, fxBook(), claim, { table: CNY_HKD_USD });
        (input.fxRate as string[])[2] = bad.toString();
        await expect(circuit.witness(input)).rejects.toThrow('Num2Bits');
      }
    });
  });
});

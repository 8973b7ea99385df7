import { SNARK_SCALAR_FIELD } from '../../src/common/field';
import { loadPrimitives, type Primitives } from '../../src/prover';
import { position, signedInput, snapshot, testKey } from '../fixtures';
import { TestCircuit } from './circuit-harness';

// A dishonest prover, against the coverage circuit (every claim shares SignedSnapshot).
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
  return circuit.witness(signedInput(p, snap, claim).input);
}

describe('a dishonest prover cannot', () => {
  describe('smuggle out-of-range numbers into a signed snapshot', () => {
    // The attestor signed these values; only the range checks stand in the way.
    it.each([
      ['a value of 2^64', { value: 1n << 64n }, 'Num2Bits'],
      ['a field-wrapped negative value (r - 1)', { value: r - 1n }, 'Num2Bits'],
      ['a haircut of 10001 bps', { haircutBps: 10001 }, 'PositionFields'],
      ['a yield of 2^16 bps', { yieldBps: 1 << 16 }, 'Num2Bits'],
      ['an asset class of 16', { assetClass: 16 }, 'Num2Bits'],
    ])('%s', async (_name, fields, template) => {
      const snap = snapshot([position(0, fields as never), position(1)], 1n);
      await expect(circuit.witness(signedInput(p, snap, claim).input)).rejects.toThrow(template);
    });

    it('a negative haircut (r - 1) that would inflate collateral', async () => {
      const input = signedInput(p, snapshot([position(0)], 1n), claim).input;
      (input.haircutBps as string[])[0] = (r - 1n).toString();
      await expect(circuit.witness(input)).rejects.toThrow();
    });

    it('field-wrapped liabilities (r - 1) that would make the requirement small', async () => {
      const snap = snapshot([position(0)], r - 1n);
      await expect(circuit.witness(signedInput(p, snap, claim).input)).rejects.toThrow('Num2Bits');
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

  describe('prove about numbers the attestor did not sign', () => {
    it('with a forged signature (random S)', async () => {
      const { input } = signedInput(p, snapshot([position(0)], 1n), claim);
      input.sigS = '123456789';
      await expect(circuit.witness(input)).rejects.toThrow();
    });

    it('with a signature by another key than the one claimed', async () => {
      const other = testKey(p, 2);
      const { input } = signedInput(p, snapshot([position(0)], 1n), claim, { signer: other });
      await expect(circuit.witness(input)).rejects.toThrow('EdDSAPoseidonVerifier');
    });

    it('with an off-curve signature point', async () => {
      const { input } = signedInput(p, snapshot([position(0)], 1n), claim);
      input.sigR8x = (BigInt(input.sigR8x as string) + 1n).toString();
      await expect(circuit.witness(input)).rejects.toThrow('BabyCheck');
    });

    it('by editing the signature in a witness', async () => {
      const w = await honestWitness();
      const s = w[circuit.wire('main.sigS')]!;
      expect(circuit.violated(circuit.tamper(w, { 'main.sigS': s + 1n }))).not.toEqual([]);
    });

    it('by changing a position under the same commitment', async () => {
      const w = await honestWitness();
      const v = w[circuit.wire('main.value[1]')]!;
      expect(circuit.violated(circuit.tamper(w, { 'main.value[1]': v * 2n }))).not.toEqual([]);
      // ...and an honest witness of the changed snapshot has another commitment.
      const changed = snapshot([position(0), position(1, { value: 2_000_000n })], 1_000_000n);
      const w2 = await circuit.witness(signedInput(p, changed, claim).input);
      expect(w2[circuit.wire('main.commitment')]).not.toBe(w[circuit.wire('main.commitment')]);
    });

    it('by changing the salt under the same commitment', async () => {
      const w = await honestWitness();
      const salt = w[circuit.wire('main.salt')]!;
      expect(circuit.violated(circuit.tamper(w, { 'main.salt': salt + 1n }))).not.toEqual([]);
    });
  });

  describe('alter public signals', () => {
    it.each(['main.statement', 'main.commitment', 'main.attestor'])('%s + 1', async (signal) => {
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
});

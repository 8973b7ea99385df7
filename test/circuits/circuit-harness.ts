import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { F1Field } from 'ffjavascript';
import { readR1cs } from 'r1csfile';
import {
  compileCircuit,
  readCircuitSpecs,
  ROOT,
  type CircuitSpec,
} from '../../scripts/circuits/circuit-sources';

type LinearCombination = Record<string, bigint>;
type Constraint = [LinearCombination, LinearCombination, LinearCombination];

interface WitnessCalculator {
  calculateWitness(input: Record<string, unknown>, sanityCheck: boolean): Promise<bigint[]>;
}

/**
 * A circuit compiled fresh from source for tests: witness generation through circom's own
 * witness calculator, and an independent R1CS check, so a hand-edited (dishonest) witness can
 * be tested against the constraints themselves, as a verifier would.
 */
export class TestCircuit {
  private constructor(
    readonly spec: CircuitSpec,
    readonly constraints: Constraint[],
    readonly wasmPath: string,
    private readonly newCalculator: () => Promise<WitnessCalculator>,
    private readonly signals: Map<string, number>,
    private readonly field: { p: bigint },
  ) {}

  static async compile(id: string): Promise<TestCircuit> {
    const spec = readCircuitSpecs().find((s) => s.id === id);
    if (!spec) throw new Error(`no circuit ${id}`);
    const compiled = await compileCircuit(spec, join(ROOT, 'build', 'test-circuits'));
    // A plain bigint field, independent of the prover's curve code (and with no worker threads).
    const r1cs = await readR1cs(compiled.r1cs, {
      loadConstraints: true,
      loadMap: false,
      getFieldFromPrime: (prime) => new F1Field(prime),
    });
    // circom writes a CommonJS witness calculator next to each wasm; it has no import form.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const builder = require(join(compiled.wasm, '..', 'witness_calculator.js')) as (
      code: Buffer,
    ) => Promise<WitnessCalculator>;
    const code = readFileSync(compiled.wasm);
    const signals = new Map<string, number>();
    for (const line of readFileSync(compiled.sym, 'utf8').split('\n')) {
      const [, wire, , name] = line.split(',');
      if (name && wire !== undefined && Number(wire) >= 0) signals.set(name, Number(wire));
    }
    return new TestCircuit(
      spec,
      r1cs.constraints as Constraint[],
      compiled.wasm,
      () => builder(code),
      signals,
      { p: r1cs.prime },
    );
  }

  private calculator: Promise<WitnessCalculator> | undefined;

  /**
   * The honest witness for an input; throws when the circuit's assertions fail, with the
   * failing template in the message. circom's calculator appends each failure's text to a
   * buffer it never clears, so one that has thrown is dropped: a later failure's message
   * then names only its own template, and `toThrow('X')` cannot match a stale 'X'.
   */
  async witness(input: Record<string, unknown>): Promise<bigint[]> {
    this.calculator ??= this.newCalculator();
    const calculator = await this.calculator;
    try {
      return await calculator.calculateWitness(input, true);
    } catch (err) {
      this.calculator = undefined;
      throw err;
    }
  }

  /** Indexes of the constraints that read a wire (one signal's constraints). */
  constraintsOn(name: string): number[] {
    const w = String(this.wire(name));
    const on: number[] = [];
    this.constraints.forEach((lcs, i) => {
      if (lcs.some((lc) => w in lc)) on.push(i);
    });
    return on;
  }

  /** The wire of a signal, e.g. "main.statement" or "main.value[3]". */
  wire(name: string): number {
    const w = this.signals.get(name);
    if (w === undefined) throw new Error(`no wire for signal ${name}`);
    return w;
  }

  /** Indexes of the constraints a witness violates (empty: the witness satisfies the R1CS). */
  violated(witness: readonly bigint[]): number[] {
    const p = this.field.p;
    const evalLc = (lc: LinearCombination) => {
      let acc = 0n;
      for (const [w, coeff] of Object.entries(lc)) acc = (acc + coeff * witness[Number(w)]!) % p;
      return acc;
    };
    const bad: number[] = [];
    this.constraints.forEach(([a, b, c], i) => {
      if ((evalLc(a) * evalLc(b) - evalLc(c)) % p !== 0n) bad.push(i);
    });
    return bad;
  }

  /** A copy of the witness with some wires replaced: a dishonest prover's edit. */
  tamper(witness: readonly bigint[], edits: Record<string, bigint>): bigint[] {
    const out = [...witness];
    const p = this.field.p;
    for (const [name, v] of Object.entries(edits)) out[this.wire(name)] = ((v % p) + p) % p;
    return out;
  }
}

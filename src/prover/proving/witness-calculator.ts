import { WitnessCalculatorBuilder } from 'circom_runtime';

/**
 * A circuit's witness calculator, compiled once and reused: snarkjs' fullProve compiles the
 * 4 MB wasm for every proof (about 50 ms, then 60 ms for a cold first witness, against 15 ms
 * warm). Calls are serialised: the calculator keeps its state in one wasm memory.
 */
export class CachedWitnessCalculator {
  private calculator: ReturnType<typeof WitnessCalculatorBuilder> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly wasm: Uint8Array) {}

  /** The witness of `input` in snarkjs' .wtns format. */
  witness(input: Record<string, unknown>): Promise<Uint8Array> {
    const run = async () => {
      this.calculator ??= WitnessCalculatorBuilder(this.wasm);
      return (await this.calculator).calculateWTNSBin(input, true);
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

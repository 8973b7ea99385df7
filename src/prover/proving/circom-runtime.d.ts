// circom_runtime (snarkjs' own witness runtime) ships no type declarations; this is the part
// src/prover/proving uses.
declare module 'circom_runtime' {
  interface WitnessCalculator {
    calculateWTNSBin(input: Record<string, unknown>, sanityCheck: boolean): Promise<Uint8Array>;
  }
  export function WitnessCalculatorBuilder(code: Uint8Array): Promise<WitnessCalculator>;
}

// Minimal typings for the parts of snarkjs, circomlibjs and r1csfile that zkattest uses.
declare module 'snarkjs' {
  export interface Groth16Proof {
    pi_a: string[];
    pi_b: string[][];
    pi_c: string[];
    protocol: string;
    curve: string;
  }
  export type PublicSignals = string[];
  export interface Logger {
    debug(msg: string): void;
    info(msg: string): void;
    warn(msg: string): void;
    error(msg: string): void;
  }
  export type FileRef = string | { type: 'mem'; data?: Uint8Array };
  export const groth16: {
    fullProve(
      input: Record<string, unknown>,
      wasm: FileRef | Uint8Array,
      zkey: FileRef | Uint8Array,
      logger?: Logger,
    ): Promise<{ proof: Groth16Proof; publicSignals: PublicSignals }>;
    prove(
      zkey: FileRef | Uint8Array,
      witness: FileRef | Uint8Array,
      logger?: Logger,
    ): Promise<{ proof: Groth16Proof; publicSignals: PublicSignals }>;
    verify(
      vk: Record<string, unknown>,
      publicSignals: PublicSignals,
      proof: Groth16Proof,
      logger?: Logger,
    ): Promise<boolean>;
    exportSolidityCallData(proof: Groth16Proof, publicSignals: PublicSignals): Promise<string>;
  };
  export const wtns: {
    calculate(input: Record<string, unknown>, wasm: FileRef, wtns: FileRef): Promise<void>;
    check(r1cs: FileRef, wtns: FileRef, logger?: Logger): Promise<boolean>;
    exportJson(wtns: FileRef): Promise<bigint[]>;
  };
  export const powersOfTau: {
    newAccumulator(curve: unknown, power: number, file: string, logger?: Logger): Promise<void>;
    contribute(
      oldPtau: string,
      newPtau: string,
      name: string,
      entropy: string,
      logger?: Logger,
    ): Promise<unknown>;
    beacon(
      oldPtau: string,
      newPtau: string,
      name: string,
      beaconHashStr: string,
      numIterationsExp: string,
      logger?: Logger,
    ): Promise<unknown>;
    preparePhase2(oldPtau: string, newPtau: string, logger?: Logger): Promise<void>;
    verify(ptau: string, logger?: Logger): Promise<boolean>;
  };
  export const zKey: {
    newZKey(r1cs: string, ptau: string, zkey: string, logger?: Logger): Promise<unknown>;
    contribute(
      oldZkey: string,
      newZkey: string,
      name: string,
      entropy: string,
      logger?: Logger,
    ): Promise<unknown>;
    beacon(
      oldZkey: string,
      newZkey: string,
      name: string,
      beaconHashStr: string,
      numIterationsExp: string,
      logger?: Logger,
    ): Promise<unknown>;
    verifyFromR1cs(r1cs: string, ptau: string, zkey: string, logger?: Logger): Promise<boolean>;
    exportVerificationKey(zkey: FileRef | Uint8Array): Promise<Record<string, unknown>>;
    exportSolidityVerifier(
      zkey: string,
      templates: Record<string, string>,
      logger?: Logger,
    ): Promise<string>;
  };
  export const curves: {
    getCurveFromName(name: string): Promise<unknown>;
  };
}

declare module 'r1csfile' {
  export function readR1cs(
    file: string,
    opts: {
      loadConstraints?: boolean;
      loadMap?: boolean;
      logger?: unknown;
      getFieldFromPrime?: (prime: bigint) => unknown;
    },
  ): Promise<{
    prime: bigint;
    nConstraints: number;
    nVars: number;
    nOutputs: number;
    nPubInputs: number;
    nPrvInputs: number;
    constraints?: unknown[];
  }>;
}

declare module 'ffjavascript' {
  export class F1Field {
    constructor(prime: bigint);
  }
}

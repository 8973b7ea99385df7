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
      publicSignals: readonly string[],
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
  /** An ffjavascript WASM field; elements are little-endian Montgomery-form byte buffers. */
  export interface CurveField<O> {
    readonly n8: number;
    readonly one: Uint8Array;
    readonly zero: Uint8Array;
    add(a: Uint8Array, b: Uint8Array): Uint8Array;
    sub(a: Uint8Array, b: Uint8Array): Uint8Array;
    neg(a: Uint8Array): Uint8Array;
    mul(a: Uint8Array, b: Uint8Array): Uint8Array;
    square(a: Uint8Array): Uint8Array;
    div(a: Uint8Array, b: Uint8Array): Uint8Array;
    exp(a: Uint8Array, e: bigint): Uint8Array;
    eq(a: Uint8Array, b: Uint8Array): boolean;
    isZero(a: Uint8Array): boolean;
    isSquare(a: Uint8Array): boolean;
    sqrt(a: Uint8Array): Uint8Array;
    fromObject(a: O): Uint8Array;
    toObject(a: Uint8Array): O;
  }
  /**
   * An ffjavascript curve group. Points are byte buffers: affine (2 coordinates) or Jacobian
   * (3); `fromObject` reads snarkjs's [x, y] / [x, y, z] form (z = 0: the identity).
   */
  export interface CurveGroup<C> {
    readonly F: CurveField<C>;
    /** The curve equation's constant: y^2 = x^3 + b. */
    readonly b: Uint8Array;
    readonly zero: Uint8Array;
    readonly zeroAffine: Uint8Array;
    readonly one: Uint8Array;
    readonly oneAffine: Uint8Array;
    fromObject(point: readonly C[]): Uint8Array;
    toObject(point: Uint8Array): C[];
    /** Only the curve equation (and true for the identity); no subgroup check. */
    isValid(point: Uint8Array): boolean;
    isZero(point: Uint8Array): boolean;
    eq(p: Uint8Array, q: Uint8Array): boolean;
    add(p: Uint8Array, q: Uint8Array): Uint8Array;
    sub(p: Uint8Array, q: Uint8Array): Uint8Array;
    neg(point: Uint8Array): Uint8Array;
    double(point: Uint8Array): Uint8Array;
    timesScalar(point: Uint8Array, scalar: bigint | Uint8Array): Uint8Array;
    toAffine(point: Uint8Array): Uint8Array;
    toJacobian(point: Uint8Array): Uint8Array;
    multiExpAffine(bases: Uint8Array, scalars: Uint8Array): Promise<Uint8Array>;
  }
  /** The pairing-friendly curve object snarkjs computes on (ffjavascript, WASM + workers). */
  export interface Curve {
    readonly name: string;
    /** Base field modulus. */
    readonly q: bigint;
    /** Group order (scalar field modulus). */
    readonly r: bigint;
    readonly Fr: CurveField<bigint>;
    readonly F1: CurveField<bigint>;
    readonly F2: CurveField<readonly bigint[]>;
    readonly G1: CurveGroup<bigint>;
    readonly G2: CurveGroup<readonly bigint[]>;
    /** prod_i e(args[2i], args[2i+1]) == 1, with one Miller loop per pair (in worker threads). */
    pairingEq(...g1g2Pairs: Uint8Array[]): Promise<boolean>;
    prepareG1(point: Uint8Array): Uint8Array;
    prepareG2(point: Uint8Array): Uint8Array;
    millerLoop(preparedG1: Uint8Array, preparedG2: Uint8Array): Uint8Array;
    finalExponentiation(f: Uint8Array): Uint8Array;
    terminate(): Promise<void>;
  }
  export const curves: {
    getCurveFromName(name: string, options?: { singleThread?: boolean }): Promise<Curve>;
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
  /** The bn128 curve; singleThread builds one without worker threads (and without caching). */
  export function buildBn128(singleThread?: boolean): Promise<unknown>;
}

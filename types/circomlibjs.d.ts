declare module 'circomlibjs' {
  /** A field element in circomlibjs' internal Montgomery form. */
  export type FieldElement = Uint8Array;
  export type Point = [FieldElement, FieldElement];
  export interface Field {
    toObject(a: FieldElement): bigint;
    e(a: bigint | number | string): FieldElement;
    eq(a: FieldElement, b: FieldElement): boolean;
  }
  export interface Poseidon {
    (inputs: Array<bigint | number | FieldElement>): FieldElement;
    F: Field;
  }
  export interface Signature {
    R8: Point;
    S: bigint;
  }
  export interface Eddsa {
    F: Field;
    babyJub: BabyJub;
    prv2pub(privateKey: Uint8Array): Point;
    signPoseidon(privateKey: Uint8Array, msg: FieldElement): Signature;
    verifyPoseidon(msg: FieldElement, sig: Signature, publicKey: Point): boolean;
    packSignature(sig: Signature): Uint8Array;
  }
  export interface BabyJub {
    F: Field;
    subOrder: bigint;
    inCurve(p: Point): boolean;
    packPoint(p: Point): Uint8Array;
    unpackPoint(buf: Uint8Array): Point | null;
  }
  export function buildPoseidon(): Promise<Poseidon>;
  export function buildEddsa(): Promise<Eddsa>;
  export function buildBabyjub(): Promise<BabyJub>;
}

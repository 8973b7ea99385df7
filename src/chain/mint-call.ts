import { z } from 'zod';
import { ZkAttestError } from '../common/errors';

// What a mint needs from a v2 attestation package (V2SPEC "Package v2"). The strict package
// schema is src/common/attestation-package.ts's; this reads only the fields a mint sends, so
// the chain glue does not depend on the rest of the package.

const decimalString = z.string().regex(/^(0|[1-9][0-9]{0,77})$/);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const hex128 = z.string().regex(/^[0-9a-f]{128}$/);
const uint = z.union([z.number().int().nonnegative(), decimalString]);

const groth16Proof = z.object({
  pi_a: z.tuple([decimalString, decimalString, z.string()]),
  pi_b: z.tuple([
    z.tuple([decimalString, decimalString]),
    z.tuple([decimalString, decimalString]),
    z.tuple([z.string(), z.string()]),
  ]),
  pi_c: z.tuple([decimalString, decimalString, z.string()]),
});

export const mintPackageSchema = z.object({
  type: z.literal('zkattest.attestation/v2'),
  publicSignals: z.object({
    commitment: decimalString,
    statement: decimalString,
    fxTable: decimalString,
  }),
  proof: groth16Proof,
  snapshot: z.object({
    setId: hex64,
    epoch: uint,
    prevCommitment: hex64,
    asOf: z.number().int().nonnegative(),
    currency: z.string(),
    decimals: z.number().int(),
    allocations: hex64,
    chunks: z.number().int().nonnegative(),
  }),
  signatures: z.array(z.object({ keyId: hex64, signature: hex128 })).min(1),
  fx: z.object({
    source: z
      .object({ keyId: hex64, asOf: z.number().int().nonnegative(), signature: hex128 })
      .optional(),
  }),
});

/** The fields of a v2 package that a mint sends. */
export type MintPackage = z.infer<typeof mintPackageSchema>;

/** Reads a v2 package for a mint, or PACKAGE_INVALID naming the fields at fault. */
export function parseMintPackage(value: unknown): MintPackage {
  const parsed = mintPackageSchema.safeParse(value);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))];
    throw new ZkAttestError(
      'PACKAGE_INVALID',
      `not a v2 attestation package a token can mint with (fields: ${fields.join(', ')})`,
    );
  }
  return parsed.data;
}

export type G1 = [bigint, bigint];
export type G2 = [[bigint, bigint], [bigint, bigint]];

/** The proof and public signals as the Solidity verifier takes them. */
export interface SolidityProof {
  pA: G1;
  pB: G2;
  pC: G1;
  /** [commitment, statement, fxTable]. */
  pubSignals: [bigint, bigint, bigint];
}

/** Public signals in circuit order (v2 single-circuit claims). */
export const PUBLIC_SIGNAL_ORDER_V2 = ['commitment', 'statement', 'fxTable'] as const;

type ProofAndSignals = Pick<MintPackage, 'proof' | 'publicSignals'>;

/**
 * Turns a package's proof into verifyProof arguments, as snarkjs's exportSolidityCallData
 * does: pA and pC are (x, y); each G2 coordinate of pB is an Fp2 element that snarkjs stores
 * (c0, c1) and the EVM pairing precompile reads (c1, c0), so the pairs are swapped.
 */
export function solidityProof(pkg: ProofAndSignals): SolidityProof {
  const { pi_a, pi_b, pi_c } = pkg.proof;
  const n = BigInt;
  return {
    pA: [n(pi_a[0]), n(pi_a[1])],
    pB: [
      [n(pi_b[0][1]), n(pi_b[0][0])],
      [n(pi_b[1][1]), n(pi_b[1][0])],
    ],
    pC: [n(pi_c[0]), n(pi_c[1])],
    pubSignals: PUBLIC_SIGNAL_ORDER_V2.map((k) => n(pkg.publicSignals[k])) as [
      bigint,
      bigint,
      bigint,
    ],
  };
}

/** A signature's hex128 as the contract's (r, s). Range and low-s are the contract's checks. */
export function signatureWords(hex128: string): { r: bigint; s: bigint } {
  if (!/^[0-9a-f]{128}$/.test(hex128)) {
    throw new ZkAttestError('SIGNATURE_MALFORMED', 'a signature is 128 lowercase hex digits');
  }
  return { r: BigInt(`0x${hex128.slice(0, 64)}`), s: BigInt(`0x${hex128.slice(64)}`) };
}

const bytes32 = (hex64: string) => `0x${hex64}`;
const ZERO32 = `0x${'0'.repeat(64)}`;

/** The calldata structs of mintWithProof, named as in IProofGatedToken. */
export interface MintStructs {
  proof: { pA: G1; pB: G2; pC: G1 };
  pubSignals: [bigint, bigint, bigint];
  snapshot: {
    setId: string;
    epoch: bigint;
    prevCommitment: string;
    asOf: number;
    allocations: string;
    chunks: number;
  };
  signature: { keyId: string; r: bigint; s: bigint };
  fx: { sourceKeyId: string; asOf: number; r: bigint; s: bigint };
}

/**
 * The structs mintWithProof takes, from a v2 package: signatures[0] is the snapshot signature
 * (issue 9: 1-of-1); fx.source, when present, the FX source's (all zero when absent: the
 * identity table needs none, and the token ignores the struct for it).
 */
export function mintStructs(pkg: MintPackage): MintStructs {
  const { pA, pB, pC, pubSignals } = solidityProof(pkg);
  const sig = pkg.signatures[0]!;
  const src = pkg.fx.source;
  const s = pkg.snapshot;
  return {
    proof: { pA, pB, pC },
    pubSignals,
    snapshot: {
      setId: bytes32(s.setId),
      epoch: BigInt(s.epoch),
      prevCommitment: bytes32(s.prevCommitment),
      asOf: s.asOf,
      allocations: bytes32(s.allocations),
      chunks: s.chunks,
    },
    signature: { keyId: bytes32(sig.keyId), ...signatureWords(sig.signature) },
    fx: src
      ? { sourceKeyId: bytes32(src.keyId), asOf: src.asOf, ...signatureWords(src.signature) }
      : { sourceKeyId: ZERO32, asOf: 0, r: 0n, s: 0n },
  };
}

/** The arguments of mintWithProof(to, amount, proof, pubSignals, snapshot, signature, fx). */
export function mintWithProofArgs(
  pkg: MintPackage,
  to: string,
  amount: bigint,
): [
  string,
  bigint,
  MintStructs['proof'],
  MintStructs['pubSignals'],
  MintStructs['snapshot'],
  MintStructs['signature'],
  MintStructs['fx'],
] {
  const m = mintStructs(pkg);
  return [to, amount, m.proof, m.pubSignals, m.snapshot, m.signature, m.fx];
}

/**
 * Refuses (MINT_REFUSED, before any transaction) a package in another unit than the token's:
 * the token would refuse it too (its signature is over the package's unit), but less legibly.
 */
export function assertPackageUnit(
  pkg: MintPackage,
  token: { currency: string; decimals: number },
): void {
  if (pkg.snapshot.currency !== token.currency || pkg.snapshot.decimals !== token.decimals) {
    throw new ZkAttestError(
      'MINT_REFUSED',
      'the package is in another unit (currency or decimals) than the token',
      { reason: 'unit' },
    );
  }
}

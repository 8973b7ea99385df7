import { ZkAttestError } from '../common/errors';
import { keyIdOf, type P256PublicKey } from '../common/p256';
import {
  attestationPackageSchema,
  CHUNK_SIGNAL_ORDER,
  FINAL_SIGNAL_ORDER,
  PUBLIC_SIGNAL_ORDER,
  type AttestationPackage,
} from '../common/attestation-package';
import type { AllocationTable } from '../common/allocations';
import {
  parseSignedSnapshot,
  signedSnapshotOf,
  type SignedSnapshot,
} from '../common/signed-snapshot';

/** Reads a v2 package for a mint (the strict package schema), or PACKAGE_INVALID naming fields. */
export function parseMintPackage(value: unknown): AttestationPackage {
  const parsed = attestationPackageSchema.safeParse(value);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))];
    throw new ZkAttestError(
      'PACKAGE_INVALID',
      `not a v2 attestation package (fields: ${fields.slice(0, 8).join(', ')})`,
    );
  }
  return parsed.data;
}

/**
 * What a mint reads of a package: the proof, signed fields and, for a snapshot whose capacity
 * is split across deployments, its allocation table.
 */
export type MintPackage = Pick<
  AttestationPackage,
  | 'publicSignals'
  | 'proof'
  | 'snapshot'
  | 'signerSet'
  | 'signatures'
  | 'fx'
  | 'allocations'
  | 'chunks'
>;

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

type ProofAndSignals = Pick<MintPackage, 'proof' | 'publicSignals'>;

/**
 * Turns a package's proof into verifyProof arguments, as snarkjs's exportSolidityCallData
 * does: pA and pC are (x, y); each G2 coordinate of pB is an Fp2 element that snarkjs stores
 * (c0, c1) and the EVM pairing precompile reads (c1, c0), so the pairs are swapped.
 */
export function solidityProof(pkg: ProofAndSignals): SolidityProof {
  return {
    ...proofPoints(pkg.proof),
    pubSignals: PUBLIC_SIGNAL_ORDER.map((k) => BigInt(pkg.publicSignals[k])) as [
      bigint,
      bigint,
      bigint,
    ],
  };
}

/** A snarkjs proof's points in EVM order (see solidityProof). */
function proofPoints(proof: MintPackage['proof']): Pick<SolidityProof, 'pA' | 'pB' | 'pC'> {
  const { pi_a, pi_b, pi_c } = proof;
  const n = BigInt;
  return {
    pA: [n(pi_a[0]), n(pi_a[1])],
    pB: [
      [n(pi_b[0][1]), n(pi_b[0][0])],
      [n(pi_b[1][1]), n(pi_b[1][0])],
    ],
    pC: [n(pi_c[0]), n(pi_c[1])],
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

/**
 * A signer's point as the contract takes it (the token derives the keyId from it). A package
 * whose keyId is not sha256(x || y) of its key is PACKAGE_INVALID: the token would check
 * another key than the one the package names.
 */
function point(signed: { keyId: string; publicKey: P256PublicKey }): { x: bigint; y: bigint } {
  if (keyIdOf(signed.publicKey) !== signed.keyId) {
    throw new ZkAttestError('PACKAGE_INVALID', 'a keyId is not sha256(x || y) of its publicKey', {
      field: 'keyId',
    });
  }
  return { x: BigInt(bytes32(signed.publicKey.x)), y: BigInt(bytes32(signed.publicKey.y)) };
}

/** One member's signature as the token takes it (IProofGatedToken.Sig). */
export interface SigStruct {
  index: number;
  x: bigint;
  y: bigint;
  r: bigint;
  s: bigint;
}

/** IProofGatedToken.SignerSetProof. */
export interface SignerSetProofStruct {
  threshold: number;
  keyIds: string[];
  sigs: SigStruct[];
}

/** IProofGatedToken.SnapshotFields. */
export interface SnapshotFieldsStruct {
  setId: string;
  epoch: bigint;
  prevCommitment: string;
  asOf: number;
  allocations: string;
  chunks: number;
}

/**
 * The set's membership and signatures as the token takes them: each signature goes with the
 * index of its keyId in `signerSet.keyIds` (the token binds the key by keyIds[index]), sorted
 * by index, as the token wants them strictly increasing. Nothing is dropped: a member named
 * twice is passed twice, for the token to refuse (DuplicateSigner) as a verifier would.
 *
 * @throws ZkAttestError PACKAGE_INVALID for a signature whose keyId is not a member's (it has no
 *   index), or whose keyId is not sha256 of its public key.
 */
export function signerSetProof(
  signerSet: SignedSnapshot['signerSet'],
  signatures: SignedSnapshot['signatures'],
): SignerSetProofStruct {
  const sigs = signatures.map((sig): SigStruct => {
    const index = signerSet.keyIds.indexOf(sig.keyId);
    if (index < 0) {
      throw new ZkAttestError('PACKAGE_INVALID', 'a signature’s keyId is not in signerSet.keyIds', {
        field: 'signatures',
      });
    }
    return { index, ...point(sig), ...signatureWords(sig.signature) };
  });
  sigs.sort((a, b) => a.index - b.index);
  return { threshold: signerSet.threshold, keyIds: signerSet.keyIds.map(bytes32), sigs };
}

function snapshotFields(s: {
  setId: string;
  epoch: number;
  prevCommitment: string;
  asOf: number;
  allocations: string;
  chunks: number;
}): SnapshotFieldsStruct {
  return {
    setId: bytes32(s.setId),
    epoch: BigInt(s.epoch),
    prevCommitment: bytes32(s.prevCommitment),
    asOf: s.asOf,
    allocations: bytes32(s.allocations),
    chunks: s.chunks,
  };
}

/** IProofGatedToken.AllocationRow. */
export interface AllocationRowStruct {
  chainId: bigint;
  token: string;
  amount: bigint;
}

/** The calldata structs of mintWithProof and postProof, named as in IProofGatedToken. */
export interface MintStructs {
  proof: { pA: G1; pB: G2; pC: G1 };
  pubSignals: [bigint, bigint, bigint];
  snapshot: SnapshotFieldsStruct;
  signers: SignerSetProofStruct;
  fx: { x: bigint; y: bigint; asOf: number; r: bigint; s: bigint };
  /** The table's rows in its (canonical) order; empty without a table. */
  allocations: AllocationRowStruct[];
}

/** A package's allocation table as the token's AllocationRow[] (rows as signed, in order). */
export function allocationRows(table: AllocationTable | undefined): AllocationRowStruct[] {
  return (table?.rows ?? []).map((r) => ({
    chainId: BigInt(r.chainId),
    token: r.token,
    amount: BigInt(r.amount),
  }));
}

/**
 * The structs mintWithProof takes, from a v2 package: the signer set proof (see
 * signerSetProof); fx.source, when present, the FX source's (all zero when absent: the
 * identity table needs none, and the token ignores the struct for it).
 */
export function mintStructs(pkg: MintPackage): MintStructs {
  const { pA, pB, pC, pubSignals } = solidityProof(pkg);
  const src = pkg.fx.source;
  return {
    proof: { pA, pB, pC },
    pubSignals,
    snapshot: snapshotFields(pkg.snapshot),
    signers: signerSetProof(pkg.signerSet, pkg.signatures),
    fx: src
      ? { ...point(src), asOf: src.asOf, ...signatureWords(src.signature) }
      : { x: 0n, y: 0n, asOf: 0, r: 0n, s: 0n },
    allocations: allocationRows(pkg.allocations),
  };
}

/**
 * The arguments of mintWithProof(to, amount, proof, pubSignals, snapshot, signers, fx,
 * allocations).
 */
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
  MintStructs['signers'],
  MintStructs['fx'],
  MintStructs['allocations'],
] {
  const m = mintStructs(pkg);
  return [to, amount, m.proof, m.pubSignals, m.snapshot, m.signers, m.fx, m.allocations];
}

/**
 * The arguments of postProof(proof, pubSignals, snapshot, signers, fx, allocations): the same
 * structs as mintWithProof without receiver and amount (anyone may post).
 */
export function postProofArgs(
  pkg: MintPackage,
): [
  MintStructs['proof'],
  MintStructs['pubSignals'],
  MintStructs['snapshot'],
  MintStructs['signers'],
  MintStructs['fx'],
  MintStructs['allocations'],
] {
  const m = mintStructs(pkg);
  return [m.proof, m.pubSignals, m.snapshot, m.signers, m.fx, m.allocations];
}

/**
 * The arguments of advanceChain(snapshot, commitment, fxTable, signers) for one chain link: a
 * signed snapshot (a package's: signedSnapshotOf, or one the API lists).
 */
export function advanceChainArgs(
  link: SignedSnapshot,
): [SnapshotFieldsStruct, bigint, bigint, SignerSetProofStruct] {
  const m = link.message;
  return [
    snapshotFields(m),
    BigInt(`0x${m.commitment}`),
    BigInt(m.fxTableHash),
    signerSetProof(link.signerSet, link.signatures),
  ];
}

/**
 * A chain link from a JSON file's content: a v2 package (its signed snapshot) or a signed
 * snapshot as the API serves it.
 *
 * @throws ZkAttestError PACKAGE_INVALID / SIGNED_SNAPSHOT_INVALID.
 */
export function parseChainLink(value: unknown): SignedSnapshot {
  const tagged = typeof value === 'object' && value !== null && 'type' in value;
  return tagged ? signedSnapshotOf(parseMintPackage(value)) : parseSignedSnapshot(value);
}

/**
 * Refuses (MINT_REFUSED, before any transaction) a package in another unit than the token's:
 * the token would refuse it too (its signature is over the package's unit), but less legibly.
 */
export function assertPackageUnit(
  pkg: { snapshot: { currency: string; decimals: number } },
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

/** A proof as one row of a batch verifier: [A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]. */
export type ProofWords = [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];

function proofWords(proof: MintPackage['proof']): ProofWords {
  const { pA, pB, pC } = proofPoints(proof);
  return [...pA, ...pB[0], ...pB[1], ...pC] as ProofWords;
}

/** A package with chunk proofs: a large book's (LARGESPEC section 6). */
export const isLargePackage = (pkg: Pick<MintPackage, 'chunks'>): boolean =>
  pkg.chunks !== undefined;

/**
 * The arguments of postLargeProof(proofs, signals, snapshot, signers, fx, allocations) for a
 * large book's package: the C chunk proofs in chunk order then the final proof, one signal row
 * each (chunk [commitment, fxTable, accIn, accOut], final [commitment, statement, fxTable,
 * chunkSet]). The chain is the token's to check; only the shape is checked here.
 *
 * @throws ZkAttestError PACKAGE_INVALID for a package without chunks or chunkSet.
 */
export function postLargeProofArgs(
  pkg: MintPackage,
): [
  ProofWords[],
  bigint[][],
  MintStructs['snapshot'],
  MintStructs['signers'],
  MintStructs['fx'],
  MintStructs['allocations'],
] {
  const { chunks } = pkg;
  if (chunks === undefined || pkg.publicSignals.chunkSet === undefined) {
    throw new ZkAttestError('PACKAGE_INVALID', 'not a large book’s package (no chunk proofs)', {
      field: 'chunks',
    });
  }
  const m = mintStructs(pkg);
  const finalSignals = pkg.publicSignals as Record<(typeof FINAL_SIGNAL_ORDER)[number], string>;
  return [
    [...chunks.map((c) => proofWords(c.proof)), proofWords(pkg.proof)],
    [
      ...chunks.map((c) => CHUNK_SIGNAL_ORDER.map((k) => BigInt(c.publicSignals[k]))),
      FINAL_SIGNAL_ORDER.map((k) => BigInt(finalSignals[k])),
    ],
    m.snapshot,
    m.signers,
    m.fx,
    m.allocations,
  ];
}

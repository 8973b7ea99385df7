import { ZkAttestError } from '../common/errors';
import { keyIdOf, type P256PublicKey } from '../common/p256';
import {
  attestationPackageSchema,
  CHUNK_SIGNAL_ORDER,
  FINAL_SIGNAL_ORDER,
  PUBLIC_SIGNAL_ORDER,
  type AttestationPackage,
} from '../common/attestation-package';
import { allocationsHash, type AllocationTable } from '../common/allocations';
import { fxTableHash, identityFxTable, isIdentityTable } from '../common/fx-table';
import {
  commitmentHex,
  parseSignedSnapshot,
  signedSnapshotOf,
  snapshotDigest,
  type SignedSnapshot,
  type SnapshotMessageJson,
} from '../common/signed-snapshot';
import { signerSetId, ZERO_BYTES32 } from '../common/snapshot-message';
import type { HeadWitness } from './head-witness';
import {
  advanceCalldata,
  linkCalldata,
  proofCalldata,
  type AllocationRowStruct,
  type FxStruct,
  type LinkFields,
  type ProofWords,
  type SigStruct,
  type SignerSetProofStruct,
  type SnapshotFieldsStruct,
} from './post-calldata';

export { headWitness, type HeadWitness } from './head-witness';

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

/**
 * The set's membership and signatures as the token takes them: each signature goes with the
 * index of its keyId in `signerSet.keyIds` (the token binds the key by keyIds[index]), sorted
 * by index, as the token wants them strictly increasing. Nothing is dropped: a member named
 * twice is passed twice, for the token to refuse (DuplicateSigner) as a verifier would.
 *
 * @throws ZkAttestError PACKAGE_INVALID for a setId that is not the membership's, a signature
 *   whose keyId is not a member's (it has no index), or whose keyId is not sha256 of its key.
 */
export function signerSetProof(
  signerSet: SignedSnapshot['signerSet'],
  signatures: SignedSnapshot['signatures'],
  setId: string,
): SignerSetProofStruct {
  // The token derives the set id from the keys (POSTSPEC §2): a package naming another set
  // than its membership's would be checked as that membership's.
  if (signerSetId(signerSet.threshold, signerSet.keyIds) !== setId) {
    throw new ZkAttestError('PACKAGE_INVALID', 'setId is not the id of the package’s signer set', {
      field: 'setId',
    });
  }
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

function snapshotFields(s: SnapshotMessageJson | MintPackage['snapshot']): SnapshotFieldsStruct {
  return {
    setId: bytes32(s.setId),
    epoch: BigInt(s.epoch),
    prevCommitment: bytes32(s.prevCommitment),
    asOf: s.asOf,
    chunks: s.chunks,
  };
}

/** A package's allocation table as the token's rows (as signed, in order). */
export function allocationRows(table: AllocationTable | undefined): AllocationRowStruct[] {
  return (table?.rows ?? []).map((r) => ({
    chainId: BigInt(r.chainId),
    token: r.token,
    amount: BigInt(r.amount),
  }));
}

/**
 * The link's FX part for a rate table hash: the table and its source's signature (zeros
 * without a source, for the token to name: FxSignatureMissing).
 */
function fxStruct(table: bigint, src: MintPackage['fx']['source']): FxStruct {
  return src
    ? { table, ...point(src), asOf: src.asOf, ...signatureWords(src.signature) }
    : { table, x: 0n, y: 0n, r: 0n, s: 0n, asOf: 0 };
}

/** The snapshot message a package's signatures are over. */
function packageMessage(pkg: Pick<MintPackage, 'snapshot' | 'publicSignals'>): SnapshotMessageJson {
  return {
    ...pkg.snapshot,
    commitment: commitmentHex(pkg.publicSignals.commitment),
    fxTableHash: pkg.publicSignals.fxTable,
  };
}

/** The fields mintWithProof and postProof take, before they are packed (POSTSPEC §2). */
export interface MintStructs extends LinkFields {
  proof: { pA: G1; pB: G2; pC: G1 };
  /** [commitment, statement, fxTable]: fxTable travels in `fx` (none for the identity). */
  pubSignals: [bigint, bigint, bigint];
}

/**
 * The fields of a v2 package's mint: the signer set proof (see signerSetProof); the FX part
 * only when the package's rate table is not the identity table of its unit (the token's,
 * since a package in another unit is refused: assertPackageUnit), whatever FX source comes
 * along; the allocation rows when the package has a table.
 */
export function mintStructs(pkg: MintPackage): MintStructs {
  const { pA, pB, pC, pubSignals } = solidityProof(pkg);
  // The signed `allocations` is not sent (the token hashes the rows): a package whose rows do
  // not hash to it could only ever be refused, less legibly (InvalidSignature).
  const signedTable = pkg.allocations ? allocationsHash(pkg.allocations) : ZERO_BYTES32;
  if (pkg.snapshot.allocations !== signedTable) {
    throw new ZkAttestError(
      'PACKAGE_INVALID',
      'the snapshot’s allocations field is not the hash of the package’s allocation table',
      { field: 'allocations' },
    );
  }
  return {
    proof: { pA, pB, pC },
    pubSignals,
    snapshot: snapshotFields(pkg.snapshot),
    digest: bytes32(snapshotDigest(packageMessage(pkg))),
    signers: signerSetProof(pkg.signerSet, pkg.signatures, pkg.snapshot.setId),
    fx: isIdentityTable(pkg.fx.table) ? null : fxStruct(pubSignals[2], pkg.fx.source),
    allocations: allocationRows(pkg.allocations),
  };
}

/** postProof's and mintWithProof's `p` from (possibly edited) structs and the head witness. */
export function mintCalldata(m: MintStructs, head: HeadWitness): string {
  return proofCalldata(evmWords(m.proof), m.pubSignals[0], m.pubSignals[1], m, head);
}

/** The arguments of mintWithProof(to, amount, p); `head` is headWitness(token, setId). */
export function mintWithProofArgs(
  pkg: MintPackage,
  to: string,
  amount: bigint,
  head: HeadWitness,
): [string, bigint, string] {
  return [to, amount, mintCalldata(mintStructs(pkg), head)];
}

/**
 * The selector of the token's relayer entry to postProof (IProofGatedToken.postProof_efficient_2cWrca:
 * the dispatcher finds it first and `p` follows the selector as is, ~1,100 gas less than
 * `postProof(bytes)`, same checks and effects).
 */
export const POST_PROOF_SELECTOR = '0x000000c9';

/** postProof's relayer-entry calldata for a package: POST_PROOF_SELECTOR, then `p`. */
export function postProofData(pkg: MintPackage, head: HeadWitness): string {
  return `${POST_PROOF_SELECTOR}${postProofArgs(pkg, head)[0].slice(2)}`;
}

/**
 * The arguments of postProof(p): the same `p` as mintWithProof (anyone may post); `head` is
 * headWitness(token, setId).
 */
export function postProofArgs(pkg: MintPackage, head: HeadWitness): [string] {
  return [mintCalldata(mintStructs(pkg), head)];
}

/**
 * A chain link: a signed snapshot and, when it comes from a package, the package's FX part
 * and allocation table (a link whose snapshot splits its capacity sends the rows: the token
 * rebuilds the signed `allocations` from them).
 */
export type ChainLink = SignedSnapshot & {
  fx?: MintPackage['fx'];
  allocations?: AllocationTable;
};

/**
 * The arguments of advanceChain(p) for one chain link; `head` is headWitness(token, setId).
 * Async: whether the link's rate table is its unit's identity table (then not sent) is a
 * Poseidon hash away.
 *
 * @throws ZkAttestError SIGNED_SNAPSHOT_INVALID for a snapshot that signs an allocation table
 *   the link does not carry (a bare signed snapshot: advance with its package instead).
 */
export async function advanceChainArgs(link: ChainLink, head: HeadWitness): Promise<[string]> {
  const m = link.message;
  if (m.allocations !== ZERO_BYTES32 && link.allocations === undefined) {
    throw new ZkAttestError(
      'SIGNED_SNAPSHOT_INVALID',
      'the snapshot splits its capacity: advance with its package, which carries the table',
      { fields: 'allocations' },
    );
  }
  const table = BigInt(m.fxTableHash);
  const identity = await fxTableHash(
    identityFxTable({ currency: m.currency, decimals: m.decimals }),
  );
  const fields: LinkFields = {
    snapshot: snapshotFields(m),
    digest: bytes32(snapshotDigest(m)),
    signers: signerSetProof(link.signerSet, link.signatures, m.setId),
    fx: table === identity ? null : fxStruct(table, link.fx?.source),
    allocations: allocationRows(link.allocations),
  };
  return [advanceCalldata(BigInt(`0x${m.commitment}`), fields, head)];
}

/** A package's chain link: its signed snapshot, FX part and allocation table. */
export function chainLinkOf(pkg: AttestationPackage): ChainLink {
  return {
    ...signedSnapshotOf(pkg),
    fx: pkg.fx,
    ...(pkg.allocations ? { allocations: pkg.allocations } : {}),
  };
}

/**
 * A chain link from a JSON file's content: a v2 package (see chainLinkOf) or a signed snapshot
 * as the API serves it.
 *
 * @throws ZkAttestError PACKAGE_INVALID / SIGNED_SNAPSHOT_INVALID.
 */
export function parseChainLink(value: unknown): ChainLink {
  const tagged = typeof value === 'object' && value !== null && 'type' in value;
  return tagged ? chainLinkOf(parseMintPackage(value)) : parseSignedSnapshot(value);
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

/** A proof's points as 8 words: A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y. */
const evmWords = ({ pA, pB, pC }: Pick<SolidityProof, 'pA' | 'pB' | 'pC'>): ProofWords =>
  [...pA, ...pB[0], ...pB[1], ...pC] as ProofWords;

const proofWords = (proof: MintPackage['proof']): ProofWords => evmWords(proofPoints(proof));

/** A package with chunk proofs: a large book's (LARGESPEC section 6). */
export const isLargePackage = (pkg: Pick<MintPackage, 'chunks'>): boolean =>
  pkg.chunks !== undefined;

/**
 * The arguments of postLargeProof(proofs, signals, link) for a large book's package: the C
 * chunk proofs in chunk order then the final proof, one signal row each (chunk [commitment,
 * fxTable, accIn, accOut], final [commitment, statement, fxTable, chunkSet]), and the packed
 * link (commitment and statement are the final row's); `head` is headWitness(token, setId).
 * The chain is the token's to check; only the shape is checked here.
 *
 * @throws ZkAttestError PACKAGE_INVALID for a package without chunks or chunkSet.
 */
export function postLargeProofArgs(
  pkg: MintPackage,
  head: HeadWitness,
): [ProofWords[], bigint[][], string] {
  const { chunks } = pkg;
  if (chunks === undefined || pkg.publicSignals.chunkSet === undefined) {
    throw new ZkAttestError('PACKAGE_INVALID', 'not a large book’s package (no chunk proofs)', {
      field: 'chunks',
    });
  }
  const finalSignals = pkg.publicSignals as Record<(typeof FINAL_SIGNAL_ORDER)[number], string>;
  return [
    [...chunks.map((c) => proofWords(c.proof)), proofWords(pkg.proof)],
    [
      ...chunks.map((c) => CHUNK_SIGNAL_ORDER.map((k) => BigInt(c.publicSignals[k]))),
      FINAL_SIGNAL_ORDER.map((k) => BigInt(finalSignals[k])),
    ],
    linkCalldata(mintStructs(pkg), head),
  ];
}

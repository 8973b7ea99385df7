/**
 * The token's packed calldata (POSTSPEC §2, §3): big-endian fields at their own width, no ABI
 * padding or offsets, so that a 1-of-1 post sends 478 bytes of `p` instead of ~1,150 bytes of
 * ABI structs and the token reads them with a few calldataloads. Built from the link's fields as structs (mint-call.ts makes
 * them from a package), which tests edit to reach the token's refusals.
 */
import { ZkAttestError } from '../common/errors';
import type { HeadWitness } from './head-witness';

/** One member's signature: its index among the set's members, its key, its (r, s). */
export interface SigStruct {
  index: number;
  x: bigint;
  y: bigint;
  r: bigint;
  s: bigint;
}

/** The set's membership (all n keyIds, 0x-prefixed, in member order) and k signatures. */
export interface SignerSetProofStruct {
  threshold: number;
  keyIds: string[];
  sigs: SigStruct[];
}

/** The signed snapshot fields a link sends (bytes32 as 0x + 64 hex). */
export interface SnapshotFieldsStruct {
  setId: string;
  epoch: bigint;
  prevCommitment: string;
  asOf: number;
  chunks: number;
}

/** The FX part of a link: the rate table's hash and its source's signature over it. */
export interface FxStruct {
  table: bigint;
  x: bigint;
  y: bigint;
  r: bigint;
  s: bigint;
  asOf: number;
}

/** One allocation row (the token hashes the rows into the signed `allocations`). */
export interface AllocationRowStruct {
  chainId: bigint;
  token: string;
  amount: bigint;
}

/** What a link carries before it is packed. */
export interface LinkFields {
  snapshot: SnapshotFieldsStruct;
  /** sha256 of the snapshot's message (0x + 64 hex): tells a head that is this snapshot. */
  digest: string;
  signers: SignerSetProofStruct;
  /** Null when the rate table is the token's identity table (the token then supplies it). */
  fx: FxStruct | null;
  /** The allocation rows; none without a table. */
  allocations: AllocationRowStruct[];
}

/** POSTSPEC §3: how the head witness is sent (flags bits 0-1). */
export const WitnessKind = { none: 0, prev: 1, same: 2, full: 3 } as const;
export type WitnessKind = (typeof WitnessKind)[keyof typeof WitnessKind];

/** flags bit 2: fxTable and the FX attestation follow. */
export const FLAG_FX = 0x04;
/** flags bit 3: the allocation rows follow. */
export const FLAG_ALLOC = 0x08;

/**
 * The shortest witness kind that is true of `head` for this link: none without a head; same
 * when the head is this snapshot (its digest); prev when the head is the link this one
 * follows (prevCommitment, epoch - 1); else full, which the token checks by its chain rules.
 */
export function witnessKind(
  link: Pick<LinkFields, 'snapshot' | 'digest'>,
  head: HeadWitness,
): WitnessKind {
  if (head === null) return WitnessKind.none;
  if (head.digest.toLowerCase() === link.digest.toLowerCase()) return WitnessKind.same;
  const { epoch, prevCommitment } = link.snapshot;
  if (epoch > 0n && head.epoch === epoch - 1n && head.commitment === BigInt(prevCommitment)) {
    return WitnessKind.prev;
  }
  return WitnessKind.full;
}

/** Big-endian fields at their own width, as the token reads them. */
class Packed {
  private readonly parts: Buffer[] = [];

  /** An unsigned integer in `bytes` bytes; one that does not fit is PACKAGE_INVALID. */
  uint(value: bigint | number, bytes: number, field: string): this {
    const v = BigInt(value);
    if (v < 0n || v >= 1n << BigInt(8 * bytes)) {
      throw new ZkAttestError('PACKAGE_INVALID', `${field} does not fit its ${bytes} bytes`, {
        field,
      });
    }
    this.parts.push(Buffer.from(v.toString(16).padStart(2 * bytes, '0'), 'hex'));
    return this;
  }

  /** 0x-prefixed hex of exactly `bytes` bytes (a bytes32 or an address). */
  hex(value: string, bytes: number, field: string): this {
    if (!new RegExp(`^0x[0-9a-fA-F]{${2 * bytes}}$`).test(value)) {
      throw new ZkAttestError('PACKAGE_INVALID', `${field} is not ${bytes} bytes of hex`, {
        field,
      });
    }
    this.parts.push(Buffer.from(value.slice(2), 'hex'));
    return this;
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function writeSignatures(out: Packed, signers: SignerSetProofStruct): void {
  const n = signers.keyIds.length;
  const k = signers.sigs.length;
  if (k > n) {
    // The format lists n - k non-signers: a member signing twice cannot be packed past n.
    throw new ZkAttestError('PACKAGE_INVALID', 'more signatures than the set has members', {
      field: 'signatures',
    });
  }
  out.uint(signers.threshold, 1, 'threshold').uint(n, 1, 'members').uint(k, 1, 'signatures');
  for (const sig of signers.sigs) {
    out
      .uint(sig.index, 1, 'signature index')
      .uint(sig.x, 32, 'signature x')
      .uint(sig.y, 32, 'signature y')
      .uint(sig.r, 32, 'signature r')
      .uint(sig.s, 32, 'signature s');
  }
  // The others' ids in member order; the token puts them in the slots no signature takes.
  // With an index named twice there are more of them than n - k: the first n - k go, for the
  // token to refuse the repeat (DuplicateSigner) rather than the length.
  const signing = new Set(signers.sigs.map((s) => s.index));
  signers.keyIds
    .filter((_, i) => !signing.has(i))
    .slice(0, n - k)
    .forEach((id) => out.hex(id, 32, 'keyId'));
}

function writeWitness(out: Packed, kind: WitnessKind, head: HeadWitness): void {
  if (head === null || kind === WitnessKind.none || kind === WitnessKind.same) return;
  out.hex(head.digest, 32, 'head digest');
  if (kind === WitnessKind.full) {
    out.uint(head.commitment, 32, 'head commitment').uint(head.epoch, 8, 'head epoch');
  }
  out.uint(head.asOf, 5, 'head asOf');
}

/**
 * The packed `link` of POSTSPEC §2 with the head witness of §3 (the shortest true kind).
 *
 * @throws ZkAttestError PACKAGE_INVALID for what the format cannot carry: a field wider than
 *   its bytes, more signatures than members, more than 255 allocation rows.
 */
export function encodeLink(link: LinkFields, head: HeadWitness): Buffer {
  const kind = witnessKind(link, head);
  const { snapshot: s, fx, allocations } = link;
  const flags = kind | (fx ? FLAG_FX : 0) | (allocations.length > 0 ? FLAG_ALLOC : 0);
  const out = new Packed()
    .uint(flags, 1, 'flags')
    .uint(s.epoch, 8, 'epoch')
    .hex(s.prevCommitment, 32, 'prevCommitment')
    .uint(s.asOf, 5, 'asOf')
    .uint(s.chunks, 2, 'chunks');
  writeSignatures(out, link.signers);
  writeWitness(out, kind, head);
  if (fx) {
    out
      .uint(fx.table, 32, 'fxTable')
      .uint(fx.x, 32, 'fx x')
      .uint(fx.y, 32, 'fx y')
      .uint(fx.r, 32, 'fx r')
      .uint(fx.s, 32, 'fx s')
      .uint(fx.asOf, 5, 'fx asOf');
  }
  if (allocations.length > 0) {
    out.uint(allocations.length, 1, 'allocation rows');
    for (const row of allocations) {
      out
        .uint(row.chainId, 32, 'allocation chainId')
        .hex(row.token, 20, 'allocation token')
        .uint(row.amount, 8, 'allocation amount');
    }
  }
  return out.bytes();
}

/** A Groth16 proof as 8 words in EVM order: A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y. */
export type ProofWords = [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];

/** `proof ‖ commitment ‖ minCoverageBps ‖ capacity ‖ link`: postProof's and mintWithProof's `p`, as 0x hex. */
export function proofCalldata(
  proof: ProofWords,
  commitment: bigint,
  statement: bigint,
  link: LinkFields,
  head: HeadWitness,
): string {
  const out = new Packed();
  proof.forEach((word, i) => out.uint(word, 32, `proof word ${i}`));
  // The token rebuilds the statement (POSTSPEC §2): only minCoverageBps and capacity travel,
  // its context is the token's own; bits above the capacity exist in no valid statement.
  if (statement >> 208n !== 0n) {
    throw new ZkAttestError('PACKAGE_INVALID', 'the statement is not context | ratio | capacity', {
      field: 'statement',
    });
  }
  out
    .uint(commitment, 32, 'commitment')
    .uint((statement >> 128n) & 0xffffn, 2, 'minCoverageBps')
    .uint(statement >> 144n, 8, 'capacity');
  return `0x${Buffer.concat([out.bytes(), encodeLink(link, head)]).toString('hex')}`;
}

/** `commitment ‖ link`: advanceChain's `p`, as 0x hex. */
export function advanceCalldata(commitment: bigint, link: LinkFields, head: HeadWitness): string {
  const c = new Packed().uint(commitment, 32, 'commitment').bytes();
  return `0x${Buffer.concat([c, encodeLink(link, head)]).toString('hex')}`;
}

/** The link alone (postLargeProof's `link`), as 0x hex. */
export function linkCalldata(link: LinkFields, head: HeadWitness): string {
  return `0x${encodeLink(link, head).toString('hex')}`;
}

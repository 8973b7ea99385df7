import {
  artifactsDir,
  circuitEntryOf,
  loadManifest,
  type ArtifactManifest,
  type CircuitEntry,
} from '../../common/artifact-manifest';
import { circuitForClaim, readArtifact, snapshotSlots } from '../../common/artifact-store';
import {
  PACKAGE_TYPE,
  PUBLIC_SIGNAL_ORDER,
  type AttestationPackage,
} from '../../common/attestation-package';
import {
  allocatedTotal,
  allocationContext,
  allocationsHash,
  parseAllocationTable,
  type AllocationTable,
} from '../../common/allocations';
import { ZkAttestError } from '../../common/errors';
import type { SignedFxTable } from '../../common/signed-fx-table';
import type { Signer } from '../../common/p256-signer';
import {
  checkSignatures,
  commitmentHex,
  messageBytes,
  type KeySignature,
  type SnapshotMessageJson,
} from '../../common/signed-snapshot';
import type { SignerSetMembership } from '../../common/signer-set';
import { signerSetId } from '../../common/snapshot-message';
import { claimHolds, parseClaimParams, type ClaimParams } from '../../claims';
import { CLAIM_NAMES } from '../../claims/registry';
import { circuitInput, validateContext } from './claim-inputs';
import { fxBook, type FxBook } from './fx-book';
import {
  checkChunkResults,
  isLargeBook,
  largeCircuitFor,
  planBook,
  proveChunkOf,
  proveFinal,
  type ChunkProof,
  type PlannedLargeBook,
} from './large-book-proofs';
import { CachedWitnessCalculator } from './witness-calculator';
import { Groth16Prover } from './groth16-prover';
import type { Primitives } from '../snapshot/primitives';
import { snapshotCommitment } from '../snapshot/snapshot-commitment';
import type { Snapshot } from '../snapshot/snapshot-types';

import { ZERO_BYTES32 as ZERO32 } from '../../common/snapshot-message';

interface LoadedCircuit {
  id: string;
  entry: CircuitEntry;
  witness: CachedWitnessCalculator;
  groth16: Groth16Prover;
}

/** The snapshot a signer set signs: the book, its salt and rates, and its place in the chain. */
export interface MessageRequest {
  snapshot: Snapshot;
  salt: bigint;
  /** The signed rate table, for a book in several currencies; none: the identity table. */
  fx?: SignedFxTable;
  /** The snapshot's epoch in its signer set's chain, and the previous commitment (hex). */
  epoch?: number;
  prevCommitment?: string;
  /**
   * The coverage capacity (liabilities) split across deployments: the message signs its hash
   * (`allocations`), and a table summing past the capacity is refused before anything is signed.
   */
  allocations?: AllocationTable;
}

/**
 * Who signs the snapshot: one key the prover signs with (a 1-of-1 set; an HSM or KMS may stand
 * in), or signatures k members of a set made beforehand over {@link ClaimProver.message}.
 */
export type SnapshotSigning =
  | { signer: Signer; cosigned?: undefined }
  | {
      signer?: undefined;
      cosigned: { signerSet: SignerSetMembership; signatures: KeySignature[] };
    };

export type ProveRequest = MessageRequest &
  SnapshotSigning & {
    params: ClaimParams;
    /**
     * The verifier's challenge or a contract binding (< 2^128); with `allocations`, it must be
     * allocationContext(allocationsHash(allocations)): every token of the table accepts it.
     */
    context: bigint;
  };

export interface ProveResult {
  package: AttestationPackage;
  /** Witness + Groth16 proof time, milliseconds. */
  proveMs: number;
}

/**
 * Proves claims about signed snapshots. Each circuit's wasm and zkey are read (and checked
 * against the manifest) once, then kept in memory, parsed, for every later proof in this
 * process (see groth16-prover.ts).
 */
export class ClaimProver {
  private readonly loaded = new Map<string, LoadedCircuit>();

  constructor(
    private readonly primitives: Primitives,
    private readonly manifest: ArtifactManifest = loadManifest(),
    private readonly dir: string = artifactsDir(),
  ) {}

  /** Loads a circuit's artifacts now rather than at its first proof. */
  preload(circuitId: string): void {
    this.circuit(circuitId);
  }

  /**
   * The circuit that proves `claim` for a snapshot of `positions` positions: a single circuit
   * up to 32, else a large book's final circuit (its chunk circuit named in the manifest).
   */
  circuitFor(claim: ClaimParams['claim'], positions: number): string {
    const id = isLargeBook(positions)
      ? largeCircuitFor(this.manifest, claim, positions)
      : circuitForClaim(this.manifest, claim, positions);
    if (!id) {
      throw new ZkAttestError(
        'CIRCUIT_UNKNOWN',
        `no ${claim} circuit holds ${positions} positions`,
        {
          claim,
          positions,
        },
      );
    }
    return id;
  }

  /** Signs the snapshot message and proves the claim; the result may cross the border. */
  async prove(req: ProveRequest): Promise<ProveResult> {
    const { params, book } = this.checkRequest(req);
    if (isLargeBook(book.positions.length)) {
      // Signatures first, as for one proof: no chunk is proved for a refused message.
      const ready = await this.readyLarge(req, params, book);
      const started = performance.now();
      const chunks: ChunkProof[] = [];
      for (let k = 0; k < ready.planned.plan.chunks; k++) {
        chunks.push(await proveChunkOf(ready.chunkCircuit, ready.planned, k));
      }
      return this.finishLarge(req, ready, chunks, performance.now() - started);
    }
    const circuit = this.circuit(this.circuitFor(params.claim, book.positions.length));
    const slots = circuit.entry.maxPositions;
    const commitment = snapshotCommitment(this.primitives, book, req.salt, slots);
    const signed = await this.signedMessage(req, commitment, book.tableHash, 0);
    const input = circuitInput({ book, salt: req.salt, params, context: req.context, slots });

    const started = performance.now();
    const wtns = await circuit.witness.witness(input);
    const { proof, publicSignals } = await circuit.groth16.prove(wtns);
    const proveMs = performance.now() - started;

    // The circuit recomputes the commitment and table hash; disagreeing means mismatched code.
    if (
      publicSignals[0] !== commitment.toString() ||
      publicSignals[2] !== book.tableHash.toString()
    ) {
      throw new ZkAttestError('ARTIFACT_MISMATCH', `${circuit.id} computed another commitment`);
    }
    const named = Object.fromEntries(
      PUBLIC_SIGNAL_ORDER.map((name, i) => [name, publicSignals[i]!]),
    ) as AttestationPackage['publicSignals'];
    const proved = {
      publicSignals: named,
      proof: {
        pi_a: proof.pi_a,
        pi_b: proof.pi_b,
        pi_c: proof.pi_c,
        protocol: proof.protocol,
        curve: proof.curve,
      } as AttestationPackage['proof'],
    };
    return { package: packageOf(req, params, circuit, book, signed, proved), proveMs };
  }

  /**
   * Plans a large book (33..4,096 positions) for its chunk proofs: from the snapshot, its salt
   * and FX table alone, so that any worker can prove any chunk of it (LARGESPEC §7).
   */
  planLargeBook(source: Pick<MessageRequest, 'snapshot' | 'salt' | 'fx'>): PlannedLargeBook {
    const book = fxBook(this.primitives, source.snapshot, source.fx?.table);
    if (!isLargeBook(book.positions.length)) {
      throw new ZkAttestError('USAGE', 'a book of at most 32 positions is proved in one proof');
    }
    return planBook(this.primitives, book, source.salt);
  }

  /**
   * Proves chunk k of a planned large book under the chunk circuit. The proof is public data
   * and serves every claim on the snapshot.
   *
   * @throws ZkAttestError ARTIFACT_MISMATCH when its public signals are not the reference ones
   */
  proveChunk(book: PlannedLargeBook, k: number): Promise<ChunkProof> {
    return proveChunkOf(this.chunkCircuit(), book, k);
  }

  /**
   * Signs the message of a large book, checks the signatures, then proves the final claim
   * over `chunks` (C chunk proofs in order, from {@link proveChunk} here or on workers,
   * checked against the book first) and assembles the package.
   *
   * @throws ZkAttestError ARTIFACT_MISMATCH when the chunk proofs are not this book's
   */
  async assembleLargePackage(
    req: ProveRequest,
    chunks: readonly ChunkProof[],
  ): Promise<ProveResult> {
    const { params, book } = this.checkRequest(req);
    const ready = await this.readyLarge(req, params, book);
    checkChunkResults(ready.planned, chunks);
    return this.finishLarge(req, ready, [...chunks], 0);
  }

  /**
   * The snapshot message a signer set signs for `req` (the commitment with the circuit slots
   * every claim agrees on), so that its members can sign before any claim is proved.
   */
  message(req: MessageRequest, setId: string): SnapshotMessageJson {
    const p = this.primitives;
    const book = fxBook(p, req.snapshot, req.fx?.table);
    if (isLargeBook(book.positions.length)) {
      const { plan } = planBook(p, book, req.salt);
      return messageOf(req, setId, plan.commitment, book.tableHash, plan.chunks);
    }
    const slots = snapshotSlots(this.manifest, book.positions.length, CLAIM_NAMES);
    return messageOf(req, setId, snapshotCommitment(p, book, req.salt, slots), book.tableHash, 0);
  }

  /** The checks of a request made before anything is signed or proved. */
  private checkRequest(req: ProveRequest): { params: ClaimParams; book: FxBook } {
    const params = parseClaimParams(req.params);
    validateContext(req.context);
    if (req.allocations) {
      if (params.claim !== 'coverage') {
        throw new ZkAttestError('ALLOCATIONS_INVALID', 'only a coverage proof splits a capacity', {
          claim: params.claim,
        });
      }
      const hash = splitAllocations(req.allocations, req.snapshot.liabilities);
      if (req.context !== allocationContext(hash)) {
        throw new ZkAttestError(
          'ALLOCATIONS_INVALID',
          'a split proof’s context is allocationContext(allocations)',
          { field: 'context' },
        );
      }
    }
    const book = fxBook(this.primitives, req.snapshot, req.fx?.table);
    if (!claimHolds(book, params)) {
      throw new ZkAttestError(
        'CLAIM_NOT_SATISFIED',
        `the snapshot does not satisfy the ${params.claim} claim with these parameters`,
        { claim: params.claim },
      );
    }
    return { params, book };
  }

  /** The message for `commitment`, signed (or co-signed beforehand) and checked. */
  private async signedMessage(
    req: ProveRequest,
    commitment: bigint,
    tableHash: bigint,
    chunks: number,
  ): Promise<SignedMessage> {
    const signerSet = req.cosigned?.signerSet ?? { threshold: 1, keyIds: [req.signer!.keyId] };
    const message = messageOf(
      req,
      signerSetId(signerSet.threshold, signerSet.keyIds),
      commitment,
      tableHash,
      chunks,
    );
    const signatures = req.cosigned?.signatures ?? [
      {
        keyId: req.signer!.keyId,
        publicKey: req.signer!.publicKey,
        signature: await req.signer!.sign(messageBytes(message)),
      },
    ];
    // Co-signatures are checked before the proof: k good ones, or no work is done.
    const { reasons } = checkSignatures({ message, signerSet, signatures });
    if (reasons.length > 0) {
      throw new ZkAttestError(
        'SNAPSHOT_SIGNATURES_REFUSED',
        `the snapshot signatures do not make it signed by its set: ${reasons.join(', ')}`,
        { reasons: reasons.join(',') },
      );
    }
    return { message, signerSet, signatures };
  }

  /** A large book planned, its circuits loaded and its message signed and checked. */
  private async readyLarge(
    req: ProveRequest,
    params: ClaimParams,
    book: FxBook,
  ): Promise<LargeReady> {
    const finalCircuit = this.circuit(this.circuitFor(params.claim, book.positions.length));
    const chunkCircuit = this.chunkCircuit(finalCircuit.entry.chunkCircuit);
    const planned = planBook(this.primitives, book, req.salt);
    const { plan } = planned;
    const signed = await this.signedMessage(req, plan.commitment, book.tableHash, plan.chunks);
    return { params, book, finalCircuit, chunkCircuit, planned, signed };
  }

  /** The final proof over checked chunk proofs, and the package. */
  private async finishLarge(
    req: ProveRequest,
    ready: LargeReady,
    chunks: ChunkProof[],
    chunksMs: number,
  ): Promise<ProveResult> {
    const started = performance.now();
    const proved = await proveFinal(ready.finalCircuit, ready.planned, ready.params, req.context);
    const proveMs = chunksMs + performance.now() - started;
    const pkg = packageOf(req, ready.params, ready.finalCircuit, ready.book, ready.signed, proved);
    return { package: { ...pkg, chunks }, proveMs };
  }

  /** The chunk circuit of the large finals (one for every claim: chunk-32). */
  private chunkCircuit(id?: string): LoadedCircuit {
    const chunkId =
      id ??
      Object.values(this.manifest.circuits).find((e) => e.chunkCircuit !== undefined)?.chunkCircuit;
    if (!chunkId) throw new ZkAttestError('CIRCUIT_UNKNOWN', 'no chunk circuit in the manifest');
    return this.circuit(chunkId);
  }

  private circuit(id: string): LoadedCircuit {
    let c = this.loaded.get(id);
    if (!c) {
      const entry = circuitEntryOf(this.manifest, id);
      c = {
        id,
        entry,
        witness: new CachedWitnessCalculator(readArtifact(this.dir, entry.files.wasm)),
        groth16: Groth16Prover.fromZkey(readArtifact(this.dir, entry.files.zkey)),
      };
      this.loaded.set(id, c);
    }
    return c;
  }
}

interface SignedMessage {
  message: SnapshotMessageJson;
  signerSet: SignerSetMembership;
  signatures: KeySignature[];
}

interface LargeReady {
  params: ClaimParams;
  book: FxBook;
  finalCircuit: LoadedCircuit;
  chunkCircuit: LoadedCircuit;
  planned: PlannedLargeBook;
  signed: SignedMessage;
}

/** The package of a proof: everything but the chunk proofs of a large book. */
function packageOf(
  req: ProveRequest,
  params: ClaimParams,
  circuit: LoadedCircuit,
  book: FxBook,
  signed: SignedMessage,
  proved: Pick<AttestationPackage, 'publicSignals' | 'proof'>,
): AttestationPackage {
  const { commitment: _c, fxTableHash: _f, ...snapshot } = signed.message;
  return {
    type: PACKAGE_TYPE,
    claim: params.claim,
    circuitId: circuit.id,
    vkeyHash: circuit.entry.vkeyHash,
    publicSignals: proved.publicSignals,
    proof: proved.proof,
    snapshot,
    signerSet: signed.signerSet,
    signatures: signed.signatures,
    fx: {
      table: book.table,
      ...(req.fx?.source ? { source: req.fx.source } : {}),
    },
    ...(req.allocations ? { allocations: parseAllocationTable(req.allocations) } : {}),
    createdAt: new Date().toISOString(),
  };
}

function messageOf(
  req: MessageRequest,
  setId: string,
  commitment: bigint,
  fxTableHash: bigint,
  chunks: number,
): SnapshotMessageJson {
  return {
    setId,
    epoch: req.epoch ?? 0,
    prevCommitment: req.prevCommitment ?? ZERO32,
    commitment: commitmentHex(commitment),
    asOf: req.snapshot.asOf,
    currency: req.snapshot.currency,
    decimals: req.snapshot.decimals,
    fxTableHash: fxTableHash.toString(),
    allocations: req.allocations
      ? splitAllocations(req.allocations, req.snapshot.liabilities)
      : ZERO32,
    chunks,
  };
}

/**
 * The signed hash of an allocation table, once its amounts are known to fit the capacity.
 *
 * @throws ZkAttestError ALLOCATIONS_INVALID (a bad table), ALLOCATIONS_OVER_CAPACITY when the
 *   amounts sum past the liabilities: no verifier or token would accept such a package.
 */
function splitAllocations(allocations: AllocationTable, capacity: bigint): string {
  const table = parseAllocationTable(allocations);
  if (allocatedTotal(table) > capacity) {
    throw new ZkAttestError(
      'ALLOCATIONS_OVER_CAPACITY',
      'the allocations sum past the proven capacity (liabilities)',
      { rows: table.rows.length },
    );
  }
  return allocationsHash(table);
}

import * as snarkjs from 'snarkjs';
import {
  artifactsDir,
  circuitEntryOf,
  loadManifest,
  type ArtifactManifest,
  type CircuitEntry,
} from '../../common/artifact-manifest';
import { circuitForClaim, readArtifact } from '../../common/artifact-store';
import {
  PACKAGE_TYPE,
  PUBLIC_SIGNAL_ORDER,
  type AttestationPackage,
} from '../../common/attestation-package';
import { ZkAttestError } from '../../common/errors';
import type { SignedFxTable } from '../../common/signed-fx-table';
import type { Signer } from '../../common/p256-signer';
import { singleKeySetId, snapshotMessage } from '../../common/snapshot-message';
import { claimHolds, parseClaimParams, type ClaimParams } from '../../claims';
import { circuitInput, validateContext } from './claim-inputs';
import { fxBook } from './fx-book';
import { CachedWitnessCalculator } from './witness-calculator';
import type { Primitives } from '../snapshot/primitives';
import { snapshotCommitment } from '../snapshot/snapshot-commitment';
import type { Snapshot } from '../snapshot/snapshot-types';

import { ZERO_BYTES32 as ZERO32 } from '../../common/snapshot-message';

interface LoadedCircuit {
  id: string;
  entry: CircuitEntry;
  witness: CachedWitnessCalculator;
  zkey: Uint8Array;
}

export interface ProveRequest {
  snapshot: Snapshot;
  salt: bigint;
  /** The snapshot's signer (statement v2: a 1-of-1 signer set; an HSM or KMS may stand in). */
  signer: Signer;
  /** The signed rate table, for a book in several currencies; none: the identity table. */
  fx?: SignedFxTable;
  params: ClaimParams;
  /** The verifier's challenge or a contract binding (< 2^128). */
  context: bigint;
  /** The snapshot's epoch in its signer set's chain, and the previous commitment (hex). */
  epoch?: number;
  prevCommitment?: string;
}

export interface ProveResult {
  package: AttestationPackage;
  /** Witness + Groth16 proof time, milliseconds. */
  proveMs: number;
}

/**
 * Proves claims about signed snapshots. Each circuit's wasm and zkey are read (and checked
 * against the manifest) once, then kept in memory for every later proof in this process.
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

  /** The circuit that proves `claim` for a snapshot of `positions` positions. */
  circuitFor(claim: ClaimParams['claim'], positions: number): string {
    const id = circuitForClaim(this.manifest, claim, positions);
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
    const params = parseClaimParams(req.params);
    validateContext(req.context);
    const p = this.primitives;
    const book = fxBook(p, req.snapshot, req.fx?.table);
    if (!claimHolds(book, params)) {
      throw new ZkAttestError(
        'CLAIM_NOT_SATISFIED',
        `the snapshot does not satisfy the ${params.claim} claim with these parameters`,
        { claim: params.claim },
      );
    }
    const circuit = this.circuit(this.circuitFor(params.claim, book.positions.length));
    const slots = circuit.entry.maxPositions;
    const commitment = snapshotCommitment(p, book, req.salt, slots);
    const snapshot = {
      setId: singleKeySetId(req.signer.keyId),
      epoch: req.epoch ?? 0,
      prevCommitment: req.prevCommitment ?? ZERO32,
      asOf: req.snapshot.asOf,
      currency: req.snapshot.currency,
      decimals: req.snapshot.decimals,
      allocations: ZERO32,
      chunks: 0,
    };
    const message = snapshotMessage({
      ...snapshot,
      epoch: BigInt(snapshot.epoch),
      commitment,
      fxTableHash: book.tableHash,
    });
    const signature = await req.signer.sign(message);
    const input = circuitInput({ book, salt: req.salt, params, context: req.context, slots });

    const started = performance.now();
    const wtns = await circuit.witness.witness(input);
    const { proof, publicSignals } = await snarkjs.groth16.prove(
      { type: 'mem', data: circuit.zkey },
      { type: 'mem', data: wtns },
    );
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
    return {
      package: {
        type: PACKAGE_TYPE,
        claim: params.claim,
        circuitId: circuit.id,
        vkeyHash: circuit.entry.vkeyHash,
        publicSignals: named,
        proof: {
          pi_a: proof.pi_a,
          pi_b: proof.pi_b,
          pi_c: proof.pi_c,
          protocol: proof.protocol,
          curve: proof.curve,
        } as AttestationPackage['proof'],
        snapshot,
        signatures: [{ keyId: req.signer.keyId, publicKey: req.signer.publicKey, signature }],
        fx: {
          table: book.table,
          ...(req.fx?.source ? { source: req.fx.source } : {}),
        },
        createdAt: new Date().toISOString(),
      },
      proveMs,
    };
  }

  private circuit(id: string): LoadedCircuit {
    let c = this.loaded.get(id);
    if (!c) {
      const entry = circuitEntryOf(this.manifest, id);
      c = {
        id,
        entry,
        witness: new CachedWitnessCalculator(readArtifact(this.dir, entry.files.wasm)),
        zkey: readArtifact(this.dir, entry.files.zkey),
      };
      this.loaded.set(id, c);
    }
    return c;
  }
}

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
import { signSnapshot, type AttestorKey } from '../snapshot/attestor-key';
import { claimHolds, parseClaimParams, type ClaimParams } from '../../claims';
import { circuitInput, validateContext } from './claim-inputs';
import type { Primitives } from '../snapshot/primitives';
import { snapshotCommitment } from '../snapshot/snapshot-commitment';
import type { Snapshot } from '../snapshot/snapshot-types';

interface LoadedCircuit {
  id: string;
  entry: CircuitEntry;
  wasm: Uint8Array;
  zkey: Uint8Array;
}

export interface ProveRequest {
  snapshot: Snapshot;
  salt: bigint;
  key: AttestorKey;
  params: ClaimParams;
  /** The verifier's challenge or a contract binding (< 2^128). */
  context: bigint;
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

  /** Signs the snapshot commitment and proves the claim; the result may cross the border. */
  async prove(req: ProveRequest): Promise<ProveResult> {
    const params = parseClaimParams(req.params);
    validateContext(req.context);
    if (!claimHolds(req.snapshot, params)) {
      throw new ZkAttestError(
        'CLAIM_NOT_SATISFIED',
        `the snapshot does not satisfy the ${params.claim} claim with these parameters`,
        { claim: params.claim },
      );
    }
    const circuit = this.circuit(this.circuitFor(params.claim, req.snapshot.positions.length));
    const slots = circuit.entry.maxPositions;
    const p = this.primitives;
    const commitment = snapshotCommitment(p, req.snapshot, req.salt, slots);
    const signature = signSnapshot(p, req.key, commitment, req.snapshot.asOf);
    const input = circuitInput({
      snapshot: req.snapshot,
      salt: req.salt,
      publicKey: req.key.publicKey,
      signature,
      params,
      context: req.context,
      slots,
    });

    const started = performance.now();
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(
      input,
      { type: 'mem', data: circuit.wasm },
      { type: 'mem', data: circuit.zkey },
    );
    const proveMs = performance.now() - started;

    // The circuit recomputes the commitment; disagreeing with ours means mismatched code.
    if (publicSignals[0] !== commitment.toString()) {
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
        wasm: readArtifact(this.dir, entry.files.wasm),
        zkey: readArtifact(this.dir, entry.files.zkey),
      };
      this.loaded.set(id, c);
    }
    return c;
  }
}

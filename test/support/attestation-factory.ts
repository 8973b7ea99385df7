import { join } from 'node:path';
import type { AttestationPackage } from '../../src/common/attestation-package';
import { signEnvelope } from '../../src/common/transport-envelope';
import {
  generateTransportKey,
  type JsonWebKey,
  type TransportAlg,
} from '../../src/common/transport-key';
import {
  ClaimProver,
  loadPrimitives,
  loadSnapshotFile,
  randomSalt,
  type ClaimParams,
  type Primitives,
  type Snapshot,
} from '../../src/prover';
import type { Signer } from '../../src/common/p256-signer';
import type { SignedFxTable } from '../../src/common/signed-fx-table';
import { testSigner } from '../fixtures';

const SAMPLE = join(__dirname, '..', '..', 'examples', 'snapshot.json');

/** Real proofs for API tests: the sample snapshot, re-dated as needed, proved and enveloped. */
export class AttestationFactory {
  private constructor(
    readonly p: Primitives,
    private readonly prover: ClaimProver,
    private readonly snapshot: Snapshot,
    private readonly salt: bigint,
  ) {}

  static async create(): Promise<AttestationFactory> {
    const p = await loadPrimitives();
    return new AttestationFactory(p, new ClaimProver(p), loadSnapshotFile(SAMPLE), randomSalt());
  }

  /** The default snapshot signer (seed 1) and others by seed. */
  signer(seed = 1): Promise<Signer> {
    return testSigner(seed);
  }

  async package(opts: {
    context: bigint;
    asOf?: number;
    signerSeed?: number;
    params?: ClaimParams;
    fx?: SignedFxTable;
  }): Promise<AttestationPackage> {
    const snapshot = { ...this.snapshot, asOf: opts.asOf ?? Math.floor(Date.now() / 1000) - 3600 };
    const { package: pkg } = await this.prover.prove({
      snapshot,
      salt: this.salt,
      signer: await this.signer(opts.signerSeed),
      params: opts.params ?? { claim: 'coverage', minCoverageBps: 12000 },
      context: opts.context,
      ...(opts.fx ? { fx: opts.fx } : {}),
    });
    return pkg;
  }
}

/** An onshore institution's transport identity. */
export interface Institution {
  id: string;
  alg: TransportAlg;
  privateJwk: JsonWebKey;
  publicJwk: JsonWebKey;
  seal(payload: unknown): Promise<string>;
}

export async function newInstitution(
  id: string,
  alg: TransportAlg = 'ES256',
): Promise<Institution> {
  const { privateJwk, publicJwk } = await generateTransportKey(alg);
  return {
    id,
    alg,
    privateJwk,
    publicJwk,
    seal: (payload) =>
      signEnvelope(Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)), {
        alg,
        privateJwk,
        kid: id,
      }),
  };
}

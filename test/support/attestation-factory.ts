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
import type { AllocationTable } from '../../src/common/allocations';
import type { Signer } from '../../src/common/p256-signer';
import type { SignedFxTable } from '../../src/common/signed-fx-table';
import { testSigner } from '../fixtures';
import {
  messageBytes,
  type KeySignature,
  type SnapshotMessageJson,
} from '../../src/common/signed-snapshot';
import { buildSignerSet, setMembership, type SignerSet } from '../../src/common/signer-set';
import { singleKeySetId, ZERO_BYTES32 } from '../../src/common/snapshot-message';

const SAMPLE = join(__dirname, '..', '..', 'examples', 'snapshot.json');

/** Real proofs for API tests: the sample snapshot, re-dated as needed, proved and enveloped. */
export class AttestationFactory {
  private constructor(
    readonly p: Primitives,
    private readonly prover: ClaimProver,
    private readonly snapshot: Snapshot,
    private readonly salt: bigint,
  ) {}

  private readonly defaultAsOf = Math.floor(Date.now() / 1000) - 3600;

  static async create(): Promise<AttestationFactory> {
    const p = await loadPrimitives();
    return new AttestationFactory(p, new ClaimProver(p), loadSnapshotFile(SAMPLE), randomSalt());
  }

  /** The default snapshot signer (seed 1) and others by seed. */
  signer(seed = 1): Promise<Signer> {
    return testSigner(seed);
  }

  /** A signer set of test keys by seed (labels "Signer <seed>" unless given). */
  async signerSet(threshold: number, seeds: number[], labels?: string[]): Promise<SignerSet> {
    const members = await Promise.all(
      seeds.map(async (seed, i) => ({
        publicKey: (await this.signer(seed)).publicKey,
        label: labels?.[i] ?? `Signer ${seed}`,
      })),
    );
    return buildSignerSet(threshold, members);
  }

  /**
   * A real proof over the sample snapshot. Epochs chain by themselves: each new signed message
   * of a set (another as-of, another FX table) takes the set's next epoch and links to the
   * previous one, unless `epoch` / `prevCommitment` say otherwise; the same message again
   * keeps its epoch. Signed by `signerSeed` alone (a 1-of-1 set), or by `signWith` seeds of
   * `set`.
   */
  async package(opts: {
    context: bigint;
    asOf?: number;
    signerSeed?: number;
    set?: SignerSet;
    /** Seeds of the members of `set` that sign (default: the first `threshold`). */
    signWith?: number[];
    epoch?: number;
    prevCommitment?: string;
    params?: ClaimParams;
    fx?: SignedFxTable;
    /** A split coverage proof (its context must then be allocationContext of the table). */
    allocations?: AllocationTable;
  }): Promise<AttestationPackage> {
    // One default as-of per factory: packages made without one are claims on one snapshot
    // (one epoch), as a custodian's claims of a day are; pass asOf for another snapshot.
    const snapshot = { ...this.snapshot, asOf: opts.asOf ?? this.defaultAsOf };
    const base = {
      snapshot,
      salt: this.salt,
      ...(opts.fx ? { fx: opts.fx } : {}),
      ...(opts.allocations ? { allocations: opts.allocations } : {}),
    };
    const single = opts.set ? undefined : await this.signer(opts.signerSeed);
    const setId = opts.set?.setId ?? singleKeySetId(single!.keyId);
    const draft = this.prover.message(base, setId);
    const place = this.chainPlace(setId, draft, opts);
    const request = { ...base, ...place };
    const claim = {
      params: opts.params ?? { claim: 'coverage', minCoverageBps: 12000 },
      context: opts.context,
    } as const;
    if (!opts.set) {
      return (await this.prover.prove({ ...request, ...claim, signer: single! })).package;
    }
    const message = this.prover.message(request, setId);
    const signatures = await this.cosign(opts.set, message, opts.signWith);
    return (
      await this.prover.prove({
        ...request,
        ...claim,
        cosigned: { signerSet: setMembership(opts.set), signatures },
      })
    ).package;
  }

  /** Signatures of `message` by the members of `set` with these seeds. */
  async cosign(
    set: SignerSet,
    message: SnapshotMessageJson,
    seeds?: number[],
  ): Promise<KeySignature[]> {
    const bytes = messageBytes(message);
    const out: KeySignature[] = [];
    for (const seed of seeds ?? (await this.memberSeeds(set)).slice(0, set.threshold)) {
      const s = await this.signer(seed);
      out.push({ keyId: s.keyId, publicKey: s.publicKey, signature: await s.sign(bytes) });
    }
    return out;
  }

  private async memberSeeds(set: SignerSet): Promise<number[]> {
    const seeds: number[] = [];
    for (let seed = 1; seed <= 64 && seeds.length < set.signers.length; seed++) {
      const { keyId } = await this.signer(seed);
      if (set.signers.some((m) => m.keyId === keyId)) seeds.push(seed);
    }
    return seeds;
  }

  /** Per set: the epoch of each message signed so far (by digest), and the head. */
  private readonly chains = new Map<string, FactoryChain>();

  private chainPlace(
    setId: string,
    draft: SnapshotMessageJson,
    opts: { epoch?: number; prevCommitment?: string },
  ): { epoch: number; prevCommitment: string } {
    const chain: FactoryChain = this.chains.get(setId) ?? { byKey: new Map() };
    this.chains.set(setId, chain);
    // The message without its chain fields: the same snapshot again keeps its epoch.
    const key = `${draft.commitment}:${draft.asOf}:${draft.fxTableHash}:${draft.allocations}`;
    const known = chain.byKey.get(key);
    const epoch = opts.epoch ?? known ?? (chain.head ? chain.head.epoch + 1 : 0);
    const prevCommitment =
      opts.prevCommitment ??
      (epoch > 0 && chain.head && epoch === chain.head.epoch + 1
        ? chain.head.commitment
        : (this.prevOf.get(`${setId}:${epoch}`) ?? ZERO_BYTES32));
    if (known === undefined && opts.epoch === undefined) {
      chain.byKey.set(key, epoch);
      this.prevOf.set(`${setId}:${epoch}`, prevCommitment);
      chain.head = { epoch, commitment: draft.commitment };
    }
    return { epoch, prevCommitment };
  }

  private readonly prevOf = new Map<string, string>();
}

interface FactoryChain {
  byKey: Map<string, number>;
  head?: { epoch: number; commitment: string };
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

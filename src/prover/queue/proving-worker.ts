/**
 * The proving worker (consumer side): a BullMQ Worker that resolves a job's ids through an
 * injected SnapshotSource (the vault, later), proves with the process's one ClaimProver
 * (circuits loaded once, before the first job) and hands the package to a PackageSink.
 *
 * Crash recovery. BullMQ holds a lock per active job (`lockDuration`), renewed by the worker
 * every lockDuration/2. A worker that dies (SIGKILL, OOM, power) stops renewing; once the lock
 * has expired, the stalled-job check that every live worker runs each `stalledInterval` moves
 * the job back to wait, and another worker proves it again. Recovery therefore takes at most
 * about lockDuration + 2 x stalledInterval (one check marks active jobs as candidates, the next
 * finds the lock gone). The lock must outlive the longest time the worker's event loop can be
 * blocked (witness calculation runs on the main thread, ~0.1-0.3 s here) plus Redis latency,
 * or a live worker loses its job to another: harmless for correctness (the sink keeps the first
 * package per job id) but it wastes a proof. Defaults: 30 s lock, 15 s check (a crashed job
 * resumes within ~1 min, a 1 s proof never comes near losing its lock); the tests use 4 s and
 * 1 s. A job that stalls more than `maxStalledCount` times fails with JOB_STALLED.
 */
import { FlowProducer, Job, UnrecoverableError, WaitingChildrenError, Worker } from 'bullmq';
import { circuitsForClaim } from '../../common/artifact-store';
import { CLAIMS, claimHolds, parseClaimParams } from '../../claims';
import { fxBook } from '../proving/fx-book';
import { loadManifest } from '../../common/artifact-manifest';
import { packageId, type AttestationPackage } from '../../common/attestation-package';
import { ZkAttestError, type ErrorCode } from '../../common/errors';
import { closeRedisClient, type RedisTarget } from '../../common/redis-client';
import type { Signer } from '../../common/p256-signer';
import type { SignedFxTable } from '../../common/signed-fx-table';
import type { KeySignature, SnapshotMessageJson } from '../../common/signed-snapshot';
import type { SignerSetMembership } from '../../common/signer-set';
import { singleKeySetId } from '../../common/snapshot-message';
import {
  ClaimProver,
  type ProveRequest,
  type ProveResult,
  type SnapshotSigning,
} from '../proving/claim-prover';
import { checkSignatures } from '../../common/signed-snapshot';
import { loadPrimitives } from '../snapshot/primitives';
import type { Snapshot } from '../snapshot/snapshot-types';
import { ChunkProofCache } from './chunk-proof-cache';
import {
  decodeChunkJob,
  decodeJob,
  JOB_VERSION,
  type ChunkJobData,
  type DecodedJob,
  type ProvingJobData,
} from './job-payload';
import {
  bullConnection,
  chunkJobId,
  chunkTotalOf,
  PROVING_QUEUE,
  queuePrefix,
  type ProvingJobResult,
} from './proving-queue';
import { isLargeBook, type ChunkProof, type PlannedLargeBook } from '../proving/large-book-proofs';

/** Where a worker gets a job's secrets from, by id. Onshore only. */
export interface SnapshotSource {
  /** The snapshot, its salt and its signed FX table (none: the identity table of its unit). */
  load(snapshotId: string): Promise<{ snapshot: Snapshot; salt: bigint; fx?: SignedFxTable }>;
  /** The signer of a signer key id (the vault's P-256 key; an HSM or KMS may stand in). */
  signer(signerKeyId: string): Promise<Signer>;
  /**
   * The snapshot's message in its set's epoch chain: the one committed before, or `draft` at
   * the set's next epoch (see RedisSnapshotChain.commit). Without it: epoch 0, no predecessor.
   */
  commitMessage?(snapshotId: string, draft: SnapshotMessageJson): Promise<SnapshotMessageJson>;
  /** The set's membership and the signatures its members gave for the snapshot (co-signing). */
  cosignatures?(
    setId: string,
    snapshotId: string,
  ): Promise<{ signerSet: SignerSetMembership; signatures: KeySignature[] }>;
}

/** Where a worker puts packages. `save` must be idempotent on jobId: the first write wins. */
export interface PackageSink {
  save(jobId: string, pkg: AttestationPackage): Promise<void>;
  /** The package already saved for jobId: lets a retried job skip the proof and report it. */
  get?(jobId: string): Promise<AttestationPackage | undefined>;
}

export const DEFAULT_LOCK_DURATION_MS = 30_000;
export const DEFAULT_STALLED_INTERVAL_MS = 15_000;
export const DEFAULT_MAX_STALLED_COUNT = 2;

/** Progress milestones reported on the job. */
export const PROGRESS = { loaded: 10, proving: 50, saved: 100 } as const;

export interface ProvingWorkerOptions {
  /** A redis:// URL or a Redis Cluster's nodes. */
  redisUrl: RedisTarget;
  /** Jobs proved at once in this process (default 1: a proof already uses every core). */
  concurrency?: number;
  source: SnapshotSource;
  sink: PackageSink;
  /** Defaults to the process's shared ClaimProver (see sharedProver). */
  prover?: ClaimProver;
  queueName?: string;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
  /** Structured log lines (ids, codes and timings only); default: none. */
  log?: (event: Record<string, unknown>) => void;
}

/** A chunk job's result: public data (the proof crosses the border inside the package). */
export interface ChunkJobResult {
  chunk: number;
  proof: ChunkProof;
  /** 0 when taken from the snapshot's chunk proof cache. */
  proveMs: number;
  /** Proved for an earlier claim on the snapshot (see chunk-proof-cache.ts). */
  cached?: true;
}

type AnyJobData = ProvingJobData | ChunkJobData;
type AnyJobResult = ProvingJobResult | ChunkJobResult;

export interface ProvingWorker {
  readonly worker: Worker<AnyJobData, AnyJobResult>;
  /** Stops taking jobs, lets active ones finish, disconnects. */
  close(): Promise<void>;
}

/** Codes that no retry can fix: the job fails at once instead of after its attempts. */
const PERMANENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'REQUEST_INVALID',
  'CLAIM_PARAMS_INVALID',
  'CLAIM_NOT_SATISFIED',
  'CIRCUIT_UNKNOWN',
  'KEY_INVALID',
  'SNAPSHOT_PARSE',
  'SNAPSHOT_MISSING_COLUMN',
  'SNAPSHOT_INVALID_FIELD',
  'SNAPSHOT_TOO_MANY_POSITIONS',
  'SNAPSHOT_EMPTY',
  'SNAPSHOT_DUPLICATE_ASSET',
  // The vault entry is missing, tampered or malformed: a retry reads the same record.
  'VAULT_NOT_FOUND',
  'VAULT_DECRYPT_FAILED',
  'VAULT_RECORD_INVALID',
  // Statement v2: a key, FX table or job that is wrong now is wrong on every retry.
  'KEY_MALFORMED',
  'SIGNATURE_MALFORMED',
  'FX_TABLE_INVALID',
  'FX_RATE_INVALID',
  'FX_CURRENCY_MISSING',
  'CURRENCY_UNKNOWN',
  'DECIMALS_OUT_OF_RANGE',
  'JOB_VERSION_UNSUPPORTED',
  // Co-signing: signatures that do not sign this snapshot's message never will; a snapshot
  // older than its set's chain head stays older (CONFLICT from the chain).
  'SNAPSHOT_SIGNATURES_REFUSED',
  'SIGNED_SNAPSHOT_INVALID',
  'SIGNER_SET_INVALID',
  'CONFLICT',
]);

/**
 * The error a job fails with. Its message becomes the job's failedReason in Redis, so it is
 * "CODE: message" for a ZkAttestError (whose messages never carry snapshot data) and only the
 * error's class name otherwise: a foreign message (snarkjs, fs) could quote an input.
 */
export function jobError(err: unknown): Error {
  if (err instanceof ZkAttestError) {
    const message = `${err.code}: ${err.message}`;
    return PERMANENT.has(err.code) ? new UnrecoverableError(message) : new Error(message);
  }
  const name = err instanceof Error ? err.name : typeof err;
  return new Error(`WORKER_ERROR: unexpected ${name} in the worker (see its local log)`);
}

let shared: Promise<ClaimProver> | undefined;

/** The process's one ClaimProver, every circuit of the manifest loaded. */
export function sharedProver(): Promise<ClaimProver> {
  shared ??= (async () => {
    const prover = new ClaimProver(await loadPrimitives());
    preloadAll(prover);
    return prover;
  })();
  return shared;
}

function preloadAll(prover: ClaimProver): void {
  const manifest = loadManifest();
  for (const claim of CLAIMS) {
    for (const id of circuitsForClaim(manifest, claim.name)) prover.preload(id);
  }
}

/** Who signs a job's snapshot: the vault's key (a 1-of-1 set) or the set's collected signatures. */
async function signingOf(
  source: SnapshotSource,
  req: DecodedJob,
): Promise<{ setId: string; signing: SnapshotSigning }> {
  if (req.signerKeyId !== undefined) {
    const signer = await source.signer(req.signerKeyId);
    return { setId: singleKeySetId(signer.keyId), signing: { signer } };
  }
  if (!source.cosignatures) {
    throw new ZkAttestError('REQUEST_INVALID', 'this worker cannot prove co-signed claims', {
      field: 'setId',
    });
  }
  return {
    setId: req.setId,
    signing: { cosigned: await source.cosignatures(req.setId, req.snapshotId) },
  };
}

/** The job name of a large claim's chunk proof (a child of the claim's `prove` job). */
export const CHUNK_JOB = 'chunk';

/** How long a worker keeps the last large book it planned (its chunk jobs come in a burst). */
const PLANNED_BOOK_TTL_MS = 10 * 60_000;

/**
 * The last large book a chunk job planned, per worker process: C chunk jobs of one claim
 * would otherwise each read the vault and hash the whole book again. (A claim's own job
 * always reads the vault afresh, as before.)
 */
class PlannedBooks {
  private last?: {
    snapshotId: string;
    at: number;
    planned: PlannedLargeBook;
  };

  constructor(
    private readonly prover: ClaimProver,
    private readonly source: SnapshotSource,
  ) {}

  async planned(snapshotId: string): Promise<PlannedLargeBook> {
    const now = Date.now();
    if (this.last?.snapshotId !== snapshotId || now - this.last.at > PLANNED_BOOK_TTL_MS) {
      this.last = undefined; // a failed load leaves nothing stale behind
      const { snapshot, salt, fx } = await this.source.load(snapshotId);
      const planned = this.prover.planLargeBook({ snapshot, salt, ...(fx ? { fx } : {}) });
      this.last = { snapshotId, at: now, planned };
    }
    return this.last.planned;
  }
}

/** Starts a worker once the circuits are loaded; resolves when it is connected. */
export async function startProvingWorker(opts: ProvingWorkerOptions): Promise<ProvingWorker> {
  const prover = opts.prover ?? (await sharedProver());
  if (opts.prover) preloadAll(prover);
  const log = opts.log ?? (() => undefined);
  const { source, sink } = opts;

  const connection = bullConnection(opts.redisUrl);
  const queueName = opts.queueName ?? PROVING_QUEUE;
  const prefix = queuePrefix(queueName, connection);
  // Adds a large claim's chunk jobs under its job (BullMQ flow: the claim's job is the parent).
  const flows = new FlowProducer({ connection, prefix });
  flows.on('error', (err) => log({ event: 'worker-error', reason: err.message }));
  const books = new PlannedBooks(prover, source);
  const chunkCache = new ChunkProofCache(connection, queueName);

  /** Checks a co-signed large claim's signatures before any chunk is proved for it. */
  const checkCosigned = (signing: SnapshotSigning, message: SnapshotMessageJson): void => {
    if (!signing.cosigned) return; // the vault's key signs at assembly: nothing to refuse yet
    const { reasons } = checkSignatures({ message, ...signing.cosigned });
    if (reasons.length > 0) {
      throw new ZkAttestError(
        'SNAPSHOT_SIGNATURES_REFUSED',
        `the snapshot signatures do not make it signed by its set: ${reasons.join(', ')}`,
        { reasons: reasons.join(',') },
      );
    }
  };

  /** A claim the book does not satisfy fails before its C chunks are proved, not after. */
  const refuseUnsatisfied = async (req: ProveRequest): Promise<void> => {
    const book = fxBook(await loadPrimitives(), req.snapshot, req.fx?.table);
    if (!claimHolds(book, parseClaimParams(req.params))) {
      throw new ZkAttestError(
        'CLAIM_NOT_SATISFIED',
        `the snapshot does not satisfy the ${req.params.claim} claim with these parameters`,
        { claim: req.params.claim },
      );
    }
  };

  /**
   * A large claim's job runs twice: first it adds its C chunk jobs and waits for them
   * (WaitingChildrenError frees the worker), then, once every chunk completed, it reads their
   * proofs and proves the final claim over them.
   */
  const proveLarge = async (
    job: Job<AnyJobData, AnyJobResult>,
    token: string | undefined,
    req: ProveRequest,
    snapshotId: string,
  ): Promise<ProveResult> => {
    const total = prover.planLargeBook(req).plan.chunks;
    await refuseUnsatisfied(req);
    const counts = await job.getDependenciesCount();
    const children = Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
    if (children === 0) {
      await job.updateProgress({ done: 0, total });
      await flows.addBulk(
        Array.from({ length: total }, (_, chunk) => ({
          name: CHUNK_JOB,
          queueName,
          data: { v: JOB_VERSION, snapshotId, chunks: total, chunk } satisfies ChunkJobData,
          opts: {
            jobId: chunkJobId(job.id!, chunk),
            parent: { id: job.id!, queue: job.queueQualifiedName },
            // A chunk that fails for good fails the claim (its code: see jobStatus).
            failParentOnFailure: true,
            attempts: job.opts.attempts,
            backoff: job.opts.backoff,
            removeOnComplete: job.opts.removeOnComplete,
            removeOnFail: job.opts.removeOnFail,
          },
        })),
      );
      log({ event: 'split', jobId: job.id, chunks: total });
    }
    if (await job.moveToWaitingChildren(token!)) throw new WaitingChildrenError();
    const values = await job.getChildrenValues<ChunkJobResult>();
    const results = Object.values(values).sort((a, b) => a.chunk - b.chunk);
    const chunksMs = results.reduce((sum, r) => sum + r.proveMs, 0);
    const assembled = await prover.assembleLargePackage(
      req,
      results.map((r) => r.proof),
    );
    await job.updateProgress({ done: total, total });
    return { ...assembled, proveMs: assembled.proveMs + chunksMs };
  };

  const proveClaim = async (
    job: Job<AnyJobData, AnyJobResult>,
    token: string | undefined,
  ): Promise<ProvingJobResult> => {
    const jobId = job.id!;
    const req = decodeJob(job.data);
    const saved = await sink.get?.(jobId);
    if (saved) {
      // An earlier attempt saved its package and died before completing the job.
      await job.updateProgress(chunkTotalOf(job.progress) ? job.progress : PROGRESS.saved);
      return { packageId: packageId(saved), circuitId: saved.circuitId, proveMs: 0 };
    }
    const { snapshot, salt, fx } = await source.load(req.snapshotId);
    const secret = { snapshot, salt, ...(fx === undefined ? {} : { fx }) };
    const { setId, signing } = await signingOf(source, req);
    // Its place in the set's chain: every claim on the snapshot carries the same message.
    const place = source.commitMessage
      ? await source.commitMessage(req.snapshotId, prover.message(secret, setId))
      : undefined;
    const proveReq: ProveRequest = {
      ...secret,
      ...signing,
      ...(place ? { epoch: place.epoch, prevCommitment: place.prevCommitment } : {}),
      params: req.params,
      context: req.context,
    };
    let proved: ProveResult;
    if (isLargeBook(secret.snapshot.positions.length)) {
      checkCosigned(signing, place ?? prover.message(secret, setId));
      proved = await proveLarge(job, token, proveReq, req.snapshotId);
    } else {
      await job.updateProgress(PROGRESS.loaded);
      await job.updateProgress(PROGRESS.proving);
      proved = await prover.prove(proveReq);
    }
    const { package: pkg, proveMs } = proved;
    await sink.save(jobId, pkg);
    // A duplicate attempt may have saved first: report the package the sink actually holds.
    const kept = (await sink.get?.(jobId)) ?? pkg;
    if (!chunkTotalOf(job.progress)) await job.updateProgress(PROGRESS.saved);
    return {
      packageId: packageId(kept),
      circuitId: kept.circuitId,
      proveMs: Math.round(proveMs),
    };
  };

  /** Chunk k of a snapshot, from the vault: any worker proves any chunk. */
  const proveChunkJob = async (job: Job<AnyJobData, AnyJobResult>): Promise<ChunkJobResult> => {
    const { snapshotId, chunks, chunk } = decodeChunkJob(job.data);
    const planned = await books.planned(snapshotId);
    if (planned.plan.chunks !== chunks) {
      throw new ZkAttestError('CONFLICT', 'the snapshot no longer has the chunks of its claim', {
        chunks,
      });
    }
    const cached = await chunkCache.get(snapshotId, planned, chunk);
    if (cached) return { chunk, proof: cached, proveMs: 0, cached: true };
    const started = performance.now();
    const proof = await prover.proveChunk(planned, chunk);
    await chunkCache.put(snapshotId, chunks, chunk, proof);
    return { chunk, proof, proveMs: Math.round(performance.now() - started) };
  };

  const processor = async (
    job: Job<AnyJobData, AnyJobResult>,
    token?: string,
  ): Promise<AnyJobResult> => {
    const jobId = job.id!;
    try {
      return job.name === CHUNK_JOB ? await proveChunkJob(job) : await proveClaim(job, token);
    } catch (err) {
      if (err instanceof WaitingChildrenError) throw err;
      const wrapped = jobError(err);
      log({
        event: 'attempt-failed',
        jobId,
        attempt: job.attemptsMade + 1,
        reason: wrapped.message,
        ...(err instanceof ZkAttestError ? {} : { cause: err instanceof Error ? err.name : '?' }),
      });
      throw wrapped;
    }
  };

  const worker = new Worker<AnyJobData, AnyJobResult>(queueName, processor, {
    connection,
    prefix,
    concurrency: opts.concurrency ?? 1,
    lockDuration: opts.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS,
    stalledInterval: opts.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS,
    maxStalledCount: opts.maxStalledCount ?? DEFAULT_MAX_STALLED_COUNT,
    autorun: false,
  });
  worker.on('error', (err) => log({ event: 'worker-error', reason: err.message }));
  worker.on('active', (job) => log({ event: 'active', jobId: job.id }));
  worker.on('completed', (job, result) =>
    log({
      event: 'completed',
      jobId: job.id,
      ...('chunk' in result
        ? { chunk: result.chunk, ...(result.cached ? { cached: true } : {}) }
        : { packageId: result.packageId }),
      ms: result.proveMs,
    }),
  );
  worker.on('failed', (job, err) =>
    log({ event: 'failed', jobId: job?.id, attemptsMade: job?.attemptsMade, reason: err.message }),
  );
  worker.on('stalled', (jobId) => log({ event: 'stalled', jobId }));
  // The claim's progress {done, total} once a chunk completed (jobStatus counts live anyway).
  worker.on('completed', (job) => {
    const parentId = job.parent?.id;
    if (job.name === CHUNK_JOB && parentId !== undefined) void recordChunkDone(parentId);
  });
  const recordChunkDone = async (parentId: string) => {
    try {
      const parent = await Job.fromId<AnyJobData, AnyJobResult>(worker, parentId);
      const total = chunkTotalOf(parent?.progress);
      if (!parent || total === undefined) return;
      const { processed = 0 } = await parent.getDependenciesCount({ processed: true });
      await parent.updateProgress({ done: Math.min(processed, total), total });
    } catch (err) {
      log({ event: 'progress-failed', jobId: parentId, cause: (err as Error).name });
    }
  };
  void worker
    .run()
    .catch((err: unknown) =>
      log({ event: 'worker-error', reason: err instanceof Error ? err.message : String(err) }),
    );
  await worker.waitUntilReady();

  return {
    worker,
    async close() {
      await worker.close();
      await flows.close();
      await closeRedisClient(connection);
    },
  };
}

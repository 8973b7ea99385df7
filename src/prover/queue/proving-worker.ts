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
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { circuitsForClaim } from '../../common/artifact-store';
import { CLAIMS } from '../../claims';
import { loadManifest } from '../../common/artifact-manifest';
import { packageId, type AttestationPackage } from '../../common/attestation-package';
import { ZkAttestError, type ErrorCode } from '../../common/errors';
import { closeRedisClient, type RedisTarget } from '../../common/redis-client';
import type { Signer } from '../../common/p256-signer';
import type { SignedFxTable } from '../../common/signed-fx-table';
import type { KeySignature, SnapshotMessageJson } from '../../common/signed-snapshot';
import type { SignerSetMembership } from '../../common/signer-set';
import { singleKeySetId } from '../../common/snapshot-message';
import { ClaimProver, type SnapshotSigning } from '../proving/claim-prover';
import { loadPrimitives } from '../snapshot/primitives';
import type { Snapshot } from '../snapshot/snapshot-types';
import { decodeJob, type DecodedJob, type ProvingJobData } from './job-payload';
import { bullConnection, PROVING_QUEUE, queuePrefix, type ProvingJobResult } from './proving-queue';

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

export interface ProvingWorker {
  readonly worker: Worker<ProvingJobData, ProvingJobResult>;
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

/** Starts a worker once the circuits are loaded; resolves when it is connected. */
export async function startProvingWorker(opts: ProvingWorkerOptions): Promise<ProvingWorker> {
  const prover = opts.prover ?? (await sharedProver());
  if (opts.prover) preloadAll(prover);
  const log = opts.log ?? (() => undefined);
  const { source, sink } = opts;

  const processor = async (
    job: Job<ProvingJobData, ProvingJobResult>,
  ): Promise<ProvingJobResult> => {
    const jobId = job.id!;
    try {
      const req = decodeJob(job.data);
      const saved = await sink.get?.(jobId);
      if (saved) {
        // An earlier attempt saved its package and died before completing the job.
        await job.updateProgress(PROGRESS.saved);
        return { packageId: packageId(saved), circuitId: saved.circuitId, proveMs: 0 };
      }
      const { snapshot, salt, fx } = await source.load(req.snapshotId);
      const secret = { snapshot, salt, ...(fx === undefined ? {} : { fx }) };
      const { setId, signing } = await signingOf(source, req);
      // Its place in the set's chain: every claim on the snapshot carries the same message.
      const place = source.commitMessage
        ? await source.commitMessage(req.snapshotId, prover.message(secret, setId))
        : undefined;
      await job.updateProgress(PROGRESS.loaded);
      await job.updateProgress(PROGRESS.proving);
      const { package: pkg, proveMs } = await prover.prove({
        ...secret,
        ...signing,
        ...(place ? { epoch: place.epoch, prevCommitment: place.prevCommitment } : {}),
        params: req.params,
        context: req.context,
      });
      await sink.save(jobId, pkg);
      // A duplicate attempt may have saved first: report the package the sink actually holds.
      const kept = (await sink.get?.(jobId)) ?? pkg;
      await job.updateProgress(PROGRESS.saved);
      return {
        packageId: packageId(kept),
        circuitId: kept.circuitId,
        proveMs: Math.round(proveMs),
      };
    } catch (err) {
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

  const connection = bullConnection(opts.redisUrl);
  const queueName = opts.queueName ?? PROVING_QUEUE;
  const worker = new Worker<ProvingJobData, ProvingJobResult>(queueName, processor, {
    connection,
    prefix: queuePrefix(queueName, connection),
    concurrency: opts.concurrency ?? 1,
    lockDuration: opts.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS,
    stalledInterval: opts.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS,
    maxStalledCount: opts.maxStalledCount ?? DEFAULT_MAX_STALLED_COUNT,
    autorun: false,
  });
  worker.on('error', (err) => log({ event: 'worker-error', reason: err.message }));
  worker.on('active', (job) => log({ event: 'active', jobId: job.id }));
  worker.on('completed', (job, result) =>
    log({ event: 'completed', jobId: job.id, packageId: result.packageId, ms: result.proveMs }),
  );
  worker.on('failed', (job, err) =>
    log({ event: 'failed', jobId: job?.id, attemptsMade: job?.attemptsMade, reason: err.message }),
  );
  worker.on('stalled', (jobId) => log({ event: 'stalled', jobId }));
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
      await closeRedisClient(connection);
    },
  };
}

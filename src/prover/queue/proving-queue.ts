/**
 * The proving queue (producer side), on BullMQ over Redis. A job names a snapshot and a
 * signer key by id and carries the claim's public parameters; the worker resolves the ids
 * onshore (see proving-worker.ts). Failed attempts are retried with exponential backoff.
 */
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, type Job, type JobState } from 'bullmq';
import { ZkAttestError, type ErrorCode } from '../../common/errors';
import {
  closeRedisClient,
  createRedisClient,
  type RedisConnection,
  type RedisTarget,
} from '../../common/redis-client';
import { guardedRedis } from '../../common/redis-connection';
import { JOB_ID_PATTERN } from '../../common/ids';
import { encodeJob, type ClaimJobRequest, type ProvingJobData } from './job-payload';

export const PROVING_QUEUE = 'zkattest-prove';

/** What a completed job returns (kept in Redis: ids and timings only, never the package). */
export interface ProvingJobResult {
  /** packageId() of the package the sink holds for this job. */
  packageId: string;
  circuitId: string;
  /** Witness + proof time; 0 when the sink already held a package from an earlier attempt. */
  proveMs: number;
}

/** A large claim's progress number: 10 once split, then up to 90 as its chunks complete. */
const PROGRESS_SPLIT = 10;
const PROGRESS_CHUNKS = 80;

/** Failure codes: a ZkAttestError code, or one of the queue's own. */
export type JobFailureCode = ErrorCode | 'WORKER_ERROR' | 'JOB_STALLED';

/** A co-signed claim held back until its signer set's threshold of signatures is in. */
export const AWAITING_SIGNATURES = 'awaiting-signatures';

export interface ProvingJobStatus {
  jobId: string;
  /**
   * BullMQ's state; 'awaiting-signatures' while a co-signed claim waits for signatures (held,
   * not yet queued); 'unknown' when no such job exists (or it was removed).
   */
  state: JobState | typeof AWAITING_SIGNATURES | 'unknown';
  /** 0, 10 (inputs loaded), 50 (witness and proof under way), 100 (package saved). */
  progress: number;
  attemptsMade: number;
  /** The vault id of the job's snapshot (the egress leak scan loads it). */
  snapshotId?: string;
  /** Set once completed. */
  packageId?: string;
  /** Set once completed: the worker's witness + proof time, ms (0 when the package existed). */
  proveMs?: number;
  /** Set once failed (after its retries), or after a failed attempt awaiting retry. */
  failure?: { code: JobFailureCode; message: string };
  /** A large claim (LARGESPEC §7): its chunk jobs completed so far, of C. */
  chunks?: ChunkProgress;
}

/** A large claim's progress: chunk proofs completed, of `total` (C). */
export interface ChunkProgress {
  done: number;
  total: number;
}

/** The id of chunk `k`'s job under the claim's job `jobId` (stable: a repeated split adds none). */
export function chunkJobId(jobId: string, k: number): string {
  return `${jobId}.chunk-${k}`;
}

/** The total a large claim's job records as its progress ({done, total}) once split. */
export function chunkTotalOf(progress: unknown): number | undefined {
  if (typeof progress !== 'object' || progress === null) return undefined;
  const { total } = progress as { total?: unknown };
  return typeof total === 'number' && Number.isInteger(total) && total > 0 ? total : undefined;
}

/** The watch line of a large claim in progress. */
export function chunkProgressLine(jobId: string, chunks: ChunkProgress): string {
  return `claim ${jobId}: ${chunks.done}/${chunks.total} chunks`;
}

/** BullMQ's reason for a parent failed by a child ("child <prefix>:<queue>:<id> failed"). */
const CHILD_FAILED = /^child (\S+) failed$/;

export interface ProvingQueueOptions {
  queueName?: string;
  /** Attempts per job, the first included (default 3). */
  attempts?: number;
  /** First retry delay; doubles on each retry (default 1000 ms). */
  backoffMs?: number;
  /**
   * The producer's connection, left open by close(); default: its own. Either way a
   * request-profile one (see redis-client.ts): a call fails within seconds while Redis is
   * down instead of waiting for it, and nothing it was told had failed is sent later.
   */
  connection?: RedisConnection;
}

export interface ProvingQueue {
  readonly name: string;
  /**
   * Adds a job; resolves to its id. `jobId` makes the call idempotent (same id, one job): a
   * call whose reply was lost can be repeated. Repeating it with other data is CONFLICT.
   * `fresh`: the caller drew `jobId` at random, so no other request can hold it and the
   * read-back that detects a conflict is skipped (one Redis round trip less).
   */
  enqueueClaim(req: ClaimJobRequest, opts?: { jobId?: string; fresh?: boolean }): Promise<string>;
  /**
   * Refuses (CONFLICT) when `jobId` already holds a job with other data: lets a caller refuse
   * a reused Idempotency-Key before it spends anything else (e.g. disclosure budget) on it.
   */
  assertNotTakenByOther(jobId: string, req: ClaimJobRequest): Promise<void>;
  /**
   * Holds a co-signed claim (`req.setId`) until {@link releaseHeld}: durably recorded, shown as
   * 'awaiting-signatures', and idempotent on `jobId` like enqueueClaim (other data: CONFLICT).
   */
  holdClaim(req: ClaimJobRequest, opts: { jobId: string }): Promise<string>;
  /**
   * Queues every claim held for `snapshotId` under signer set `setId` (its threshold is met).
   * Safe to repeat and to race with holdClaim: a job is added under its own id (BullMQ keeps
   * the first), then let go of. @returns the job ids queued.
   */
  releaseHeld(setId: string, snapshotId: string): Promise<string[]>;
  jobStatus(jobId: string): Promise<ProvingJobStatus>;
  /** Resolves with the final status once the job completed or failed for good. */
  waitForJob(jobId: string, timeoutMs?: number): Promise<ProvingJobStatus>;
  /** The large claims not finished yet, with their chunk progress (oldest first, at most 200). */
  largeClaimsInProgress(): Promise<{ jobId: string; chunks: ChunkProgress }[]>;
  /** How many jobs are waiting, active, completed, failed and delayed (for live counts). */
  counts(): Promise<Record<'waiting' | 'active' | 'completed' | 'failed' | 'delayed', number>>;
  close(): Promise<void>;
}

/** The code at the head of a failure reason written by the worker ("CODE: message"). */
export function parseFailure(reason: string): { code: JobFailureCode; message: string } {
  const m = /^([A-Z][A-Z_]+): (.*)$/s.exec(reason);
  if (m) return { code: m[1] as JobFailureCode, message: m[2]! };
  // BullMQ's own reason when a job stalled more than maxStalledCount times.
  if (/stalled/i.test(reason)) return { code: 'JOB_STALLED', message: reason };
  return { code: 'WORKER_ERROR', message: reason };
}

/** A Redis connection as BullMQ workers want it (no per-command retry limit: they block). */
export function bullConnection(redisUrl: RedisTarget): RedisConnection {
  return createRedisClient(redisUrl, { profile: 'worker' });
}

/**
 * BullMQ's key prefix for `queueName` on `connection`. BullMQ's scripts touch several keys of
 * one queue at once, so on a Redis Cluster they must share a slot: the queue's name goes in a
 * hash tag ("bull:{zkattest-prove}:zkattest-prove:wait"). A single Redis keeps BullMQ's
 * default ("bull:zkattest-prove:wait"), so a queue that exists already stays readable.
 */
export function queuePrefix(queueName: string, connection: RedisConnection): string {
  return connection.isCluster ? `bull:{${queueName}}` : 'bull';
}

export function createProvingQueue(
  redisUrl: RedisTarget,
  options: ProvingQueueOptions = {},
): ProvingQueue {
  const name = options.queueName ?? PROVING_QUEUE;
  const connection = options.connection ?? createRedisClient(redisUrl, { profile: 'request' });
  const prefix = queuePrefix(name, connection);
  const queue = new Queue<ProvingJobData, ProvingJobResult>(name, { connection, prefix });
  queue.on('error', () => undefined); // commands report their own errors
  let events: QueueEvents | undefined;
  let eventsConnection: RedisConnection | undefined;

  // Held claims: the payload by job id, and the ids held per set and snapshot.
  const heldKey = (jobId: string) => `zkattest:${name}:held:${jobId}`;
  const heldIndex = (setId: string, snapshotId: string) =>
    `zkattest:${name}:held:{${setId}}:${snapshotId}`;
  const readHeld = async (jobId: string): Promise<ProvingJobData | undefined> => {
    const raw = await connection.get(heldKey(jobId));
    return raw === null ? undefined : (JSON.parse(raw) as ProvingJobData);
  };
  const jobOptions = () => ({
    attempts: options.attempts ?? 3,
    backoff: { type: 'exponential', delay: options.backoffMs ?? 1000 },
    removeOnComplete: { age: 7 * 24 * 3600, count: 100_000 },
    removeOnFail: { age: 30 * 24 * 3600 },
  });

  const status = (jobId: string) => guardedRedis('job status', () => readStatus(jobId));
  const readStatus = async (jobId: string): Promise<ProvingJobStatus> => {
    const job = await queue.getJob(jobId);
    if (!job) {
      const held = await readHeld(jobId);
      if (held) {
        const where = { snapshotId: held.snapshotId };
        return { jobId, state: AWAITING_SIGNATURES, progress: 0, attemptsMade: 0, ...where };
      }
      return { jobId, state: 'unknown', progress: 0, attemptsMade: 0 };
    }
    const state = await job.getState();
    const result = job.returnvalue as ProvingJobResult | null | undefined;
    const chunks = await chunkProgressOf(job);
    const progress = typeof job.progress === 'number' ? job.progress : 0;
    return {
      jobId,
      state,
      progress:
        chunks && state !== 'completed'
          ? Math.round(PROGRESS_SPLIT + (PROGRESS_CHUNKS * chunks.done) / chunks.total)
          : progress || (state === 'completed' ? 100 : 0),
      attemptsMade: job.attemptsMade,
      ...(typeof job.data?.snapshotId === 'string' ? { snapshotId: job.data.snapshotId } : {}),
      ...(state === 'completed' && result
        ? { packageId: result.packageId, proveMs: result.proveMs }
        : {}),
      ...(job.failedReason ? { failure: await failureOf(job.failedReason) } : {}),
      ...(chunks ? { chunks } : {}),
    };
  };

  /** Chunks done: the claim job's completed children, counted live (no worker race). */
  const chunkProgressOf = async (job: Job): Promise<ChunkProgress | undefined> => {
    const total = chunkTotalOf(job.progress);
    if (total === undefined) return undefined;
    const { processed = 0 } = await job.getDependenciesCount({ processed: true });
    return { done: Math.min(processed, total), total };
  };

  /** A claim failed by one of its chunks fails with the chunk's own code. */
  const failureOf = async (reason: string): Promise<ProvingJobStatus['failure']> => {
    const child = CHILD_FAILED.exec(reason)?.[1];
    if (!child) return parseFailure(reason);
    const childId = child.slice(child.lastIndexOf(':') + 1);
    const chunk = await queue.getJob(childId);
    const index = /\.chunk-([0-9]+)$/.exec(childId)?.[1] ?? '?';
    const cause = parseFailure(chunk?.failedReason ?? 'WORKER_ERROR: the chunk job is gone');
    return { code: cause.code, message: `chunk ${index} failed: ${cause.message}` };
  };

  const refuseOtherData = async (jobId: string, data: unknown): Promise<void> => {
    const kept = (await queue.getJob(jobId))?.data ?? (await readHeld(jobId));
    if (kept && JSON.stringify(kept) !== JSON.stringify(data)) {
      throw new ZkAttestError('CONFLICT', 'this job id is taken by another request', {
        field: 'jobId',
      });
    }
  };

  return {
    name,
    async enqueueClaim(req, opts = {}) {
      const data = encodeJob(req);
      const jobId = opts.jobId ?? randomUUID();
      if (!JOB_ID_PATTERN.test(jobId) || /^[0-9]+$/.test(jobId)) {
        throw new ZkAttestError('REQUEST_INVALID', 'a job id is a path-safe token, not a number', {
          field: 'jobId',
        });
      }
      return guardedRedis('enqueue', async () => {
        await queue.add('prove', data, { jobId, ...jobOptions() });
        // BullMQ keeps the first job of an id: a repeat with other data must not pass as it.
        if (opts.jobId !== undefined && !opts.fresh) await refuseOtherData(jobId, data);
        return jobId;
      });
    },
    async holdClaim(req, { jobId }) {
      const data = encodeJob(req);
      if (data.setId === undefined || !JOB_ID_PATTERN.test(jobId) || /^[0-9]+$/.test(jobId)) {
        throw new ZkAttestError('REQUEST_INVALID', 'a held claim is co-signed, under a job id', {
          field: 'jobId',
        });
      }
      return guardedRedis('hold claim', async () => {
        await refuseOtherData(jobId, data);
        if (await queue.getJob(jobId)) return jobId; // a repeat of a claim released already
        // The payload first: an index entry never names a job whose data is missing.
        await connection.set(heldKey(jobId), JSON.stringify(data));
        await connection.sadd(heldIndex(data.setId!, data.snapshotId), jobId);
        return jobId;
      });
    },
    releaseHeld: (setId, snapshotId) =>
      guardedRedis('release held claims', async () => {
        const index = heldIndex(setId, snapshotId);
        const released: string[] = [];
        for (const jobId of await connection.smembers(index)) {
          const data = await readHeld(jobId);
          if (data) await queue.add('prove', data, { jobId, ...jobOptions() });
          // Let go only once queued: a crash in between leaves it held, to be released again.
          await connection.del(heldKey(jobId));
          await connection.srem(index, jobId);
          released.push(jobId);
        }
        return released;
      }),
    assertNotTakenByOther: (jobId, req) =>
      guardedRedis('job lookup', () => refuseOtherData(jobId, encodeJob(req))),
    jobStatus: status,
    largeClaimsInProgress: () =>
      guardedRedis('large claims', async () => {
        const jobs = await queue.getJobs(['active', 'waiting-children', 'wait', 'delayed'], 0, 199);
        const found: { jobId: string; chunks: ChunkProgress }[] = [];
        for (const job of jobs.sort((a, b) => a.timestamp - b.timestamp)) {
          const chunks = job?.id && job.name === 'prove' ? await chunkProgressOf(job) : undefined;
          if (chunks) found.push({ jobId: job.id!, chunks });
        }
        return found;
      }),
    async counts() {
      const c = await guardedRedis('job counts', () =>
        queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed'),
      );
      return {
        waiting: c.waiting ?? 0,
        active: c.active ?? 0,
        completed: c.completed ?? 0,
        failed: c.failed ?? 0,
        delayed: c.delayed ?? 0,
      };
    },
    async waitForJob(jobId, timeoutMs = 120_000) {
      if (!events) {
        eventsConnection = bullConnection(redisUrl);
        events = new QueueEvents(name, { connection: eventsConnection, prefix });
        events.on('error', () => undefined);
        await events.waitUntilReady();
      }
      const job = await queue.getJob(jobId);
      if (!job) throw new ZkAttestError('NOT_FOUND', `no proving job ${jobId}`, { jobId });
      try {
        await job.waitUntilFinished(events, timeoutMs);
      } catch (err) {
        // A failed job rejects with its reason; the status below says so. A timeout rethrows.
        if (err instanceof Error && /timed out/i.test(err.message)) throw err;
      }
      return status(jobId);
    },
    async close() {
      await events?.close();
      await queue.close();
      if (eventsConnection) await closeRedisClient(eventsConnection);
      if (!options.connection) await closeRedisClient(connection);
    },
  };
}

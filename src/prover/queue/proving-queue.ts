/**
 * The proving queue (producer side), on BullMQ over Redis. A job names a snapshot and a
 * signer key by id and carries the claim's public parameters; the worker resolves the ids
 * onshore (see proving-worker.ts). Failed attempts are retried with exponential backoff.
 */
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, type JobState } from 'bullmq';
import type IORedis from 'ioredis';
import { ZkAttestError, type ErrorCode } from '../../common/errors';
import { closeRedisClient, createRedisClient } from '../../common/redis-client';
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

/** Failure codes: a ZkAttestError code, or one of the queue's own. */
export type JobFailureCode = ErrorCode | 'WORKER_ERROR' | 'JOB_STALLED';

export interface ProvingJobStatus {
  jobId: string;
  /** BullMQ's state; 'unknown' when no such job exists (or it was removed). */
  state: JobState | 'unknown';
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
}

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
  connection?: IORedis;
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
  jobStatus(jobId: string): Promise<ProvingJobStatus>;
  /** Resolves with the final status once the job completed or failed for good. */
  waitForJob(jobId: string, timeoutMs?: number): Promise<ProvingJobStatus>;
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
export function bullConnection(redisUrl: string): IORedis {
  return createRedisClient(redisUrl, { profile: 'worker' });
}

export function createProvingQueue(
  redisUrl: string,
  options: ProvingQueueOptions = {},
): ProvingQueue {
  const name = options.queueName ?? PROVING_QUEUE;
  const connection = options.connection ?? createRedisClient(redisUrl, { profile: 'request' });
  const queue = new Queue<ProvingJobData, ProvingJobResult>(name, { connection });
  queue.on('error', () => undefined); // commands report their own errors
  let events: QueueEvents | undefined;
  let eventsConnection: IORedis | undefined;

  const status = (jobId: string) => guardedRedis('job status', () => readStatus(jobId));
  const readStatus = async (jobId: string): Promise<ProvingJobStatus> => {
    const job = await queue.getJob(jobId);
    if (!job) return { jobId, state: 'unknown', progress: 0, attemptsMade: 0 };
    const state = await job.getState();
    const result = job.returnvalue as ProvingJobResult | null | undefined;
    return {
      jobId,
      state,
      progress: typeof job.progress === 'number' ? job.progress : 0,
      attemptsMade: job.attemptsMade,
      ...(typeof job.data?.snapshotId === 'string' ? { snapshotId: job.data.snapshotId } : {}),
      ...(state === 'completed' && result
        ? { packageId: result.packageId, proveMs: result.proveMs }
        : {}),
      ...(job.failedReason ? { failure: parseFailure(job.failedReason) } : {}),
    };
  };

  const refuseOtherData = async (jobId: string, data: unknown): Promise<void> => {
    const kept = await queue.getJob(jobId);
    if (kept && JSON.stringify(kept.data) !== JSON.stringify(data)) {
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
        await queue.add('prove', data, {
          jobId,
          attempts: options.attempts ?? 3,
          backoff: { type: 'exponential', delay: options.backoffMs ?? 1000 },
          removeOnComplete: { age: 7 * 24 * 3600, count: 100_000 },
          removeOnFail: { age: 30 * 24 * 3600 },
        });
        // BullMQ keeps the first job of an id: a repeat with other data must not pass as it.
        if (opts.jobId !== undefined && !opts.fresh) await refuseOtherData(jobId, data);
        return jobId;
      });
    },
    assertNotTakenByOther: (jobId, req) =>
      guardedRedis('job lookup', () => refuseOtherData(jobId, encodeJob(req))),
    jobStatus: status,
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
        events = new QueueEvents(name, { connection: eventsConnection });
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

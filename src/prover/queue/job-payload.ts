/**
 * The wire form of a proving job. A job travels through Redis, which is not the vault: it
 * carries ids (of the snapshot, and of the signer key or of the co-signing signer set, resolved
 * onshore by the worker's SnapshotSource) and the claim's public parameters, never snapshot data or FX tables (the
 * snapshot's signed table is sealed with it in the vault). The strict schema
 * below is the assertion: any extra field (positions, salt, key...) is refused, ids are short
 * path-safe tokens and the whole payload is a few hundred bytes at most.
 */
import { z } from 'zod';
import { ZkAttestError } from '../../common/errors';
import { HEX64_PATTERN, JOB_ID_PATTERN } from '../../common/ids';
import { claimParamsSchema, parseClaimParams, type ClaimParams } from '../../claims';
import { MAX_PACKAGE_CHUNKS } from '../../common/attestation-package';
import { validateContext } from '../proving/claim-inputs';

/** The largest legitimate payload (128-character ids, all 16 classes, 2^128 - 1) is 460 bytes. */
export const MAX_PAYLOAD_BYTES = 512;

const id = z.string().regex(JOB_ID_PATTERN);

/** The payload version: 2 is statement v2 (P-256 signer keys). */
export const JOB_VERSION = 2;

/** A job as stored in Redis. */
export const provingJobSchema = z
  .strictObject({
    v: z.literal(JOB_VERSION),
    snapshotId: id,
    /** Vault id of the P-256 signer key that signs the snapshot message (a 1-of-1 set). */
    signerKeyId: id.optional(),
    /** Or: the signer set whose members' collected signatures the package carries. */
    setId: z.string().regex(HEX64_PATTERN).optional(),
    /** The claim's parameters in their canonical (JSON) encoding: its descriptor's schema. */
    params: claimParamsSchema,
    /** Decimal, < 2^128 (public: it is packed into the statement). */
    context: z.string().regex(/^[0-9]{1,39}$/),
  })
  .refine((j) => (j.signerKeyId === undefined) !== (j.setId === undefined), {
    message: 'a signer key id or a signer set id, not both',
    path: ['signerKeyId'],
  });

export type ProvingJobData = z.infer<typeof provingJobSchema>;

/** Who signs a job's snapshot: the vault's key (a 1-of-1 set), or k members of a set. */
export type JobSigning =
  { signerKeyId: string; setId?: undefined } | { setId: string; signerKeyId?: undefined };

/** What a caller asks to prove (see ProvingQueue.enqueueClaim). */
export type ClaimJobRequest = JobSigning & {
  snapshotId: string;
  params: ClaimParams;
  /** The verifier's challenge or a contract binding: decimal or 0x-hex, < 2^128. */
  context: string;
};

/** What a worker proves once it has resolved the ids. */
export type DecodedJob = JobSigning & {
  snapshotId: string;
  params: ClaimParams;
  context: bigint;
};

function signingOf(job: { signerKeyId?: string; setId?: string }): JobSigning {
  return job.setId !== undefined ? { setId: job.setId } : { signerKeyId: job.signerKeyId! };
}

function invalid(message: string, field: string): ZkAttestError {
  return new ZkAttestError('REQUEST_INVALID', message, { field });
}

function parseContext(text: string): bigint {
  if (!/^(0x[0-9a-fA-F]{1,32}|[0-9]{1,39})$/.test(text)) {
    throw invalid('context must be a decimal or 0x-hex integer below 2^128', 'context');
  }
  const context = BigInt(text);
  validateContext(context);
  return context;
}

/**
 * A job written before statement v2 (`v: 1`, an EdDSA `attestorKeyId`): no v2 worker can prove
 * it (that key is gone from the vault), so it fails at once with its own code, not as a crash.
 */
function refuseOlderJob(candidate: unknown): void {
  if (typeof candidate !== 'object' || candidate === null) return;
  const { v } = candidate as { v?: unknown };
  // Only `v` and the presence of the v1 key id are looked at; nothing of the payload is echoed.
  if (v === 1 || 'attestorKeyId' in candidate) {
    throw new ZkAttestError(
      'JOB_VERSION_UNSUPPORTED',
      'a statement v1 job (attestor key): request the claim again to prove it under statement v2',
      { field: 'v' },
    );
  }
}

/** Checks a payload against the ids-and-public-parameters-only rule; the parsed payload. */
export function assertIdsOnly(candidate: unknown): ProvingJobData {
  refuseOlderJob(candidate);
  const parsed = provingJobSchema.safeParse(candidate);
  if (!parsed.success) {
    // Paths only: a refused payload may be carrying exactly what must not be shown.
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))];
    throw invalid(
      `a proving job carries ids and public parameters only; refused: ${fields.join(', ')}`,
      fields.join(','),
    );
  }
  const bytes = Buffer.byteLength(JSON.stringify(parsed.data));
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw invalid(`a proving job payload is at most ${MAX_PAYLOAD_BYTES} bytes`, '(root)');
  }
  return parsed.data;
}

/** The Redis payload of a request (validated: params in range, context < 2^128, ids only). */
export function encodeJob(req: ClaimJobRequest): ProvingJobData {
  const params = parseClaimParams(req.params);
  return assertIdsOnly({
    v: JOB_VERSION,
    snapshotId: req.snapshotId,
    ...signingOf(req),
    params,
    context: parseContext(req.context).toString(),
  });
}

/** A stored payload back to prover types; refuses anything but the strict wire form. */
export function decodeJob(data: unknown): DecodedJob {
  const job = assertIdsOnly(data);
  return {
    snapshotId: job.snapshotId,
    ...signingOf(job),
    params: job.params,
    context: parseContext(job.context),
  };
}

/**
 * A chunk job of a large claim (a child of the claim's job, LARGESPEC §7): the snapshot id,
 * the chunk's index and the number of chunks, nothing else. Any worker proves chunk `chunk`
 * of the snapshot from the vault (its blinds derive from the salt), so no secret travels.
 */
export const chunkJobSchema = z.strictObject({
  v: z.literal(JOB_VERSION),
  snapshotId: id,
  /** C, a power of two 2..MAX_PACKAGE_CHUNKS: public (the signed message carries it). */
  chunks: z
    .number()
    .int()
    .min(2)
    .max(MAX_PACKAGE_CHUNKS)
    .refine((c) => (c & (c - 1)) === 0, 'a power of two'),
  chunk: z
    .number()
    .int()
    .min(0)
    .max(MAX_PACKAGE_CHUNKS - 1),
});

export type ChunkJobData = z.infer<typeof chunkJobSchema>;

/** Checks a chunk job's payload (ids and the chunk index only); the parsed payload. */
export function decodeChunkJob(candidate: unknown): ChunkJobData {
  const parsed = chunkJobSchema.safeParse(candidate);
  if (!parsed.success || parsed.data.chunk >= parsed.data.chunks) {
    const fields = parsed.success
      ? ['chunk']
      : [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))];
    throw invalid(
      `a chunk job carries a snapshot id and a chunk index only; refused: ${fields.join(', ')}`,
      fields.join(','),
    );
  }
  return parsed.data;
}

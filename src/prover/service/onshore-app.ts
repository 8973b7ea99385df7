import { createHash, randomUUID } from 'node:crypto';
import express, { type Express, type Request } from 'express';
import helmet from 'helmet';
import type { RedisConnection } from '../../common/redis-client';
import { z } from 'zod';
import { parseClaimParams, type ClaimParams } from '../../claims';
import { ZkAttestError } from '../../common/errors';
import {
  detachedSignatureReason,
  messageFile,
  parseDetachedSignature,
  type SnapshotMessageJson,
} from '../../common/signed-snapshot';
import { setMembership, type SignerSet } from '../../common/signer-set';
import { errorBody, errorHandler } from '../../common/http-errors';
import { JOB_ID_PATTERN } from '../../common/ids';
import type { Logger } from '../../common/logger';
import { whenRedisReady } from '../../common/redis-client';
import { guardedRedis } from '../../common/redis-connection';
import { validate } from '../../common/validate';
import { decodeSnapshotBytes, parseSnapshot } from '../snapshot/ingest-snapshot';
import type { DisclosureBudget } from '../disclosure';
import { ClaimProver } from '../proving/claim-prover';
import type { ClaimJobRequest } from '../queue/job-payload';
import { AWAITING_SIGNATURES, type ProvingQueue } from '../queue/proving-queue';
import { loadPrimitives } from '../snapshot/primitives';
import { randomSalt } from '../snapshot/snapshot-commitment';
import { RedisCosignatures, RedisSnapshotChain, type Vault } from '../vault';
import { DeskOwnership } from './desk-ownership';
import { readExportUpload } from './export-upload';
import { fxFromUpload } from './fx-upload';
import {
  DEFAULT_FAILED_AUTH_LIMITS,
  RedisFailedAuthLimiter,
  type FailedAuthLimits,
} from './failed-auth-limiter';
import { canSeeDesk, deskOf, staffGuard, type OnshoreUser } from './onshore-users';
import type { RedisPackageSink } from './vault-source';
import { onshoreAnchorSchema, type OnshoreAnchor } from '../egress/export-basis';

/** How a package leaves: the audited egress path (guard, leak scan, log, envelope, send). */
export interface EgressPort {
  /** Sends the package of job `jobId` (whose snapshot the leak scan checks it against). */
  send(
    candidate: unknown,
    destination: string,
    job: { jobId: string },
  ): Promise<{ outcome: string; httpStatus: number; sha256: string }>;
  entries(): Promise<unknown[]>;
  /** Records a snapshot's onshore anchor (later sends of its packages carry it). */
  recordAnchor(snapshotId: string, anchor: OnshoreAnchor): Promise<boolean>;
}

export interface OnshoreDeps {
  vault: Vault;
  queue: ProvingQueue;
  packages: RedisPackageSink;
  egress: EgressPort;
  users: OnshoreUser[];
  /** Vault id of the P-256 signer key that signs the snapshot of every claim (a 1-of-1 set). */
  signerKeyId?: string;
  /**
   * Or: the signer set whose members co-sign each snapshot. Its snapshots take their epoch at
   * upload; its members fetch the message and upload signatures; claims wait for k of them.
   */
  signerSet?: SignerSet;
  redis: RedisConnection;
  logger: Logger;
  auditKey?: string;
  /** Failed authentications allowed per client address and window. */
  failedAuthLimits?: FailedAuthLimits;
  /** The disclosure policy and ledger every claim request passes before it is queued. */
  disclosure: DisclosureBudget;
}

/** Largest page of GET /v1/audit, and the page it serves when none is asked for. */
export const MAX_AUDIT_PAGE = 1000;
const DEFAULT_AUDIT_PAGE = 100;
const UPLOAD_LIMIT_BYTES = 256 * 1024;

const id = z.string().regex(JOB_ID_PATTERN);
/** `{ claim, context, ...params }`: the params are checked by the claim's descriptor. */
const claimBody = z.looseObject({ claim: z.string(), context: z.string() });
const sendBody = z.strictObject({ destination: z.string().min(1).max(64) });
/**
 * An onshore anchor as typed (hex in any case, stored lowercase), or as `zkattest anchor --json`
 * writes it (its setId, epoch and status are not stored).
 */
const anchorBody = z
  .strictObject({
    chainId: z.string(),
    anchor: z.string(),
    txHash: z.string(),
    setId: z.string().optional(),
    epoch: z.number().optional(),
    status: z.string().optional(),
  })
  .transform((a) => ({
    chainId: a.chainId,
    anchor: a.anchor.toLowerCase(),
    txHash: a.txHash.toLowerCase(),
  }))
  .pipe(onshoreAnchorSchema);
const auditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_AUDIT_PAGE).default(DEFAULT_AUDIT_PAGE),
  /** The stream id of the last event of the previous page: the next page is older than it. */
  cursor: z
    .string()
    .regex(/^[0-9]{1,19}-[0-9]{1,19}$/) // within Redis' 64-bit stream ids
    .optional(),
});

/** Why an uploaded signature is refused, in words (detachedSignatureReason's answers). */
const SIGNATURE_REFUSALS: Record<
  NonNullable<ReturnType<typeof detachedSignatureReason>>,
  string
> = {
  DIGEST_MISMATCH: 'the signature is not over this snapshot’s message (digest or set differ)',
  SIGNER_NOT_IN_SET: 'the key is not a member of the signer set',
  SIGNATURE_INVALID: 'the signature does not verify under the member’s key',
  // A lone signature cannot be these; named so that the table stays total.
  SIGNER_SET_MISMATCH: 'the signature is for another signer set',
  SIGNER_DUPLICATE: 'the signer signed twice',
  THRESHOLD_NOT_MET: 'not enough signatures',
};

/** How long a request waits for a Redis connection under way before answering 503. */
const STORE_WAIT_MS = 1500;

/**
 * The job id of a claim request, chosen before the job is added so that the caller can be told
 * it even when the add's reply is lost. With an Idempotency-Key it is derived from the key and
 * the caller, so a repeated request finds the first one's job instead of adding another.
 */
function claimJobId(req: Request): { jobId: string; fresh: boolean } {
  const key = req.get('idempotency-key');
  if (key === undefined) return { jobId: randomUUID(), fresh: true };
  const token = validate(id, key);
  const digest = createHash('sha256')
    .update(`${req.user?.name ?? ''}\n${token}`)
    .digest('hex');
  return { jobId: `claim-${digest.slice(0, 40)}`, fresh: false };
}

/**
 * The onshore service: staff upload snapshots (encrypted into the vault), request claims
 * (queued for proving workers: jobs carry vault ids, never data), follow jobs, fetch packages
 * and send them offshore through the one egress path. Every action goes to an audit stream
 * with who did it and ids, never snapshot contents.
 */
export function createOnshoreApp(deps: OnshoreDeps): Express {
  const auditKey = deps.auditKey ?? 'zkattest:onshore:audit';
  const desks = new DeskOwnership(deps.redis);
  if ((deps.signerKeyId === undefined) === (deps.signerSet === undefined)) {
    throw new ZkAttestError('USAGE', 'the onshore service signs with a signer key or a signer set');
  }
  const cosigning = deps.signerSet;
  const chain = new RedisSnapshotChain(deps.redis);
  const collected = new RedisCosignatures(deps.redis);
  // The snapshot message needs the commitment (Poseidon), not the circuits: loaded on first use.
  let messageProver: Promise<ClaimProver> | undefined;
  const proverForMessages = () => {
    if (!messageProver) {
      messageProver = loadPrimitives().then((p) => new ClaimProver(p));
      messageProver.catch(() => (messageProver = undefined)); // a failed load is tried again
    }
    return messageProver;
  };
  /** The set's members sign the snapshot messages of this service (404 with a signer key). */
  const coSigningSet = (): SignerSet => {
    if (!cosigning) {
      throw new ZkAttestError(
        'NOT_FOUND',
        'this service signs snapshots with its own key: there is nothing to co-sign',
      );
    }
    return cosigning;
  };
  /** The snapshot's message in the set's chain: committed at upload, or now if it was not. */
  const committedMessage = async (set: SignerSet, snapshotId: string) => {
    const kept = await chain.message(set.setId, snapshotId);
    if (kept) return kept;
    const { snapshot, salt, fx } = await deps.vault.getSnapshot(snapshotId);
    const draft = (await proverForMessages()).message(
      { snapshot, salt, ...(fx === undefined ? {} : { fx }) },
      set.setId,
    );
    await chain.putSet(set);
    return chain.commit(snapshotId, draft);
  };
  const signaturesOf = async (set: SignerSet, snapshotId: string) => {
    const signers = (await collected.list(set.setId, snapshotId)).map((s) => s.keyId);
    return { collected: signers.length, threshold: set.threshold, signers };
  };
  const audit = async (
    user: OnshoreUser | undefined,
    action: string,
    fields: Record<string, string> = {},
  ) => {
    const flat = Object.entries({
      at: new Date().toISOString(),
      user: user?.name ?? '-',
      action,
      ...fields,
    }).flat();
    await guardedRedis('audit append', () =>
      deps.redis.xadd(auditKey, 'MAXLEN', '~', '1000000', '*', ...flat),
    );
  };
  const requireRole = staffGuard({
    users: deps.users,
    limiter: new RedisFailedAuthLimiter(
      deps.redis,
      deps.failedAuthLimits ?? DEFAULT_FAILED_AUTH_LIMITS,
    ),
    // Who was refused, from where, on which route: never the token presented.
    onRefused: (r) =>
      audit(r.user, 'auth.refused', {
        reason: r.reason,
        client: r.client,
        method: r.method,
        route: r.route,
      }),
  });
  // An operator asking for another desk's item hears what a wrong id hears.
  const mustSee = (user: OnshoreUser, desk: string | undefined, what: string) => {
    if (!canSeeDesk(user, desk)) throw new ZkAttestError('NOT_FOUND', `no such ${what}`);
  };
  const admitClaim = async (
    user: OnshoreUser,
    snapshotId: string,
    params: ClaimParams,
    jobId: string,
  ) => {
    try {
      await deps.disclosure.admit(snapshotId, params, { user: user.name, jobId });
    } catch (err) {
      if (err instanceof ZkAttestError && err.code === 'DISCLOSURE_BUDGET_EXCEEDED') {
        await audit(user, 'claim.refused', {
          snapshotId,
          claim: params.claim,
          rule: String(err.details.rule),
        });
      }
      throw err;
    }
  };
  const mustSeeJob = async (user: OnshoreUser, jobId: string) =>
    mustSee(user, await desks.jobDesk(jobId), 'job');
  // Before sealing: a snapshot older than its set's head would be a rollback offshore (the
  // chain's commit checks again, atomically).
  const refuseOlderThanHead = async (setId: string, asOf: number) => {
    const head = await chain.head(setId);
    if (head && asOf < head.asOf) {
      throw new ZkAttestError(
        'CONFLICT',
        `the snapshot is older than the head of its signer set's chain (epoch ${head.epoch})`,
        { reason: 'EPOCH_ROLLBACK', setId },
      );
    }
  };

  /** Holds a co-signed claim until k members signed; queued at once when they have. */
  const holdForSignatures = async (set: SignerSet, job: ClaimJobRequest, jobId: string) => {
    await chain.putSet(set); // the worker reads the set by id
    await deps.queue.holdClaim(job, { jobId });
    // Held first, counted second: a k-th signature landing in between releases it either way.
    const signatures = await signaturesOf(set, job.snapshotId);
    if (signatures.collected < set.threshold) return signatures;
    await deps.queue.releaseHeld(set.setId, job.snapshotId);
    return undefined;
  };
  const refuseSignature = async (
    user: OnshoreUser,
    snapshotId: string,
    signature: ReturnType<typeof parseDetachedSignature>,
    message: SnapshotMessageJson,
    set: SignerSet,
  ) => {
    const reason = detachedSignatureReason(signature, message, setMembership(set).keyIds);
    if (reason === undefined) return;
    await audit(user, 'signature.refused', { snapshotId, keyId: signature.keyId, reason });
    throw new ZkAttestError('SNAPSHOT_SIGNATURES_REFUSED', SIGNATURE_REFUSALS[reason], {
      reason,
    });
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(helmet());
  // Redis down: a coded 503 within seconds, not a request waiting for it (every /v1 route
  // touches Redis, if only for the audit stream and the failed-auth limiter).
  app.use('/v1', (_req, _res, next) => {
    whenRedisReady(deps.redis, STORE_WAIT_MS).then(() => next(), next);
  });

  // Uploads are read as bytes (before the JSON parser below): UTF-8 is checked strictly and
  // the snapshot reader bounds JSON nesting, rather than body-parser replacing bad bytes.
  // A snapshot file is the body; a custodian's own export comes as multipart/form-data with
  // its mapping (export-upload.ts).
  app.post(
    '/v1/snapshots',
    requireRole('operator'),
    express.raw({
      type: ['text/csv', 'application/json', 'multipart/form-data'],
      limit: UPLOAD_LIMIT_BYTES,
    }),
    async (req, res) => {
      const format = req.is('text/csv')
        ? 'csv'
        : req.is('application/json')
          ? 'json'
          : req.is('multipart/form-data')
            ? 'export'
            : undefined;
      const charset = /;\s*charset="?([^";]+)/i.exec(req.get('content-type') ?? '')?.[1];
      if (!format || (charset !== undefined && !/^utf-?8$/i.test(charset)))
        throw new ZkAttestError(
          'UNSUPPORTED_MEDIA_TYPE',
          'send UTF-8 text/csv or application/json, or multipart/form-data with export and mapping',
        );
      const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const snapshot =
        format === 'export'
          ? await readExportUpload(bytes, req.get('content-type')!)
          : parseSnapshot(decodeSnapshotBytes(bytes), format);
      const label = typeof req.query.label === 'string' ? req.query.label.slice(0, 100) : undefined;
      // Its signed FX table, checked against the snapshot by the vault before sealing.
      const fx = fxFromUpload(req);
      if (cosigning) await refuseOlderThanHead(cosigning.setId, snapshot.asOf);
      const snapshotId = await deps.vault.putSnapshot(snapshot, randomSalt(), { label, fx });
      const desk = deskOf(req.user!);
      await desks.recordSnapshot(snapshotId, desk);
      // Co-signed: the snapshot takes its epoch now, so that its members can sign its message.
      const message = cosigning ? await committedMessage(cosigning, snapshotId) : undefined;
      const place = message ? { setId: message.setId, epoch: message.epoch } : {};
      await audit(req.user, 'snapshot.uploaded', {
        snapshotId,
        desk,
        ...(message ? { epoch: String(message.epoch) } : {}),
      });
      res.status(201).json({
        id: snapshotId,
        positions: snapshot.positions.length,
        asOf: snapshot.asOf,
        currency: snapshot.currency,
        decimals: snapshot.decimals,
        desk,
        ...place,
      });
    },
  );

  app.use(express.json({ limit: 256 * 1024 }));

  app.get('/v1/snapshots', requireRole('operator', 'auditor'), async (req, res) => {
    await audit(req.user, 'snapshot.listed');
    // A malformed entry is reported by id (to whoever may see its desk); the others are listed.
    const { snapshots, unreadable: bad } = await deps.vault.inventory();
    const owners = await desks.snapshotDesks([...snapshots, ...bad].map((s) => s.id));
    const items = snapshots
      .map((s, i) => ({ ...s, ...(owners[i] === undefined ? {} : { desk: owners[i] }) }))
      .filter((s) => canSeeDesk(req.user!, s.desk));
    const unreadable = bad.filter((_, i) => canSeeDesk(req.user!, owners[snapshots.length + i]));
    res.json({ items, ...(unreadable.length ? { unreadable } : {}) });
  });

  app.post('/v1/snapshots/:id/claims', requireRole('operator'), async (req, res) => {
    const snapshotId = validate(id, req.params.id);
    const { context, ...rest } = validate(claimBody, req.body);
    const params = parseClaimParams(rest);
    const desk = await desks.snapshotDesk(snapshotId);
    mustSee(req.user!, desk, 'snapshot');
    const { jobId, fresh } = claimJobId(req);
    const job = cosigning
      ? { snapshotId, setId: cosigning.setId, params, context }
      : { snapshotId, signerKeyId: deps.signerKeyId!, params, context };
    let waiting: Awaited<ReturnType<typeof signaturesOf>> | undefined;
    try {
      // An Idempotency-Key reused for another request is refused before it spends budget.
      if (!fresh) await deps.queue.assertNotTakenByOther(jobId, job);
      // Before any job exists: a refused claim is never queued, so never proved.
      await admitClaim(req.user!, snapshotId, params, jobId);
      // The job's desk is recorded before the job exists, so no job is ever without one.
      if (desk !== undefined) await desks.recordJob(jobId, desk);
      if (cosigning) waiting = await holdForSignatures(cosigning, job, jobId);
      else await deps.queue.enqueueClaim(job, { jobId, fresh });
      await audit(req.user, 'claim.requested', { snapshotId, jobId, claim: params.claim });
    } catch (err) {
      if (!(err instanceof ZkAttestError) || err.code !== 'STORE_UNAVAILABLE') throw err;
      // The add may have reached Redis with its reply lost: the caller gets the job id either
      // way, to look it up or to repeat the request with the same Idempotency-Key.
      const coded = new ZkAttestError(
        'STORE_UNAVAILABLE',
        'the store is unavailable; the claim may have been queued under jobId',
        { jobId },
      );
      coded.cause = err.cause ?? err;
      throw coded;
    }
    res
      .status(202)
      .location(`/v1/jobs/${jobId}`)
      .json({ jobId, ...(waiting ? { state: AWAITING_SIGNATURES, signatures: waiting } : {}) });
  });

  // Co-signing (a signer set configured): the message a member signs, and its signature.
  app.get(
    '/v1/snapshots/:id/message',
    requireRole('operator', 'auditor', 'signer'),
    async (req, res) => {
      const snapshotId = validate(id, req.params.id);
      mustSee(req.user!, await desks.snapshotDesk(snapshotId), 'snapshot');
      const message = await committedMessage(coSigningSet(), snapshotId);
      await audit(req.user, 'message.read', { snapshotId, epoch: String(message.epoch) });
      res.json(messageFile(message));
    },
  );

  app.post('/v1/snapshots/:id/signatures', requireRole('operator', 'signer'), async (req, res) => {
    const snapshotId = validate(id, req.params.id);
    mustSee(req.user!, await desks.snapshotDesk(snapshotId), 'snapshot');
    const set = coSigningSet();
    const signature = parseDetachedSignature(req.body);
    const message = await committedMessage(set, snapshotId);
    await refuseSignature(req.user!, snapshotId, signature, message, set);
    const added = await collected.add(snapshotId, signature);
    const signatures = await signaturesOf(set, snapshotId);
    // The k-th signature lets the claims waiting for it go (a repeat upload retries that).
    if (signatures.collected >= set.threshold) await deps.queue.releaseHeld(set.setId, snapshotId);
    await audit(req.user, 'signature.uploaded', {
      snapshotId,
      keyId: signature.keyId,
      collected: String(signatures.collected),
    });
    res.status(added ? 201 : 200).json(signatures);
  });

  // The snapshot's disclosure ledger: every claim admitted on it, oldest first.
  app.get('/v1/snapshots/:id/claims', requireRole('operator', 'auditor'), async (req, res) => {
    const snapshotId = validate(id, req.params.id);
    mustSee(req.user!, await desks.snapshotDesk(snapshotId), 'snapshot');
    await audit(req.user, 'disclosure.read', { snapshotId });
    res.json({ items: await deps.disclosure.ledger.entries(snapshotId) });
  });

  app.get('/v1/jobs/:id', requireRole('operator', 'auditor'), async (req, res) => {
    const jobId = validate(id, req.params.id);
    await mustSeeJob(req.user!, jobId);
    const status = await deps.queue.jobStatus(jobId);
    if (status.state === 'unknown') throw new ZkAttestError('NOT_FOUND', 'no such job');
    const waiting =
      status.state === AWAITING_SIGNATURES && cosigning && status.snapshotId
        ? { signatures: await signaturesOf(cosigning, status.snapshotId) }
        : {};
    res.json({ ...status, ...waiting });
  });

  app.get('/v1/jobs/:id/package', requireRole('operator', 'auditor'), async (req, res) => {
    const jobId = validate(id, req.params.id);
    await mustSeeJob(req.user!, jobId);
    const pkg = await deps.packages.get(jobId);
    if (!pkg) throw new ZkAttestError('NOT_FOUND', 'no package for this job (yet)');
    res.json(pkg);
  });

  app.post('/v1/jobs/:id/send', requireRole('operator'), async (req, res) => {
    const jobId = validate(id, req.params.id);
    const { destination } = validate(sendBody, req.body);
    await mustSeeJob(req.user!, jobId);
    const pkg = await deps.packages.get(jobId);
    if (!pkg) throw new ZkAttestError('NOT_FOUND', 'no package for this job (yet)');
    const sent = await deps.egress.send(pkg, destination, { jobId });
    await audit(req.user, 'package.sent', { jobId, destination, outcome: sent.outcome });
    res.json(sent);
  });

  // The custodian anchored the snapshot onshore (SnapshotAnchor): its sends carry the anchor.
  app.post('/v1/snapshots/:id/anchor', requireRole('operator'), async (req, res) => {
    const snapshotId = validate(id, req.params.id);
    mustSee(req.user!, await desks.snapshotDesk(snapshotId), 'snapshot');
    const anchor = validate(anchorBody, req.body);
    await deps.vault.getSnapshot(snapshotId); // NOT_FOUND for a snapshot the vault lacks
    const created = await deps.egress.recordAnchor(snapshotId, anchor);
    await audit(req.user, 'snapshot.anchored', { snapshotId, chainId: anchor.chainId });
    res.status(created ? 201 : 200).json({ snapshotId, ...anchor });
  });

  app.get('/v1/egress', requireRole('auditor'), async (req, res) => {
    await audit(req.user, 'egress.read');
    res.json({ items: await deps.egress.entries() });
  });

  // Newest first, one page at a time; the cursor is the last stream id served, so pages stay
  // put however many events are appended meanwhile.
  app.get('/v1/audit', requireRole('auditor'), async (req, res) => {
    const { limit, cursor } = validate(auditQuery, req.query);
    await audit(req.user, 'audit.read');
    // Nothing is older than 0-0 (and Redis refuses the empty interval).
    const rows =
      cursor !== undefined && /^0+-0+$/.test(cursor)
        ? []
        : await guardedRedis('audit read', () =>
            deps.redis.xrevrange(
              auditKey,
              cursor === undefined ? '+' : `(${cursor}`,
              '-',
              'COUNT',
              limit + 1,
            ),
          );
    const page = rows.slice(0, limit);
    const items = page.map(([streamId, kv]) => ({ id: streamId, ...pairs(kv) }));
    const more = rows.length > limit;
    res.json({ items, ...(more ? { nextCursor: page[page.length - 1]![0] } : {}) });
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use((_req, res) => {
    res.status(404).json(errorBody('NOT_FOUND', 'no such endpoint'));
  });
  app.use(errorHandler(deps.logger));
  return app;
}

function pairs(kv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < kv.length; i += 2) out[kv[i]!] = kv[i + 1]!;
  return out;
}

import express, { type Express } from 'express';
import helmet from 'helmet';
import type Redis from 'ioredis';
import { z } from 'zod';
import { parseClaimParams } from '../../claims';
import { ZkAttestError } from '../../common/errors';
import { errorBody, errorHandler } from '../../common/http-errors';
import type { Logger } from '../../common/logger';
import { validate } from '../../common/validate';
import { parseSnapshot } from '../snapshot/ingest-snapshot';
import type { ProvingQueue } from '../queue/proving-queue';
import { randomSalt } from '../snapshot/snapshot-commitment';
import type { Vault } from '../vault';
import { requireRole, type OnshoreUser } from './onshore-users';
import type { RedisPackageSink } from './vault-source';

/** How a package leaves: the audited egress path (guard, envelope, send, log). */
export interface EgressPort {
  send(
    candidate: unknown,
    destination: string,
  ): Promise<{ outcome: string; httpStatus: number; sha256: string }>;
  entries(): Promise<unknown[]>;
}

export interface OnshoreDeps {
  vault: Vault;
  queue: ProvingQueue;
  packages: RedisPackageSink;
  egress: EgressPort;
  users: OnshoreUser[];
  /** Vault id of the attestor signing key used for claims. */
  attestorKeyId: string;
  redis: Redis;
  logger: Logger;
  auditKey?: string;
}

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/);
/** `{ claim, context, ...params }`: the params are checked by the claim's descriptor. */
const claimBody = z.looseObject({ claim: z.string(), context: z.string() });
const sendBody = z.strictObject({ destination: z.string().min(1).max(64) });

/**
 * The onshore service: staff upload snapshots (encrypted into the vault), request claims
 * (queued for proving workers: jobs carry vault ids, never data), follow jobs, fetch packages
 * and send them offshore through the one egress path. Every action goes to an audit stream
 * with who did it and ids, never snapshot contents.
 */
export function createOnshoreApp(deps: OnshoreDeps): Express {
  const { users } = deps;
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
    await deps.redis.xadd(
      deps.auditKey ?? 'zkattest:onshore:audit',
      'MAXLEN',
      '~',
      '1000000',
      '*',
      ...flat,
    );
  };
  const app = express();
  app.disable('x-powered-by');
  app.use(helmet());
  app.use(express.json({ limit: 256 * 1024 }));
  app.use(express.text({ type: 'text/csv', limit: 256 * 1024 }));

  app.post('/v1/snapshots', requireRole(users, 'operator'), async (req, res) => {
    const format = req.is('text/csv') ? 'csv' : req.is('application/json') ? 'json' : undefined;
    if (!format)
      throw new ZkAttestError('UNSUPPORTED_MEDIA_TYPE', 'send text/csv or application/json');
    const text = format === 'csv' ? String(req.body) : JSON.stringify(req.body);
    const snapshot = parseSnapshot(text, format);
    const label = typeof req.query.label === 'string' ? req.query.label.slice(0, 100) : undefined;
    const snapshotId = await deps.vault.putSnapshot(snapshot, randomSalt(), { label });
    await audit(req.user, 'snapshot.uploaded', { snapshotId });
    res
      .status(201)
      .json({ id: snapshotId, positions: snapshot.positions.length, asOf: snapshot.asOf });
  });

  app.get('/v1/snapshots', requireRole(users, 'operator', 'auditor'), async (req, res) => {
    await audit(req.user, 'snapshot.listed');
    res.json({ items: await deps.vault.listSnapshots() });
  });

  app.post('/v1/snapshots/:id/claims', requireRole(users, 'operator'), async (req, res) => {
    const snapshotId = validate(id, req.params.id);
    const { context, ...rest } = validate(claimBody, req.body);
    const params = parseClaimParams(rest);
    const jobId = await deps.queue.enqueueClaim({
      snapshotId,
      attestorKeyId: deps.attestorKeyId,
      params,
      context,
    });
    await audit(req.user, 'claim.requested', { snapshotId, jobId, claim: params.claim });
    res.status(202).location(`/v1/jobs/${jobId}`).json({ jobId });
  });

  app.get('/v1/jobs/:id', requireRole(users, 'operator', 'auditor'), async (req, res) => {
    const status = await deps.queue.jobStatus(validate(id, req.params.id));
    if (status.state === 'unknown') throw new ZkAttestError('NOT_FOUND', 'no such job');
    res.json(status);
  });

  app.get('/v1/jobs/:id/package', requireRole(users, 'operator', 'auditor'), async (req, res) => {
    const pkg = await deps.packages.get(validate(id, req.params.id));
    if (!pkg) throw new ZkAttestError('NOT_FOUND', 'no package for this job (yet)');
    res.json(pkg);
  });

  app.post('/v1/jobs/:id/send', requireRole(users, 'operator'), async (req, res) => {
    const jobId = validate(id, req.params.id);
    const { destination } = validate(sendBody, req.body);
    const pkg = await deps.packages.get(jobId);
    if (!pkg) throw new ZkAttestError('NOT_FOUND', 'no package for this job (yet)');
    const sent = await deps.egress.send(pkg, destination);
    await audit(req.user, 'package.sent', { jobId, destination, outcome: sent.outcome });
    res.json(sent);
  });

  app.get('/v1/egress', requireRole(users, 'auditor'), async (req, res) => {
    await audit(req.user, 'egress.read');
    res.json({ items: await deps.egress.entries() });
  });

  app.get('/v1/audit', requireRole(users, 'auditor'), async (req, res) => {
    await audit(req.user, 'audit.read');
    const rows = await deps.redis.xrange(
      deps.auditKey ?? 'zkattest:onshore:audit',
      '-',
      '+',
      'COUNT',
      1000,
    );
    res.json({ items: rows.map(([streamId, kv]) => ({ id: streamId, ...pairs(kv) })) });
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

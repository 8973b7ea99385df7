import { Router } from 'express';
import { parseUnit } from '../../common/currency';
import { ZkAttestError } from '../../common/errors';
import type { AttestationService } from '../attestation-service';
import { publicError } from '../../common/http-errors';
import type { Logger } from '../../common/logger';
import { idParam, listQuery, submitBatchBody, submitBody, verifyBody } from '../schemas';
import type { Stores } from '../store';
import { validate } from '../../common/validate';
import type { RequestHandler } from 'express';

/** Attestations: submit (verify + record, idempotent), batch submit, read, list, check. */
export function attestationRoutes(
  service: AttestationService,
  stores: Stores,
  write: RequestHandler[],
  logger: Logger,
): Router {
  const router = Router();

  router.post('/v1/attestations', ...write, async (req, res) => {
    const { envelope } = validate(submitBody, req.body);
    const outcome = await service.submit(envelope);
    if (outcome.status === 'rejected') throw outcome.error;
    res
      .status(outcome.status === 'created' ? 201 : 200)
      .location(`/v1/attestations/${outcome.record.id}`)
      .json({ status: outcome.status, attestation: outcome.record });
  });

  router.post('/v1/attestations/batch', ...write, async (req, res) => {
    const { envelopes } = validate(submitBatchBody, req.body);
    const outcomes = await service.submitBatch(envelopes);
    res.status(200).json({
      results: outcomes.map((o, index) => {
        if (o.status !== 'rejected') return { index, status: o.status, id: o.record.id };
        const { status, body } = publicError(o.error, logger, req.route?.path as string);
        return { index, status: 'rejected', httpStatus: status, ...body };
      }),
    });
  });

  router.get('/v1/attestations/:id', async (req, res) => {
    const { id } = validate(idParam, req.params);
    const record = await stores.attestations.get(id);
    if (!record) throw new ZkAttestError('NOT_FOUND', 'no attestation with this id');
    res.json(record);
  });

  router.get('/v1/attestations', async (req, res) => {
    const { limit, cursor, ...filter } = validate(listQuery, req.query);
    const page = await stores.attestations.list(filter, { limit, cursor });
    res.json(page);
  });

  router.post('/v1/verify', ...write, async (req, res) => {
    const body = validate(verifyBody, req.body);
    // The schema checks the shape; an unknown currency code is CURRENCY_UNKNOWN, not a refusal.
    const unit = body.unit && parseUnit(body.unit, 'unit');
    res.json(await service.check(body.package, body.requirements, unit));
  });

  return router;
}

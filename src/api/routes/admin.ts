import { Router, type RequestHandler } from 'express';
import { ZkAttestError } from '../../common/errors';
import { validateTransportPublicJwk, type JsonWebKey } from '../../common/transport-key';
import { institutionBody, institutionParam, revokeBody } from '../schemas';
import type { Stores } from '../store';
import { validate } from '../../common/validate';

/**
 * Admin: register and revoke onshore institutions (signer keys and FX sources: routes/keys.ts).
 * Every change is audited.
 */
export function adminRoutes(stores: Stores, guard: RequestHandler[]): Router {
  const router = Router();
  const { registry, audit } = stores;

  router.post('/v1/admin/institutions', ...guard, async (req, res) => {
    const body = validate(institutionBody, req.body);
    const institution = {
      id: body.id,
      name: body.name,
      alg: body.alg,
      publicKeyJwk: validateTransportPublicJwk(body.publicKeyJwk as JsonWebKey, body.alg),
      registeredAt: new Date().toISOString(),
    };
    await registry.putInstitution(institution);
    await audit.append({ type: 'admin.institution.registered', institution: body.id });
    res.status(201).json(institution);
  });

  router.post('/v1/admin/institutions/:id/revoke', ...guard, async (req, res) => {
    const { id } = validate(institutionParam, req.params);
    const { effectiveAt } = validate(revokeBody, req.body ?? {});
    const requestedAt = effectiveAt ?? new Date().toISOString();
    const revokedAt = await registry.revokeInstitution(id, requestedAt);
    if (revokedAt === undefined)
      throw new ZkAttestError('NOT_FOUND', 'no institution with this id');
    await audit.append({
      type: 'admin.institution.revoked',
      institution: id,
      revokedAt,
      requestedAt,
    });
    res.json({ id, revokedAt });
  });

  router.get('/v1/admin/institutions', ...guard, async (_req, res) => {
    res.json({ items: await registry.listInstitutions() });
  });

  return router;
}

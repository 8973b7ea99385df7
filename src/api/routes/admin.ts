import { Router, type RequestHandler } from 'express';
import { ZkAttestError } from '../../common/errors';
import { validateTransportPublicJwk, type JsonWebKey } from '../../common/transport-key';
import {
  attestorBody,
  institutionBody,
  institutionParam,
  keyHashParam,
  revokeBody,
} from '../schemas';
import type { Stores } from '../store';
import { validate } from '../../common/validate';

/** Admin: register and revoke attestor keys and onshore institutions. Every change is audited. */
export function adminRoutes(stores: Stores, guard: RequestHandler[]): Router {
  const router = Router();
  const { registry, audit } = stores;

  router.post('/v1/admin/attestors', ...guard, async (req, res) => {
    const body = validate(attestorBody, req.body);
    const attestor = {
      keyHash: body.keyHash,
      label: body.label,
      registeredAt: body.validFrom ?? new Date().toISOString(),
    };
    await registry.putAttestor(attestor);
    await audit.append({ type: 'admin.attestor.registered', keyHash: body.keyHash });
    res.status(201).json(attestor);
  });

  router.post('/v1/admin/attestors/:keyHash/revoke', ...guard, async (req, res) => {
    const { keyHash } = validate(keyHashParam, req.params);
    const { effectiveAt } = validate(revokeBody, req.body ?? {});
    const requestedAt = effectiveAt ?? new Date().toISOString();
    // The answer is the time in effect: an earlier revocation is never moved later.
    const revokedAt = await registry.revokeAttestor(keyHash, requestedAt);
    if (revokedAt === undefined)
      throw new ZkAttestError('NOT_FOUND', 'no attestor with this key hash');
    await audit.append({ type: 'admin.attestor.revoked', keyHash, revokedAt, requestedAt });
    res.json({ keyHash, revokedAt });
  });

  router.get('/v1/admin/attestors', ...guard, async (_req, res) => {
    res.json({ items: await registry.listAttestors() });
  });

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

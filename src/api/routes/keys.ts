import { Router, type RequestHandler } from 'express';
import { ZkAttestError } from '../../common/errors';
import { parsePublicKey } from '../../common/p256';
import { validate } from '../../common/validate';
import { keyBody, keyIdParam, revokeBody } from '../schemas';
import type { KeyKind, Stores } from '../store';

/** The URL segment and audit name of each register. */
const KEY_REGISTERS: ReadonlyArray<{
  kind: KeyKind;
  path: string;
  audit: string;
  name: string;
}> = [{ kind: 'fx', path: 'fx-sources', audit: 'fx-source', name: 'FX source' }];

/** A key's problems are KEY_MALFORMED, not the generic REQUEST_INVALID: check it first. */
function parseKeyBody(body: unknown) {
  if (typeof body === 'object' && body !== null && 'publicKey' in body) {
    parsePublicKey(body.publicKey);
  }
  return validate(keyBody, body);
}

/**
 * FX sources (signers come in sets: signer-sets.ts): admins register and revoke (audited), anyone reads, so that an
 * investor can see which keys this verifier trusts, since when and until when.
 */
export function keyRegistryRoutes(stores: Stores, guard: RequestHandler[]): Router {
  const router = Router();
  const { keys, audit } = stores;

  for (const { kind, path, audit: type, name } of KEY_REGISTERS) {
    const unknown = () =>
      new ZkAttestError('NOT_FOUND', `no ${name} with this keyId`, { field: 'keyId' });
    // validFrom never changes once registered, so reading it first cannot race.
    const revokeNowFor = async (keyId: string): Promise<string> => {
      const entry = await keys.get(kind, keyId);
      if (!entry) throw unknown();
      const now = new Date().toISOString();
      return entry.validFrom > now ? entry.validFrom : now;
    };

    router.post(`/v1/admin/${path}`, ...guard, async (req, res) => {
      const body = parseKeyBody(req.body);
      const { created, entry } = await keys.register(kind, body);
      // A repeated registration is audited too: the log shows every admin call that landed.
      await audit.append({
        type: `admin.${type}.registered`,
        keyId: entry.keyId,
        label: entry.label,
        validFrom: entry.validFrom,
        created,
      });
      res.status(created ? 201 : 200).json(entry);
    });

    router.post(`/v1/admin/${path}/:keyId/revoke`, ...guard, async (req, res) => {
      const { keyId } = validate(keyIdParam, req.params);
      const { effectiveAt } = validate(revokeBody, req.body ?? {});
      // "Revoke now" on a key not yet valid means "never trust it": from its validFrom (an
      // explicit effectiveAt before validFrom is refused by the store).
      const requestedAt = effectiveAt ?? (await revokeNowFor(keyId));
      // The answer is the time in effect: an earlier revocation is never moved later.
      const revokedAt = await keys.revoke(kind, keyId, requestedAt);
      if (revokedAt === undefined) throw unknown();
      await audit.append({ type: `admin.${type}.revoked`, keyId, revokedAt, requestedAt });
      res.json({ keyId, revokedAt });
    });

    router.get(`/v1/${path}`, async (_req, res) => {
      res.json({ items: await keys.list(kind) });
    });

    router.get(`/v1/${path}/:keyId`, async (req, res) => {
      const { keyId } = validate(keyIdParam, req.params);
      const entry = await keys.get(kind, keyId);
      if (!entry) throw unknown();
      res.json(entry);
    });
  }
  return router;
}

import { Router, type RequestHandler } from 'express';
import { ZkAttestError } from '../../common/errors';
import { checkSignatures, parseSignedSnapshot } from '../../common/signed-snapshot';
import { parseSignerSet } from '../../common/signer-set';
import { validate } from '../../common/validate';
import { chainReasons, keyTrustReasons, linkOf } from '../../verifier';
import { epochsQuery, revokeBody, setIdParam, signerSetBody } from '../schemas';
import type { SignerSetEntry, Stores } from '../store';

const unknownSet = () =>
  new ZkAttestError('NOT_FOUND', 'no signer set with this setId', { field: 'setId' });

/**
 * Signer sets and their epoch chains: admins register and retire sets (audited), anyone reads
 * them (members, labels, trust window, chain head, equivocation evidence) and anyone may post a
 * chain link (a signed snapshot message) without a claim, e.g. to move a chain over a gap.
 */
export function signerSetRoutes(
  stores: Stores,
  guard: RequestHandler[],
  write: RequestHandler[],
): Router {
  const router = Router();
  const { signerSets, chains, audit } = stores;

  // validFrom never changes once registered, so reading it first cannot race.
  const revokeNowFor = async (setId: string): Promise<string> => {
    const entry = await signerSets.get(setId);
    if (!entry) throw unknownSet();
    const now = new Date().toISOString();
    return entry.validFrom > now ? entry.validFrom : now;
  };
  const withChain = async (entry: SignerSetEntry) => ({
    ...entry,
    chain: await chains.summary(entry.setId),
  });

  router.post('/v1/admin/signer-sets', ...guard, async (req, res) => {
    const body = validate(signerSetBody, req.body);
    const set = parseSignerSet({ threshold: body.threshold, signers: body.signers });
    const { created, entry } = await signerSets.register({
      threshold: set.threshold,
      signers: set.signers,
      ...(body.validFrom !== undefined ? { validFrom: body.validFrom } : {}),
      ...(body.firstEpoch !== undefined ? { firstEpoch: body.firstEpoch } : {}),
    });
    // A repeated registration is audited too: the log shows every admin call that landed.
    await audit.append({
      type: 'admin.signer-set.registered',
      setId: entry.setId,
      threshold: entry.threshold,
      size: entry.signers.length,
      validFrom: entry.validFrom,
      firstEpoch: entry.firstEpoch,
      created,
    });
    res.status(created ? 201 : 200).json(entry);
  });

  router.post('/v1/admin/signer-sets/:setId/revoke', ...guard, async (req, res) => {
    const { setId } = validate(setIdParam, req.params);
    const { effectiveAt } = validate(revokeBody, req.body ?? {});
    // As for keys: "revoke now" on a set not yet valid means "never trust it".
    const requestedAt = effectiveAt ?? (await revokeNowFor(setId));
    const revokedAt = await signerSets.revoke(setId, requestedAt);
    if (revokedAt === undefined) throw unknownSet();
    await audit.append({ type: 'admin.signer-set.revoked', setId, revokedAt, requestedAt });
    res.json({ setId, revokedAt });
  });

  router.get('/v1/signer-sets', async (_req, res) => {
    const sets = await signerSets.list();
    res.json({ items: await Promise.all(sets.map(withChain)) });
  });

  router.get('/v1/signer-sets/:setId', async (req, res) => {
    const { setId } = validate(setIdParam, req.params);
    const entry = await signerSets.get(setId);
    if (!entry) throw unknownSet();
    res.json({ ...(await withChain(entry)), equivocations: await chains.equivocations(setId) });
  });

  router.get('/v1/signer-sets/:setId/epochs', async (req, res) => {
    const { setId } = validate(setIdParam, req.params);
    const { cursor, limit } = validate(epochsQuery, req.query);
    if (!(await signerSets.get(setId))) throw unknownSet();
    res.json(await chains.links(setId, { limit, ...(cursor !== undefined ? { cursor } : {}) }));
  });

  router.post('/v1/signer-sets/:setId/epochs', ...write, async (req, res) => {
    const { setId } = validate(setIdParam, req.params);
    const signed = parseSignedSnapshot(req.body);
    const { message } = signed;
    if (message.setId !== setId) {
      throw new ZkAttestError('REQUEST_INVALID', 'message.setId: not the set of the URL', {
        fields: 'message.setId',
      });
    }
    // Signatures first (a malformed one is a 400), then whether the set was trusted then.
    const check = checkSignatures(signed);
    const set = await signerSets.get(setId);
    const reasons = [...check.reasons, ...keyTrustReasons('signerSet', set, message.asOf)];
    if (reasons.length > 0 || !set) {
      throw new ZkAttestError('SNAPSHOT_REJECTED', `rejected: ${reasons.join(', ')}`, {
        reasons: reasons.join(','),
      });
    }
    const link = linkOf(message, check.digest);
    const answer = await chains.append(link, set.firstEpoch, signed);
    if (answer !== 'known') {
      await audit.append({
        type: `chain.${answer}`,
        setId,
        epoch: link.epoch,
        digest: link.digest,
      });
    }
    const [reason] = chainReasons(answer);
    if (reason) {
      throw new ZkAttestError(reason, `the set's epoch chain refuses this link: ${answer}`, {
        epoch: link.epoch,
      });
    }
    res.status(answer === 'extends' ? 201 : 200).json({ answer, link });
  });

  return router;
}

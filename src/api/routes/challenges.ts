import { Router, type RequestHandler } from 'express';
import type { Stores } from '../store';

/** Challenges: a fresh single-use nonce for the context signal of the next proof. */
export function challengeRoutes(
  stores: Stores,
  ttlSeconds: number,
  write: RequestHandler[],
): Router {
  const router = Router();
  router.post('/v1/challenges', ...write, async (_req, res) => {
    const challenge = await stores.challenges.issue(ttlSeconds);
    await stores.audit.append({ type: 'challenge.issued', expiresAt: challenge.expiresAt });
    res.status(201).json(challenge);
  });
  return router;
}

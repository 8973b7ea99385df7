import { timingSafeEqual, createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ZkAttestError } from '../common/errors';
import type { RateLimiter } from './store';

/** Admin endpoints: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. */
export function requireAdmin(token: string | undefined): RequestHandler {
  const expected = token && createHash('sha256').update(token).digest();
  return (req, _res, next) => {
    const given = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    const ok =
      expected !== undefined &&
      expected !== '' &&
      given !== undefined &&
      timingSafeEqual(createHash('sha256').update(given).digest(), expected);
    next(ok ? undefined : new ZkAttestError('UNAUTHORIZED', 'admin credentials required'));
  };
}

/** Write endpoints: a fixed-window limit per client address, counted in the shared store. */
export function rateLimit(limiter: RateLimiter, limitPerMinute: number): RequestHandler {
  return (req, res, next) => {
    limiter
      .hit(`write:${req.ip ?? 'unknown'}`, limitPerMinute, 60)
      .then(({ allowed, remaining, resetSeconds }) => {
        res.setHeader('RateLimit-Limit', String(limitPerMinute));
        res.setHeader('RateLimit-Remaining', String(Math.max(0, remaining)));
        res.setHeader('RateLimit-Reset', String(resetSeconds));
        if (!allowed) {
          res.setHeader('Retry-After', String(resetSeconds));
          next(new ZkAttestError('RATE_LIMITED', 'too many requests, retry later'));
        } else next();
      }, next);
  };
}

/** JSON bodies only: anything else is 415 before the parser sees it. */
export const requireJson: RequestHandler = (req, _res, next) => {
  next(
    req.is('application/json')
      ? undefined
      : new ZkAttestError('UNSUPPORTED_MEDIA_TYPE', 'send application/json'),
  );
};

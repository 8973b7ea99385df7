import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ZkAttestError } from '../../common/errors';

export type OnshoreRole = 'operator' | 'auditor' | 'admin';

/** A staff member's API credential: only the SHA-256 of the token is kept. */
export interface OnshoreUser {
  name: string;
  role: OnshoreRole;
  tokenSha256: string;
}

export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Parses ONSHORE_USERS: `name:role:sha256hex` entries separated by commas, so that the
 * configuration holds no usable secret.
 */
export function usersFromEnv(text: string | undefined): OnshoreUser[] {
  if (!text) return [];
  return text.split(',').map((entry) => {
    const [name, role, tokenSha256] = entry.trim().split(':');
    if (
      !name ||
      !['operator', 'auditor', 'admin'].includes(role ?? '') ||
      !/^[0-9a-f]{64}$/.test(tokenSha256 ?? '')
    ) {
      throw new ZkAttestError('USAGE', 'ONSHORE_USERS entries are name:role:sha256hex');
    }
    return { name, role: role as OnshoreRole, tokenSha256: tokenSha256! };
  });
}

declare module 'express-serve-static-core' {
  interface Request {
    user?: OnshoreUser;
  }
}

/** Authenticates `Authorization: Bearer <token>` and requires one of `roles`. */
export function requireRole(
  users: readonly OnshoreUser[],
  ...roles: OnshoreRole[]
): RequestHandler {
  return (req, _res, next) => {
    const token = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    const given = token ? Buffer.from(tokenHash(token), 'hex') : undefined;
    const user = given
      ? users.find((u) => timingSafeEqual(Buffer.from(u.tokenSha256, 'hex'), given))
      : undefined;
    if (!user) return next(new ZkAttestError('UNAUTHORIZED', 'valid staff credentials required'));
    if (!roles.includes(user.role) && user.role !== 'admin') {
      return next(
        new ZkAttestError('FORBIDDEN', `this action needs the ${roles.join(' or ')} role`),
      );
    }
    req.user = user;
    next();
  };
}

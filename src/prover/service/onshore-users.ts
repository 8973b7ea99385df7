import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ZkAttestError } from '../../common/errors';
import { HEX64_PATTERN } from '../../common/ids';

/**
 * operator: uploads snapshots of its desk and requests claims; auditor: reads everything;
 * signer: a member of the co-signing set (custodian, auditor firm, trustee), who fetches
 * snapshot messages and uploads its signatures, nothing else; admin: everything.
 */
export type OnshoreRole = 'operator' | 'auditor' | 'signer' | 'admin';

/** A staff member's API credential: only the SHA-256 of the token is kept. */
export interface OnshoreUser {
  name: string;
  role: OnshoreRole;
  tokenSha256: string;
  /** The desk whose snapshots, jobs and packages an operator works on (DEFAULT_DESK if unset). */
  desk?: string;
}

/** The desk of users configured without one: a single-desk deployment keeps working. */
export const DEFAULT_DESK = 'default';
export const DESK_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Parses ONSHORE_USERS: `name:role:sha256hex[:desk]` entries separated by commas, so that the
 * configuration holds no usable secret. Entries without a desk are on DEFAULT_DESK.
 */
export function usersFromEnv(text: string | undefined): OnshoreUser[] {
  if (!text) return [];
  return text.split(',').map((entry) => {
    const [name, role, tokenSha256, desk = DEFAULT_DESK, ...rest] = entry.trim().split(':');
    if (
      !name ||
      !['operator', 'auditor', 'signer', 'admin'].includes(role ?? '') ||
      !HEX64_PATTERN.test(tokenSha256 ?? '') ||
      !DESK_PATTERN.test(desk) ||
      rest.length > 0
    ) {
      throw new ZkAttestError(
        'USAGE',
        'ONSHORE_USERS entries are name:role:sha256hex[:desk] (role: operator, auditor, ' +
          'signer or admin; desk: a-z, 0-9, -, up to 32)',
      );
    }
    return { name, role: role as OnshoreRole, tokenSha256: tokenSha256!, desk };
  });
}

export const deskOf = (user: OnshoreUser): string => user.desk ?? DEFAULT_DESK;

/** Whether `user` may see an item of `desk` (undefined: no desk recorded, e.g. older items). */
export function canSeeDesk(user: OnshoreUser, desk: string | undefined): boolean {
  return user.role !== 'operator' || (desk !== undefined && desk === deskOf(user));
}

declare module 'express-serve-static-core' {
  interface Request {
    user?: OnshoreUser;
  }
}

/** Why a staff request was refused: the error code it got. */
export type RefusalReason = 'UNAUTHORIZED' | 'FORBIDDEN' | 'RATE_LIMITED';

/** What is known of a refused request; never the presented token. */
export interface StaffRefusal {
  reason: RefusalReason;
  /** Set when the token was valid but the role was wrong. */
  user?: OnshoreUser;
  /** The client address (the socket's peer: the onshore app trusts no proxy header). */
  client: string;
  method: string;
  /** The route pattern (e.g. /v1/jobs/:id), not the path: no caller-chosen text. */
  route: string;
}

/** A client over its failed-authentication budget. */
export interface Throttled {
  retryAfterSeconds: number;
  /** The window's first refusal: only that one is audited, so a flood cannot churn the stream. */
  firstRefusal: boolean;
}

/** Counts failed authentications per client and says when a client must wait. */
export interface FailedAuthLimiter {
  /** Undefined while the client may try. */
  check(client: string): Promise<Throttled | undefined>;
  recordFailure(client: string): Promise<void>;
}

export interface StaffGuardOptions {
  users: readonly OnshoreUser[];
  limiter?: FailedAuthLimiter;
  /** Called for refused requests before the error is answered (e.g. to audit them). */
  onRefused?: (refusal: StaffRefusal) => Promise<void>;
}

/**
 * `requireRole(...roles)`: authenticates `Authorization: Bearer <token>` and requires one of
 * `roles` (admins pass every check). A client over its failed-authentication budget gets 429
 * before its token is even looked at, so guessing cannot go on behind the limit.
 */
export function staffGuard(opts: StaffGuardOptions) {
  const refuse = async (req: Request, reason: RefusalReason, user?: OnshoreUser) => {
    await opts.onRefused?.({
      reason,
      ...(user ? { user } : {}),
      client: clientOf(req),
      method: req.method,
      route: (req.route?.path as string | undefined) ?? 'unmatched',
    });
  };
  return (...roles: OnshoreRole[]): RequestHandler =>
    (req, res, next) => {
      const check = async (): Promise<ZkAttestError | undefined> => {
        const client = clientOf(req);
        const throttled = await opts.limiter?.check(client);
        if (throttled) {
          if (throttled.firstRefusal) await refuse(req, 'RATE_LIMITED');
          res.setHeader('Retry-After', String(throttled.retryAfterSeconds));
          return new ZkAttestError('RATE_LIMITED', 'too many failed sign-ins, retry later');
        }
        const user = findUser(opts.users, req.get('authorization'));
        if (!user) {
          await opts.limiter?.recordFailure(client);
          await refuse(req, 'UNAUTHORIZED');
          return new ZkAttestError('UNAUTHORIZED', 'valid staff credentials required');
        }
        if (!roles.includes(user.role) && user.role !== 'admin') {
          await refuse(req, 'FORBIDDEN', user);
          return new ZkAttestError('FORBIDDEN', `this action needs the ${roles.join(' or ')} role`);
        }
        req.user = user;
        return undefined;
      };
      check().then(next, next);
    };
}

/** The user whose token hash matches the bearer token, compared in constant time. */
function findUser(
  users: readonly OnshoreUser[],
  authorization: string | undefined,
): OnshoreUser | undefined {
  const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  if (!token) return undefined;
  const given = Buffer.from(tokenHash(token), 'hex');
  return users.find((u) => timingSafeEqual(Buffer.from(u.tokenSha256, 'hex'), given));
}

function clientOf(req: Request): string {
  return req.socket.remoteAddress ?? 'unknown';
}

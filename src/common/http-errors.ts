import type { ErrorRequestHandler } from 'express';
import { ZkAttestError, type ErrorCode } from './errors';
import type { Logger } from './logger';

/** HTTP status of each error code the API can answer with; anything else is a 500. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  USAGE: 400,
  PACKAGE_INVALID: 400,
  SIGNAL_OUT_OF_FIELD: 400,
  REQUEST_INVALID: 400,
  ENVELOPE_INVALID: 400,
  ENVELOPE_SIGNATURE_INVALID: 401,
  UNAUTHORIZED: 401,
  INSTITUTION_UNKNOWN: 403,
  INSTITUTION_REVOKED: 403,
  NOT_FOUND: 404,
  CIRCUIT_UNKNOWN: 422,
  VKEY_UNKNOWN: 422,
  ATTESTATION_REJECTED: 422,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  STORE_UNAVAILABLE: 503,
  FORBIDDEN: 403,
  SNAPSHOT_PARSE: 400,
  SNAPSHOT_MISSING_COLUMN: 400,
  SNAPSHOT_INVALID_FIELD: 400,
  SNAPSHOT_TOO_MANY_POSITIONS: 400,
  SNAPSHOT_EMPTY: 400,
  SNAPSHOT_DUPLICATE_ASSET: 400,
  CLAIM_UNKNOWN: 400,
  CLAIM_PARAMS_INVALID: 400,
  CLAIM_NOT_SATISFIED: 422,
  EGRESS_REFUSED: 422,
  VAULT_NOT_FOUND: 404,
  VAULT_DECRYPT_FAILED: 422,
  KEY_MALFORMED: 400,
  SIGNATURE_MALFORMED: 400,
  FX_TABLE_INVALID: 400,
  FX_RATE_INVALID: 400,
  FX_CURRENCY_MISSING: 400,
  CURRENCY_UNKNOWN: 400,
  DECIMALS_OUT_OF_RANGE: 400,
  MAPPING_INVALID: 400,
  // 422, not 409: the request is well-formed but refused by policy, and repeating it never
  // succeeds (the ledger is append-only), so there is no conflict to resolve.
  DISCLOSURE_BUDGET_EXCEEDED: 422,
  SIGNER_SET_INVALID: 400,
  SIGNED_SNAPSHOT_INVALID: 400,
  SNAPSHOT_SIGNATURES_REFUSED: 422,
  // A chain link whose signatures or signer set do not hold (reasons in details).
  SNAPSHOT_REJECTED: 422,
  // A well-signed link the set's epoch chain refuses (equivocation evidence is kept).
  EPOCH_GAP: 409,
  EPOCH_ROLLBACK: 409,
  PREV_COMMITMENT_MISMATCH: 409,
  EQUIVOCATION: 409,
  ALLOCATIONS_INVALID: 400,
  ALLOCATIONS_OVER_CAPACITY: 422,
};

export function statusOf(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

/** The one JSON error shape: `{ error: { code, message, details? } }`. */
export function errorBody(code: string, message: string, details?: object) {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

/** What body-parser's errors carry (http-errors properties, plus zlib's on a bad encoding). */
interface BodyParserError {
  type?: string;
  status?: number;
  errno?: number;
}

/**
 * Status and body a client gets for a coded error. A 5xx is the server's own fault, and its
 * message can carry a dependency's raw text (ioredis names hosts, ports and commands): the
 * client gets the code and a generic message, and the full error goes to the log.
 */
export function publicError(
  err: ZkAttestError,
  logger: Logger,
  route?: string,
): { status: number; body: ReturnType<typeof errorBody> } {
  const status = statusOf(err.code);
  if (status < 500) return { status, body: errorBody(err.code, err.message, err.details) };
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  logger.error('server fault', { route, code: err.code, message: err.message, cause });
  const message =
    err.code === 'STORE_UNAVAILABLE' ? 'the store is unavailable, retry later' : 'internal error';
  // A job id is ours, not the dependency's: the caller needs it to find a claim whose add
  // may have landed (onshore claim requests).
  const jobId = err.details.jobId;
  return {
    status,
    body: errorBody(err.code, message, jobId === undefined ? undefined : { jobId }),
  };
}

/** Maps body-parser's errors (bad JSON, too large, wrong type) to coded ones. */
function fromBodyParser(err: BodyParserError): ZkAttestError | undefined {
  // A body that does not decompress as its Content-Encoding says: body-parser passes zlib's
  // error on as a 400 with no `type`; zlib errors carry an errno.
  if (err.type === undefined && err.status === 400 && typeof err.errno === 'number') {
    return new ZkAttestError(
      'REQUEST_INVALID',
      'the body does not decode as its Content-Encoding says',
      { reason: 'content-encoding' },
    );
  }
  switch (err.type) {
    case 'entity.parse.failed':
      return new ZkAttestError('REQUEST_INVALID', 'the body is not valid JSON');
    case 'entity.too.large':
      return new ZkAttestError('PAYLOAD_TOO_LARGE', 'the body is larger than allowed');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ZkAttestError('UNSUPPORTED_MEDIA_TYPE', 'unsupported body encoding');
    default:
      return undefined;
  }
}

/** The final error middleware: coded errors become their status, anything else a logged 500. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const coded =
      err instanceof ZkAttestError
        ? err
        : err !== null && typeof err === 'object'
          ? fromBodyParser(err as BodyParserError)
          : undefined;
    if (coded) {
      const { status, body } = publicError(coded, logger, req.route?.path as string | undefined);
      res.status(status).json(body);
      return;
    }
    logger.error('unhandled error', {
      route: req.route?.path as string | undefined,
      error: err instanceof Error ? err.name : 'unknown',
    });
    res.status(500).json(errorBody('INTERNAL', 'internal error'));
  };
}

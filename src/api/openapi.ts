import { z } from 'zod';
import * as s from './schemas';

const json = (schema: z.ZodType) => ({
  content: {
    'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) },
  },
});
const error = (description: string) => ({ description, ...json(s.errorResponse) });
const errors = {
  '400': error(
    'malformed request (REQUEST_INVALID, PACKAGE_INVALID, SIGNAL_OUT_OF_FIELD, ENVELOPE_INVALID)',
  ),
  '413': error('body too large (PAYLOAD_TOO_LARGE)'),
  '415': error('not JSON (UNSUPPORTED_MEDIA_TYPE)'),
  '429': error('rate limited (RATE_LIMITED)'),
  '503': error('state store unavailable (STORE_UNAVAILABLE)'),
};
const admin = { security: [{ adminToken: [] }], responses: { '401': error('UNAUTHORIZED') } };
const keyIdPath = [
  {
    name: 'keyId',
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: '^[0-9a-f]{64}$' },
  },
];

const setIdPath = [
  {
    name: 'setId',
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: '^[0-9a-f]{64}$' },
  },
];

/** Signer sets (k of n, labelled) and their epoch chains. */
function signerSetPaths() {
  return {
    '/v1/admin/signer-sets': {
      post: {
        summary:
          'Register a signer set: 1..8 labelled P-256 keys and a threshold k (write-once: the ' +
          'same data again is a no-op). Its id is a hash of the threshold and keys.',
        security: admin.security,
        requestBody: json(s.signerSetBody),
        responses: {
          ...errors,
          '201': { description: 'registered', ...json(s.signerSetResponse) },
          '200': {
            description: 'already registered with the same data',
            ...json(s.signerSetResponse),
          },
          '400': error(
            'SIGNER_SET_INVALID (1..8 distinct keys, threshold 1..n, labels), KEY_MALFORMED, ' +
              'REQUEST_INVALID (validFrom, firstEpoch)',
          ),
          '409': error('CONFLICT: registered with other labels, validFrom or firstEpoch'),
          ...admin.responses,
        },
      },
    },
    '/v1/admin/signer-sets/{setId}/revoke': {
      post: {
        summary:
          'Retire a signer set from effectiveAt (default: now, or validFrom if later); the ' +
          'earliest revocation wins and none may precede validFrom. Answers the time in effect.',
        security: admin.security,
        parameters: setIdPath,
        requestBody: json(s.revokeBody),
        responses: {
          ...errors,
          '200': { description: 'the revocation in effect', ...json(s.setRevokedResponse) },
          '400': error('REQUEST_INVALID (effectiveAt before validFrom)'),
          '404': error('NOT_FOUND (details.field setId): no such signer set'),
          ...admin.responses,
        },
      },
    },
    '/v1/signer-sets': {
      get: {
        summary: 'Every registered signer set with its chain head, by validFrom then setId',
        responses: {
          '200': { description: 'the sets', ...json(s.signerSetListResponse) },
          ...errors,
        },
      },
    },
    '/v1/signer-sets/{setId}': {
      get: {
        summary:
          'One signer set: members and labels, trust window, chain head and link count, and ' +
          'the equivocation evidence kept (both signed snapshot messages of each)',
        parameters: setIdPath,
        responses: {
          '200': { description: 'the set', ...json(s.signerSetDetailResponse) },
          '404': error('NOT_FOUND (details.field setId): no such signer set'),
          ...errors,
        },
      },
    },
    '/v1/signer-sets/{setId}/epochs': {
      get: {
        summary: "The set's chain links, newest epoch first",
        parameters: [
          ...setIdPath,
          ...(['cursor', 'limit'] as const).map((name) => ({
            name,
            in: 'query',
            required: false,
            schema: z.toJSONSchema(s.epochsQuery.shape[name], { io: 'input' }),
          })),
        ],
        responses: {
          '200': { description: '{ items, nextCursor? }', ...json(s.chainLinkPage) },
          '404': error('NOT_FOUND: no such signer set'),
          ...errors,
        },
      },
      post: {
        summary:
          'Post a chain link (a signed snapshot message) without a claim: k valid signatures ' +
          "of the set, trusted at the snapshot's asOf, judged against the set's chain",
        parameters: setIdPath,
        requestBody: json(s.signedSnapshotBody),
        responses: {
          ...errors,
          '201': { description: 'the link extends the chain', ...json(s.epochPostedResponse) },
          '200': { description: 'the link is already recorded', ...json(s.epochPostedResponse) },
          '400': error(
            'SIGNED_SNAPSHOT_INVALID, SIGNATURE_MALFORMED, KEY_MALFORMED, REQUEST_INVALID ' +
              '(message.setId not the URL set)',
          ),
          '409': error(
            'EPOCH_GAP, EPOCH_ROLLBACK, PREV_COMMITMENT_MISMATCH, EQUIVOCATION (evidence kept)',
          ),
          '422': error(
            'SNAPSHOT_REJECTED, details.reasons: SIGNER_SET_MISMATCH, SIGNER_NOT_IN_SET, ' +
              'SIGNER_DUPLICATE, SIGNATURE_INVALID, THRESHOLD_NOT_MET, SIGNER_SET_UNKNOWN, ' +
              'SIGNER_SET_NOT_YET_VALID, SIGNER_SET_REVOKED',
          ),
        },
      },
    },
  };
}

/** The paths of one key register (FX sources). */
function keyRegisterPaths(path: string, name: string) {
  return {
    [`/v1/admin/${path}`]: {
      post: {
        summary: `Register a P-256 ${name} (write-once: the same data again is a no-op)`,
        security: admin.security,
        requestBody: json(s.keyBody),
        responses: {
          ...errors,
          '201': { description: 'registered', ...json(s.keyResponse) },
          '200': { description: 'already registered with the same data', ...json(s.keyResponse) },
          '400': error(
            'KEY_MALFORMED (off the curve, not lowercase hex, keyId not sha256(x || y)), ' +
              'REQUEST_INVALID (label, validFrom)',
          ),
          '409': error('CONFLICT: registered with another label or validFrom'),
          ...admin.responses,
        },
      },
    },
    [`/v1/admin/${path}/{keyId}/revoke`]: {
      post: {
        summary:
          `Revoke a ${name} from effectiveAt (default: now, or validFrom if later); the ` +
          'earliest revocation wins and none may precede validFrom. Answers the time in effect.',
        security: admin.security,
        parameters: keyIdPath,
        requestBody: json(s.revokeBody),
        responses: {
          ...errors,
          '200': { description: 'the revocation in effect', ...json(s.keyRevokedResponse) },
          '400': error('REQUEST_INVALID (effectiveAt before validFrom)'),
          '404': error(`NOT_FOUND (details.field keyId): no such ${name}`),
          ...admin.responses,
        },
      },
    },
    [`/v1/${path}`]: {
      get: {
        summary: `Every registered ${name}, by validFrom then keyId`,
        responses: { '200': { description: 'the keys', ...json(s.keyListResponse) }, ...errors },
      },
    },
    [`/v1/${path}/{keyId}`]: {
      get: {
        summary: `One registered ${name}`,
        parameters: keyIdPath,
        responses: {
          '200': { description: 'the key', ...json(s.keyResponse) },
          '404': error(`NOT_FOUND (details.field keyId): no such ${name}`),
          ...errors,
        },
      },
    },
  };
}

/** The OpenAPI 3.1 document, built from the same zod schemas that validate requests. */
export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'zkattest offshore verifier API',
      version: '1.0.0',
      description:
        'Verifies and records zero-knowledge attestations about snapshots signed by k of n ' +
        "members of a registered signer set, keeping each set's epoch chain. " +
        'Packages arrive in a JWS envelope signed by a registered onshore institution.',
    },
    components: {
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' } },
    },
    paths: {
      '/v1/challenges': {
        post: {
          summary: 'Issue a single-use challenge nonce for the context signal',
          responses: {
            '201': { description: 'the challenge', ...json(s.challengeResponse) },
            ...errors,
          },
        },
      },
      '/v1/attestations': {
        post: {
          summary: 'Verify and record an enveloped package (one record per statement, idempotent)',
          requestBody: json(s.submitBody),
          responses: {
            '201': { description: 'recorded' },
            '200': { description: 'already recorded' },
            '401': error('bad envelope signature (ENVELOPE_SIGNATURE_INVALID)'),
            '403': error('institution unknown or revoked'),
            '422': error(
              'ATTESTATION_REJECTED (with reasons, e.g. THRESHOLD_NOT_MET, SIGNER_SET_REVOKED, ' +
                'EPOCH_GAP, EQUIVOCATION), CIRCUIT_UNKNOWN, VKEY_UNKNOWN',
            ),
            ...errors,
          },
        },
        get: {
          summary: 'List recorded attestations, newest first',
          parameters: ['setId', 'claim', 'commitment', 'cursor', 'limit'].map((name) => ({
            name,
            in: 'query',
            required: false,
            schema: z.toJSONSchema(s.listQuery.shape[name as keyof typeof s.listQuery.shape], {
              io: 'input',
            }),
          })),
          responses: { '200': { description: '{ items, nextCursor? }' }, ...errors },
        },
      },
      '/v1/attestations/batch': {
        post: {
          summary: 'Verify and record up to 64 enveloped packages (one multi-pairing per circuit)',
          requestBody: json(s.submitBatchBody),
          responses: { '200': { description: 'one result per envelope, in order' }, ...errors },
        },
      },
      '/v1/attestations/{id}': {
        get: {
          summary: 'One recorded attestation',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': { description: 'the record', ...json(s.recordResponse) },
            '404': error('NOT_FOUND'),
            ...errors,
          },
        },
      },
      '/v1/verify': {
        post: {
          summary: 'Check a package without recording it (its challenge is not consumed)',
          requestBody: json(s.verifyBody),
          responses: {
            '200': { description: 'the verdict', ...json(s.verdictResponse) },
            ...errors,
          },
        },
      },
      ...signerSetPaths(),
      ...keyRegisterPaths('fx-sources', 'FX source'),
      '/v1/admin/institutions': {
        post: {
          summary: 'Register an onshore institution and its transport key',
          requestBody: json(s.institutionBody),
          ...admin,
        },
        get: { summary: 'List institutions', ...admin },
      },
      '/v1/admin/institutions/{id}/revoke': {
        post: { summary: 'Revoke an institution', requestBody: json(s.revokeBody), ...admin },
      },
      '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'up' } } } },
      '/readyz': {
        get: {
          summary: 'Readiness (state store reachable)',
          responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } },
        },
      },
      '/metrics': {
        get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text' } } },
      },
    },
  };
}

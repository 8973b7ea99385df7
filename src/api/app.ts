import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { ZkAttestError } from '../common/errors';
import type { VerificationKeyRegistry, VerificationPolicy } from '../verifier';
import { AttestationService } from './attestation-service';
import { requireAdmin, rateLimit } from './guards';
import { errorBody, errorHandler } from '../common/http-errors';
import type { Logger } from '../common/logger';
import { createMetrics, type Metrics } from './metrics';
import { adminRoutes } from './routes/admin';
import { attestationRoutes } from './routes/attestations';
import { challengeRoutes } from './routes/challenges';
import { keyRegistryRoutes } from './routes/keys';
import { pageRoutes } from './routes/page';
import { signerSetRoutes } from './routes/signer-sets';
import { systemRoutes } from './routes/system';
import type { Stores } from './store';
import { PAGE_DIR } from '../web-build/page-dir';

export interface AppDeps {
  stores: Stores;
  registry: VerificationKeyRegistry;
  policy: VerificationPolicy;
  logger: Logger;
  adminToken?: string;
  bodyLimitBytes: number;
  writeRateLimitPerMinute: number;
  challengeTtlSeconds: number;
  metrics?: Metrics;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  /** Where the investor's page was built (default build/web). */
  pageDir?: string;
}

/** Builds the offshore verifier API from its dependencies; the caller decides where it listens. */
export function createApp(deps: AppDeps): { app: Express; service: AttestationService } {
  const { stores, logger } = deps;
  const metrics = deps.metrics ?? createMetrics();
  const service = new AttestationService({
    stores,
    verifier: { registry: deps.registry, policy: deps.policy, now: deps.now },
    logger,
    metrics,
  });
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // The page verifies proofs with snarkjs' WebAssembly: wasm may compile, nothing else is eval'd,
  // and every script, style, font and request stays on this origin.
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'script-src': ["'self'", "'wasm-unsafe-eval'"],
          'connect-src': ["'self'"],
          'font-src': ["'self'"],
        },
      },
    }),
  );

  // One structured line per request: ids, route, status, time. Never bodies.
  app.use((req, res, next) => {
    const started = performance.now();
    const requestId = randomUUID();
    res.setHeader('X-Request-Id', requestId);
    res.on('finish', () => {
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      const seconds = (performance.now() - started) / 1000;
      metrics.requests.inc({ method: req.method, route, status: res.statusCode });
      metrics.latency.observe({ method: req.method, route }, seconds);
      logger.info('request', {
        requestId,
        method: req.method,
        route,
        status: res.statusCode,
        ms: Math.round(seconds * 1000),
      });
    });
    next();
  });

  // A POST with a body must be JSON; one without a body (a challenge request) passes.
  app.use((req, _res, next) => {
    next(
      req.method === 'POST' &&
        req.get('content-length') !== '0' &&
        req.is('application/json') === false
        ? new ZkAttestError('UNSUPPORTED_MEDIA_TYPE', 'send application/json')
        : undefined,
    );
  });
  app.use(express.json({ limit: deps.bodyLimitBytes, strict: true }));

  const write = [rateLimit(stores.rateLimiter, deps.writeRateLimitPerMinute)];
  const admin = [requireAdmin(deps.adminToken)];
  app.use(systemRoutes(stores, metrics));
  app.use(challengeRoutes(stores, deps.challengeTtlSeconds, write));
  app.use(attestationRoutes(service, stores, write, logger));
  app.use(adminRoutes(stores, admin));
  app.use(keyRegistryRoutes(stores, admin));
  app.use(signerSetRoutes(stores, admin, write));
  app.use(pageRoutes(deps.pageDir ?? PAGE_DIR));
  app.use((_req, res) => {
    res.status(404).json(errorBody('NOT_FOUND', 'no such endpoint'));
  });
  app.use(errorHandler(logger));
  return { app, service };
}

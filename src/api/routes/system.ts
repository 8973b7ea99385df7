import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import type { Metrics } from '../metrics';
import { openApiDocument } from '../openapi';
import type { Stores } from '../store';

/** Liveness, readiness, Prometheus metrics, the OpenAPI document and browsable docs. */
export function systemRoutes(stores: Stores, metrics: Metrics): Router {
  const router = Router();
  const doc = openApiDocument();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const ready = await stores.ping().catch(() => false);
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'unavailable', store: stores.kind });
  });

  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  router.get('/openapi.json', (_req, res) => {
    res.json(doc);
  });
  router.use('/docs', swaggerUi.serve, swaggerUi.setup(doc));
  return router;
}

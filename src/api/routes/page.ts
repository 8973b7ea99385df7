import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router, type Request, type Response } from 'express';
import { ZkAttestError } from '../../common/errors';

/**
 * The investor's page (src/web, built into `dir`): `/` and `/a/<id>` answer its HTML, `/web/*`
 * its bundle, stylesheet and the verification keys whose hashes the bundle pins. Same origin
 * only: the page loads nothing from anywhere else (helmet's CSP says so too).
 */
export function pageRoutes(dir: string): Router {
  const router = Router();
  const index = join(dir, 'index.html');
  const page = (_req: Request, res: Response) => {
    if (!existsSync(index)) {
      throw new ZkAttestError('NOT_FOUND', 'the page is not built: run npm run page:build');
    }
    res.sendFile(index, { headers: { 'Cache-Control': 'no-cache' } });
  };
  router.get('/', page);
  router.get('/a/:id', page);
  // The bundle, compressed at build time, to browsers that accept it.
  router.get('/web/app.js', (req, res, next) => {
    const encoding = req.acceptsEncodings('br', 'gzip');
    const file = encoding === 'br' ? 'app.js.br' : encoding === 'gzip' ? 'app.js.gz' : undefined;
    res.vary('Accept-Encoding');
    if (!file || !existsSync(join(dir, file))) return next();
    res.sendFile(join(dir, file), {
      headers: {
        'Content-Encoding': encoding,
        'Content-Type': 'text/javascript; charset=utf-8',
        'Cache-Control': 'no-cache',
      },
    });
  });
  router.use('/web', express.static(dir, { index: false, fallthrough: true, maxAge: 0 }));
  return router;
}

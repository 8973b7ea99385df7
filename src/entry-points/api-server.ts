/**
 * The offshore verifier API process: configuration from the environment, state in Redis
 * (REDIS_URL, or REDIS_CLUSTER_NODES for a Redis Cluster) or, without it, an embedded in-memory store, which it says loudly.
 *
 * WORKERS > 1 forks that many processes sharing the port.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 ADMIN_TOKEN=... WORKERS=2 npx tsx src/entry-points/api-server.ts
 */
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { VerificationKeyRegistry } from '../verifier';
import { createApp } from '../api/app';
import { readConfig, type ApiConfig } from '../api/config';
import { ZkAttestError } from '../common/errors';
import { createLogger, type Logger } from '../common/logger';
import { createStores } from '../api/store';
import { readRedisDurability } from '../api/store/redis-durability';
import {
  preloadTrustedKeys,
  readTrustedKeysFile,
  TRUSTED_KEYS_VARIABLE,
} from '../api/trusted-keys-file';
import { readVariable, redisTargetOf } from '../common/env-config';
import { ensurePageBuilt } from '../web-build/page-build';

export interface RunningServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Starts the API with a configuration; resolves once it listens. */
export async function startServer(config: ApiConfig, logger: Logger): Promise<RunningServer> {
  // Read before anything connects: a bad file stops start-up with CONFIG_INVALID.
  const trustedKeysFile = config.TRUSTED_KEYS_FILE;
  const trustedKeys = trustedKeysFile
    ? await readVariable(TRUSTED_KEYS_VARIABLE, () => readTrustedKeysFile(trustedKeysFile))
    : undefined;
  // The investor's page: built by npm install; rebuilt here when missing or stale.
  const page = await ensurePageBuilt();
  if (page.built) logger.info('investor page built', { dir: page.dir });
  const redis = redisTargetOf(config);
  const stores = createStores(redis);
  if (stores.kind === 'memory') {
    logger.warn('REDIS_URL is not set: using the embedded in-memory store (nothing persists)');
  }
  if (redis !== undefined) {
    // What a 201 guarantees is Redis's persistence setting: say it once, at start-up.
    const { level, message, appendonly, appendfsync } = await readRedisDurability(redis);
    const fields = { durability: level, appendonly, appendfsync };
    if (level === 'durable') logger.info(message, fields);
    else logger.warn(message, fields);
  }
  if (trustedKeys) {
    try {
      const loaded = await preloadTrustedKeys(stores, trustedKeys);
      logger.info('trusted keys loaded', { file: TRUSTED_KEYS_VARIABLE, ...loaded });
    } catch (err) {
      await stores.close();
      throw err;
    }
  }
  const registry = VerificationKeyRegistry.fromArtifacts({
    allowDevelopment: config.ALLOW_DEVELOPMENT_KEYS,
  });
  if (config.ALLOW_DEVELOPMENT_KEYS) {
    logger.warn('development-setup verification keys are accepted (ALLOW_DEVELOPMENT_KEYS)');
  }
  if (!config.ADMIN_TOKEN) logger.warn('ADMIN_TOKEN is not set: admin endpoints are disabled');
  const { app } = createApp({
    stores,
    registry,
    logger,
    adminToken: config.ADMIN_TOKEN,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    writeRateLimitPerMinute: config.WRITE_RATE_LIMIT_PER_MINUTE,
    challengeTtlSeconds: config.CHALLENGE_TTL_SECONDS,
    policy: {
      maxAgeSeconds: config.MAX_SNAPSHOT_AGE_SECONDS,
      maxFxAgeSeconds: config.MAX_FX_AGE_SECONDS,
      maxClockSkewSeconds: config.MAX_CLOCK_SKEW_SECONDS,
      requireChallenge: config.REQUIRE_CHALLENGE,
    },
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.PORT, config.HOST, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const url = `http://${config.HOST}:${port}`;
  logger.info('listening', { url, store: stores.kind });
  logger.info('investor page', { url: `${url}/` });
  return {
    url,
    server,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stores.close();
    },
  };
}

/** Runs `workers` processes sharing the port (the API is stateless in front of Redis). */
function runPrimary(workers: number, logger: Logger): void {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping) {
      logger.error('worker died, replacing it', { pid: worker.process.pid, code, signal });
      cluster.fork();
    }
  });
  let stopping = false;
  const stop = (signal: string) => {
    stopping = true;
    logger.info('stopping workers', { signal });
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    setTimeout(() => process.exit(0), 5000).unref();
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

/** The configuration, or exit 2 with the coded error naming the bad variable. */
function configOrExit(): ApiConfig {
  try {
    return readConfig();
  } catch (err) {
    if (!(err instanceof ZkAttestError)) throw err;
    console.error(`error [${err.code}]: ${err.message}`);
    process.exit(2);
  }
}

if (require.main === module) {
  const config = configOrExit();
  const logger = createLogger(config.LOG_LEVEL);
  if (cluster.isPrimary && config.WORKERS > 1) {
    if (redisTargetOf(config) === undefined) {
      throw new Error(
        'WORKERS > 1 needs Redis (REDIS_URL or REDIS_CLUSTER_NODES): workers share state only through it',
      );
    }
    runPrimary(config.WORKERS, logger);
  } else
    startServer(config, logger).then(
      (running) => {
        const stop = (signal: string) => {
          logger.info('stopping', { signal });
          running.close().then(
            () => process.exit(0),
            () => process.exit(1),
          );
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      },
      (err: unknown) => {
        logger.error('failed to start', { error: err instanceof Error ? err.message : 'unknown' });
        process.exit(1);
      },
    );
}

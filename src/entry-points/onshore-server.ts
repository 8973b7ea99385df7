/**
 * The onshore service process (its own port, inside the custodian's network):
 *
 *   REDIS_URL=... ZKATTEST_MASTER_KEYS=k1:<base64> ZKATTEST_MASTER_KEY_ID=k1 \
 *   ONSHORE_USERS=olivia:operator:<sha256 of token>,... ONSHORE_ATTESTOR_KEY_ID=<vault id> \
 *   ONSHORE_DESTINATIONS=/etc/zkattest/destinations.json  npx tsx src/entry-points/onshore-server.ts
 *
 * destinations.json (mode 0600: it holds the transport private keys):
 *   [{ "name": "hk-platform", "url": "https://...", "institutionId": "...", "alg": "ES256",
 *      "privateJwk": { ... } }]
 * Proving happens in `zkattest worker` processes pointed at the same Redis.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ZkAttestError } from '../common/errors';
import { createLogger } from '../common/logger';
import type { EgressDestination } from '../prover/egress';
import { masterKeysFromEnv } from '../prover/vault';
import { startOnshoreService } from '../prover/service/onshore-service';
import { usersFromEnv } from '../prover/service/onshore-users';

const env = z
  .object({
    REDIS_URL: z.string().url(),
    ONSHORE_HOST: z.string().default('127.0.0.1'),
    ONSHORE_PORT: z.coerce.number().int().min(0).max(65535).default(8090),
    ONSHORE_USERS: z.string().min(1),
    ONSHORE_ATTESTOR_KEY_ID: z.string().min(1),
    ONSHORE_DESTINATIONS: z.string().min(1),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  })
  .parse(process.env);

async function main() {
  const logger = createLogger(env.LOG_LEVEL);
  const service = await startOnshoreService({
    redisUrl: env.REDIS_URL,
    masterKeys: await masterKeysFromEnv(),
    users: usersFromEnv(env.ONSHORE_USERS),
    attestorKeyId: env.ONSHORE_ATTESTOR_KEY_ID,
    destinations: JSON.parse(readFileSync(env.ONSHORE_DESTINATIONS, 'utf8')) as EgressDestination[],
    logger,
  });
  const app = service.app;
  const server = app.listen(env.ONSHORE_PORT, env.ONSHORE_HOST, () =>
    logger.info('onshore service listening', { host: env.ONSHORE_HOST, port: env.ONSHORE_PORT }),
  );
  const stop = (signal: string) => {
    logger.info('stopping', { signal });
    server.close(() => {
      void service.close().finally(() => process.exit(0));
    });
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(
    err instanceof ZkAttestError
      ? `[${err.code}] ${err.message}`
      : err instanceof Error
        ? err.message
        : err,
  );
  process.exit(1);
});

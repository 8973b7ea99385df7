/**
 * The onshore service process (its own port, inside the custodian's network):
 *
 *   REDIS_URL=... ZKATTEST_MASTER_KEYS=k1:<base64> ZKATTEST_MASTER_KEY_ID=k1 \
 *   ONSHORE_USERS=olivia:operator:<sha256 of token>[:desk],... ONSHORE_SIGNER_KEY_ID=<vault id> \
 *   (or ONSHORE_SIGNER_SET_FILE=/etc/zkattest/set.json: its members co-sign; users name:signer:..) \
 *   ONSHORE_DESTINATIONS=/etc/zkattest/destinations.json  npx tsx src/entry-points/onshore-server.ts
 *
 * destinations.json (mode 0600: it holds the transport private keys):
 *   [{ "name": "hk-platform", "url": "https://...", "institutionId": "...", "alg": "ES256",
 *      "privateJwk": { ... } }]
 * Proving happens in `zkattest worker` processes pointed at the same Redis.
 */
import { ZkAttestError } from '../common/errors';
import { requiredRedisTarget } from '../common/env-config';
import { createLogger } from '../common/logger';
import { startOnshoreService } from '../prover/service/onshore-service';
import { readOnshoreStartup } from './onshore-startup';

async function main() {
  const {
    config: env,
    masterKeys,
    users,
    destinations,
    disclosurePolicy,
    signing,
    exportBasis,
  } = await readOnshoreStartup();
  const logger = createLogger(env.LOG_LEVEL);
  const service = await startOnshoreService({
    redisUrl: requiredRedisTarget(env),
    masterKeys,
    users,
    ...signing,
    destinations,
    disclosurePolicy,
    ...(exportBasis ? { exportBasis } : {}),
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
  if (err instanceof ZkAttestError) {
    console.error(`error [${err.code}]: ${err.message}`);
    process.exit(err.code === 'CONFIG_INVALID' ? 2 : 1);
  }
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

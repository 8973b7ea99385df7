/**
 * A proving worker over fixture files (test/support/file-store.ts), for the queue tests and
 * bench/workers.ts: the production worker (src/entry-points/worker.ts) only reads the vault.
 *
 *   REDIS_URL=... ZKATTEST_SOURCE_DIR=... ZKATTEST_SINK_DIR=... \
 *     node --require tsx/cjs test/support/fixture-worker.ts
 */
import { z } from 'zod';
import { readEnvConfig } from '../../src/common/env-config';
import { runWorkerWith, workerMain } from '../../src/entry-points/worker';
import { workerSettingsSchema } from '../../src/entry-points/worker-config';
import { FilePackageSink, FileSnapshotSource } from './file-store';

const fixtureSchema = workerSettingsSchema.extend({
  ZKATTEST_SOURCE_DIR: z.string(),
  ZKATTEST_SINK_DIR: z.string(),
});

workerMain(async () => {
  const settings = readEnvConfig(fixtureSchema);
  await runWorkerWith(settings, async () => ({
    source: new FileSnapshotSource(settings.ZKATTEST_SOURCE_DIR),
    sink: new FilePackageSink(settings.ZKATTEST_SINK_DIR),
  }));
});

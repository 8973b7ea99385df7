import { runWorker, workerMain } from '../entry-points/worker';
import type { Command } from './args';

/** `zkattest worker`: a proving worker process; configuration from the environment. */
export const WORKER_COMMAND: Command = {
  name: 'worker',
  summary: 'run a proving worker (BullMQ on REDIS_URL; secrets from the vault)',
  usage: `zkattest worker
  environment: REDIS_URL (or REDIS_CLUSTER_NODES), ZKATTEST_MASTER_KEYS (+ ZKATTEST_MASTER_KEY_ID),
  WORKER_CONCURRENCY (1), ZKATTEST_PROVER_THREADS=1 (one core per worker),
  ZKATTEST_LOCK_DURATION_MS, ZKATTEST_STALLED_INTERVAL_MS.
  Adding a worker on another machine pointed at the same Redis adds proving capacity.`,
  options: {},
  async run() {
    // As the direct entry point: a bad configuration is a JSON config-error line and exit 2.
    workerMain(() => runWorker());
    // The worker runs until a signal (it exits the process itself); keep the CLI waiting.
    await new Promise<never>(() => undefined);
  },
};

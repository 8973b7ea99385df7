import type { Command } from './args';

/** `zkattest worker`: a proving worker process; configuration from the environment. */
export const WORKER_COMMAND: Command = {
  name: 'worker',
  summary: 'run a proving worker (BullMQ on REDIS_URL; secrets from the vault)',
  usage: `zkattest worker
  environment: REDIS_URL, ZKATTEST_MASTER_KEYS + ZKATTEST_MASTER_KEY_ID (vault mode),
  WORKER_CONCURRENCY (1), ZKATTEST_LOCK_DURATION_MS, ZKATTEST_STALLED_INTERVAL_MS.
  Adding a worker on another machine pointed at the same Redis adds proving capacity.`,
  options: {},
  async run() {
    // Loaded on demand: the other commands need neither BullMQ nor the vault.
    const { runWorker } = await import('../prover/queue/worker-main');
    await runWorker();
    // The worker runs until a signal; keep the CLI from exiting underneath it.
    await new Promise<never>(() => undefined);
  },
};

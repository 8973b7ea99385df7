import { redisTargetFromEnv } from '../common/env-config';
import { ZkAttestError } from '../common/errors';
import { chunkProgressLine, createProvingQueue } from '../prover/queue/proving-queue';
import type { Command } from './args';

/**
 * `zkattest queue watch`: live counts of the proving queue and the workers' throughput, and
 * one line per large claim in progress ("claim <jobId>: 37/128 chunks").
 */
export const QUEUE_COMMAND: Command = {
  name: 'queue watch',
  summary: 'show live counts of the proving queue and claims proved per minute',
  usage: `zkattest queue watch [--interval 2] [--once]
  environment: REDIS_URL (or REDIS_CLUSTER_NODES)`,
  options: { interval: { type: 'string', default: '2' }, once: { type: 'boolean' } },
  async run(values) {
    const url = redisTargetFromEnv();
    if (url === undefined) throw new ZkAttestError('USAGE', 'REDIS_URL is not set');
    const queue = createProvingQueue(url);
    const seconds = Math.max(1, Number(values.interval) || 2);
    const started = Date.now();
    let first: number | undefined;
    try {
      for (;;) {
        const c = await queue.counts();
        first ??= c.completed;
        const minutes = (Date.now() - started) / 60_000;
        const rate = minutes > 0 ? (c.completed - first) / minutes : 0;
        const line =
          `waiting ${c.waiting}  active ${c.active}  completed ${c.completed}  ` +
          `failed ${c.failed}  delayed ${c.delayed}  |  ${rate.toFixed(1)} claims/min since start`;
        // One line per large claim in progress: its chunk proofs done, of C.
        const large = (await queue.largeClaimsInProgress()).map((c) =>
          chunkProgressLine(c.jobId, c.chunks),
        );
        if (values.once) {
          console.log([line, ...large].join('\n'));
          return;
        }
        if (process.stdout.isTTY && large.length === 0) process.stdout.write(`\r${line}   `);
        else process.stdout.write(`${[line, ...large].join('\n')}\n`);
        await new Promise((r) => setTimeout(r, seconds * 1000));
      }
    } finally {
      await queue.close();
    }
  },
};

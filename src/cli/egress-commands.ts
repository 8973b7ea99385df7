/**
 * CLI commands over the egress log on Redis. To enable them, add EGRESS_COMMANDS to the
 * command list in src/entry-points/cli.ts.
 *
 *   zkattest egress export --redis <url> [--prefix zkattest:] [--out <file>]
 *   zkattest egress reconcile --redis <url> [--prefix zkattest:] [--timeout-ms 15000]
 */
import { writeFileSync } from 'node:fs';
import { ZkAttestError } from '../common/errors';
import { integerOption, required, type Command } from './args';
import { formatEvidence, defaultFetchRecord, reconcile } from '../prover/egress/egress-evidence';
import { RedisEgressLog, verifyEgressChain } from '../prover/egress/egress-log';

async function withLog<T>(
  values: Record<string, string | boolean | undefined>,
  usage: string,
  work: (log: RedisEgressLog) => Promise<T>,
): Promise<T> {
  const url = required(values, 'redis', usage);
  const log = new RedisEgressLog(url, { keyPrefix: values.prefix as string });
  try {
    return await work(log);
  } finally {
    await log.close();
  }
}

const egressExport: Command = {
  name: 'egress export',
  summary: 'export the egress log as JSONL evidence for a regulator',
  usage: `zkattest egress export --redis <url> [--prefix zkattest:] [--out <file>]
  Writes a header line (type, exportedAt, entries, chainOk, headHash) and one line per entry.
  Exit code 1 if the hash chain does not verify (the export is still written).`,
  options: {
    redis: { type: 'string' },
    prefix: { type: 'string', default: 'zkattest:' },
    out: { type: 'string' },
  },
  async run(values) {
    await withLog(values, this.usage, async (log) => {
      const entries = await log.list();
      const text = formatEvidence(entries);
      if (typeof values.out === 'string' && values.out) {
        writeFileSync(values.out, text, { mode: 0o600 });
      } else {
        process.stdout.write(text);
      }
      const chain = verifyEgressChain(entries);
      if (!chain.ok) {
        console.error(`egress log chain broken at entry index ${chain.brokenAt}`);
        process.exitCode = 1;
      }
    });
  },
};

const egressReconcile: Command = {
  name: 'egress reconcile',
  summary: 'check the egress log against what the offshore endpoints recorded',
  usage: `zkattest egress reconcile --redis <url> [--prefix zkattest:] [--timeout-ms 15000]
  Prints a JSON report (chainOk, matched, missing, unexpected, unchecked). Exit code 1 unless
  the chain verifies and nothing is missing, unexpected or unchecked.`,
  options: {
    redis: { type: 'string' },
    prefix: { type: 'string', default: 'zkattest:' },
    'timeout-ms': { type: 'string', default: '15000' },
  },
  async run(values) {
    const timeoutMs = integerOption(values, 'timeout-ms', this.usage);
    if (timeoutMs <= 0) throw new ZkAttestError('USAGE', '--timeout-ms must be positive');
    await withLog(values, this.usage, async (log) => {
      const report = await reconcile(await log.list(), defaultFetchRecord({ timeoutMs }));
      console.log(JSON.stringify(report, null, 2));
      const clean =
        report.chainOk &&
        report.missing.length === 0 &&
        report.unexpected.length === 0 &&
        report.unchecked.length === 0;
      if (!clean) process.exitCode = 1;
    });
  },
};

/** The egress commands, for src/entry-points/cli.ts. */
export const EGRESS_COMMANDS: Command[] = [egressExport, egressReconcile];

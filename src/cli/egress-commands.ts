/**
 * CLI commands over the egress log on Redis. To enable them, add EGRESS_COMMANDS to the
 * command list in src/entry-points/cli.ts.
 *
 *   zkattest egress export --redis <url> [--prefix zkattest:] [--out <file>]
 *   zkattest egress reconcile --redis <url> [--prefix zkattest:] [--timeout-ms 15000]
 *                             [--offshore <url> --institution <id>]
 */
import { writeFileSync } from 'node:fs';
import { ZkAttestError } from '../common/errors';
import { integerOption, required, type Command } from './args';
import {
  defaultFetchRecord,
  defaultListRecords,
  formatEvidence,
  reconcile,
  reconcileClean,
} from '../prover/egress/egress-evidence';
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
                          [--offshore <url> --institution <id>]
  Prints a JSON report: chainOk; per package sent, matched, missing, unexpected, unchecked; per
  offshore API and institution (those the log names, and --offshore/--institution, needed when
  the log may have lost every entry naming them), the anchored heads: truncated (newest entries
  deleted), rewritten (chain rewritten), unanchored (records sent around this log).
  Exit code 1 unless all of it is clean.`,
  options: {
    redis: { type: 'string' },
    prefix: { type: 'string', default: 'zkattest:' },
    'timeout-ms': { type: 'string', default: '15000' },
    offshore: { type: 'string' },
    institution: { type: 'string' },
  },
  async run(values) {
    const timeoutMs = integerOption(values, 'timeout-ms', this.usage);
    if (timeoutMs <= 0) throw new ZkAttestError('USAGE', '--timeout-ms must be positive');
    const { offshore, institution } = values;
    if ((typeof offshore === 'string') !== (typeof institution === 'string')) {
      throw new ZkAttestError('USAGE', '--offshore and --institution go together');
    }
    const targets =
      typeof offshore === 'string' && typeof institution === 'string'
        ? [{ offshore, institution }]
        : [];
    await withLog(values, this.usage, async (log) => {
      const report = await reconcile(await log.list(), {
        fetchRecord: defaultFetchRecord({ timeoutMs }),
        listRecords: defaultListRecords({ timeoutMs }),
        targets,
      });
      console.log(JSON.stringify(report, null, 2));
      if (!reconcileClean(report)) process.exitCode = 1;
    });
  },
};

/** The egress commands, for src/entry-points/cli.ts. */
export const EGRESS_COMMANDS: Command[] = [egressExport, egressReconcile];

import { ZkAttestError, type ErrorCode } from '../common/errors';
import { chainError } from '../chain/transactions';
import { parseCommandArgs, type Command } from '../cli/args';
import { ANCHOR_RELAY_COMMANDS } from '../cli/anchor-relay-commands';
import { CHAIN_COMMANDS } from '../cli/chain-commands';
import { COMMANDS as CORE_COMMANDS } from '../cli/commands';
import { COSIGN_COMMANDS } from '../cli/cosign-commands';
import { EGRESS_COMMANDS } from '../cli/egress-commands';
import { KEY_COMMANDS } from '../cli/key-commands';
import { QUEUE_COMMAND } from '../cli/queue-command';
import { VAULT_COMMANDS } from '../cli/vault-commands';
import { WORKER_COMMAND } from '../cli/worker-command';
import { terminateSnarkjsCurve } from '../common/snarkjs-teardown';

const COMMANDS = [
  ...CORE_COMMANDS,
  ...COSIGN_COMMANDS,
  ...KEY_COMMANDS,
  ...CHAIN_COMMANDS,
  ...ANCHOR_RELAY_COMMANDS,
  ...EGRESS_COMMANDS,
  ...VAULT_COMMANDS,
  QUEUE_COMMAND,
  WORKER_COMMAND,
];

const HELP = `zkattest: zero-knowledge attestations over custodian-signed asset snapshots

usage: zkattest <command> [options]   (zkattest <command> --help for details)

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(18)}${c.summary}`).join('\n')}`;

function findCommand(argv: string[]): [Command, string[]] | undefined {
  for (const c of COMMANDS) {
    const words = c.name.split(' ');
    if (words.every((w, i) => argv[i] === w)) return [c, argv.slice(words.length)];
  }
  return undefined;
}

/** Errors the caller must fix in how the command is run (arguments, environment): exit 2. */
const EXIT_2_CODES: ReadonlySet<ErrorCode> = new Set(['USAGE', 'CONFIG_INVALID']);

/** Runs the CLI; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const found = findCommand(argv);
  if (!found) {
    console.log(HELP);
    return argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' ? 0 : 2;
  }
  const [command, rest] = found;
  try {
    const { values, positionals } = parseCommandArgs(command, rest);
    if (values.help) {
      console.log(`${command.summary}\n\nusage: ${command.usage}`);
      return 0;
    }
    await command.run(values, positionals);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (thrown) {
    // A node that stopped answering mid-command is CHAIN_UNAVAILABLE, not a stack trace.
    const err = chainError(thrown);
    if (err instanceof ZkAttestError) {
      console.error(`error [${err.code}]: ${err.message}`);
      return EXIT_2_CODES.has(err.code) ? 2 : 1;
    }
    throw err;
  } finally {
    await terminateSnarkjsCurve();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(70);
    },
  );
}

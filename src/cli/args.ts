import { parseArgs, type ParseArgsConfig } from 'node:util';
import { writeFileSync } from 'node:fs';
import { getAddress, isAddress } from 'ethers';
import { ZkAttestError } from '../common/errors';
import { isFieldElement, parseDecimalInteger } from '../common/field';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** A CLI command: its usage text, its options, and what it does. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Options;
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<void>;
}

/** Parses a command's arguments; unknown options are a USAGE error. */
export function parseCommandArgs(command: Command, argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new ZkAttestError('USAGE', `${(err as Error).message}\n\n${command.usage}`);
  }
}

/** A required string option, or a USAGE error naming it. */
export function required(
  values: Record<string, string | boolean | undefined>,
  name: string,
  usage: string,
): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') {
    throw new ZkAttestError('USAGE', `--${name} is required\n\n${usage}`);
  }
  return v;
}

/** A non-negative integer option of any size (token amounts): exact, never through Number. */
export function bigintOption(
  values: Record<string, string | boolean | undefined>,
  name: string,
  usage: string,
): bigint {
  const text = required(values, name, usage);
  if (!/^[0-9]{1,78}$/.test(text)) {
    throw new ZkAttestError('USAGE', `--${name} must be a non-negative integer`);
  }
  return BigInt(text);
}

/** A non-negative integer option that fits a JS number exactly, or a USAGE error. */
export function integerOption(
  values: Record<string, string | boolean | undefined>,
  name: string,
  usage: string,
): number {
  const n = bigintOption(values, name, usage);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ZkAttestError('USAGE', `--${name} is too large`);
  }
  return Number(n);
}

/**
 * An Ethereum address option (0x + 40 hex; mixed case must carry a valid checksum), checked
 * before any network call: ethers would otherwise try an ENS lookup or throw a TypeError.
 */
export function addressOption(
  values: Record<string, string | boolean | undefined>,
  name: string,
  usage: string,
): string {
  const text = required(values, name, usage);
  if (!/^0x[0-9a-fA-F]{40}$/.test(text) || !isAddress(text)) {
    throw new ZkAttestError(
      'USAGE',
      `--${name} must be an address: 0x and 40 hex digits (mixed case: a valid checksum)`,
    );
  }
  return getAddress(text);
}

/** A field element option (decimal, below the BN254 scalar field), e.g. a commitment. */
export function fieldElementArg(name: string, text: string): bigint {
  const value = parseDecimalInteger(text);
  if (value === undefined || !isFieldElement(value)) {
    throw new ZkAttestError('USAGE', `--${name} must be a decimal field element (a key hash)`);
  }
  return value;
}

/** The values of an option declared `multiple: true` (parseArgs gives an array), in order. */
export function repeatedOption(values: Record<string, unknown>, name: string): string[] {
  const v = values[name];
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

/** Writes `body` as JSON to `out`, or to stdout when no file is given (the lines go to stderr). */
export function emitJson(out: string | undefined, body: object, lines: string[]): void {
  const json = `${JSON.stringify(body, null, 2)}\n`;
  if (out === undefined) {
    for (const line of lines) console.error(line);
    process.stdout.write(json);
    return;
  }
  writeFileSync(out, json);
  for (const line of lines) console.log(line);
  console.log(`written to ${out}`);
}

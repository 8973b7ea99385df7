import { readFileSync, writeFileSync } from 'node:fs';
import type { z } from 'zod';
import { ZkAttestError } from './errors';

/** Writes a secret JSON file readable by its owner only (0600); never overwrites one. */
export function writeSecretFile(file: string, body: object): void {
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
}

/** Reads a secret JSON file and checks it against its schema; KEY_FILE when it cannot. */
export function readSecretFile<T>(file: string, schema: z.ZodType<T>, what: string): T {
  let parsed;
  try {
    parsed = schema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    throw new ZkAttestError('KEY_FILE', `cannot read the ${what} file ${file}`, { file });
  }
  if (!parsed.success) {
    throw new ZkAttestError('KEY_FILE', `${file} is not a zkattest ${what} file`, { file });
  }
  return parsed.data;
}

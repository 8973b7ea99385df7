/**
 * Configuration from the environment, read and validated once at a process's start-up
 * against that process's zod schema. A bad value stops start-up with CONFIG_INVALID naming
 * the variable and the rule it breaks, never the value: some variables carry secrets
 * (master keys, tokens, passwords inside URLs).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ZkAttestError } from './errors';

export type Env = Readonly<Record<string, string | undefined>>;

/** A redis:// or rediss:// URL (a typo elsewhere would only fail at the first command). */
export const redisUrl = z
  .string()
  .refine((v) => URL.canParse(v) && /^rediss?:$/.test(new URL(v).protocol), {
    message: 'must be a redis:// or rediss:// URL',
  });

/** A positive integer given in decimal (WORKER_CONCURRENCY=abc or 0 is refused). */
export const positiveInt = z
  .string()
  .regex(/^[1-9][0-9]{0,8}$/, 'must be a positive integer')
  .transform(Number);

/** true/false/1/0. */
export const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const logLevel = z.enum(['debug', 'info', 'warn', 'error', 'silent']);

/**
 * Reads `schema` from `env`. Empty strings count as unset, so `VAR=` takes the default.
 * @throws ZkAttestError CONFIG_INVALID listing each bad variable and its rule.
 */
export function readEnvConfig<S extends z.ZodObject>(
  schema: S,
  env: Env = process.env,
): z.output<S> {
  const present = Object.fromEntries(
    Object.keys(schema.shape)
      .filter((name) => env[name] !== undefined && env[name] !== '')
      .map((name) => [name, env[name]]),
  );
  const parsed = schema.safeParse(present);
  if (parsed.success) return parsed.data;
  const names = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? '(environment)')))];
  const problems = parsed.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(environment)');
    const value = present[name];
    // zod's messages name types, not values; still, never let one echo a (secret) value.
    const rule = value && issue.message.includes(value) ? 'is malformed' : issue.message;
    return `${name}: ${value === undefined ? 'is not set' : rule}`;
  });
  throw new ZkAttestError('CONFIG_INVALID', `bad configuration: ${problems.join('; ')}`, {
    variables: names.join(','),
  });
}

/** CONFIG_INVALID for one variable whose value another reader refused (a file, a key list). */
export function variableInvalid(variable: string, rule: string): ZkAttestError {
  return new ZkAttestError('CONFIG_INVALID', `bad configuration: ${variable}: ${rule}`, {
    variables: variable,
  });
}

/**
 * The JSON of a configuration file that `variable` names: CONFIG_INVALID naming the variable
 * when the file cannot be read or is not JSON (its content is never quoted).
 */
export function readJsonConfigFile(path: string, variable: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw variableInvalid(variable, `the file cannot be read (${code})`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw variableInvalid(variable, 'the file is not JSON');
  }
}

/**
 * Runs `read` (a parser of `variable` with its own error codes, e.g. masterKeysFromEnv) and
 * turns its coded refusal into CONFIG_INVALID naming the variable, so every bad start-up
 * setting exits the same way. Its message names rules only, never the value.
 */
export async function readVariable<T>(variable: string, read: () => T | Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof ZkAttestError && err.code !== 'CONFIG_INVALID') {
      throw variableInvalid(variable, err.message);
    }
    throw err;
  }
}

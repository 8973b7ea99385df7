/**
 * Configuration from the environment, read and validated once at a process's start-up
 * against that process's zod schema. A bad value stops start-up with CONFIG_INVALID naming
 * the variable and the rule it breaks, never the value: some variables carry secrets
 * (master keys, tokens, passwords inside URLs).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ZkAttestError } from './errors';
import type { RedisClusterNode, RedisTarget } from './redis-client';

export type Env = Readonly<Record<string, string | undefined>>;

/** A redis:// or rediss:// URL (a typo elsewhere would only fail at the first command). */
export const redisUrl = z
  .string()
  .refine((v) => URL.canParse(v) && /^rediss?:$/.test(new URL(v).protocol), {
    message: 'must be a redis:// or rediss:// URL',
  });

const CLUSTER_NODES_RULE = 'must be host:port[,host:port...] (nodes of a Redis Cluster)';

/** One host:port (an IPv6 host in brackets), or undefined. */
function clusterNode(entry: string): RedisClusterNode | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):([0-9]{1,5})$/.exec(entry.trim());
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535) return undefined;
  return { host: m[1] ?? m[2]!, port };
}

/**
 * REDIS_CLUSTER_NODES: some nodes of a Redis Cluster (the client discovers the others), e.g.
 * "10.0.0.1:6379,10.0.0.2:6379".
 */
export const redisClusterNodes = z.string().transform((value, ctx): RedisClusterNode[] => {
  const nodes = value.split(',').map(clusterNode);
  if (nodes.length === 0 || nodes.some((n) => n === undefined)) {
    ctx.addIssue({ code: 'custom', message: CLUSTER_NODES_RULE });
    return z.NEVER;
  }
  return nodes as RedisClusterNode[];
});

/** The variables that say where Redis is: one of them (see redisTargetRule). */
export const redisTargetFields = {
  REDIS_URL: redisUrl.optional(),
  REDIS_CLUSTER_NODES: redisClusterNodes.optional(),
};

interface RedisTargetSettings {
  REDIS_URL?: string;
  REDIS_CLUSTER_NODES?: RedisClusterNode[];
}

/**
 * The rule of redisTargetFields, for a schema's superRefine: REDIS_URL (one server) or
 * REDIS_CLUSTER_NODES (a cluster), never both; one of them when `required`. It runs even when
 * other variables are bad (`when`), so one CONFIG_INVALID names every problem.
 */
export function redisTargetRule(required: boolean) {
  return [
    (config: RedisTargetSettings, ctx: z.RefinementCtx<RedisTargetSettings>): void => {
      const url = config.REDIS_URL !== undefined;
      const cluster = config.REDIS_CLUSTER_NODES !== undefined;
      if (url && cluster) {
        ctx.addIssue({
          code: 'custom',
          path: ['REDIS_CLUSTER_NODES'],
          message: 'set REDIS_URL (one server) or REDIS_CLUSTER_NODES (a cluster), not both',
        });
      } else if (required && !url && !cluster) {
        ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: 'is not set' });
      }
    },
    { when: () => true },
  ] as const;
}

/** Where Redis is, from settings that passed redisTargetRule; undefined when neither is set. */
export function redisTargetOf(config: RedisTargetSettings): RedisTarget | undefined {
  if (config.REDIS_CLUSTER_NODES) return { clusterNodes: config.REDIS_CLUSTER_NODES };
  return config.REDIS_URL;
}

/** redisTargetOf for a process that needs Redis (its schema has redisTargetRule(true)). */
export function requiredRedisTarget(config: RedisTargetSettings): RedisTarget {
  const target = redisTargetOf(config);
  if (target === undefined) throw variableInvalid('REDIS_URL', 'is not set');
  return target;
}

const redisTargetSchema = z.object(redisTargetFields).superRefine(...redisTargetRule(false));

/**
 * Where Redis is for a command-line tool: REDIS_URL or REDIS_CLUSTER_NODES of `env`, undefined
 * when neither is set. @throws ZkAttestError CONFIG_INVALID for a bad value or both set.
 */
export function redisTargetFromEnv(env: Env = process.env): RedisTarget | undefined {
  return redisTargetOf(readEnvConfig(redisTargetSchema, env));
}

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
  // In the schema's order, whichever check (a field's, or a rule across fields) found them.
  const order = Object.keys(schema.shape);
  const rank = (issue: z.core.$ZodIssue) => order.indexOf(String(issue.path[0]));
  const issues = [...parsed.error.issues].sort((a, b) => rank(a) - rank(b));
  const names = [...new Set(issues.map((i) => String(i.path[0] ?? '(environment)')))];
  const problems = issues.map((issue) => {
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

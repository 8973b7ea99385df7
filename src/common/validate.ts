import type { z } from 'zod';
import { ZkAttestError } from './errors';

/** Parses request input with its schema; a mismatch is REQUEST_INVALID naming the fields. */
export function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((i) => i.path.join('.') || '(body)');
  throw new ZkAttestError('REQUEST_INVALID', `invalid request: ${fields.join(', ')}`, {
    fields: fields.join(','),
  });
}

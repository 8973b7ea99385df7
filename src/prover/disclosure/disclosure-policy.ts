/**
 * The disclosure policy: how precise claims on one snapshot may be, and how many distinct ones
 * of a kind it may answer. Each claim's precision rules come from its descriptor
 * (src/claims: `precision`), so a new claim brings its own; `maxPerSnapshot` is common to all.
 *
 *   { "yield-range": { "minWidthBps": 25, "gridBps": 5, "maxPerSnapshot": 3 },
 *     "coverage": { "gridBps": 500, "maxPerSnapshot": 5 } }
 *
 * A claim the policy does not name has no rule (its claims are still in the ledger).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CLAIMS, claimNamed, type ClaimName, type ClaimParams } from '../../claims';
import { ZkAttestError } from '../../common/errors';

const maxPerSnapshot = z.number().int().min(1).max(1_000_000).optional();

function claimRules(rules: z.ZodType<object>): z.ZodType<ClaimPolicy> {
  // Every descriptor's rules are a strict object: extend it with the common rule.
  return (rules as unknown as z.ZodObject)
    .extend({ maxPerSnapshot })
    .optional() as z.ZodType<ClaimPolicy>;
}

/** One claim's part of the policy: its precision rules and the common count rule. */
export type ClaimPolicy = Record<string, number | undefined> & { maxPerSnapshot?: number };
export type DisclosurePolicy = Partial<Record<ClaimName, ClaimPolicy>>;

export const disclosurePolicySchema = z.strictObject(
  Object.fromEntries(CLAIMS.map((d) => [d.name, claimRules(d.precision.rules)])),
) as unknown as z.ZodType<DisclosurePolicy>;

/** The budget exceeded: the claim and the rule it breaks, never the parameters' values. */
export function budgetExceeded(claim: ClaimName, rule: string): ZkAttestError {
  return new ZkAttestError(
    'DISCLOSURE_BUDGET_EXCEEDED',
    `the disclosure policy refuses this ${claim} claim (rule ${rule}); nothing was proved`,
    { claim, rule },
  );
}

/** Refuses parameters more precise than the policy allows (DISCLOSURE_BUDGET_EXCEEDED). */
export function checkPrecision(policy: DisclosurePolicy, params: ClaimParams): void {
  const rules = policy[params.claim];
  if (rules === undefined) return;
  const broken = claimNamed(params.claim).precision.breaks(params, rules);
  if (broken !== undefined) throw budgetExceeded(params.claim, broken);
}

/** Parses a policy; the refusal names the fields at fault (the caller's code, e.g. CONFIG_INVALID). */
export function parseDisclosurePolicy(json: unknown): DisclosurePolicy {
  const parsed = disclosurePolicySchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (i) => `${i.path.join('.') || '(policy)'}: ${i.message}`,
  );
  throw new ZkAttestError('CONFIG_INVALID', `bad disclosure policy: ${problems.join('; ')}`);
}

/** Reads and parses a policy file: CONFIG_INVALID when unreadable, not JSON or not a policy. */
export function readDisclosurePolicyFile(path: string): DisclosurePolicy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ZkAttestError(
      'CONFIG_INVALID',
      `the disclosure policy file cannot be read (${code})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ZkAttestError('CONFIG_INVALID', 'the disclosure policy file is not JSON');
  }
  return parseDisclosurePolicy(json);
}

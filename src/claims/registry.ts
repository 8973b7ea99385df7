import { z } from 'zod';
import { ZkAttestError } from '../common/errors';
import { formatAmount } from '../common/money';
import type { StatementParts } from '../common/statement';
import type { AmountUnit, ClaimDescriptor, ClaimSnapshot, CliValues } from './claim-descriptor';
import { concentration } from './concentration';
import { coverage } from './coverage';
import { yieldRange } from './yield-range';

/** Every claim the code knows, one line each. Adding a claim: its descriptor and a line here. */
const REGISTRY = {
  [coverage.name]: coverage,
  [yieldRange.name]: yieldRange,
  [concentration.name]: concentration,
} as const;

type Registry = typeof REGISTRY;
export type ClaimName = keyof Registry;
type Params<D> = D extends ClaimDescriptor<string, infer P, object, object> ? P : never;
type Values<D> = D extends ClaimDescriptor<string, object, infer V, object> ? V : never;
type Requirement<D> = D extends ClaimDescriptor<string, object, object, infer R> ? R : never;

/** A claim and its parameters, canonical encoding: what a custodian asks to prove. */
export type ClaimParams = { [K in ClaimName]: { claim: K } & Params<Registry[K]> }[ClaimName];
/** A claim's public values, decoded from a proof's statement, in the units people read. */
export type ClaimValues = { [K in ClaimName]: { claim: K } & Values<Registry[K]> }[ClaimName];
/** What an investor requires of each claim's proven values. */
export type ClaimRequirements = { [K in ClaimName]?: Requirement<Registry[K]> };

/** A descriptor with its types erased: what generic code holds. */
export type AnyClaimDescriptor = ClaimDescriptor<ClaimName, object, object, object>;

/** The claims, in registry order. */
export const CLAIMS: readonly AnyClaimDescriptor[] = Object.values(REGISTRY);
/** The claim names, for z.enum. */
export const CLAIM_NAMES = Object.keys(REGISTRY) as [ClaimName, ...ClaimName[]];

export function isClaimName(name: unknown): name is ClaimName {
  return typeof name === 'string' && Object.hasOwn(REGISTRY, name);
}

/** The descriptor of a claim, or CLAIM_UNKNOWN. */
export function claimNamed(name: unknown): AnyClaimDescriptor {
  if (!isClaimName(name)) {
    throw new ZkAttestError('CLAIM_UNKNOWN', `unknown claim "${String(name).slice(0, 64)}"`);
  }
  return REGISTRY[name];
}

/**
 * `{ claim, ...params }` in any accepted encoding to the canonical ClaimParams. As a zod
 * schema, so that wire formats (job payloads) can embed it; issues name paths, never values.
 */
export const claimParamsSchema: z.ZodType<ClaimParams> = z
  .looseObject({ claim: z.enum(CLAIM_NAMES) })
  .transform((raw, ctx) => {
    const { claim, ...rest } = raw;
    const parsed = REGISTRY[claim].params.safeParse(rest);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
      }
      return z.NEVER;
    }
    return { claim, ...parsed.data } as ClaimParams;
  });

/** Parses claim parameters from an edge; CLAIM_UNKNOWN or CLAIM_PARAMS_INVALID naming fields. */
export function parseClaimParams(raw: unknown): ClaimParams {
  const claim = typeof raw === 'object' && raw !== null ? (raw as { claim?: unknown }).claim : raw;
  claimNamed(claim);
  const parsed = claimParamsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(params)'))];
  throw new ZkAttestError(
    'CLAIM_PARAMS_INVALID',
    `invalid ${String(claim)} parameters: ${fields.join(', ')} (${parsed.error.issues[0]!.message})`,
    { param: fields.join(',') },
  );
}

/**
 * A claim's parameters from CLI option values: USAGE when a parameter without default is
 * missing, CLAIM_PARAMS_INVALID when one is out of range.
 */
export function parseCliParams(claim: unknown, values: CliValues, usage: string): ClaimParams {
  if (!isClaimName(claim)) {
    throw new ZkAttestError('CLAIM_UNKNOWN', `unknown claim "${String(claim ?? '')}"\n\n${usage}`);
  }
  const d = claimNamed(claim);
  const raw = d.fromCli(values) as Record<string, unknown>;
  const parsed = d.params.safeParse(raw);
  if (!parsed.success) {
    const missing = parsed.error.issues
      .map((i) => String(i.path[0]))
      .filter((key) => raw[key] === undefined);
    if (missing.length > 0) {
      throw new ZkAttestError(
        'USAGE',
        `missing ${missing[0]}: ${d.name} takes ${d.cli.usage}\n\n${usage}`,
      );
    }
  }
  return parseClaimParams({ claim: d.name, ...raw });
}

/** The claim parameters as circuit input signals (claim-specific part of the witness). */
export function claimCircuitInputs(
  params: ClaimParams,
  snapshot: ClaimSnapshot,
): Record<string, string> {
  return claimNamed(params.claim).circuitInputs(params, snapshot);
}

/** paramA and paramB of the statement signal. */
export function claimStatementParams(
  params: ClaimParams,
  snapshot: ClaimSnapshot,
): { paramA: bigint; paramB: bigint } {
  return claimNamed(params.claim).statementParams(params, snapshot);
}

/** Whether the snapshot satisfies the claim, exactly as the circuit computes it. */
export function claimHolds(snapshot: ClaimSnapshot, params: ClaimParams): boolean {
  return claimNamed(params.claim).holds(snapshot, params);
}

/** The public values of a proof of `claim`, from its statement's paramA and paramB. */
export function claimValues(claim: ClaimName, parts: StatementParts): ClaimValues {
  return { claim, ...claimNamed(claim).publicValues(parts) } as ClaimValues;
}

/** What a valid proof establishes, in plain words, amounts in the reporting unit. */
export function claimMeaning(values: ClaimValues, asOf: number, unit: AmountUnit): string {
  const at = new Date(asOf * 1000).toISOString();
  return claimNamed(values.claim).meaning(values, `the signed snapshot of ${at}`, unit);
}

/** The proof's amounts as people read them, e.g. `{ liabilities: 'USD 12,500,000.00' }`. */
export function claimAmounts(values: ClaimValues, unit: AmountUnit): Record<string, string> {
  const amounts = claimNamed(values.claim).amounts(values);
  return Object.fromEntries(
    Object.entries(amounts).map(([name, minor]) => [name, formatAmount(minor, unit)]),
  );
}

/** Whether the proven values meet the investor's requirement of their claim (none: met). */
export function claimMeetsRequirements(
  values: ClaimValues,
  requirements: ClaimRequirements | undefined,
): boolean {
  const required = requirements?.[values.claim];
  return required === undefined || claimNamed(values.claim).meets(values, required);
}

/** Requirements per claim, as an investor sends them (canonical encodings out). */
export const claimRequirementsSchema = z.strictObject(
  Object.fromEntries(CLAIMS.map((d) => [d.name, d.requirement.optional()])),
) as unknown as z.ZodType<ClaimRequirements>;

/** The CLI options every claim adds to `zkattest prove`. */
export function claimCliOptions(): Record<string, { type: 'string' }> {
  return Object.assign({}, ...CLAIMS.map((d) => d.cli.options)) as Record<
    string,
    { type: 'string' }
  >;
}

/** Usage lines: one per claim with its options and summary. */
export function claimUsage(): string {
  return CLAIMS.map(
    (d) => `  ${d.name.padEnd(15)} ${d.cli.usage}\n${' '.repeat(18)}${d.summary}`,
  ).join('\n');
}

import type { z } from 'zod';
import type { StatementParts } from '../common/statement';

/** The facts of one position a claim is about (the prover's Position has these and more). */
export interface ClaimPosition {
  assetId: bigint;
  assetClass: number;
  value: bigint;
  /**
   * The value in the reporting currency as the circuit holds it: value * rate of the
   * position's FX table row, i.e. reporting minor units times FX_SCALE (10^12).
   */
  converted: bigint;
  haircutBps: number;
  yieldBps: number;
}

/** The facts of a snapshot a claim is about, its positions converted with the FX table. */
export interface ClaimSnapshot {
  /** In the reporting unit's minor units. */
  liabilities: bigint;
  positions: readonly ClaimPosition[];
}

/** The unit every amount of a proof is in: the reporting currency and its decimals. */
export interface AmountUnit {
  currency: string;
  decimals: number;
}

/** CLI option values, as node:util parseArgs returns them. */
export type CliValues = Record<string, string | boolean | undefined>;

/**
 * Everything the code knows about one claim. `N` is its name, `P` is the claim's parameters in their one
 * canonical (JSON-safe) encoding, `V` the public values a verifier decodes from a proof, `R`
 * what an investor may require of them. Every other module asks the registry (registry.ts)
 * for the descriptor instead of naming a claim.
 */
export interface ClaimDescriptor<
  N extends string = string,
  P extends object = object,
  V extends object = object,
  R extends object = object,
  D extends object = object,
> {
  /** The claim's name on every wire (packages, jobs, API bodies, CLI). */
  readonly name: N;
  /** One line for usage texts. */
  readonly summary: string;
  /** Ids of the circuits that prove it (artifacts/manifest.json), smallest first. */
  readonly circuitIds: readonly string[];
  /**
   * Parameter schema: a strict object without `claim`, accepting the canonical encoding (and
   * documented legacy ones) and producing the canonical encoding.
   */
  readonly params: z.ZodType<P>;
  /** What an investor may require of the proven values (strict object, all fields optional). */
  readonly requirement: z.ZodType<R>;
  /** Parameters that hold on examples/snapshot.csv, and a requirement they do not meet. */
  readonly example: { readonly params: P; readonly unmetRequirement: R };
  /** The CLI options of `zkattest prove <claim>`, with their usage lines. */
  readonly cli: {
    readonly options: Readonly<Record<string, { readonly type: 'string' }>>;
    readonly usage: string;
  };

  /**
   * What "precise" means for this claim, for the disclosure budget (src/prover/disclosure):
   * `rules` is the claim's part of a policy file (a strict object, every rule optional),
   * `breaks` names the first rule the parameters break (never their values), or undefined.
   */
  readonly precision: {
    readonly rules: z.ZodType<D>;
    breaks(params: P, rules: D): string | undefined;
  };

  /** The claim's parameters from CLI option values (unvalidated: `params` checks them). */
  fromCli(values: CliValues): unknown;
  /** The CLI arguments that give these parameters (inverse of fromCli). */
  toCli(params: P): string[];
  /** paramA and paramB of the statement signal. */
  statementParams(params: P, snapshot: ClaimSnapshot): { paramA: bigint; paramB: bigint };
  /** The claim-specific circuit input signals, decimal strings. */
  circuitInputs(params: P, snapshot: ClaimSnapshot): Record<string, string>;
  /** The public values a valid proof carries, decoded from its statement. */
  publicValues(parts: StatementParts): V;
  /** Which public values are amounts (minor units of the reporting unit), to print with it. */
  amounts(values: V): Record<string, bigint>;
  /**
   * What a valid proof establishes, in plain words; `signed` names the signed snapshot and
   * `unit` is the reporting unit its amounts are in.
   */
  meaning(values: V, signed: string, unit: AmountUnit): string;
  /** Whether the snapshot satisfies the claim, in plain integers exactly as the circuit does. */
  holds(snapshot: ClaimSnapshot, params: P): boolean;
  /** Whether proven values are at least as strong as the requirement. */
  meets(values: V, requirement: R): boolean;
}

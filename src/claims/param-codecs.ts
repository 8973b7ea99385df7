import { z } from 'zod';
import { ZkAttestError } from '../common/errors';
import type { CliValues } from './claim-descriptor';

/** paramA of the statement is 16 bits: basis points up to 65535. */
export const bps16 = z.number().int().min(0).max(0xffff);
/** A share of a total: 0..10000 basis points. */
export const shareBps = z.number().int().min(0).max(10000);

/** Asset classes are 0..15 (4 bits in the circuit): the eligibility mask has 16 bits. */
export const CLASS_COUNT = 16;
export const ALL_CLASSES: readonly number[] = Array.from({ length: CLASS_COUNT }, (_, c) => c);

const classList = z
  .array(
    z
      .number()
      .int()
      .min(0)
      .max(CLASS_COUNT - 1),
  )
  .max(CLASS_COUNT);
/** The v1 job payload carried the mask as a decimal string; still read, never written. */
const legacyMask = z
  .string()
  .regex(/^[0-9]{1,5}$/)
  .transform((s) => Number(s))
  .pipe(z.number().max(2 ** CLASS_COUNT - 1))
  .transform(classesOfMask);

/**
 * A set of asset classes in its canonical encoding: distinct classes 0..15, ascending.
 * Accepts any order and repeats (and the legacy decimal mask); yields the canonical list.
 */
export const classSet = z
  .union([classList, legacyMask])
  .transform((cs) => [...new Set(cs)].sort((a, b) => a - b));

/** A set the circuit can prove: not empty (a portfolio of no allowed class has no value). */
export const provableClassSet = classSet.refine((cs) => cs.length > 0, {
  message: 'at least one asset class',
});

/** The classes of a 16-bit mask, ascending. */
export function classesOfMask(mask: number | bigint): number[] {
  const m = BigInt(mask);
  return ALL_CLASSES.filter((c) => (m >> BigInt(c)) & 1n);
}

/** The 16-bit mask of a set of classes (the circuit's and the statement's encoding). */
export function maskOfClasses(classes: readonly number[]): bigint {
  return classes.reduce((m, c) => m | (1n << BigInt(c)), 0n);
}

/** `--name` as a number (absent: undefined, for the schema to default or refuse). */
export function numberOption(values: CliValues, name: string): number | undefined {
  const v = values[name];
  if (typeof v !== 'string') return undefined;
  if (!/^[0-9]+$/.test(v)) throw new ZkAttestError('USAGE', `--${name} must be an integer`);
  return Number(v);
}

/** A comma list of classes ("0,1,2") as numbers; refuses anything else with a USAGE error. */
export function classListOption(values: CliValues, name: string): number[] | undefined {
  const v = values[name];
  if (typeof v !== 'string') return undefined;
  const items = v.split(',').map((s) => s.trim());
  if (!items.every((s) => /^[0-9]{1,2}$/.test(s))) {
    throw new ZkAttestError('USAGE', `--${name} is a comma list of classes 0..15`);
  }
  return items.map(Number);
}

export const pct = (bps: number) => `${(bps / 100).toFixed(2)}%`;

/** A policy rule in bps: a positive integer up to 10000. */
export const ruleBps = z.number().int().min(1).max(10000);

/** Whether `bps` lies on the grid of `step` bps (no step: any value does). */
export const onGrid = (bps: number, step: number | undefined): boolean =>
  step === undefined || bps % step === 0;

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { CLAIM_NAMES } from '../claims/registry';
import { ZkAttestError } from './errors';
import { HEX64_PATTERN } from './ids';

/** Where the committed circuit artifacts live, unless ZKATTEST_ARTIFACTS says otherwise. */
export const DEFAULT_ARTIFACTS_DIR = resolve(__dirname, '..', '..', 'artifacts');

const sha256 = z.string().regex(HEX64_PATTERN);
const artifactFile = z.strictObject({ path: z.string(), sha256 });

export const SETUP_KINDS = ['development', 'production'] as const;
export type SetupKind = (typeof SETUP_KINDS)[number];

const circuitEntry = z.strictObject({
  /** The claim it proves; absent for a chunk circuit (a step of a large book). */
  claim: z.enum(CLAIM_NAMES).optional(),
  template: z.string(),
  params: z.array(z.number().int()),
  maxPositions: z.number().int().positive(),
  /** For the final circuit of a large book: the chunk circuit whose proofs it closes. */
  chunkCircuit: z.string().optional(),
  publicSignals: z.array(z.string()),
  constraints: z.number().int().positive(),
  sourceHash: sha256,
  vkeyHash: sha256,
  setup: z.enum(SETUP_KINDS),
  /** SHA-256 of the phase-1 .ptau the zkey was made from, so a check can `zkey verify` it. */
  ptauSha256: sha256.optional(),
  /** Power of the .ptau the zkey was made from, when not the setup's `ptau.power`. */
  ptauPower: z.number().int().positive().optional(),
  files: z.strictObject({
    wasm: artifactFile,
    zkey: artifactFile,
    vkey: artifactFile,
    verifier: artifactFile,
  }),
});

const manifestSchema = z.strictObject({
  version: z.literal(1),
  circomVersion: z.string(),
  setup: z.strictObject({
    kind: z.enum(SETUP_KINDS),
    note: z.string(),
    ptau: z.strictObject({
      power: z.number().int(),
      source: z.string(),
      contributions: z.array(z.string()),
      beacon: z.string().optional(),
    }),
    phase2: z.strictObject({
      contributions: z.array(z.string()),
      beacon: z.string().optional(),
    }),
  }),
  circuits: z.record(z.string(), circuitEntry),
});

export type ArtifactManifest = z.infer<typeof manifestSchema>;
export type CircuitEntry = z.infer<typeof circuitEntry>;
export type { ClaimName } from '../claims/registry';

/** Reads and validates `manifest.json` of an artifacts folder. */
export function loadManifest(dir: string = artifactsDir()): ArtifactManifest {
  const file = join(dir, 'manifest.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new ZkAttestError('ARTIFACT_MISSING', `cannot read the artifact manifest ${file}`, {
      file,
    });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ZkAttestError('ARTIFACT_MISMATCH', `malformed artifact manifest ${file}`, { file });
  }
  return parsed.data;
}

/** The artifacts folder in use: ZKATTEST_ARTIFACTS or the committed one. */
export function artifactsDir(): string {
  return process.env.ZKATTEST_ARTIFACTS ?? DEFAULT_ARTIFACTS_DIR;
}

/** The manifest entry of a circuit id, or a CIRCUIT_UNKNOWN error. */
export function circuitEntryOf(manifest: ArtifactManifest, circuitId: string): CircuitEntry {
  const entry = manifest.circuits[circuitId];
  if (!entry) {
    throw new ZkAttestError('CIRCUIT_UNKNOWN', `unknown circuit "${circuitId}"`, { circuitId });
  }
  return entry;
}

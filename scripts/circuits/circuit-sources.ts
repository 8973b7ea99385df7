import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { F1Field } from 'ffjavascript';
import { readR1cs } from 'r1csfile';
import type { ClaimName } from '../../src/claims';
import { sha256Hex } from '../../src/common/hash';

/** Repository root: the tooling runs circom with paths relative to it (circom2 is WASI-sandboxed). */
export const ROOT = resolve(__dirname, '..', '..');
export const CIRCUITS_DIR = join(ROOT, 'circuits');
const LIBRARY_DIR = join(ROOT, 'node_modules');

/** One compiled instance, as listed in circuits/circuits.json. */
export interface CircuitSpec {
  id: string;
  file: string;
  template: string;
  params: number[];
  /** The claim it proves; none for a chunk circuit (a step of a large book, no claim alone). */
  claim?: ClaimName;
  /** Positions it holds; params[0] when not given (a final's params are not its size). */
  maxPositions?: number;
  /** For the final circuit of a large book: the chunk circuit whose proofs it closes. */
  chunkCircuit?: string;
  publicSignals: string[];
}

/** Every instance of circuits/circuits.json, in file order. */
export function readCircuitSpecs(): CircuitSpec[] {
  const raw = JSON.parse(readFileSync(join(CIRCUITS_DIR, 'circuits.json'), 'utf8')) as Record<
    string,
    Omit<CircuitSpec, 'id'>
  >;
  return Object.entries(raw).map(([id, spec]) => ({ id, ...spec }));
}

/** The `main` file of an instance: the template with its parameters. */
export function mainSource(spec: CircuitSpec, mainDir: string): string {
  const include = relative(mainDir, join(CIRCUITS_DIR, `${spec.file}.circom`));
  return [
    'pragma circom 2.1.6;',
    `include "${include}";`,
    `component main = ${spec.template}(${spec.params.join(', ')});`,
    '',
  ].join('\n');
}

/**
 * SHA-256 over the instance's definition and every source file it includes, transitively
 * (circomlib included): any change to what the circuit means changes this hash, so CI can
 * tell when artifacts were not regenerated.
 */
export function sourceHash(spec: CircuitSpec): string {
  const files = includeClosure(join(CIRCUITS_DIR, `${spec.file}.circom`));
  const parts = [`${spec.template}(${spec.params.join(',')})`];
  for (const file of [...files].sort()) {
    parts.push(`${relative(ROOT, file)}:${sha256Hex(readFileSync(file))}`);
  }
  return sha256Hex(parts.join('\n'));
}

function includeClosure(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  const text = readFileSync(entry, 'utf8');
  for (const match of text.matchAll(/^\s*include\s+"([^"]+)"\s*;/gm)) {
    const target = match[1]!;
    const local = resolve(dirname(entry), target);
    const candidate = target.startsWith('circomlib/') ? join(LIBRARY_DIR, target) : local;
    includeClosure(candidate, seen);
  }
  return seen;
}

export interface CompiledCircuit {
  r1cs: string;
  wasm: string;
  sym: string;
  constraints: number;
}

/** Compiles an instance with the circom2 (WebAssembly) compiler into `outDir` (under ROOT). */
export async function compileCircuit(spec: CircuitSpec, outDir: string): Promise<CompiledCircuit> {
  mkdirSync(outDir, { recursive: true });
  const main = join(outDir, `${spec.id}.circom`);
  writeFileSync(main, mainSource(spec, outDir));
  const cli = require.resolve('circom2/cli.js');
  execFileSync(
    process.execPath,
    [
      cli,
      relative(ROOT, main),
      '--O2',
      '--r1cs',
      '--wasm',
      '--sym',
      '-l',
      relative(ROOT, LIBRARY_DIR),
      '-o',
      relative(ROOT, outDir),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const r1cs = join(outDir, `${spec.id}.r1cs`);
  // A plain field: r1csfile would otherwise build the curve, and its worker threads.
  const header = await readR1cs(r1cs, {
    loadConstraints: false,
    loadMap: false,
    getFieldFromPrime: (prime) => new F1Field(prime),
  });
  return {
    r1cs,
    wasm: join(outDir, `${spec.id}_js`, `${spec.id}.wasm`),
    sym: join(outDir, `${spec.id}.sym`),
    constraints: header.nConstraints,
  };
}

/**
 * The power of the smallest Groth16 evaluation domain of a circuit: constraints plus one per
 * public input plus one (snarkjs adds them), rounded up to a power of two.
 */
export function domainPower(constraints: number, publicSignals: number): number {
  return Math.ceil(Math.log2(constraints + publicSignals + 1));
}

/** The circom compiler version, for the manifest. */
export function circomVersion(): string {
  const out = execFileSync(process.execPath, [require.resolve('circom2/cli.js'), '--version'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return /circom compiler (\S+)/.exec(out)?.[1] ?? 'unknown';
}

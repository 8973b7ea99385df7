import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as snarkjs from 'snarkjs';
import type { CircuitEntry } from '../../src/common/artifact-manifest';
import { canonicalJson, sha256Hex } from '../../src/common/hash';
import {
  exportVerificationKey,
  generateSolidityVerifier,
  ptauSha256,
  vkeyHashOf,
} from './artifact-files';
import { sourceHash, type CircuitSpec, type CompiledCircuit } from './circuit-sources';
import { zkeyR1csMismatch } from './zkey-r1cs';

/** Options of checkCircuitArtifacts. */
export interface CheckOptions {
  /** Phase-1 .ptau files at hand; the one whose hash the entry records is `zkey verify`-ed. */
  ptauFiles?: string[];
  /** Progress notes (e.g. which zkey check ran). */
  log?: (msg: string) => void;
}

/**
 * Every reason a circuit's committed artifacts (in `dir`, per its manifest `entry`) do not
 * match its sources, compiled as `compiled`, or each other; empty when they all match.
 */
export async function checkCircuitArtifacts(
  spec: CircuitSpec,
  entry: CircuitEntry,
  dir: string,
  compiled: CompiledCircuit,
  opts: CheckOptions = {},
): Promise<string[]> {
  const failures: string[] = [];
  const fail = (msg: string) => failures.push(`${spec.id}: ${msg}`);
  if (sourceHash(spec) !== entry.sourceHash) {
    fail('circuit sources changed but artifacts were not regenerated (npm run circuits:build)');
  }
  if (
    canonicalJson(spec.params) !== canonicalJson(entry.params) ||
    canonicalJson(spec.publicSignals) !== canonicalJson(entry.publicSignals) ||
    spec.claim !== entry.claim ||
    (spec.maxPositions ?? spec.params[0]) !== entry.maxPositions ||
    spec.chunkCircuit !== entry.chunkCircuit ||
    spec.template !== entry.template
  ) {
    fail('circuits.json and the manifest disagree');
  }
  for (const [kind, file] of Object.entries(entry.files)) {
    if (sha256Hex(readFileSync(join(dir, file.path))) !== file.sha256) {
      fail(`${kind} file ${file.path} does not match its manifest hash`);
    }
  }
  const zkey = join(dir, entry.files.zkey.path);
  const vk = await exportVerificationKey(zkey);
  const committedVk = JSON.parse(readFileSync(join(dir, entry.files.vkey.path), 'utf8')) as Record<
    string,
    unknown
  >;
  const { zkattest: label, ...bareVk } = committedVk;
  if (canonicalJson(bareVk) !== canonicalJson(vk) || vkeyHashOf(vk) !== entry.vkeyHash) {
    fail('the verification key does not match the zkey');
  }
  if ((label as { setup?: unknown } | undefined)?.setup !== entry.setup) {
    fail(`the key's setup label is not "${entry.setup}"`);
  }
  const verifier = readFileSync(join(dir, entry.files.verifier.path), 'utf8');
  if (verifier !== (await generateSolidityVerifier(zkey, spec.id))) {
    fail('the Solidity verifier does not match the zkey');
  }
  if (sha256Hex(readFileSync(compiled.wasm)) !== entry.files.wasm.sha256) {
    fail('the sources compile to another wasm than the committed one');
  }
  if (compiled.constraints !== entry.constraints) {
    fail(`${compiled.constraints} constraints, the manifest says ${entry.constraints}`);
  }
  // The zkey must be the proving key of this R1CS: without this a zkey of another circuit
  // (with its vkey and verifier) passes every check above once the hashes are updated.
  const mismatch = await zkeyR1csMismatch(zkey, compiled.r1cs);
  if (mismatch !== undefined) fail(`the zkey is not this circuit's: ${mismatch}`);
  const ptau = recordedPtau(entry, opts.ptauFiles ?? []);
  if (ptau !== undefined) {
    opts.log?.(`${spec.id}: zkey verify against the compiled R1CS and ${ptau}`);
    if (!(await snarkjs.zKey.verifyFromR1cs(compiled.r1cs, ptau, zkey))) {
      fail('zkey verify failed against the compiled R1CS and the recorded .ptau');
    }
  } else {
    opts.log?.(`${spec.id}: its .ptau is not at hand; A/B coefficients checked against the R1CS`);
  }
  return failures;
}

/** The file among `ptauFiles` whose SHA-256 the entry records, if any. */
function recordedPtau(entry: CircuitEntry, ptauFiles: string[]): string | undefined {
  if (entry.ptauSha256 === undefined) return undefined;
  return ptauFiles.find((f) => existsSync(f) && ptauSha256(f) === entry.ptauSha256);
}

/**
 * CI guard for the committed circuit artifacts. Fails when:
 *  - a circuit's sources (or circuits.json) changed but its artifacts were not regenerated,
 *  - an artifact file differs from its manifest hash,
 *  - the committed verification key or Solidity verifier does not match the committed zkey,
 *  - the circuit does not compile from source to the committed wasm and constraint count.
 *
 *   npm run circuits:check
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { artifactsDir, loadManifest } from '../../src/common/artifact-manifest';
import { canonicalJson, sha256Hex } from '../../src/common/hash';
import { exportVerificationKey, generateSolidityVerifier, vkeyHashOf } from './artifact-files';
import { compileCircuit, readCircuitSpecs, ROOT, sourceHash } from './circuit-sources';
import { terminateSnarkjsCurve } from '../../src/common/snarkjs-teardown';

async function main() {
  const dir = artifactsDir();
  const manifest = loadManifest(dir);
  const failures: string[] = [];
  const fail = (msg: string) => failures.push(msg);
  const specs = readCircuitSpecs();

  for (const id of Object.keys(manifest.circuits)) {
    if (!specs.some((s) => s.id === id)) fail(`${id}: in the manifest but not in circuits.json`);
  }
  for (const spec of specs) {
    const entry = manifest.circuits[spec.id];
    if (!entry) {
      fail(`${spec.id}: no artifacts; run npm run circuits:build`);
      continue;
    }
    if (sourceHash(spec) !== entry.sourceHash) {
      fail(
        `${spec.id}: circuit sources changed but artifacts were not regenerated (npm run circuits:build)`,
      );
    }
    if (
      canonicalJson(spec.params) !== canonicalJson(entry.params) ||
      canonicalJson(spec.publicSignals) !== canonicalJson(entry.publicSignals) ||
      spec.claim !== entry.claim ||
      spec.template !== entry.template
    ) {
      fail(`${spec.id}: circuits.json and the manifest disagree`);
    }
    for (const [kind, file] of Object.entries(entry.files)) {
      if (sha256Hex(readFileSync(join(dir, file.path))) !== file.sha256) {
        fail(`${spec.id}: ${kind} file ${file.path} does not match its manifest hash`);
      }
    }
    const zkey = join(dir, entry.files.zkey.path);
    const vk = await exportVerificationKey(zkey);
    const committedVk = JSON.parse(readFileSync(join(dir, entry.files.vkey.path), 'utf8'));
    const { zkattest: label, ...bareVk } = committedVk;
    if (canonicalJson(bareVk) !== canonicalJson(vk) || vkeyHashOf(vk) !== entry.vkeyHash) {
      fail(`${spec.id}: the verification key does not match the zkey`);
    }
    if (label?.setup !== entry.setup)
      fail(`${spec.id}: the key's setup label is not "${entry.setup}"`);
    const verifier = readFileSync(join(dir, entry.files.verifier.path), 'utf8');
    if (verifier !== (await generateSolidityVerifier(zkey, spec.id))) {
      fail(`${spec.id}: the Solidity verifier does not match the zkey`);
    }
    const compiled = await compileCircuit(spec, join(ROOT, 'build', 'check'));
    if (sha256Hex(readFileSync(compiled.wasm)) !== entry.files.wasm.sha256) {
      fail(`${spec.id}: the sources compile to another wasm than the committed one`);
    }
    if (compiled.constraints !== entry.constraints) {
      fail(
        `${spec.id}: ${compiled.constraints} constraints, the manifest says ${entry.constraints}`,
      );
    }
    console.log(
      `[circuits:check] ${spec.id}: checked (${entry.constraints} constraints, ${entry.setup} setup)`,
    );
  }
  await terminateSnarkjsCurve();
  if (failures.length > 0) {
    for (const f of failures) console.error(`[circuits:check] FAIL ${f}`);
    process.exit(1);
  }
  console.log('[circuits:check] all artifacts match their sources and each other');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/**
 * CI guard for the committed circuit artifacts. Fails when:
 *  - a circuit's sources (or circuits.json) changed but its artifacts were not regenerated,
 *  - an artifact file differs from its manifest hash,
 *  - the committed verification key or Solidity verifier does not match the committed zkey,
 *  - the circuit does not compile from source to the committed wasm and constraint count,
 *  - the committed zkey is not the proving key of the compiled R1CS: its A/B coefficients
 *    and sizes always (no .ptau needed), and `zkey verify` when the .ptau the manifest
 *    records is at hand (build/ptau/, or --ptau FILE).
 *
 *   npm run circuits:check [-- --ptau file.ptau]
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { artifactsDir, loadManifest } from '../../src/common/artifact-manifest';
import { checkCircuitArtifacts } from './check-artifacts';
import { compileCircuit, readCircuitSpecs, ROOT } from './circuit-sources';
import { terminateSnarkjsCurve } from '../../src/common/snarkjs-teardown';

const log = (msg: string) => console.log(`[circuits:check] ${msg}`);

/** The .ptau files to try: --ptau FILE, and any the development build left in build/ptau. */
function ptauFiles(args: string[]): string[] {
  const given = args.includes('--ptau') ? [args[args.indexOf('--ptau') + 1]!] : [];
  const dir = join(ROOT, 'build', 'ptau');
  const local = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('_final.ptau'))
        .map((f) => join(dir, f))
    : [];
  return [...given, ...local];
}

async function main() {
  const dir = artifactsDir();
  const manifest = loadManifest(dir);
  const failures: string[] = [];
  const specs = readCircuitSpecs();
  const ptau = ptauFiles(process.argv.slice(2));

  for (const id of Object.keys(manifest.circuits)) {
    if (!specs.some((s) => s.id === id))
      failures.push(`${id}: in the manifest but not in circuits.json`);
  }
  for (const spec of specs) {
    const entry = manifest.circuits[spec.id];
    if (!entry) {
      failures.push(`${spec.id}: no artifacts; run npm run circuits:build`);
      continue;
    }
    const compiled = await compileCircuit(spec, join(ROOT, 'build', 'check'));
    const found = await checkCircuitArtifacts(spec, entry, dir, compiled, { ptauFiles: ptau, log });
    failures.push(...found);
    if (found.length === 0) {
      log(`${spec.id}: checked (${entry.constraints} constraints, ${entry.setup} setup)`);
    }
  }
  await terminateSnarkjsCurve();
  if (failures.length > 0) {
    for (const f of failures) console.error(`[circuits:check] FAIL ${f}`);
    process.exit(1);
  }
  log('all artifacts match their sources and each other');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

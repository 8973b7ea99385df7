/**
 * Builds every circuit of circuits/circuits.json into artifacts/ with a DEVELOPMENT setup:
 * a local powers of tau (two contributions and a beacon), a Groth16 phase 2 per circuit
 * (a contribution and a beacon), `zkey verify`, the verification key, the Solidity verifier
 * and a manifest of SHA-256 hashes. For a production setup use `npm run ceremony`.
 *
 *   npm run circuits:build [-- --only concentration-32]
 *
 * With --only, just that circuit's files and manifest entry are rewritten; the others stay
 * byte-identical. The .ptau stays in build/ (gitignored): its hash goes in the manifest entry.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as snarkjs from 'snarkjs';
import { artifactsDir, type ArtifactManifest } from '../../src/common/artifact-manifest';
import { sha256Hex } from '../../src/common/hash';
import { writeCircuitArtifacts } from './artifact-files';
import {
  circomVersion,
  compileCircuit,
  readCircuitSpecs,
  ROOT,
  type CircuitSpec,
} from './circuit-sources';
import { terminateSnarkjsCurve } from '../../src/common/snarkjs-teardown';

const PTAU_POWER = 14; // 2^14 = 16,384 >= the largest circuit (16,264 constraints + 4)
const BUILD_DIR = join(ROOT, 'build');
const entropy = () => randomBytes(32).toString('hex');
const log = (msg: string) => console.log(`[circuits] ${msg}`);

async function developmentPtau(): Promise<{
  file: string;
  contributions: string[];
  beacon: string;
}> {
  const dir = join(BUILD_DIR, 'ptau');
  mkdirSync(dir, { recursive: true });
  const final = join(dir, `dev_${PTAU_POWER}_final.ptau`);
  const contributions = ['zkattest dev contribution 1', 'zkattest dev contribution 2'];
  const beacon = sha256Hex(`zkattest development beacon ${PTAU_POWER}`);
  if (existsSync(final)) return { file: final, contributions, beacon };

  const curve = await snarkjs.curves.getCurveFromName('bn128');
  const step = (n: number) => join(dir, `dev_${PTAU_POWER}_${n}.ptau`);
  log(`powers of tau 2^${PTAU_POWER}: new accumulator`);
  await snarkjs.powersOfTau.newAccumulator(curve, PTAU_POWER, step(0));
  await snarkjs.powersOfTau.contribute(step(0), step(1), contributions[0]!, entropy());
  await snarkjs.powersOfTau.contribute(step(1), step(2), contributions[1]!, entropy());
  log('powers of tau: beacon');
  await snarkjs.powersOfTau.beacon(step(2), step(3), 'zkattest dev beacon', beacon, '10');
  log('powers of tau: prepare phase 2');
  await snarkjs.powersOfTau.preparePhase2(step(3), final);
  if (!(await snarkjs.powersOfTau.verify(final))) throw new Error('ptau verification failed');
  return { file: final, contributions, beacon };
}

async function buildCircuit(spec: CircuitSpec, ptau: string, outDir: string, beacon: string) {
  log(`${spec.id}: compile`);
  const compiled = await compileCircuit(spec, join(BUILD_DIR, 'circuits'));
  log(`${spec.id}: ${compiled.constraints} constraints; phase 2`);
  const work = join(BUILD_DIR, 'zkey');
  mkdirSync(work, { recursive: true });
  const z0 = join(work, `${spec.id}_0.zkey`);
  const z1 = join(work, `${spec.id}_1.zkey`);
  const final = join(work, `${spec.id}_final.zkey`);
  await snarkjs.zKey.newZKey(compiled.r1cs, ptau, z0);
  await snarkjs.zKey.contribute(z0, z1, 'zkattest dev phase2 contribution', entropy());
  await snarkjs.zKey.beacon(z1, final, 'zkattest dev phase2 beacon', beacon, '10');
  if (!(await snarkjs.zKey.verifyFromR1cs(compiled.r1cs, ptau, final))) {
    throw new Error(`${spec.id}: zkey verification failed`);
  }
  return writeCircuitArtifacts(spec, compiled, final, 'development', outDir, ptau);
}

async function main() {
  const args = process.argv.slice(2);
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  const outDir = artifactsDir();
  const ptau = await developmentPtau();
  const manifestFile = join(outDir, 'manifest.json');
  const previous: ArtifactManifest | undefined = existsSync(manifestFile)
    ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as ArtifactManifest)
    : undefined;
  const circuits: ArtifactManifest['circuits'] = { ...(previous?.circuits ?? {}) };
  for (const spec of readCircuitSpecs()) {
    if (only && spec.id !== only) continue;
    circuits[spec.id] = await buildCircuit(spec, ptau.file, outDir, ptau.beacon);
  }
  const manifest: ArtifactManifest = {
    version: 1,
    circomVersion: circomVersion(),
    setup: {
      kind: 'development',
      note: 'DEVELOPMENT SETUP: every contribution was made on one machine, so one party knew the toxic waste. Run `npm run ceremony` for production.',
      ptau: {
        power: PTAU_POWER,
        source: 'generated locally by scripts/circuits/build.ts',
        contributions: ptau.contributions,
        beacon: ptau.beacon,
      },
      phase2: {
        contributions: ['zkattest dev phase2 contribution'],
        beacon: ptau.beacon,
      },
    },
    circuits,
  };
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  log(`wrote ${manifestFile}`);
  await terminateSnarkjsCurve();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

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
 * Each circuit's zkey comes from the smallest development .ptau that fits it, of power at
 * least PTAU_POWER (one shared file for every circuit that fits 2^14); an entry records its
 * power (ptauPower) when it is not the manifest's.
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
  domainPower,
  readCircuitSpecs,
  ROOT,
  type CircuitSpec,
} from './circuit-sources';
import { terminateSnarkjsCurve } from '../../src/common/snarkjs-teardown';

// The base power: every circuit that fits 2^14 shares this .ptau; a larger one (chunk-32,
// 19,648 constraints) gets the smallest power that fits it.
const PTAU_POWER = 14;
const BUILD_DIR = join(ROOT, 'build');
const entropy = () => randomBytes(32).toString('hex');
const log = (msg: string) => console.log(`[circuits] ${msg}`);

async function developmentPtau(power: number): Promise<{
  file: string;
  contributions: string[];
  beacon: string;
}> {
  const dir = join(BUILD_DIR, 'ptau');
  mkdirSync(dir, { recursive: true });
  const final = join(dir, `dev_${power}_final.ptau`);
  const contributions = ['zkattest dev contribution 1', 'zkattest dev contribution 2'];
  const beacon = sha256Hex(`zkattest development beacon ${power}`);
  if (existsSync(final)) return { file: final, contributions, beacon };

  const curve = await snarkjs.curves.getCurveFromName('bn128');
  const step = (n: number) => join(dir, `dev_${power}_${n}.ptau`);
  log(`powers of tau 2^${power}: new accumulator`);
  await snarkjs.powersOfTau.newAccumulator(curve, power, step(0));
  await snarkjs.powersOfTau.contribute(step(0), step(1), contributions[0]!, entropy());
  await snarkjs.powersOfTau.contribute(step(1), step(2), contributions[1]!, entropy());
  log('powers of tau: beacon');
  await snarkjs.powersOfTau.beacon(step(2), step(3), 'zkattest dev beacon', beacon, '10');
  log('powers of tau: prepare phase 2');
  await snarkjs.powersOfTau.preparePhase2(step(3), final);
  if (!(await snarkjs.powersOfTau.verify(final))) throw new Error('ptau verification failed');
  return { file: final, contributions, beacon };
}

/** Builds one circuit; `beacon` is the phase-2 beacon (the base power's, for every circuit). */
async function buildCircuit(spec: CircuitSpec, outDir: string, beacon: string) {
  log(`${spec.id}: compile`);
  const compiled = await compileCircuit(spec, join(BUILD_DIR, 'circuits'));
  const power = Math.max(PTAU_POWER, domainPower(compiled.constraints, spec.publicSignals.length));
  const ptau = (await developmentPtau(power)).file;
  log(`${spec.id}: ${compiled.constraints} constraints; phase 2 on the 2^${power} .ptau`);
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
  const entry = await writeCircuitArtifacts(spec, compiled, final, 'development', outDir, ptau);
  return power === PTAU_POWER ? entry : { ...entry, ptauPower: power };
}

async function main() {
  const args = process.argv.slice(2);
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  const outDir = artifactsDir();
  const ptau = await developmentPtau(PTAU_POWER);
  const manifestFile = join(outDir, 'manifest.json');
  const previous: ArtifactManifest | undefined = existsSync(manifestFile)
    ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as ArtifactManifest)
    : undefined;
  const circuits: ArtifactManifest['circuits'] = { ...(previous?.circuits ?? {}) };
  for (const spec of readCircuitSpecs()) {
    if (only && spec.id !== only) continue;
    circuits[spec.id] = await buildCircuit(spec, outDir, ptau.beacon);
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

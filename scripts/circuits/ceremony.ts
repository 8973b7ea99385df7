/**
 * Production trusted setup for the claim circuits (Groth16 phase 2 on an imported or
 * ceremony-made powers of tau). Each step is one command; contributors run `contribute` on
 * their own machines in turn, passing the ceremony folder along.
 *
 *   npm run ceremony -- init --ptau <final.ptau> [--dir ceremony]   import a phase-1 .ptau
 *                                                                  (e.g. a public
 *                                                                  Perpetual Powers of Tau
 *                                                                  file of power >= 15),
 *                                                                  verify it, start phase 2
 *   npm run ceremony -- contribute --name "<who>" [--dir ceremony] add a contribution
 *   npm run ceremony -- verify [--dir ceremony]                    zkey verify every circuit
 *   npm run ceremony -- beacon --hash <hex> [--iterations 10]      seal with a public beacon
 *   npm run ceremony -- finalize [--dir ceremony]                  verify, then write the
 *                                                                  production artifacts
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as snarkjs from 'snarkjs';
import { artifactsDir, type ArtifactManifest } from '../../src/common/artifact-manifest';
import { writeCircuitArtifacts } from './artifact-files';
import { circomVersion, compileCircuit, domainPower, readCircuitSpecs } from './circuit-sources';
import { terminateSnarkjsCurve } from '../../src/common/snarkjs-teardown';

interface CeremonyState {
  ptau: string;
  contributions: string[];
  beacon?: string;
  /** Latest zkey of each circuit, by id. */
  zkeys: Record<string, string>;
  step: number;
}

const { values, positionals } = parseArgs({
  options: {
    dir: { type: 'string', default: 'ceremony' },
    ptau: { type: 'string' },
    name: { type: 'string' },
    entropy: { type: 'string' },
    hash: { type: 'string' },
    iterations: { type: 'string', default: '10' },
  },
  allowPositionals: true,
});
const dir = resolve(values.dir!);
const stateFile = join(dir, 'state.json');
const load = (): CeremonyState => JSON.parse(readFileSync(stateFile, 'utf8')) as CeremonyState;
const save = (s: CeremonyState) => writeFileSync(stateFile, `${JSON.stringify(s, null, 2)}\n`);
const r1csOf = (id: string) => join(dir, 'circuits', `${id}.r1cs`);

async function init() {
  if (!values.ptau) throw new Error('init needs --ptau <final.ptau>');
  if (existsSync(stateFile)) throw new Error(`${dir} already holds a ceremony`);
  mkdirSync(dir, { recursive: true });
  console.log('verifying the powers of tau (this takes a while)...');
  if (!(await snarkjs.powersOfTau.verify(values.ptau)))
    throw new Error('the .ptau does not verify');
  const state: CeremonyState = {
    ptau: resolve(values.ptau),
    contributions: [],
    zkeys: {},
    step: 0,
  };
  for (const spec of readCircuitSpecs()) {
    await compileCircuit(spec, join(dir, 'circuits'));
    const z = join(dir, `${spec.id}_0000.zkey`);
    await snarkjs.zKey.newZKey(r1csOf(spec.id), state.ptau, z);
    state.zkeys[spec.id] = z;
  }
  save(state);
  console.log(`phase 2 started in ${dir}; next: contribute --name "<who>"`);
}

async function contribute() {
  if (!values.name) throw new Error('contribute needs --name');
  const state = load();
  state.step++;
  const entropy = `${randomBytes(64).toString('hex')}${values.entropy ?? ''}`;
  for (const [id, prev] of Object.entries(state.zkeys)) {
    const next = join(dir, `${id}_${String(state.step).padStart(4, '0')}.zkey`);
    const hash = await snarkjs.zKey.contribute(prev, next, values.name, entropy);
    state.zkeys[id] = next;
    console.log(`${id}: contribution recorded (${String(hash).slice(0, 40)}...)`);
  }
  state.contributions.push(values.name);
  save(state);
}

async function verify(): Promise<boolean> {
  const state = load();
  let ok = true;
  for (const [id, z] of Object.entries(state.zkeys)) {
    const good = await snarkjs.zKey.verifyFromR1cs(r1csOf(id), state.ptau, z);
    console.log(`${id}: ${good ? 'verified' : 'FAILED'}`);
    ok &&= good;
  }
  return ok;
}

async function beacon() {
  if (!values.hash || !/^[0-9a-fA-F]{64}$/.test(values.hash)) {
    throw new Error('beacon needs --hash <64 hex digits of public randomness>');
  }
  const state = load();
  state.step++;
  for (const [id, prev] of Object.entries(state.zkeys)) {
    const next = join(dir, `${id}_${String(state.step).padStart(4, '0')}_beacon.zkey`);
    await snarkjs.zKey.beacon(prev, next, 'final beacon', values.hash, values.iterations!);
    state.zkeys[id] = next;
  }
  state.beacon = values.hash;
  save(state);
}

async function finalize() {
  const state = load();
  if (state.contributions.length === 0 || !state.beacon) {
    throw new Error('finalize needs at least one contribution and a beacon');
  }
  if (!(await verify())) throw new Error('verification failed: nothing written');
  const out = artifactsDir();
  const circuits: ArtifactManifest['circuits'] = {};
  let power = 0;
  for (const spec of readCircuitSpecs()) {
    const compiled = await compileCircuit(spec, join(dir, 'circuits'));
    circuits[spec.id] = await writeCircuitArtifacts(
      spec,
      compiled,
      state.zkeys[spec.id]!,
      'production',
      out,
      state.ptau,
    );
    // The evaluation domain: the smallest power of two over constraints + public inputs + 1.
    power = Math.max(power, domainPower(compiled.constraints, spec.publicSignals.length));
  }
  const manifest: ArtifactManifest = {
    version: 1,
    circomVersion: circomVersion(),
    setup: {
      kind: 'production',
      note: `Production setup: phase 2 by ${state.contributions.length} contributors and a beacon.`,
      ptau: { power, source: state.ptau, contributions: [] },
      phase2: { contributions: state.contributions, beacon: state.beacon },
    },
    circuits,
  };
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`production artifacts written to ${out}`);
}

const steps: Record<string, () => Promise<unknown>> = {
  init,
  contribute,
  verify,
  beacon,
  finalize,
};

const step = steps[positionals[0] ?? ''];
if (!step) {
  console.log(readFileSync(__filename, 'utf8').split('*/')[0]);
  process.exit(positionals[0] ? 2 : 0);
}
step()
  .then(async (result) => {
    await terminateSnarkjsCurve();
    process.exit(result === false ? 1 : 0);
  })
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });

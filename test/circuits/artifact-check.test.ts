import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifactsDir, loadManifest } from '../../src/common/artifact-manifest';
import { writeCircuitArtifacts } from '../../scripts/circuits/artifact-files';
import { checkCircuitArtifacts } from '../../scripts/circuits/check-artifacts';
import {
  compileCircuit,
  readCircuitSpecs,
  ROOT,
  type CircuitSpec,
  type CompiledCircuit,
} from '../../scripts/circuits/circuit-sources';

// circuits:check must tie the committed zkey to the compiled R1CS, with no .ptau at hand (a
// fresh clone): a proving key made for another circuit, or with edited constraint data, is
// refused even when its manifest entry, verification key and Solidity verifier all match it.

const ID = 'concentration-32';
let spec: CircuitSpec;
let compiled: CompiledCircuit;
let work: string;

beforeAll(async () => {
  spec = readCircuitSpecs().find((s) => s.id === ID)!;
  compiled = await compileCircuit(spec, join(ROOT, 'build', 'test-circuits'));
  work = mkdtempSync(join(tmpdir(), 'zkattest-check-'));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Artifacts for the concentration circuit around `zkey`, every manifest hash matching. */
async function artifactsAround(zkey: string, name: string) {
  const dir = join(work, name);
  return { dir, entry: await writeCircuitArtifacts(spec, compiled, zkey, 'development', dir) };
}

/** Sections of a zkey file: id -> offset of the section's data. */
function sectionOffsets(bytes: Buffer): Map<number, number> {
  const offsets = new Map<number, number>();
  let pos = 12;
  for (let i = 0; i < bytes.readUInt32LE(8); i++) {
    offsets.set(bytes.readUInt32LE(pos), pos + 12);
    pos += 12 + Number(bytes.readBigUInt64LE(pos + 4));
  }
  return offsets;
}

const committed = (id: string) =>
  join(artifactsDir(), loadManifest().circuits[id]!.files.zkey.path);

describe('circuits:check ties the zkey to the R1CS', () => {
  it('accepts the committed concentration artifacts', async () => {
    const entry = loadManifest().circuits[ID]!;
    expect(await checkCircuitArtifacts(spec, entry, artifactsDir(), compiled)).toEqual([]);
  });

  it("refuses another circuit's zkey under a matching manifest, vkey and verifier", async () => {
    const { dir, entry } = await artifactsAround(committed('coverage-32'), 'other-circuit');
    const failures = await checkCircuitArtifacts(spec, entry, dir, compiled);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/^concentration-32: the zkey is not this circuit's: /);
  });

  it.each([
    ['a coefficient value', 12],
    ['the wire a coefficient applies to', 8],
  ])('refuses a zkey with %s edited in its A/B section', async (_what, field) => {
    const bytes = readFileSync(committed(ID));
    const coeffs = sectionOffsets(bytes).get(4)!;
    const count = bytes.readUInt32LE(coeffs);
    // A term in the middle of the section: not one of the fixed public-input terms at the end.
    const at = coeffs + 4 + Math.floor(count / 2) * 44 + field;
    const edited = Buffer.from(bytes);
    edited.writeUInt32LE((edited.readUInt32LE(at) + 1) >>> 0, at);
    const file = join(work, `edited-${field}.zkey`);
    writeFileSync(file, edited);
    const { dir, entry } = await artifactsAround(file, `edited-${field}`);
    // The verification key and the verifier do not read this section: only this check can.
    expect(await checkCircuitArtifacts(spec, entry, dir, compiled)).toEqual([
      "concentration-32: the zkey is not this circuit's: the zkey's A/B coefficients differ from the R1CS",
    ]);
  });
});

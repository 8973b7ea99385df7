import { join } from 'node:path';
import * as snarkjs from 'snarkjs';
import { artifactsDir, loadManifest } from '../../src/common/artifact-manifest';
import { readArtifact } from '../../src/common/artifact-store';
import { CachedWitnessCalculator } from '../../src/prover/proving/witness-calculator';
import {
  chunkCircuitInput,
  chunkPublicSignals,
  finalCircuitInput,
  loadPrimitives,
} from '../../src/prover';
import { CONTEXT } from '../fixtures';
import { largeBook, largePositions, type LargeFixture } from './large-book-fixtures';

// Real Groth16 proofs with the committed artifacts: a chunk proof and a final proof of a
// large book verify with snarkjs under their committed keys, with the public signals in the
// order circuits.json names them, and fail once a public signal is changed.

let fx: LargeFixture;
beforeAll(async () => {
  fx = largeBook(await loadPrimitives(), largePositions(40));
});

async function prove(id: string, input: Record<string, unknown>) {
  const dir = artifactsDir();
  const entry = loadManifest(dir).circuits[id]!;
  const wtns = await new CachedWitnessCalculator(readArtifact(dir, entry.files.wasm)).witness(
    input,
  );
  const { proof, publicSignals } = await snarkjs.groth16.prove(
    join(dir, entry.files.zkey.path),
    wtns,
  );
  const vk = JSON.parse(readArtifact(dir, entry.files.vkey).toString('utf8')) as Record<
    string,
    unknown
  >;
  const named = Object.fromEntries(entry.publicSignals.map((name, i) => [name, publicSignals[i]]));
  return { proof, publicSignals, named, vk };
}

describe('large-book proofs with the committed artifacts', () => {
  it('a chunk proof verifies, with [commitment, fxTable, accIn, accOut] as the reference', async () => {
    const { proof, publicSignals, named, vk } = await prove(
      'chunk-32',
      chunkCircuitInput(fx.plan, fx.chain, 1),
    );
    expect(named).toEqual(chunkPublicSignals(fx.plan, fx.chain, 1));
    expect(await snarkjs.groth16.verify(vk, publicSignals, proof)).toBe(true);
    // The chunk's accIn and accOut swapped: another statement.
    const swapped = [publicSignals[0]!, publicSignals[1]!, publicSignals[3]!, publicSignals[2]!];
    expect(await snarkjs.groth16.verify(vk, swapped, proof)).toBe(false);
  });

  it('a final proof verifies, its chunkSet the last chunk accOut', async () => {
    const params = { claim: 'coverage' as const, minCoverageBps: 10000 };
    const { proof, publicSignals, named, vk } = await prove(
      'coverage-4096',
      finalCircuitInput(fx.plan, fx.chain, params, CONTEXT),
    );
    expect(named.commitment).toBe(fx.plan.commitment.toString());
    expect(named.chunkSet).toBe(fx.chain.accs[2]!.toString());
    expect(await snarkjs.groth16.verify(vk, publicSignals, proof)).toBe(true);
    const otherSet = [...publicSignals.slice(0, 3), fx.chain.accs[1]!.toString()];
    expect(await snarkjs.groth16.verify(vk, otherSet, proof)).toBe(false);
  });
});

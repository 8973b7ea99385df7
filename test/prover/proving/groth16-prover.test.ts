/**
 * The Groth16 prover over a parsed zkey (src/prover/proving/groth16-prover.ts) against snarkjs:
 * same public signals, proofs snarkjs' verifier accepts, on a multi-threaded and on a
 * single-threaded curve (the worker's ZKATTEST_PROVER_THREADS=1), and coded refusals of a
 * malformed zkey or another circuit's witness.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as snarkjs from 'snarkjs';
import { WitnessCalculatorBuilder } from 'circom_runtime';
import { fxBook, loadPrimitives, loadSnapshotFile, randomSalt } from '../../../src/prover';
import { circuitInput } from '../../../src/prover/proving/claim-inputs';
import { Groth16Prover } from '../../../src/prover/proving/groth16-prover';
import {
  terminateSnarkjsCurve,
  useSingleThreadedCurve,
} from '../../../src/common/snarkjs-teardown';
import { rejectionOf } from '../../support/zk-error';
import { CLAIMS } from '../../../src/claims';
import type { ClaimParams } from '../../../src/prover';

const ARTIFACTS = join(__dirname, '..', '..', '..', 'artifacts');
const SAMPLE = join(__dirname, '..', '..', '..', 'examples', 'snapshot.csv');
const read = (circuit: string, ext: string) =>
  new Uint8Array(readFileSync(join(ARTIFACTS, circuit, `${circuit}.${ext}`)));
const vkey = (circuit: string) =>
  JSON.parse(readFileSync(join(ARTIFACTS, circuit, 'verification_key.json'), 'utf8')) as Record<
    string,
    unknown
  >;

let zkey: Uint8Array;
let wtns: Uint8Array;
/** A witness of the concentration circuit: another number of wires. */
let otherWtns: Uint8Array;

async function witnessOf(circuit: string, input: Record<string, unknown>): Promise<Uint8Array> {
  const calculator = await WitnessCalculatorBuilder(read(circuit, 'wasm'));
  return calculator.calculateWTNSBin(input, true);
}

beforeAll(async () => {
  const p = await loadPrimitives();
  const book = fxBook(p, loadSnapshotFile(SAMPLE));
  const input = (params: ClaimParams) =>
    circuitInput({ book, salt: randomSalt(), params, context: 7n, slots: 32 });
  zkey = read('coverage-32', 'zkey');
  wtns = await witnessOf('coverage-32', input({ claim: 'coverage', minCoverageBps: 12000 }));
  otherWtns = await witnessOf(
    'concentration-32',
    input({
      claim: 'concentration',
      ...CLAIMS.find((c) => c.name === 'concentration')!.example.params,
    } as ClaimParams),
  );
});

afterEach(terminateSnarkjsCurve);

describe('Groth16Prover', () => {
  it('gives the public signals snarkjs gives, in a proof snarkjs verifies', async () => {
    const prover = Groth16Prover.fromZkey(zkey);
    const ours = await prover.prove(wtns);
    const theirs = await snarkjs.groth16.prove(
      { type: 'mem', data: zkey },
      { type: 'mem', data: wtns },
    );
    expect(ours.publicSignals).toEqual(theirs.publicSignals);
    expect(ours.proof).toMatchObject({ protocol: 'groth16', curve: 'bn128' });
    expect(await snarkjs.groth16.verify(vkey('coverage-32'), ours.publicSignals, ours.proof)).toBe(
      true,
    );
    // Under another circuit's key, or with one public signal changed, it is refused.
    expect(
      await snarkjs.groth16.verify(vkey('yield-range-32'), ours.publicSignals, ours.proof),
    ).toBe(false);
    const changed = [...ours.publicSignals];
    changed[1] = (BigInt(changed[1]!) + 1n).toString();
    expect(await snarkjs.groth16.verify(vkey('coverage-32'), changed, ours.proof)).toBe(false);
  });

  it('proves on a single-threaded curve (one core per worker process)', async () => {
    await useSingleThreadedCurve();
    const prover = Groth16Prover.fromZkey(zkey);
    const first = await prover.prove(wtns);
    const second = await prover.prove(wtns);
    for (const { proof, publicSignals } of [first, second]) {
      expect(await snarkjs.groth16.verify(vkey('coverage-32'), publicSignals, proof)).toBe(true);
    }
    // Fresh randomness per proof: the same witness never gives the same proof twice.
    expect(second.proof.pi_a).not.toEqual(first.proof.pi_a);
  });

  it('keeps working once the curve it used was terminated and another built', async () => {
    const prover = Groth16Prover.fromZkey(zkey);
    await prover.prove(wtns);
    await terminateSnarkjsCurve();
    const { proof, publicSignals } = await prover.prove(wtns);
    expect(await snarkjs.groth16.verify(vkey('coverage-32'), publicSignals, proof)).toBe(true);
  });

  it('refuses a malformed zkey and a witness of another circuit (ARTIFACT_MISMATCH)', async () => {
    for (const bad of [zkey.slice(0, 1000), read('coverage-32', 'wasm'), new Uint8Array(4)]) {
      const err = await rejectionOf(Promise.resolve().then(() => Groth16Prover.fromZkey(bad)));
      expect(err.code).toBe('ARTIFACT_MISMATCH');
    }
    const prover = Groth16Prover.fromZkey(zkey);
    expect((await rejectionOf(prover.prove(otherWtns))).code).toBe('ARTIFACT_MISMATCH');
  });
});

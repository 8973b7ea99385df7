import { join } from 'node:path';
import * as snarkjs from 'snarkjs';
import type { Curve, Groth16Proof } from 'snarkjs';
import { loadManifest } from '../../src/common/artifact-manifest';
import { PUBLIC_SIGNAL_ORDER } from '../../src/common/attestation-package';
import { BN254_BASE_FIELD as Q, SNARK_SCALAR_FIELD as R } from '../../src/common/field';
import { ClaimProver, loadPrimitives, loadSnapshotFile, randomSalt } from '../../src/prover';
import { batchVerify, VerificationKeyRegistry, type BatchVerifyItem } from '../../src/verifier';
import { testSigner } from '../fixtures';

// Count snarkjs's single verifications, to see that valid proofs are settled by the batch.
jest.mock('snarkjs', () => {
  const actual = jest.requireActual<typeof import('snarkjs')>('snarkjs');
  return { ...actual, groth16: { ...actual.groth16, verify: jest.fn(actual.groth16.verify) } };
});

const N = 8;
let vk: Record<string, unknown>;
let valid: BatchVerifyItem[];
let curve: Curve;

/** A deep copy of valid proof k, free to tamper with. */
const copy = (k: number): BatchVerifyItem =>
  JSON.parse(JSON.stringify(valid[k])) as BatchVerifyItem;
const withProof = (k: number, edit: (p: Groth16Proof) => void): BatchVerifyItem => {
  const item = copy(k);
  edit(item.proof);
  return item;
};
const withSignal = (k: number, j: number, value: string): BatchVerifyItem => {
  const item = copy(k);
  item.publicSignals = item.publicSignals.map((s, i) => (i === j ? value : s));
  return item;
};
const bumpSignal = (k: number, j: number) =>
  withSignal(k, j, ((BigInt(valid[k]!.publicSignals[j]!) + 1n) % R).toString());
const snarkjsVerify = (item: BatchVerifyItem) =>
  snarkjs.groth16.verify(vk, item.publicSignals, item.proof);
/** batchVerify's answers and how many single snarkjs verifications it fell back to. */
async function batchWithSingles(items: BatchVerifyItem[]) {
  const verify = jest.mocked(snarkjs.groth16.verify);
  verify.mockClear();
  const answers = await batchVerify(vk, items);
  return { answers, singles: verify.mock.calls.length };
}
const expectedWithBad = (...bad: number[]) => Array.from({ length: N }, (_, i) => !bad.includes(i));

/** A point on the G2 twist outside the order-r subgroup (isValid accepts it). */
function twistPointOutsideG2(): string[][] {
  const { F2, G2 } = curve;
  for (let k = 1n; ; k++) {
    const x = F2.fromObject([k, 7n]);
    const rhs = F2.add(F2.mul(F2.square(x), x), G2.b);
    if (!F2.isSquare(rhs)) continue;
    const point = new Uint8Array(4 * curve.F1.n8);
    point.set(x);
    point.set(F2.sqrt(rhs), x.length);
    expect(G2.isValid(point)).toBe(true);
    expect(G2.isZero(G2.timesScalar(point, curve.r))).toBe(false);
    return G2.toObject(point).map((c) => c.map(String));
  }
}

beforeAll(async () => {
  const p = await loadPrimitives();
  const snapshot = loadSnapshotFile(join(__dirname, '..', '..', 'examples', 'snapshot.csv'));
  const prover = new ClaimProver(p);
  const salt = randomSalt();
  const signer = await testSigner();
  valid = [];
  for (let i = 0; i < N; i++) {
    const { package: pkg } = await prover.prove({
      snapshot,
      salt,
      signer,
      params: { claim: 'coverage', minCoverageBps: 12000 },
      context: 0xb00n + BigInt(i),
    });
    valid.push({
      publicSignals: PUBLIC_SIGNAL_ORDER.map((n) => pkg.publicSignals[n]),
      proof: pkg.proof,
    });
  }
  const registry = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true });
  vk = registry.get('coverage-32', loadManifest().circuits['coverage-32']!.vkeyHash).vk;
  curve = await snarkjs.curves.getCurveFromName('bn128');
});

describe('batchVerify', () => {
  it('accepts a batch of valid proofs of distinct statements', async () => {
    const statement = PUBLIC_SIGNAL_ORDER.indexOf('statement');
    expect(new Set(valid.map((v) => v.publicSignals[statement])).size).toBe(N);
    expect(await batchWithSingles(valid)).toEqual({ answers: expectedWithBad(), singles: 0 });
  });

  it.each([
    ['a tampered public signal', () => bumpSignal(5, 2)],
    [
      'the proof of another statement',
      () => ({ publicSignals: valid[5]!.publicSignals, proof: valid[1]!.proof }),
    ],
    [
      'pi_a replaced by another curve point (the G1 generator)',
      () => withProof(5, (p) => (p.pi_a = ['1', '2', '1'])),
    ],
    ['pi_b taken from another proof', () => withProof(5, (p) => (p.pi_b = valid[0]!.proof.pi_b))],
    [
      'pi_c replaced by -pi_c',
      () => withProof(5, (p) => (p.pi_c = [p.pi_c[0]!, (Q - BigInt(p.pi_c[1]!)).toString(), '1'])),
    ],
  ])('finds one bad proof among valid ones: %s', async (_name, bad) => {
    const items = [...valid];
    items[5] = bad();
    expect(await snarkjsVerify(items[5])).toBe(false);
    const { answers, singles } = await batchWithSingles(items);
    expect(answers).toEqual(expectedWithBad(5));
    expect(singles).toBeLessThanOrEqual(2); // bisection, not one by one
  });

  it('finds two bad proofs', async () => {
    const items = [...valid];
    items[0] = bumpSignal(0, 0);
    items[6] = { publicSignals: valid[6]!.publicSignals, proof: valid[3]!.proof };
    expect(await batchVerify(vk, items)).toEqual(expectedWithBad(0, 6));
  });

  it('answers false for every proof of an all-bad batch', async () => {
    const items = valid.map((_, k) => bumpSignal(k, 1));
    expect(await batchVerify(vk, items)).toEqual(valid.map(() => false));
  });

  it('answers false for a public signal >= r, as snarkjs does', async () => {
    const items = [...valid];
    items[3] = withSignal(3, 2, (BigInt(valid[3]!.publicSignals[2]!) + R).toString());
    expect(await snarkjsVerify(items[3])).toBe(false);
    expect(await batchVerify(vk, items)).toEqual(expectedWithBad(3));
  });

  it('answers false for the wrong number of public signals', async () => {
    const short = copy(2);
    short.publicSignals = short.publicSignals.slice(0, 2);
    const long = copy(4);
    long.publicSignals = [...long.publicSignals, '0'];
    const items = [...valid];
    items[2] = short;
    items[4] = long;
    expect(await batchVerify(vk, items)).toEqual(expectedWithBad(2, 4));
  });

  it('agrees with snarkjs.groth16.verify on every item of a mixed batch', async () => {
    const [x, y] = valid[1]!.proof.pi_a.map(BigInt) as [bigint, bigint];
    const z = 5n;
    const jacobian = [(x * z ** 2n) % Q, (y * z ** 3n) % Q, z].map(String);
    const hexSignal = `0x${BigInt(valid[2]!.publicSignals[0]!).toString(16)}`;
    const mixed: BatchVerifyItem[] = [
      valid[0]!,
      bumpSignal(1, 0),
      withProof(1, (p) => (p.pi_a = jacobian)), // the same point in Jacobian form
      withSignal(2, 0, hexSignal), // snarkjs reads 0x-hex strings too
      withProof(3, (p) => (p.pi_c = [p.pi_c[0]!, (BigInt(p.pi_c[1]!) + 1n).toString(), '1'])),
      withProof(3, (p) => (p.pi_a = ['0', '1', '0'])), // the identity
      withProof(4, (p) => (p.pi_b = twistPointOutsideG2())),
      withSignal(4, 1, R.toString()),
      withSignal(5, 1, (R - 1n).toString()),
      { publicSignals: valid[6]!.publicSignals, proof: valid[7]!.proof },
      valid[6]!,
      valid[7]!,
    ];
    const expected = await Promise.all(mixed.map(snarkjsVerify));
    expect(expected).toEqual([
      true,
      false,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      true,
      true,
    ]);
    expect(await batchVerify(vk, mixed)).toEqual(expected);
  });

  it('checks a pi_b outside the G2 subgroup alone with snarkjs, the rest as a batch', async () => {
    const items = [...valid];
    items[7] = withProof(7, (p) => (p.pi_b = twistPointOutsideG2()));
    expect(await batchWithSingles(items)).toEqual({ answers: expectedWithBad(7), singles: 1 });
  });

  it('answers [] for an empty batch', async () => {
    expect(await batchVerify(vk, [])).toEqual([]);
  });

  it('verifies a batch of one', async () => {
    expect(await batchVerify(vk, [valid[2]!])).toEqual([true]);
    expect(await batchVerify(vk, [bumpSignal(2, 2)])).toEqual([false]);
  });

  it.each([
    [
      'an IC point off the curve',
      (k: Record<string, unknown>) => {
        const ic = k.IC as string[][];
        return { ...k, IC: [ic[0], [ic[1]![0], '1', '1'], ...ic.slice(2)] };
      },
    ],
    [
      'a delta outside the G2 subgroup',
      (k: Record<string, unknown>) => ({
        ...k,
        vk_delta_2: twistPointOutsideG2(),
      }),
    ],
    ['another curve', (k: Record<string, unknown>) => ({ ...k, curve: 'bls12381' })],
    ['no IC', ({ IC: _ic, ...rest }: Record<string, unknown>) => rest],
  ])('throws for a malformed key: %s', async (_name, mutate) => {
    await expect(batchVerify(mutate(vk), valid.slice(0, 2))).rejects.toMatchObject({
      code: 'ARTIFACT_MISMATCH',
    });
    await expect(batchVerify(mutate(vk), [])).rejects.toMatchObject({ code: 'ARTIFACT_MISMATCH' });
  });
});

/**
 * The generated batch verifiers (src/chain/groth16-batch-solidity.ts) on a real anvil, with real
 * coverage-32 and yield-range-32 proofs: one pairing check for a whole batch passes valid
 * batches of 1 to 16 proofs and of two keys, refuses a batch with any one bad proof, answers as
 * the snarkjs single-proof verifiers on each proof, and leans on the pairing precompile's own
 * G2 subgroup check (shown here with a twist point outside the order-r subgroup).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AbiCoder, ContractFactory, JsonRpcProvider, type Contract } from 'ethers';
import { startAnvil, type Anvil } from '../../src/chain/anvil';
import { compileExtraContract } from '../../src/chain/contracts-build';
import {
  batchLibraryFromKeyFiles,
  groth16BatchLibrary,
} from '../../src/chain/groth16-batch-solidity';
import type { VerificationKey } from '../../src/chain/groth16-solidity';
import { solidityProof, type SolidityProof } from '../../src/chain/mint-call';
import { AttestationFactory } from '../support/attestation-factory';
import {
  evmWords,
  onTwist,
  Q,
  R,
  someTwistPoint,
  TWIST_COFACTOR,
  twistMul,
} from '../support/bn254-twist';

const FIXTURES = 'test/contracts/fixtures';
const COVERAGE_KEY = 'artifacts/coverage-32/verification_key.json';
const YIELD_KEY = 'artifacts/yield-range-32/verification_key.json';
const LIBRARIES: [string, string[]][] = [
  ['Coverage32BatchGroth16', [COVERAGE_KEY]],
  ['Coverage32YieldRange32BatchGroth16', [COVERAGE_KEY, YIELD_KEY]],
];

type Row = bigint[]; // [A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]
interface Item {
  proof: Row;
  inputs: bigint[];
}
const item = (p: SolidityProof): Item => ({
  proof: [...p.pA, ...p.pB[0], ...p.pB[1], ...p.pC],
  inputs: [...p.pubSignals],
});
const proofsOf = (items: Item[]) => items.map((i) => i.proof);
const inputsOf = (items: Item[]) => items.map((i) => i.inputs);

let anvil: Anvil;
let provider: JsonRpcProvider;
let harness: Contract;
let coverageReference: Contract;
let yieldReference: Contract;
let coverage: Item[];
let yields: Item[];

async function deploy(source: string, name: string, imports: string[] = []): Promise<Contract> {
  const a = compileExtraContract(source, name, imports);
  const admin = await provider.getSigner(0);
  const c = await new ContractFactory(a.abi as never[], a.bytecode, admin).deploy();
  await c.waitForDeployment();
  return c as unknown as Contract;
}

beforeAll(async () => {
  anvil = await startAnvil();
  provider = new JsonRpcProvider(anvil.rpcUrl, undefined, {
    staticNetwork: true,
    cacheTimeout: -1,
  });
  harness = await deploy(
    `${FIXTURES}/BatchGroth16Harness.sol`,
    'BatchGroth16Harness',
    LIBRARIES.map(([n]) => `${FIXTURES}/${n}.sol`),
  );
  coverageReference = await deploy(
    'artifacts/coverage-32/Coverage32Verifier.sol',
    'Coverage32Verifier',
  );
  yieldReference = await deploy(
    'artifacts/yield-range-32/YieldRange32Verifier.sol',
    'YieldRange32Verifier',
  );
  const factory = await AttestationFactory.create();
  coverage = [];
  // Distinct proofs: each its own context (so its own public inputs) and prover randomness.
  for (let i = 0; i < 16; i++) {
    coverage.push(item(solidityProof(await factory.package({ context: BigInt(1000 + i) }))));
  }
  yields = [];
  for (let i = 0; i < 2; i++) {
    const pkg = await factory.package({
      context: BigInt(2000 + i),
      params: { claim: 'yield-range', minYieldBps: 100, maxYieldBps: 500 },
    });
    yields.push(item(solidityProof(pkg)));
  }
}, 600_000);

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
});

/** The answer, or "reverts". */
const answer = (p: Promise<unknown>) =>
  p.then(
    (v) => v as boolean,
    () => 'reverts' as const,
  );
const batch = (items: Item[]) =>
  answer(harness.getFunction('verify')(proofsOf(items), inputsOf(items)));
const twoKeys = (c: Item[], y: Item[]) =>
  answer(harness.getFunction('verifyTwoKeys')(proofsOf(c), inputsOf(c), proofsOf(y), inputsOf(y)));
const single = (reference: Contract, i: Item) =>
  answer(
    reference.getFunction('verifyProof')(
      i.proof.slice(0, 2),
      [i.proof.slice(2, 4), i.proof.slice(4, 6)],
      i.proof.slice(6, 8),
      i.inputs,
    ),
  );

/** Raw call to a precompile; undefined when the call fails. */
async function precompile(address: number, words: bigint[]): Promise<string | undefined> {
  const data = AbiCoder.defaultAbiCoder().encode(
    words.map(() => 'uint256'),
    words,
  );
  try {
    return await provider.call({ to: `0x${address.toString(16).padStart(40, '0')}`, data });
  } catch {
    return undefined;
  }
}
const g1Add = async (a: bigint[], b: bigint[]) => {
  const out = (await precompile(6, [...a, ...b]))!;
  return [BigInt(out.slice(0, 66)), BigInt(`0x${out.slice(66)}`)];
};

/** A twist point of order != r (on the curve, so only the subgroup check can refuse it). */
function offSubgroupB(): bigint[] {
  const p = someTwistPoint();
  expect(onTwist(p)).toBe(true);
  expect(twistMul(p, R)).not.toBeNull();
  return evmWords(p).flat();
}

/** One bad proof (at `at`) in `items`, every way the brief names and a few more. */
function badVariants(items: Item[], at: number): [string, Item[]][] {
  const edit = (f: (i: Item) => void): Item[] =>
    items.map((x, k) => {
      const c = structuredClone(x);
      if (k === at) f(c);
      return c;
    });
  const out: [string, Item[]][] = [];
  for (let j = 0; j < 3; j++)
    out.push([`public input ${j} + 1`, edit((i) => (i.inputs[j]! += 1n))]);
  out.push(['A negated', edit((i) => (i.proof[1] = Q - i.proof[1]!))]);
  out.push(['C + 1 (off the curve)', edit((i) => (i.proof[6]! += 1n))]);
  out.push(['A.y + q (a coordinate >= q)', edit((i) => (i.proof[1]! += Q))]);
  out.push(['B.x.c1 + q (a coordinate >= q)', edit((i) => (i.proof[2]! += Q))]);
  out.push(['C.x + q (a coordinate >= q)', edit((i) => (i.proof[6]! += Q))]);
  out.push(['public input + r (>= r, same value mod r)', edit((i) => (i.inputs[0]! += R))]);
  out.push(['A at infinity', edit((i) => (i.proof[0] = i.proof[1] = 0n))]);
  out.push([
    'B in snarkjs (c0, c1) order',
    edit((i) => {
      const [a, b, c, d] = i.proof.slice(2, 6) as [bigint, bigint, bigint, bigint];
      i.proof.splice(2, 4, b, a, d, c);
    }),
  ]);
  out.push([
    'B outside the order-r subgroup',
    edit((i) => i.proof.splice(2, 4, ...offSubgroupB())),
  ]);
  if (items.length > 1) {
    const other = (at + 1) % items.length;
    const swapped = items.map((x) => structuredClone(x));
    [swapped[at]!.inputs, swapped[other]!.inputs] = [swapped[other]!.inputs, swapped[at]!.inputs];
    out.push(['public inputs swapped between two proofs', swapped]);
  }
  return out;
}

describe('generated batch Groth16 verifiers', () => {
  test('are generated from the committed keys (regenerate with npm run contracts:verifier -- --batch)', () => {
    for (const [name, keys] of LIBRARIES) {
      const committed = readFileSync(join(__dirname, 'fixtures', `${name}.sol`), 'utf8');
      expect(committed).toBe(batchLibraryFromKeyFiles(name, keys));
    }
  });

  test('a batch of 1, 2, 8 and 16 valid coverage-32 proofs passes in one pairing check', async () => {
    for (const n of [1, 2, 8, 16]) {
      expect([n, await batch(coverage.slice(0, n))]).toEqual([n, true]);
    }
    // The proofs are distinct and each valid alone.
    expect(new Set(coverage.map((i) => i.proof.join())).size).toBe(16);
    for (const i of coverage) expect(await single(coverageReference, i)).toBe(true);
    // No proof, or counts that differ, is not a batch.
    expect(await batch([])).toBe(false);
    expect(
      await answer(
        harness.getFunction('verify')(
          proofsOf(coverage.slice(0, 2)),
          inputsOf(coverage.slice(0, 1)),
        ),
      ),
    ).toBe(false);
  });

  test('a batch with one bad proof is refused, first (rho = 1) or later, and the transaction reverts', async () => {
    const eight = coverage.slice(0, 8);
    let refused = 0;
    for (const at of [0, 5]) {
      for (const [name, items] of badVariants(eight, at)) {
        expect([at, name, await batch(items)]).toEqual([at, name, false]);
        refused++;
      }
    }
    expect(refused).toBe(2 * 13);
    const [, bad] = badVariants(eight, 3)[0]!;
    await expect(
      harness.getFunction('measure').staticCall(proofsOf(bad), inputsOf(bad)),
    ).rejects.toMatchObject({ reason: 'batch refused' });
    // The valid batch goes through (a revert would throw).
    await harness.getFunction('measure').staticCall(proofsOf(eight), inputsOf(eight));
  });

  test('two bad proofs whose errors cancel under rho = 1 are refused (the combination is random)', async () => {
    // C_1 + T and C_2 - T: a plain sum of the equations (all rho_i = 1) would still hold.
    const [x, y] = [structuredClone(coverage[0]!), structuredClone(coverage[1]!)];
    const t = [1n, 2n]; // the G1 generator
    const tNeg = [1n, Q - 2n];
    x.proof.splice(6, 2, ...(await g1Add(x.proof.slice(6, 8), t)));
    y.proof.splice(6, 2, ...(await g1Add(y.proof.slice(6, 8), tNeg)));
    expect(await single(coverageReference, x)).toBe(false);
    expect(await single(coverageReference, y)).toBe(false);
    expect(await batch([x, y])).toBe(false);
    expect(await batch([y, x])).toBe(false);
  });

  test('answers as the snarkjs verifier on each proof and each bad variant (batches of one)', async () => {
    let compared = 0;
    for (const [i, reference] of [
      [coverage[0]!, coverageReference],
      [coverage[1]!, coverageReference],
    ] as const) {
      for (const [name, items] of [['valid', [i]] as [string, Item[]], ...badVariants([i], 0)]) {
        const expected = await single(reference, items[0]!);
        expect([name, expected]).toEqual([name, name === 'valid']);
        expect([name, await batch(items)]).toEqual([name, expected]);
        compared++;
      }
    }
    for (const y of yields) {
      expect(await single(yieldReference, y)).toBe(true);
      expect(await twoKeys([coverage[2]!], [y])).toBe(true);
      const bad = structuredClone(y);
      bad.inputs[1]! += 1n;
      expect(await single(yieldReference, bad)).toBe(false);
      expect(await twoKeys([coverage[2]!], [bad])).toBe(false);
    }
    expect(compared).toBe(2 * 13);
  });

  test('a two-key batch (coverage-32 + yield-range-32) passes, and fails with any one bad proof', async () => {
    const c = coverage.slice(0, 8);
    expect(await twoKeys(c, yields)).toBe(true);
    expect(await twoKeys(coverage.slice(0, 1), yields.slice(0, 1))).toBe(true);
    for (const [name, items] of badVariants(c, 6)) {
      expect([`coverage: ${name}`, await twoKeys(items, yields)]).toEqual([
        `coverage: ${name}`,
        false,
      ]);
    }
    for (const [name, items] of badVariants(yields, 1)) {
      expect([`yield: ${name}`, await twoKeys(c, items)]).toEqual([`yield: ${name}`, false]);
    }
    // A proof checked under the other key, and a key with no proof.
    expect(await twoKeys([...c.slice(0, 7), yields[0]!], [c[7]!, yields[1]!])).toBe(false);
    expect(await twoKeys(c, [])).toBe(false);
    expect(await twoKeys([], yields)).toBe(false);
  });

  test('the pairing precompile refuses a twist point outside the order-r subgroup (no check needed in the library)', async () => {
    const g1 = [1n, 2n];
    const g1Neg = [1n, Q - 2n];
    const off = offSubgroupB();
    // e(P, B) e(-P, B) = 1 for any B of G2: a point in the subgroup answers 1 ...
    const inSubgroup = evmWords(twistMul(someTwistPoint(), TWIST_COFACTOR)!).flat();
    expect(twistMul(twistMul(someTwistPoint(), TWIST_COFACTOR), R)).toBeNull();
    expect(BigInt((await precompile(8, [...g1, ...inSubgroup, ...g1Neg, ...inSubgroup]))!)).toBe(
      1n,
    );
    // ... the same point before clearing the cofactor (on the twist, order != r): the call fails.
    expect(await precompile(8, [...g1, ...off, ...g1Neg, ...off])).toBeUndefined();
    // And through the library: a proof whose B is that point, in a batch of valid ones.
    const items = coverage.slice(0, 4).map((x) => structuredClone(x));
    items[2]!.proof.splice(2, 4, ...off);
    expect(await batch(items)).toBe(false);
  });

  test('a 4-input key (the large-book shape) next to a 3-input key: one call, both widths', async () => {
    // coverage-32's key with a fourth IC point: a coverage proof with a fourth input 0 is valid
    // under it (vk_x gains 0 * IC4), one with a fourth input 1 is not.
    const root = join(__dirname, '..', '..');
    const key = (f: string) => JSON.parse(readFileSync(join(root, f), 'utf8')) as VerificationKey;
    const wide = key(COVERAGE_KEY);
    wide.nPublic = 4;
    wide.IC = [...wide.IC, ['1', '2', '1']];
    const dir = 'build/test-batch';
    mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(
      join(root, dir, 'WideBatchGroth16.sol'),
      groth16BatchLibrary('WideBatchGroth16', [
        { label: 'chunk-like', vk: wide, source: 'coverage-32 + IC4' },
        { label: 'yield-range-32', vk: key(YIELD_KEY), source: YIELD_KEY },
      ]),
    );
    writeFileSync(
      join(root, dir, 'WideHarness.sol'),
      `// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;
import {WideBatchGroth16} from "./WideBatchGroth16.sol";
contract WideHarness {
    function verify(uint256[8][] calldata a, uint256[4][] calldata ai, uint256[8][] calldata b, uint256[3][] calldata bi)
        external view returns (bool) {
        return WideBatchGroth16.verify(a, ai, b, bi);
    }
}
`,
    );
    const wideHarness = await deploy(`${dir}/WideHarness.sol`, 'WideHarness', [
      `${dir}/WideBatchGroth16.sol`,
    ]);
    const chunks = coverage.slice(0, 3).map((i) => ({ ...i, inputs: [...i.inputs, 0n] }));
    const run = (c: Item[]) =>
      answer(
        wideHarness.getFunction('verify')(
          proofsOf(c),
          inputsOf(c),
          proofsOf(yields.slice(0, 1)),
          inputsOf(yields.slice(0, 1)),
        ),
      );
    expect(await run(chunks)).toBe(true);
    for (const [name, fourth] of [
      ['fourth input 1', 1n],
      ['fourth input r', R],
    ] as const) {
      const bad = chunks.map((c, k) =>
        k === 1 ? { ...c, inputs: [...c.inputs.slice(0, 3), fourth] } : c,
      );
      expect([name, await run(bad)]).toEqual([name, false]);
    }
  });
});

/**
 * bench:gas, batch section: the generated batch Groth16 verifier (one pairing check for many
 * proofs, src/chain/groth16-batch-solidity.ts) through test/contracts/fixtures/
 * BatchGroth16Harness.sol, one transaction per batch: 1, 2, 8, 16 and 32 distinct coverage-32
 * proofs of one key, one coverage-32 + one yield-range-32 proof (the second key's fixed cost),
 * and 128 coverage-32 + 1 yield-range-32 proofs (the 32 proofs repeated four times: gas does
 * not depend on which valid proofs they are). Receipt gas is what a caller pays (21,000 and
 * calldata included, plus two storage writes of the harness: its lastOk / lastGas); "library"
 * is the library's own gas (gasleft() around the call).
 *
 * The 128 + 1 estimate is EXTRAPOLATED: two-key(1 + 1) + 127 * the per-proof marginal cost
 * (32 vs 16 proofs). The large-book keys have 4 public inputs, not 3: each adds one ecMul and
 * one ecAdd per key (~6,150 gas) and 32 calldata bytes + a mulmod/addmod per proof (<= ~550).
 */
import { ContractFactory, type Contract, type Signer } from 'ethers';
import { compileExtraContract } from '../src/chain/contracts-build';
import type { SolidityProof } from '../src/chain/mint-call';

const FIXTURES = 'test/contracts/fixtures';

type Row = bigint[];
const proofRow = (p: SolidityProof): Row => [...p.pA, ...p.pB[0], ...p.pB[1], ...p.pC];

export interface BatchGasResult {
  rows: [string, number][];
  json: Record<string, number>;
}

export async function batchVerifyGas(
  admin: Signer,
  coverage: SolidityProof[],
  yieldRange: SolidityProof,
): Promise<BatchGasResult> {
  const artifact = compileExtraContract(
    `${FIXTURES}/BatchGroth16Harness.sol`,
    'BatchGroth16Harness',
    [
      `${FIXTURES}/Coverage32BatchGroth16.sol`,
      `${FIXTURES}/Coverage32YieldRange32BatchGroth16.sol`,
    ],
  );
  const deployed = await new ContractFactory(
    artifact.abi as never[],
    artifact.bytecode,
    admin,
  ).deploy();
  await deployed.waitForDeployment();
  const harness = deployed as unknown as Contract;
  // The first write of lastOk / lastGas (zero -> non-zero) is not part of any batch's figure.
  await (
    await harness.getFunction('measure')([proofRow(coverage[0]!)], [coverage[0]!.pubSignals])
  ).wait();

  const send = async (fn: string, args: unknown[]) => {
    const receipt = await (await harness.getFunction(fn)(...args)).wait();
    return { tx: Number(receipt.gasUsed), library: Number(await harness.getFunction('lastGas')()) };
  };
  const oneKey = (ps: SolidityProof[]) =>
    send('measure', [ps.map(proofRow), ps.map((p) => p.pubSignals)]);
  const twoKeys = (ps: SolidityProof[], y: SolidityProof) =>
    send('measureTwoKeys', [
      ps.map(proofRow),
      ps.map((p) => p.pubSignals),
      [proofRow(y)],
      [y.pubSignals],
    ]);

  const sizes = [1, 2, 8, 16, 32].filter((n) => n <= coverage.length);
  const one: Record<number, { tx: number; library: number }> = {};
  for (const n of sizes) one[n] = await oneKey(coverage.slice(0, n));
  const hi = sizes[sizes.length - 1]!;
  const lo = sizes[sizes.length - 2]!;
  const perProof = Math.round((one[hi]!.tx - one[lo]!.tx) / (hi - lo));
  const perProofLibrary = Math.round((one[hi]!.library - one[lo]!.library) / (hi - lo));
  const pair = await twoKeys(coverage.slice(0, 1), yieldRange);
  const secondKey = pair.tx - one[2]!.tx;
  const estimate = pair.tx + 127 * perProof;
  const repeated = Array.from({ length: 128 }, (_, i) => coverage[i % coverage.length]!);
  const measured = await twoKeys(repeated, yieldRange);

  const rows: [string, number][] = [
    ...sizes.flatMap((n): [string, number][] => [
      [`batch verify, ${n} coverage-32 proof(s), one pairing check (tx)`, one[n]!.tx],
      ['  of which the library', one[n]!.library],
    ]),
    [`  per proof, marginal (${lo} -> ${hi} proofs, tx)`, perProof],
    ['  per proof, marginal (library only)', perProofLibrary],
    ['batch verify, 1 coverage-32 + 1 yield-range-32 (two keys, tx)', pair.tx],
    ['  the second key (two-key 1 + 1 minus one-key 2)', secondKey],
    ['batch verify, 128 + 1 proofs, two keys: EXTRAPOLATED (1 + 1) + 127 x marginal', estimate],
    ['batch verify, 128 + 1 proofs, two keys: measured (32 proofs repeated x4, tx)', measured.tx],
    ['  of which the library', measured.library],
  ];
  return {
    rows,
    json: {
      ...Object.fromEntries(sizes.map((n) => [`batchVerify${n}Proofs`, one[n]!.tx])),
      batchVerifyGasPerProof: perProof,
      batchVerifyLibraryGasPerProof: perProofLibrary,
      batchVerifySecondKey: secondKey,
      batchVerify128Plus1Estimate: estimate,
      batchVerify128Plus1Measured: measured.tx,
    },
  };
}

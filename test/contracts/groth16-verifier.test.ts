/**
 * The token's built-in Groth16 verifier (contracts/Coverage32Groth16.sol, generated from the
 * committed verification key) against the snarkjs-generated reference
 * (artifacts/coverage-32/Coverage32Verifier.sol), on a real anvil: the same answers on valid
 * proofs and on every single-word tampering of proof and public inputs, with and without the
 * third input folded into IC0.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContractFactory, JsonRpcProvider, type Contract } from 'ethers';
import { startAnvil, type Anvil } from '../../src/chain/anvil';
import { compileExtraContract } from '../../src/chain/contracts-build';
import { contractContext } from '../../src/chain/context-binding';
import { deployAll, deployContract, registerSignerSet } from '../../src/chain/deploy';
import { generatedLibrary, LIBRARY_FILE } from '../../src/chain/groth16-solidity';
import {
  headWitness,
  mintCalldata,
  mintStructs,
  postProofArgs,
  solidityProof,
  type SolidityProof,
} from '../../src/chain/mint-call';
import { buildSignerSet } from '../../src/common/signer-set';
import { AttestationFactory } from '../support/attestation-factory';

const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

let anvil: Anvil;
let provider: JsonRpcProvider;
let reference: Contract;
let harness: Contract;
let proofs: SolidityProof[];
let factory: AttestationFactory;

beforeAll(async () => {
  anvil = await startAnvil();
  provider = new JsonRpcProvider(anvil.rpcUrl, undefined, {
    staticNetwork: true,
    cacheTimeout: -1,
  });
  const admin = await provider.getSigner(0);
  reference = await deployContract(admin, 'Coverage32Verifier');
  const h = compileExtraContract('test/contracts/fixtures/Groth16Harness.sol', 'Groth16Harness', [
    LIBRARY_FILE,
  ]);
  const deployed = await new ContractFactory(h.abi as never[], h.bytecode, admin).deploy();
  await deployed.waitForDeployment();
  harness = deployed as unknown as Contract;
  factory = await AttestationFactory.create();
  proofs = [
    solidityProof(await factory.package({ context: 12345n })),
    solidityProof(await factory.package({ context: (1n << 128n) - 1n, signerSeed: 2 })),
  ];
}, 240_000);

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
});

type Args = [
  SolidityProof['pA'],
  SolidityProof['pB'],
  SolidityProof['pC'],
  SolidityProof['pubSignals'],
];
const argsOf = (p: SolidityProof): Args => [p.pA, p.pB, p.pC, p.pubSignals];

/** Every variant of `p` with one word changed (+1), plus structural edits. */
function tampered(p: SolidityProof): [string, Args][] {
  const out: [string, Args][] = [];
  const clone = () => structuredClone(p);
  for (let i = 0; i < 2; i++) {
    const a = clone();
    a.pA[i]! += 1n;
    out.push([`pA[${i}] + 1`, argsOf(a)]);
    const c = clone();
    c.pC[i]! += 1n;
    out.push([`pC[${i}] + 1`, argsOf(c)]);
    for (let j = 0; j < 2; j++) {
      const b = clone();
      b.pB[i]![j]! += 1n;
      out.push([`pB[${i}][${j}] + 1`, argsOf(b)]);
    }
  }
  for (let k = 0; k < 3; k++) {
    const s = clone();
    s.pubSignals[k]! += 1n;
    out.push([`pubSignals[${k}] + 1`, argsOf(s)]);
  }
  const swapped = clone();
  swapped.pB = [
    [p.pB[0][1], p.pB[0][0]],
    [p.pB[1][1], p.pB[1][0]],
  ];
  out.push(['pB in snarkjs (c0, c1) order', argsOf(swapped)]);
  const negA = clone();
  negA.pA[1] = Q - p.pA[1];
  out.push(['-A instead of A', argsOf(negA)]);
  const bigY = clone();
  bigY.pA[1] = p.pA[1] + Q;
  out.push(['A.y + q (not a field element)', argsOf(bigY)]);
  const ac = clone();
  ac.pA = p.pC;
  ac.pC = p.pA;
  out.push(['A and C swapped', argsOf(ac)]);
  const zero = clone();
  zero.pA = [0n, 0n];
  out.push(['A at infinity', argsOf(zero)]);
  return out;
}

/** The answer, or "reverts". */
const answer = (c: Contract, fn: string, args: Args) =>
  (c.getFunction(fn)(...args) as Promise<boolean>).then(
    (v) => v,
    () => 'reverts',
  );

describe('Coverage32Groth16 (built-in verifier)', () => {
  test('is generated from the committed verification key (regenerate with npm run contracts:verifier)', () => {
    const committed = readFileSync(join(__dirname, '..', '..', LIBRARY_FILE), 'utf8');
    expect(committed).toBe(generatedLibrary());
  });

  test('answers as the snarkjs verifier on valid proofs and on every tampered variant', async () => {
    let compared = 0;
    for (const p of proofs) {
      const cases: [string, Args][] = [['valid', argsOf(p)], ...tampered(p)];
      for (const [name, args] of cases) {
        const expected = await answer(reference, 'verifyProof', args);
        expect([name, expected]).toEqual([name, name === 'valid']);
        expect([name, await answer(harness, 'verify', args)]).toEqual([name, expected]);
        expect([name, await answer(harness, 'verifyFolded', args)]).toEqual([name, expected]);
        compared++;
      }
      // A proof for other public inputs does not verify this one's (cross-check).
      const other = proofs.find((q) => q !== p)!;
      const mixed: Args = [p.pA, p.pB, p.pC, other.pubSignals];
      expect(await answer(harness, 'verify', mixed)).toBe(false);
      expect(await answer(reference, 'verifyProof', mixed)).toBe(false);
    }
    expect(compared).toBe(2 * 17);
  });

  test('a token with the built-in verifier takes a real proof by postProof and refuses it tampered', async () => {
    const admin = await provider.getSigner(0);
    const d = await deployAll(admin, { currency: 'CNY', decimals: 2, allowDevelopmentSetup: true });
    expect(d.verifier).toBeUndefined();
    expect(await d.token.getFunction('verifier')()).toBe(
      '0x0000000000000000000000000000000000000000',
    );
    const key = await factory.signer(7);
    await registerSignerSet(
      d.registry,
      buildSignerSet(1, [{ publicKey: key.publicKey, label: 'c' }]),
      0,
    );
    const now = (await provider.getBlock('latest'))!.timestamp;
    const p = await factory.package({
      context: contractContext(d.chainId, d.addresses.token),
      asOf: now - 600,
      signerSeed: 7,
    });
    const post = (calldata: string) =>
      (d.token.connect(provider) as Contract).getFunction('postProof').staticCall(calldata);
    const head = await headWitness(d.token, p.snapshot.setId);
    const bad = mintStructs(p);
    bad.proof.pC = [bad.proof.pC[0], bad.proof.pC[1] + 1n];
    await expect(post(mintCalldata(bad, head))).rejects.toMatchObject({
      revert: { name: 'ProofGatedToken__InvalidProof' },
    });
    const share = (await post(...postProofArgs(p, head))) as bigint;
    expect(share).toBe(BigInt(p.publicSignals.statement) >> 144n);
  });
});

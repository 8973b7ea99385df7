/**
 * postLargeProof on a real anvil (LARGESPEC section 8): real large-book coverage packages
 * (64 positions = 2 chunks, 128 = 4 chunks, proved by ClaimProver's large path) on the token's
 * built-in batch verifier (chunk-32 + coverage-4096, one pairing call), then plain mints; the
 * chunk chain's refusals, a bad chunk proof reverting a mined transaction, and a large package
 * refused by postProof. The relay posts a large package through postLargeProof.
 */
import { JsonRpcProvider, type Contract, type JsonRpcSigner } from 'ethers';
import { startAnvil, type Anvil } from '../../src/chain/anvil';
import { contractContext } from '../../src/chain/context-binding';
import { deployAll, registerSignerSet, type Deployment } from '../../src/chain/deploy';
import { headWitness, postLargeProofArgs, postProofArgs } from '../../src/chain/mint-call';
import { relayPackage } from '../../src/chain/relay';
import type { AttestationPackage } from '../../src/common/attestation-package';
import { BN254_BASE_FIELD } from '../../src/common/field';
import type { Signer } from '../../src/common/p256-signer';
import { commitmentHex, signedSnapshotOf, snapshotDigest } from '../../src/common/signed-snapshot';
import { buildSignerSet } from '../../src/common/signer-set';
import { ClaimProver, loadPrimitives, type Snapshot } from '../../src/prover';
import { largePositions } from '../circuits/large-book-fixtures';
import { SALT, testSigner } from '../fixtures';

const LIABILITIES = 10_000_000n;
const DEV = { allowDevelopmentSetup: true };
const RELAYER_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';

let anvil: Anvil;
let provider: JsonRpcProvider;
let admin: JsonRpcSigner;
let outsider: JsonRpcSigner;
let holder: string;
let d: Deployment;
let signer: Signer;
/** 64 positions: 2 chunks, epoch 0. */
let two: AttestationPackage;
/** 128 positions: 4 chunks, epoch 1 (the next link after `two`). */
let four: AttestationPackage;

async function revertOf(action: Promise<unknown>, on: Contract = d.token): Promise<string> {
  try {
    await action;
  } catch (e) {
    const err = e as { revert?: { name?: string }; data?: string };
    if (err.revert?.name) return err.revert.name;
    if (err.data) return on.interface.parseError(err.data)?.name ?? `unknown ${err.data}`;
    throw e;
  }
  return 'posted';
}

const clone = (p: AttestationPackage) => structuredClone(p);
const postLarge = () => (d.token.connect(outsider) as Contract).getFunction('postLargeProof');
const headOf = (p: AttestationPackage) => headWitness(d.token, p.snapshot.setId);
const largeArgs = async (p: AttestationPackage) => postLargeProofArgs(p, await headOf(p));
const tryLarge = async (p: AttestationPackage) =>
  revertOf(postLarge().staticCall(...(await largeArgs(p))));

/** A CNY book (the identity table) of `count` positions, dated an hour before `now`. */
function cnyBook(count: number, now: number): Snapshot {
  return {
    asOf: now - 3600,
    currency: 'CNY',
    decimals: 2,
    liabilities: LIABILITIES,
    positions: largePositions(count, () => ({ currency: 'CNY' })),
  };
}

beforeAll(async () => {
  anvil = await startAnvil();
  provider = new JsonRpcProvider(anvil.rpcUrl, undefined, {
    staticNetwork: true,
    cacheTimeout: -1,
  });
  [admin, outsider] = await Promise.all([0, 1].map((i) => provider.getSigner(i)));
  holder = await (await provider.getSigner(2)).getAddress();
  d = await deployAll(admin, { currency: 'CNY', decimals: 2, ...DEV });
  signer = await testSigner(1);
  await registerSignerSet(
    d.registry,
    buildSignerSet(1, [{ publicKey: signer.publicKey, label: 'custodian' }]),
    0,
  );
  const now = (await provider.getBlock('latest'))!.timestamp;
  const prover = new ClaimProver(await loadPrimitives());
  const context = contractContext(d.chainId, d.addresses.token);
  const params = { claim: 'coverage', minCoverageBps: 12_000 } as const;
  ({ package: two } = await prover.prove({
    snapshot: cnyBook(64, now),
    salt: SALT,
    signer,
    params,
    context,
  }));
  ({ package: four } = await prover.prove({
    snapshot: cnyBook(128, now + 60),
    salt: SALT + 1n,
    signer,
    params,
    context,
    epoch: 1,
    prevCommitment: commitmentHex(two.publicSignals.commitment),
  }));
}, 600_000);

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
});

describe('postLargeProof: a large book on-chain', () => {
  test('the packages are large coverage packages (2 and 4 chunks)', () => {
    expect([two.circuitId, two.chunks?.length, two.snapshot.chunks]).toEqual([
      'coverage-4096',
      2,
      2,
    ]);
    expect([four.chunks?.length, four.snapshot.chunks]).toEqual([4, 4]);
  });

  test('the token with its inlined batch verifier stays under the 24,576-byte code limit', async () => {
    // anvil does not enforce EIP-170 by default: measure the deployed code.
    const bytes = (await provider.getCode(d.addresses.token)).length / 2 - 1;
    console.log(`ProofGatedToken deployed code: ${bytes} bytes`);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(24_576);
  });

  test('a large package sent to postProof (or a single one to postLargeProof) is refused', async () => {
    const postProof = d.token.getFunction('postProof');
    expect(await revertOf(postProof.staticCall(...postProofArgs(two, await headOf(two))))).toBe(
      'ProofGatedToken__UnsupportedSnapshot',
    );
    const single = clone(two);
    delete single.chunks;
    delete single.publicSignals.chunkSet;
    expect(() => postLargeProofArgs(single, null)).toThrow(/no chunk proofs/);
  });

  test('one bad chunk proof: the mined transaction reverts and nothing is posted', async () => {
    const p = clone(two);
    const c = p.chunks![1]!.proof.pi_c;
    c[1] = (BN254_BASE_FIELD - BigInt(c[1])).toString();
    // An explicit gas limit skips estimation, so the transaction is mined and reverts.
    const tx = await postLarge()(...(await largeArgs(p)), { gasLimit: 5_000_000 });
    await expect(tx.wait()).rejects.toMatchObject({ receipt: { status: 0 } });
    expect((await d.token.getFunction('posted')()).share).toBe(0n);
  });

  test('posts a 2-chunk package (via the relay), mints within its capacity', async () => {
    const [outcome] = await relayPackage(
      two,
      [
        {
          name: 'anvil',
          rpcUrl: anvil.rpcUrl,
          chainId: d.chainId.toString(),
          token: d.addresses.token,
        },
      ],
      RELAYER_KEY,
    );
    expect(outcome).toMatchObject({ status: 'posted', share: LIABILITIES.toString() });
    console.log(`postLargeProof, 2 chunks: ${outcome!.gasUsed} gas`);
    const posted = await d.token.getFunction('posted')();
    expect(posted.share).toBe(LIABILITIES);
    const mint = d.token.getFunction('mint');
    // The deployer (admin) holds MINTER_ROLE (deployAll's default).
    await (await mint(holder, LIABILITIES - 1n)).wait();
    expect(await revertOf(mint.staticCall(holder, 2n))).toBe('ProofGatedToken__OverCapacity');
    await (await mint(holder, 1n)).wait();
    expect(await d.token.getFunction('totalSupply')()).toBe(LIABILITIES);

    // The same package again: the relay sees it posted.
    const [again] = await relayPackage(
      two,
      [
        {
          name: 'anvil',
          rpcUrl: anvil.rpcUrl,
          chainId: d.chainId.toString(),
          token: d.addresses.token,
        },
      ],
      RELAYER_KEY,
    );
    expect(again!.status).toBe('already-posted');
  });

  test('refused versions of the 4-chunk next link (chunk chain, proofs)', async () => {
    const cases: [string, (p: AttestationPackage) => void, string][] = [
      ['a chunk dropped', (p) => p.chunks!.splice(1, 1), 'ProofGatedToken__ChunkChainBroken'],
      [
        'the last chunk dropped (chunks = 3 signed as 4)',
        (p) => p.chunks!.pop(),
        'ProofGatedToken__ChunkChainBroken',
      ],
      [
        'two chunks swapped',
        (p) => p.chunks!.splice(1, 2, p.chunks![2]!, p.chunks![1]!),
        'ProofGatedToken__ChunkChainBroken',
      ],
      [
        'chunkSet not the last accOut',
        (p) => (p.publicSignals.chunkSet = p.chunks![2]!.publicSignals.accOut),
        'ProofGatedToken__ChunkChainBroken',
      ],
      [
        'the message says 8 chunks',
        (p) => (p.snapshot.chunks = 8),
        'ProofGatedToken__ChunkChainBroken',
      ],
      [
        'a chunk from another book',
        (p) => (p.chunks![1] = two.chunks![1]!),
        'ProofGatedToken__ChunkMismatch',
      ],
      [
        'a chunk from another book, its signals rewritten to fit the chain',
        (p) => (p.chunks![1]!.proof = two.chunks![1]!.proof),
        'ProofGatedToken__InvalidProof',
      ],
      [
        'the final statement inflated (capacity + 1)',
        (p) =>
          (p.publicSignals.statement = (
            BigInt(p.publicSignals.statement) +
            (1n << 144n)
          ).toString()),
        'ProofGatedToken__InvalidProof',
      ],
      [
        'chunk 2’s A negated',
        (p) => {
          const a = p.chunks![2]!.proof.pi_a;
          a[1] = (BN254_BASE_FIELD - BigInt(a[1])).toString();
        },
        'ProofGatedToken__InvalidProof',
      ],
    ];
    for (const [name, edit, expected] of cases) {
      const p = clone(four);
      edit(p);
      expect([name, await tryLarge(p)]).toEqual([name, expected]);
    }
    // The good one passes the same static call (so each refusal is the edit's).
    expect(await tryLarge(four)).toBe('posted');
  });

  test('the 4-chunk package posts as the next link', async () => {
    const receipt = await (await postLarge()(...(await largeArgs(four)))).wait();
    console.log(`postLargeProof, 4 chunks: ${receipt.gasUsed} gas`);
    expect(await headOf(four)).toEqual({
      digest: `0x${snapshotDigest(signedSnapshotOf(four).message)}`,
      commitment: BigInt(four.publicSignals.commitment),
      epoch: 1n,
      asOf: four.snapshot.asOf,
    });
    expect((await d.token.getFunction('posted')()).epoch).toBe(1n);
  });
});

/**
 * End to end on a real anvil: real v2 coverage proofs (the sample CNY book, a P-256 signer) on
 * the token's built-in Groth16 verifier (Coverage32Groth16: the identity FX table folded in;
 * the full path for a signed FX table) of a CNY 2 ProofGatedToken; off-chain and on-chain
 * verifiers agree.
 */
import * as snarkjs from 'snarkjs';
import { JsonRpcProvider, type Contract, type JsonRpcSigner } from 'ethers';
import type { AttestationPackage } from '../../src/common/attestation-package';
import { BN254_BASE_FIELD } from '../../src/common/field';
import { keyIdOf } from '../../src/common/p256';
import { startAnvil, type Anvil } from '../../src/chain/anvil';
import { contractContext } from '../../src/chain/context-binding';
import {
  deployAll,
  deployContract,
  registerFxSource,
  registerSignerSet,
  type Deployment,
} from '../../src/chain/deploy';
import { buildSignerSet } from '../../src/common/signer-set';
import { headWitness, mintWithProofArgs, solidityProof } from '../../src/chain/mint-call';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fxMessage, fxTableHash, parseFxTable } from '../../src/common/fx-table';
import { ClaimProver, loadPrimitives, loadSnapshotFile, randomSalt } from '../../src/prover';
import { testSigner } from '../fixtures';
import { AttestationFactory } from '../support/attestation-factory';
import { highS, TestP256Key } from '../support/v2-mint-fixture';
import { snapshotMessage } from '../../src/common/snapshot-message';
import { commitmentHex } from '../../src/common/signed-snapshot';
import { VerificationKeyRegistry, verifyPackage } from '../../src/verifier';

const EXAMPLES = join(__dirname, '..', '..', 'examples');

/** Throwaway anvil: the built-in verifier's development-setup key is fine here. */
const DEV = { allowDevelopmentSetup: true };
let anvil: Anvil;
let provider: JsonRpcProvider;
let admin: JsonRpcSigner;
let holder: string;
let d: Deployment;
let token: Contract;
let good: AttestationPackage;
let factory: AttestationFactory;

async function revertOf(action: Promise<unknown>, on: Contract = token): Promise<string> {
  try {
    await action;
  } catch (e) {
    const err = e as { revert?: { name?: string }; data?: string };
    if (err.revert?.name) return err.revert.name;
    if (err.data) return on.interface.parseError(err.data)?.name ?? `unknown ${err.data}`;
    throw e;
  }
  return 'minted';
}

/** The set's head witness on `on` now (POSTSPEC §3), read right before each call. */
const headOf = (on: Contract, p: AttestationPackage) => headWitness(on, p.snapshot.setId);
const mint = async (p: AttestationPackage, amount: bigint) =>
  token.getFunction('mintWithProof')(
    ...mintWithProofArgs(p, holder, amount, await headOf(token, p)),
  );
const clone = (p: AttestationPackage) => JSON.parse(JSON.stringify(p)) as AttestationPackage;
const solo = (publicKey: { x: string; y: string }) =>
  buildSignerSet(1, [{ publicKey, label: 'custodian' }]);

beforeAll(async () => {
  anvil = await startAnvil();
  provider = new JsonRpcProvider(anvil.rpcUrl, undefined, {
    staticNetwork: true,
    cacheTimeout: -1,
  });
  admin = await provider.getSigner(0);
  holder = await (await provider.getSigner(2)).getAddress();
  d = await deployAll(admin, { currency: 'CNY', decimals: 2, ...DEV });
  token = d.token;
  factory = await AttestationFactory.create();
  const signer = await factory.signer(1);
  await registerSignerSet(d.registry, solo(signer.publicKey), 0);
  const now = (await provider.getBlock('latest'))!.timestamp;
  good = await factory.package({
    context: contractContext(d.chainId, d.addresses.token),
    asOf: now - 3600,
  });
  expect(good.signatures[0]!.keyId).toBe(keyIdOf(signer.publicKey));
}, 240_000);

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
});

describe('a real v2 proof on the real verifier', () => {
  test('the token and the off-chain verifier agree on proofs and signatures', async () => {
    const keys = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true });
    const other = new TestP256Key();
    const tamper = (f: (p: AttestationPackage) => void) => {
      const p = clone(good);
      f(p);
      return p;
    };
    const cases: [string, AttestationPackage, string][] = [
      ['good', good, 'minted'],
      [
        'statement + 2^200 (capacity)',
        tamper((p) => {
          p.publicSignals.statement = (BigInt(p.publicSignals.statement) + (1n << 200n)).toString();
        }),
        'ProofGatedToken__InvalidProof',
      ],
      ['asOf - 1', tamper((p) => (p.snapshot.asOf -= 1)), 'ProofGatedToken__InvalidSignature'],
      [
        'high-s',
        tamper((p) => (p.signatures[0]!.signature = highS(p.signatures[0]!.signature))),
        'ProofGatedToken__SignatureMalformed',
      ],
      [
        'another key signs the same message (under the member’s key)',
        tamper((p) => {
          const message = snapshotMessage({
            ...p.snapshot,
            epoch: BigInt(p.snapshot.epoch),
            commitment: BigInt(p.publicSignals.commitment),
            fxTableHash: BigInt(p.publicSignals.fxTable),
          });
          p.signatures[0]!.signature = other.sign(message);
        }),
        'ProofGatedToken__InvalidSignature',
      ],
      [
        'the epoch edited after signing',
        tamper((p) => (p.snapshot.epoch += 1)),
        'ProofGatedToken__InvalidSignature',
      ],
    ];
    const fn = token.getFunction('mintWithProof');
    for (const [name, p, onChainExpected] of cases) {
      const offChain = await verifyPackage(p, keys).then(
        (v) => v.valid,
        () => false, // a malformed signature is a coded error, never a "valid"
      );
      const onChain = await revertOf(
        fn.staticCall(...mintWithProofArgs(p, holder, 1n, await headOf(token, p))),
      );
      expect([name, onChain]).toEqual([name, onChainExpected]);
      expect([name, offChain]).toEqual([name, onChain === 'minted']);
    }
  });

  test('an inflated capacity (the statement is not signed) or a tampered proof is refused by the verifier', async () => {
    const p = clone(good);
    p.publicSignals.statement = (BigInt(p.publicSignals.statement) + (1n << 200n)).toString();
    expect(await revertOf(mint(p, 1n))).toBe('ProofGatedToken__InvalidProof');
    const negA = clone(good);
    negA.proof.pi_a[1] = (BN254_BASE_FIELD - BigInt(negA.proof.pi_a[1])).toString();
    expect(await revertOf(mint(negA, 1n))).toBe('ProofGatedToken__InvalidProof');
  });

  test('mints within the proven capacity and not one unit past it', async () => {
    const capacity = BigInt(good.publicSignals.statement) >> 144n;
    const receipt = await (await mint(good, capacity / 2n)).wait();
    expect(receipt.status).toBe(1);
    expect(await revertOf(mint(good, capacity - capacity / 2n + 1n))).toBe(
      'ProofGatedToken__OverCapacity',
    );
    await (await mint(good, capacity - capacity / 2n)).wait();
    expect(await token.getFunction('totalSupply')()).toBe(capacity);
  });

  test('solidityProof matches snarkjs exportSolidityCallData', async () => {
    const signals = [
      good.publicSignals.commitment,
      good.publicSignals.statement,
      good.publicSignals.fxTable,
    ];
    const calldata = await snarkjs.groth16.exportSolidityCallData(good.proof, signals);
    const [pA, pB, pC, pub] = JSON.parse(`[${calldata}]`) as unknown[];
    const big = (x: unknown): unknown => (Array.isArray(x) ? x.map(big) : BigInt(x as string));
    const s = solidityProof(good);
    expect([s.pA, s.pB, s.pC, s.pubSignals]).toEqual([big(pA), big(pB), big(pC), big(pub)]);
    // The snarkjs-generated verifier (the built-in one's reference) answers the same calldata.
    const reference = await deployContract(admin, 'Coverage32Verifier');
    const verify = reference.getFunction('verifyProof');
    expect(await verify(s.pA, s.pB, s.pC, s.pubSignals)).toBe(true);
    const bumped: typeof s.pubSignals = [s.pubSignals[0], s.pubSignals[1], s.pubSignals[2] + 1n];
    expect(await verify(s.pA, s.pB, s.pC, bumped)).toBe(false);
  });
});

describe('a real 2-of-3 package on the real verifier', () => {
  test('two members’ signatures mint; one does not; the off-chain verifier agrees', async () => {
    // A token of its own: the first describe minted the sample's whole capacity on `token`.
    const own = await deployAll(admin, { currency: 'CNY', decimals: 2, ...DEV });
    const set = await factory.signerSet(2, [11, 12, 13], ['Custodian X', 'Auditor Y', 'Trustee Z']);
    await registerSignerSet(own.registry, set, 0);
    const now = (await provider.getBlock('latest'))!.timestamp;
    const context = contractContext(own.chainId, own.addresses.token);
    const mint = async (p: AttestationPackage, amount: bigint) =>
      own.token.getFunction('mintWithProof')(
        ...mintWithProofArgs(p, holder, amount, await headOf(own.token, p)),
      );
    const two = await factory.package({ context, asOf: now - 1800, set, signWith: [13, 11] });
    expect(two.signatures).toHaveLength(2);
    const keys = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true });
    expect((await verifyPackage(two, keys)).valid).toBe(true);
    const one = clone(two);
    one.signatures = one.signatures.slice(0, 1);
    expect((await verifyPackage(one, keys)).valid).toBe(false);
    expect(await revertOf(mint(one, 1n), own.token)).toBe('ProofGatedToken__ThresholdNotMet');
    expect(await revertOf(mint(two, 1n), own.token)).toBe('minted');
  });
});

describe('a real v2 proof over a three-currency book with a signed FX table', () => {
  test('a USD 2 token mints against it; the same proof with stale rates or an unregistered source does not', async () => {
    const usd = await deployAll(admin, { currency: 'USD', decimals: 2, maxFxAge: 7200, ...DEV });
    const signer = await testSigner(1);
    const fxSource = new TestP256Key();
    await registerSignerSet(usd.registry, solo(signer.publicKey), 0);
    await registerFxSource(usd.registry, fxSource.publicKey, 'fixing agent', 0);
    const now = (await provider.getBlock('latest'))!.timestamp;
    const table = parseFxTable(JSON.parse(readFileSync(join(EXAMPLES, 'fx-table.json'), 'utf8')));
    const hash = await fxTableHash(table);
    const signed = (source: TestP256Key, asOf: number) => ({
      table,
      source: {
        keyId: source.keyId,
        publicKey: source.publicKey,
        asOf,
        signature: source.sign(fxMessage(hash, table.reporting, asOf)),
      },
    });
    const snapshot = {
      ...loadSnapshotFile(join(EXAMPLES, 'snapshot-multicurrency.csv')),
      asOf: now - 3600,
    };
    const prover = new ClaimProver(await loadPrimitives());
    const prove = async (
      fx: ReturnType<typeof signed>,
      token = usd.addresses.token,
      after?: AttestationPackage,
    ) =>
      (
        await prover.prove({
          snapshot,
          salt: randomSalt(),
          signer,
          fx,
          // The next link after `after`: the chain accepts it, so the FX check is what refuses.
          ...(after
            ? { epoch: 1, prevCommitment: commitmentHex(after.publicSignals.commitment) }
            : {}),
          params: { claim: 'coverage', minCoverageBps: 12000 },
          context: contractContext(usd.chainId, token),
        })
      ).package;
    const pkg = await prove(signed(fxSource, now - 600));
    expect(BigInt(pkg.publicSignals.fxTable)).toBe(hash);
    const fn = usd.token.getFunction('mintWithProof');
    const receipt = await (
      await fn(...mintWithProofArgs(pkg, holder, 1_000_000_00n, await headOf(usd.token, pkg)))
    ).wait();
    expect(receipt.status).toBe(1);
    expect(await usd.token.getFunction('balanceOf')(holder)).toBe(1_000_000_00n);

    const refusedWith = async (p: AttestationPackage) =>
      revertOf(fn(...mintWithProofArgs(p, holder, 1n, await headOf(usd.token, p))), usd.token);
    // The same book with the same table, signed 3 hours ago (maxFxAge 2 hours), or by a key the
    // registry does not know.
    const token = usd.addresses.token;
    expect(await refusedWith(await prove(signed(fxSource, now - 3 * 3600), token, pkg))).toBe(
      'ProofGatedToken__StaleFx',
    );
    expect(await refusedWith(await prove(signed(new TestP256Key(), now - 600), token, pkg))).toBe(
      'ProofGatedToken__UntrustedFxSource',
    );
    // Another snapshot for the epoch already minted on: equivocation.
    expect(await refusedWith(await prove(signed(fxSource, now - 600)))).toBe(
      'ProofGatedToken__Equivocation',
    );
    // A CNY 2 token (same registry keys) refuses a USD-reporting package bound to it: the
    // snapshot message it rebuilds is in CNY 2.
    const cny = await deployAll(admin, { currency: 'CNY', decimals: 2, ...DEV });
    await registerSignerSet(cny.registry, solo(signer.publicKey), 0);
    await registerFxSource(cny.registry, fxSource.publicKey, 'fixing agent', 0);
    const forCny = await prove(signed(fxSource, now - 600), cny.addresses.token);
    const onCny = cny.token.getFunction('mintWithProof');
    expect(
      await revertOf(
        onCny(...mintWithProofArgs(forCny, holder, 1n, await headOf(cny.token, forCny))),
        cny.token,
      ),
    ).toBe('ProofGatedToken__InvalidSignature');
  }, 240_000);
});

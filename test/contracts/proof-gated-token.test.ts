/**
 * ProofGatedToken on a real local chain: anvil (started here), the contracts compiled with
 * solc, and real coverage proofs bound to the token's context binding.
 */
import * as snarkjs from 'snarkjs';
import { Interface, JsonRpcProvider, type Contract, type JsonRpcSigner } from 'ethers';
import type { AttestationPackage } from '../../src/common/attestation-package';
import { BN254_BASE_FIELD, SNARK_SCALAR_FIELD } from '../../src/common/field';
import { unpackStatement } from '../../src/common/statement';
import { anvilRpc, startAnvil, type Anvil } from '../../src/chain/anvil';
import { contractContext } from '../../src/chain/context-binding';
import { loadContractArtifacts } from '../../src/chain/contracts-build';
import { deployAll, deployContract, deployToken, type Deployment } from '../../src/chain/deploy';
import { mintWithProofArgs, solidityProof } from '../../src/chain/mint-call';
import { VerificationKeyRegistry, verifyPackage } from '../../src/verifier';
import { AttestationFactory } from '../support/attestation-factory';

const MAX_AGE = 86_400;
const REQUIRED_BPS = 12_000;

let anvil: Anvil;
let provider: JsonRpcProvider;
let admin: JsonRpcSigner;
let outsider: JsonRpcSigner;
let holder: JsonRpcSigner;
let d: Deployment;
let token: Contract;
let token2: Contract;
let registry: Contract;
let factory: AttestationFactory;
let now: number;
/** Packages, all proved in beforeAll (8 proofs). */
const pkg = {} as Record<
  | 'good'
  | 'older'
  | 'unregistered'
  | 'revoked'
  | 'lowRatio'
  | 'otherToken'
  | 'otherChain'
  | 'future',
  AttestationPackage
>;

/** The revert of a call or transaction, decoded to its custom error's name. */
async function revertName(action: Promise<unknown>, iface: Interface): Promise<string> {
  try {
    await action;
  } catch (e) {
    const err = e as { revert?: { name?: string }; data?: string };
    if (err.revert?.name) return err.revert.name;
    if (err.data) return iface.parseError(err.data)?.name ?? `unknown error ${err.data}`;
    throw e;
  }
  throw new Error('expected a revert, but it succeeded');
}

const mint = (p: AttestationPackage, to: string, amount: bigint, as: Contract = token) =>
  as.getFunction('mintWithProof')(...mintWithProofArgs(p, to, amount));
const mintRevert = (p: AttestationPackage, amount = 100n, on: Contract = token) =>
  revertName(mint(p, holderAddr, amount, on), on.interface);
let holderAddr: string;

const capacityOf = (p: AttestationPackage) =>
  unpackStatement(BigInt(p.publicSignals.statement))!.paramB;
const supply = async () => (await token.getFunction('totalSupply')()) as bigint;
const balance = async (a: string) => (await token.getFunction('balanceOf')(a)) as bigint;

async function send(c: Contract, fn: string, ...args: unknown[]) {
  return (await c.getFunction(fn)(...args)).wait();
}

beforeAll(async () => {
  anvil = await startAnvil();
  // cacheTimeout -1: ethers otherwise answers an identical eth_estimateGas from a 250 ms
  // cache, so a second identical mint would be sent (and revert on-chain) on a stale estimate.
  provider = new JsonRpcProvider(anvil.rpcUrl, undefined, {
    staticNetwork: true,
    cacheTimeout: -1,
  });
  [admin, outsider, holder] = await Promise.all([0, 1, 2].map((i) => provider.getSigner(i)));
  holderAddr = await holder.getAddress();
  d = await deployAll(admin, {
    requiredRatioBps: REQUIRED_BPS,
    maxSnapshotAge: MAX_AGE,
    allowDevelopmentSetup: true,
  });
  token = d.token;
  registry = d.registry;
  token2 = await deployToken(admin, d.addresses.verifier, d.addresses.registry);

  factory = await AttestationFactory.create();
  now = (await provider.getBlock('latest'))!.timestamp;
  await send(registry, 'add', factory.attestor(1).keyHash, 0);
  await send(registry, 'add', factory.attestor(3).keyHash, 0);
  await send(registry, 'revoke', factory.attestor(3).keyHash, now - 5000);

  const context = contractContext(d.chainId, d.addresses.token);
  const asOf = now - 3600;
  pkg.good = await factory.package({ context, asOf });
  pkg.older = await factory.package({ context, asOf: now - 7200 });
  pkg.unregistered = await factory.package({ context, asOf, attestorSeed: 2 });
  pkg.revoked = await factory.package({ context, asOf, attestorSeed: 3 });
  pkg.lowRatio = await factory.package({
    context,
    asOf,
    params: { claim: 'coverage', minCoverageBps: 11_000 },
  });
  pkg.otherToken = await factory.package({
    context: contractContext(d.chainId, await token2.getAddress()),
    asOf,
  });
  pkg.otherChain = await factory.package({
    context: contractContext(d.chainId + 1n, d.addresses.token),
    asOf,
  });
  pkg.future = await factory.package({ context, asOf: now + 3600 });
}, 180_000);

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
});

describe('deployment', () => {
  test('contextBinding() equals the TypeScript computation, per token and chain', async () => {
    for (const t of [token, token2]) {
      const onChain = (await t.getFunction('contextBinding')()) as bigint;
      expect(onChain).toBe(contractContext(d.chainId, await t.getAddress()));
      expect(onChain >> 128n).toBe(0n);
    }
    expect(contractContext(d.chainId, d.addresses.token)).not.toBe(
      contractContext(d.chainId + 1n, d.addresses.token),
    );
  });

  test('lastAsOf shares the storage slot of Pausable._paused', () => {
    const layout = loadContractArtifacts().ProofGatedToken.storageLayout;
    const slot = (label: string) => layout.find((e) => e.label === label)?.slot;
    expect(slot('lastAsOf')).toBeDefined();
    expect(slot('lastAsOf')).toBe(slot('_paused'));
  });

  test('a required ratio under 100% (or zero max age) is refused at deployment', async () => {
    const iface = token.interface;
    for (const [ratio, age] of [
      [9_999, MAX_AGE],
      [REQUIRED_BPS, 0],
    ]) {
      const deploying = deployContract(admin, 'ProofGatedToken', [
        'T',
        'T',
        d.addresses.verifier,
        d.addresses.registry,
        ratio,
        age,
        await admin.getAddress(),
      ]);
      expect(await revertName(deploying, iface)).toBe('ProofGatedToken__InvalidConfig');
    }
  });
});

describe('AttestorRegistry', () => {
  const K = 0x1234n;
  test('add, revoke and the trust window', async () => {
    const r1 = await send(registry, 'add', K, 1000);
    expect(registry.interface.parseLog(r1.logs[0])?.name).toBe('AttestorAdded');
    const trusted = (t: number) => registry.getFunction('isTrusted')(K, t) as Promise<boolean>;
    expect(await trusted(999)).toBe(false);
    expect(await trusted(1000)).toBe(true);
    const r2 = await send(registry, 'revoke', K, 2000);
    expect(registry.interface.parseLog(r2.logs[0])?.name).toBe('AttestorRevoked');
    expect(await trusted(1999)).toBe(true);
    expect(await trusted(2000)).toBe(false);
    // A revocation may be brought forward, never pushed later.
    await send(registry, 'revoke', K, 1500);
    expect(await trusted(1500)).toBe(false);
    expect(await revertName(send(registry, 'revoke', K, 1800), registry.interface)).toBe(
      'AttestorRegistry__AlreadyRevoked',
    );
    expect(await registry.getFunction('attestor')(K)).toEqual([true, 1000n, 1500n]);
  });

  test('refusals: duplicate, unknown, zero time, bad key hash, not the owner', async () => {
    const ri = registry.interface;
    expect(await revertName(send(registry, 'add', K, 0), ri)).toBe(
      'AttestorRegistry__AlreadyRegistered',
    );
    expect(await revertName(send(registry, 'revoke', 0x999n, 10), ri)).toBe(
      'AttestorRegistry__Unknown',
    );
    expect(await revertName(send(registry, 'revoke', K, 0), ri)).toBe(
      'AttestorRegistry__InvalidTime',
    );
    expect(await revertName(send(registry, 'add', SNARK_SCALAR_FIELD, 0), ri)).toBe(
      'AttestorRegistry__InvalidKeyHash',
    );
    const asOutsider = registry.connect(outsider) as Contract;
    expect(await revertName(send(asOutsider, 'add', 0x777n, 0), ri)).toBe(
      'OwnableUnauthorizedAccount',
    );
    expect(await registry.getFunction('isTrusted')(0x999n, now)).toBe(false);
  });
});

describe('mintWithProof', () => {
  test('happy path: mints, records the snapshot time, and the event carries the commitment', async () => {
    const receipt = await (await mint(pkg.good, holderAddr, 1_000_00n)).wait();
    expect(await balance(holderAddr)).toBe(1_000_00n);
    expect(await supply()).toBe(1_000_00n);
    const parts = unpackStatement(BigInt(pkg.good.publicSignals.statement))!;
    expect(await token.getFunction('lastAsOf')()).toBe(parts.asOf);
    const events = receipt.logs
      .map((l: { topics: string[]; data: string }) => token.interface.parseLog(l))
      .filter(Boolean);
    const minted = events.find((e: { name: string }) => e.name === 'MintedWithProof');
    expect(minted.args.to).toBe(holderAddr);
    expect(minted.args.amount).toBe(1_000_00n);
    expect(minted.args.commitment).toBe(BigInt(pkg.good.publicSignals.commitment));
    expect(minted.args.attestor).toBe(factory.attestor(1).keyHash);
    expect(minted.args.asOf).toBe(parts.asOf);
    expect(minted.args.capacity).toBe(parts.paramB);
    expect(events.some((e: { name: string }) => e.name === 'Transfer')).toBe(true);
  });

  test('an unregistered attestor is refused', async () => {
    expect(await mintRevert(pkg.unregistered)).toBe('ProofGatedToken__UntrustedAttestor');
  });

  test('an attestor revoked before the snapshot time is refused', async () => {
    expect(await mintRevert(pkg.revoked)).toBe('ProofGatedToken__UntrustedAttestor');
  });

  test('an older snapshot after a newer one was used is a rollback', async () => {
    expect(await mintRevert(pkg.older)).toBe('ProofGatedToken__SnapshotRollback');
  });

  test('a proof of less coverage than the token requires is refused', async () => {
    expect(await token.getFunction('requiredRatioBps')()).toBe(BigInt(REQUIRED_BPS));
    expect(await mintRevert(pkg.lowRatio)).toBe('ProofGatedToken__RatioTooLow');
  });

  test('the supply can never exceed the proven capacity, also across mints', async () => {
    const cap = capacityOf(pkg.good);
    const s0 = await supply();
    expect(await mintRevert(pkg.good, cap - s0 + 1n)).toBe('ProofGatedToken__OverCapacity');
    // Two mints that each fit, whose sum does not.
    const half = (cap - s0) / 2n + 1n;
    await (await mint(pkg.good, holderAddr, half)).wait();
    expect(await mintRevert(pkg.good, half)).toBe('ProofGatedToken__OverCapacity');
    // Exactly up to the capacity is fine; one more base unit is not.
    await (await mint(pkg.good, holderAddr, cap - (await supply()))).wait();
    expect(await supply()).toBe(cap);
    expect(await mintRevert(pkg.good, 1n)).toBe('ProofGatedToken__OverCapacity');
  });

  test('redeeming burns the holder’s tokens and frees capacity', async () => {
    const asHolder = token.connect(holder) as Contract;
    const before = await balance(holderAddr);
    const receipt = await send(asHolder, 'redeem', 500n);
    const names = receipt.logs.map(
      (l: { topics: string[]; data: string }) => token.interface.parseLog(l)?.name,
    );
    expect(names).toContain('Redeemed');
    expect(await balance(holderAddr)).toBe(before - 500n);
    await (await mint(pkg.good, holderAddr, 500n)).wait();
    expect(await supply()).toBe(capacityOf(pkg.good));
    expect(await revertName(send(asHolder, 'redeem', before + 1n), token.interface)).toBe(
      'ERC20InsufficientBalance',
    );
  });

  test('a proof bound to another token or another chain is refused (and works on its own token)', async () => {
    expect(await mintRevert(pkg.otherToken)).toBe('ProofGatedToken__WrongContext');
    expect(await mintRevert(pkg.otherChain)).toBe('ProofGatedToken__WrongContext');
    await (await mint(pkg.otherToken, holderAddr, 1_000n, token2)).wait();
    expect(await token2.getFunction('balanceOf')(holderAddr)).toBe(1_000n);
    expect(await mintRevert(pkg.good, 1n, token2)).toBe('ProofGatedToken__WrongContext');
  });

  test('public signals >= r are refused before the verifier', async () => {
    const [to, amount, pA, pB, pC, signals] = mintWithProofArgs(pkg.good, holderAddr, 1n);
    for (let i = 0; i < 3; i++) {
      const bad = [...signals] as typeof signals;
      bad[i] = bad[i]! + SNARK_SCALAR_FIELD;
      const call = token.getFunction('mintWithProof')(to, amount, pA, pB, pC, bad);
      expect(await revertName(call, token.interface)).toBe('ProofGatedToken__SignalOutOfField');
    }
  });

  test('a tampered proof or statement is refused as an invalid proof', async () => {
    const [to, , pA, pB, pC, signals] = mintWithProofArgs(pkg.good, holderAddr, 1n);
    const fn = token.getFunction('mintWithProof');
    const negA: typeof pA = [pA[0], BN254_BASE_FIELD - pA[1]];
    expect(await revertName(fn(to, 1n, negA, pB, pC, signals), token.interface)).toBe(
      'ProofGatedToken__InvalidProof',
    );
    // Inflating the capacity (liabilities) in the statement breaks the proof.
    const inflated: typeof signals = [signals[0], signals[1], signals[2] + (1n << 200n)];
    expect(await revertName(fn(to, 1n, pA, pB, pC, inflated), token.interface)).toBe(
      'ProofGatedToken__InvalidProof',
    );
    // pB in snarkjs order (not swapped for the EVM) does not verify either.
    const unswapped: typeof pB = [
      [pB[0][1], pB[0][0]],
      [pB[1][1], pB[1][0]],
    ];
    expect(await revertName(fn(to, 1n, pA, unswapped, pC, signals), token.interface)).toBe(
      'ProofGatedToken__InvalidProof',
    );
  });

  test('a caller without MINTER_ROLE is refused', async () => {
    const asOutsider = token.connect(outsider) as Contract;
    expect(await revertName(mint(pkg.good, holderAddr, 1n, asOutsider), token.interface)).toBe(
      'AccessControlUnauthorizedAccount',
    );
  });

  test('nothing mints while paused; only a pauser pauses', async () => {
    const asOutsider = token.connect(outsider) as Contract;
    expect(await revertName(send(asOutsider, 'pause'), token.interface)).toBe(
      'AccessControlUnauthorizedAccount',
    );
    await send(token, 'pause');
    expect(await mintRevert(pkg.good, 1n)).toBe('EnforcedPause');
    await send(token, 'unpause');
    expect(await token.getFunction('paused')()).toBe(false);
  });

  test('a snapshot dated more than 300 s ahead is refused as stale', async () => {
    expect(await mintRevert(pkg.future)).toBe('ProofGatedToken__StaleSnapshot');
  });

  test('a snapshot older than maxSnapshotAge is refused (clock advanced on anvil)', async () => {
    // Frees capacity first, so only the age can refuse the mint.
    await send(token.connect(holder) as Contract, 'redeem', 10n);
    await token
      .getFunction('mintWithProof')
      .staticCall(...mintWithProofArgs(pkg.good, holderAddr, 10n));
    await anvilRpc(anvil.rpcUrl, 'evm_increaseTime', [MAX_AGE]);
    await anvilRpc(anvil.rpcUrl, 'evm_mine', []);
    expect(await mintRevert(pkg.good, 10n)).toBe('ProofGatedToken__StaleSnapshot');
  });
});

describe('off-chain and on-chain verifiers agree', () => {
  test('on valid and invalid packages', async () => {
    const keys = VerificationKeyRegistry.fromArtifacts({ allowDevelopment: true });
    const verifyFn = d.verifier.getFunction('verifyProof');
    const g = pkg.good;
    const clone = (p: AttestationPackage) => JSON.parse(JSON.stringify(p)) as AttestationPackage;
    const tamper = (f: (p: AttestationPackage) => void) => {
      const p = clone(g);
      f(p);
      return p;
    };
    const cases: [string, AttestationPackage, boolean][] = [
      ['good', g, true],
      ['older', pkg.older, true],
      ['unregistered attestor (policy, not proof)', pkg.unregistered, true],
      ['other chain (policy, not proof)', pkg.otherChain, true],
      [
        'negated A',
        tamper((p) => {
          p.proof.pi_a[1] = (BN254_BASE_FIELD - BigInt(p.proof.pi_a[1])).toString();
        }),
        false,
      ],
      [
        'statement + 1',
        tamper((p) => {
          p.publicSignals.statement = (BigInt(p.publicSignals.statement) + 1n).toString();
        }),
        false,
      ],
      [
        'attestor of another package',
        tamper((p) => {
          p.publicSignals.attestor = pkg.unregistered.publicSignals.attestor;
        }),
        false,
      ],
      [
        'C of another proof',
        tamper((p) => {
          p.proof.pi_c = pkg.older.proof.pi_c;
        }),
        false,
      ],
      [
        'B coordinates swapped',
        tamper((p) => {
          const b = p.proof.pi_b;
          p.proof.pi_b = [[b[0][1], b[0][0]], [b[1][1], b[1][0]], b[2]];
        }),
        false,
      ],
      [
        'commitment + r',
        tamper((p) => {
          p.publicSignals.commitment = (
            BigInt(p.publicSignals.commitment) + SNARK_SCALAR_FIELD
          ).toString();
        }),
        false,
      ],
    ];
    const results: [string, boolean, boolean][] = [];
    for (const [name, p, expected] of cases) {
      const offChain = await verifyPackage(p, keys).then(
        (v) => v.valid,
        () => false, // a malformed package (e.g. a signal >= r) is refused with a coded error
      );
      const s = solidityProof(p);
      const onChain = (await verifyFn(s.pA, s.pB, s.pC, s.pubSignals)) as boolean;
      results.push([name, offChain, onChain]);
      expect([name, offChain]).toEqual([name, expected]);
    }
    expect(results.filter(([, off, on]) => off !== on)).toEqual([]);
  });

  test('solidityProof matches snarkjs exportSolidityCallData', async () => {
    const g = pkg.good;
    const signals = [
      g.publicSignals.commitment,
      g.publicSignals.attestor,
      g.publicSignals.statement,
    ];
    const calldata = await snarkjs.groth16.exportSolidityCallData(g.proof, signals);
    const [pA, pB, pC, pub] = JSON.parse(`[${calldata}]`) as unknown[];
    const big = (x: unknown): unknown => (Array.isArray(x) ? x.map(big) : BigInt(x as string));
    const s = solidityProof(g);
    expect([s.pA, s.pB, s.pC, s.pubSignals]).toEqual([big(pA), big(pB), big(pC), big(pub)]);
  });
});

/**
 * Gas benchmark of the v2 proof-gated mint on a fresh local anvil (real EVM, real P-256
 * signatures through the precompile at 0x100).
 *
 *   npm run bench:gas
 *
 * Deploys a SignerRegistry and a ProofGatedToken (USD, 2 decimals), registers a snapshot signer
 * and an FX source, and measures mints from receipts: the first mint ever, a fresh holder with a
 * newer snapshot (steady state), a fresh holder on the same snapshot, an existing holder, and a
 * fresh holder with a signed FX table (multi-currency). A callTracer trace splits the steady-state
 * mint into its calls (registry, P-256 precompile, sha256, verifier).
 *
 * Until the v2 circuit artifacts and prover land, the token runs against a MockVerifier
 * (test fixture, answers true) and the Groth16 part is measured on the real Coverage32Verifier
 * (same ABI, 3 public inputs) on the path a valid proof takes; `projected` figures swap the
 * mock's call frame for the real verifier's.
 * Ends with one JSON line of the figures.
 */
import { ContractFactory, JsonRpcProvider, Wallet, getBytes, type Contract } from 'ethers';
import { anvilRpc, startAnvil } from '../src/chain/anvil';
import { contractContext } from '../src/chain/context-binding';
import { buildContracts, compileExtraContract, SOLC_VERSION } from '../src/chain/contracts-build';
import { deployAll, deployContract, identityFxTableHash, registerKey } from '../src/chain/deploy';
import { mintWithProofArgs, type MintPackage } from '../src/chain/mint-call';
import { mintFixture, randomField, TestP256Key } from '../test/support/v2-mint-fixture';

interface CallFrame {
  to?: string;
  gasUsed: string;
  input: string;
  output?: string;
  calls?: CallFrame[];
}

const calldataGas = (data: string) =>
  getBytes(data).reduce((sum, b) => sum + (b === 0 ? 4 : 16), 0);
const P256_PRECOMPILE = '0x0000000000000000000000000000000000000100';
const SHA256_PRECOMPILE = '0x0000000000000000000000000000000000000002';

/** Gas used inside the direct sub-calls of a frame to `addr` (not counting the caller's cost). */
function subcalls(frame: CallFrame, addr: string): { count: number; gas: number } {
  const hits = (frame.calls ?? []).filter((c) => c.to?.toLowerCase() === addr.toLowerCase());
  return { count: hits.length, gas: hits.reduce((s, c) => s + Number(c.gasUsed), 0) };
}

/** Sub-calls to `addr` anywhere in the call tree. */
function deepCalls(frame: CallFrame, addr: string): { count: number; gas: number } {
  const own = subcalls(frame, addr);
  for (const c of frame.calls ?? []) {
    const d = deepCalls(c, addr);
    own.count += d.count;
    own.gas += d.gas;
  }
  return own;
}

async function main() {
  const build = buildContracts();
  const anvil = await startAnvil();
  try {
    const provider = new JsonRpcProvider(anvil.rpcUrl, undefined, {
      staticNetwork: true,
      cacheTimeout: -1,
    });
    const deployer = await provider.getSigner(0);
    const trace = async (hash: string) =>
      (await anvilRpc(anvil.rpcUrl, 'debug_traceTransaction', [
        hash,
        { tracer: 'callTracer' },
      ])) as CallFrame;

    // The Groth16 cost, on the real verifier: valid curve points (the G1 and G2 generators) and
    // signals < r take exactly the path of a valid proof (same precompile calls, whose gas does
    // not depend on the values); only the pairing's answer differs (false here).
    const realVerifier = await deployContract(deployer, 'Coverage32Verifier');
    const G1: [bigint, bigint] = [1n, 2n];
    const G2: [[bigint, bigint], [bigint, bigint]] = [
      [
        11559732032986387107991004021392285783925812861821192530917403151452391805634n,
        10857046999023057135944570762232829481370756359578518086990519993285655852781n,
      ],
      [
        4082367875863433681332203403145435568316851327593401208105741076214120093531n,
        8495653923123431417604973247489272438418190587263600148770280649306958101930n,
      ],
    ];
    const signals = [randomField(), randomField(), randomField()];
    const verifyTx = await (
      await realVerifier
        .getFunction('verifyProof')
        .send(G1, G2, G1, signals, { gasLimit: 1_000_000 })
    ).wait();
    const verifyTrace = await trace(verifyTx!.hash);
    if (verifyTrace.output === undefined || verifyTrace.calls?.length === 0) {
      throw new Error('verifyProof did not run its precompiles');
    }
    const realVerifierExecution =
      Number(verifyTx!.gasUsed) - 21_000 - calldataGas(verifyTrace.input);

    const m = compileExtraContract('test/contracts/fixtures/MockVerifier.sol', 'MockVerifier');
    const mockDeployed = await new ContractFactory(m.abi as never[], m.bytecode, deployer).deploy();
    await mockDeployed.waitForDeployment();
    const mockAddress = await mockDeployed.getAddress();
    const d = await deployAll(deployer, { currency: 'USD', decimals: 2 }, mockAddress);
    const token = d.token as Contract;
    const signer = new TestP256Key();
    const fxSource = new TestP256Key();
    await registerKey(d.registry, 'snapshotSigner', signer.publicKey, 'custodian', 0);
    await registerKey(d.registry, 'fxSource', fxSource.publicKey, 'fixing agent', 0);

    const now = (await provider.getBlock('latest'))!.timestamp;
    const identity = await identityFxTableHash({ currency: 'USD', decimals: 2 });
    const base = {
      context: contractContext(d.chainId, d.addresses.token),
      signer,
      currency: 'USD',
      decimals: 2,
      capacity: 10n ** 15n,
      fxTable: identity,
    };
    const older = mintFixture({ ...base, asOf: now - 7200 });
    const newer = mintFixture({ ...base, asOf: now - 3600 });
    const withFx = mintFixture({
      ...base,
      asOf: now - 3600,
      fxTable: 123456789n,
      fx: { source: fxSource, asOf: now - 600 },
    });

    const holders = Array.from({ length: 4 }, () => Wallet.createRandom().address);
    const mint = async (pkg: MintPackage, to: string) => {
      const tx = await token.getFunction('mintWithProof')(...mintWithProofArgs(pkg, to, 1_000n));
      const receipt = await tx.wait();
      return { gas: Number(receipt.gasUsed), hash: tx.hash as string, data: tx.data as string };
    };
    const first = await mint(older, holders[0]!);
    const fresh = await mint(newer, holders[1]!);
    const freshSame = await mint(newer, holders[2]!);
    const existing = await mint(newer, holders[0]!);
    const fxFresh = await mint(withFx, holders[3]!);

    const split = async (hash: string, data: string, gas: number) => {
      const t = await trace(hash);
      const mock = subcalls(t, mockAddress);
      const registry = subcalls(t, d.addresses.registry);
      const p256 = deepCalls(t, P256_PRECOMPILE);
      const sha = deepCalls(t, SHA256_PRECOMPILE);
      const calldata = calldataGas(data);
      return {
        gas,
        calldata,
        mockVerifier: mock.gas,
        registry: registry.gas,
        registryCalls: registry.count,
        p256: p256.gas,
        p256Calls: p256.count,
        sha256: sha.gas,
        sha256Calls: sha.count,
        projected: gas - mock.gas + realVerifierExecution,
        tokenOwn: gas - 21_000 - calldata - mock.gas - registry.gas - p256.gas - sha.gas,
      };
    };
    const s = await split(fresh.hash, fresh.data, fresh.gas);
    const f = await split(fxFresh.hash, fxFresh.data, fxFresh.gas);
    const fxCheck = fxFresh.gas - freshSame.gas;
    const hardfork = ((await anvilRpc(anvil.rpcUrl, 'anvil_nodeInfo')) as { hardFork?: string })
      .hardFork;

    const rows: [string, number][] = [
      ['mintWithProof, first mint ever (supply 0 -> x, lastAsOf 0 -> t), mock verifier', first.gas],
      ['mintWithProof, fresh holder, newer snapshot (steady state), mock verifier', fresh.gas],
      ['  projected with the real Groth16 verifier', s.projected],
      ['mintWithProof, fresh holder, same snapshot, mock verifier', freshSame.gas],
      ['mintWithProof, existing holder, same snapshot, mock verifier', existing.gas],
      ['mintWithProof, fresh holder, same snapshot, signed FX table, mock', fxFresh.gas],
      ['  projected with the real Groth16 verifier', f.projected],
      ['real verifyProof execution (3 inputs, the path of a valid proof)', realVerifierExecution],
      ['steady-state split: intrinsic', 21_000],
      [`  calldata (${getBytes(fresh.data).length} bytes)`, s.calldata],
      [`  registry isTrusted (${s.registryCalls} call, inside)`, s.registry],
      [`  P-256 precompile 0x100 (${s.p256Calls} call, inside)`, s.p256],
      [`  sha256 precompile (${s.sha256Calls} calls: key id, set id, message)`, s.sha256],
      ['  mock verifier (inside; replaced in "projected")', s.mockVerifier],
      ['  token itself (cold calls, role, pause, supply, balance, event, checks)', s.tokenOwn],
      ['FX check (FX mint - identity mint, same snapshot, fresh holders)', fxCheck],
      [
        `  of which registry + P-256 + sha256 inside`,
        f.registry - s.registry + f.p256 - s.p256 + f.sha256 - s.sha256,
      ],
      ['  of which extra calldata', f.calldata - calldataGas(freshSame.data)],
    ];

    console.log(
      `anvil ${anvil.rpcUrl}, hardfork ${hardfork ?? '?'}, solc ${SOLC_VERSION} (${build.cached ? 'cached build' : 'compiled'})`,
    );
    for (const [label, gas] of rows) console.log(`${label.padEnd(76)} ${String(gas).padStart(8)}`);
    await provider.destroy();
    console.log(
      JSON.stringify({
        bench: 'gas',
        verifier: 'mock+projected',
        mintWithProofFreshHolder: s.projected,
        mintWithProofFreshHolderFx: f.projected,
        mintWithProofFreshHolderMock: fresh.gas,
        mintWithProofFirstMintMock: first.gas,
        mintWithProofFreshHolderSameSnapshotMock: freshSame.gas,
        mintWithProofExistingHolderMock: existing.gas,
        mintWithProofFreshHolderFxMock: fxFresh.gas,
        verifyProofExecution: realVerifierExecution,
        mintCalldata: s.calldata,
        mintRegistrySubcall: s.registry,
        mintP256Precompile: s.p256,
        mintSha256Precompiles: s.sha256,
        mintTokenOwn: s.tokenOwn,
        fxCheck,
        v1MintWithProofFreshHolder: 278_632,
        hardfork: hardfork ?? null,
      }),
    );
  } finally {
    await anvil.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

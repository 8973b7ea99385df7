/**
 * Gas benchmark of the v2 proof-gated token on a fresh local anvil: real EVM, real Groth16 proofs
 * on the token's built-in verifier (contracts/Coverage32Groth16.sol), real P-256 signatures
 * through the precompile at 0x100.
 *
 *   npm run bench:gas
 *
 * Deploys a SignerRegistry and a ProofGatedToken (USD, 2 decimals), registers a 1-of-1 signer
 * set and an FX source, proves two one-currency books (identity table, epochs 0 and 1 of the
 * set's chain) and the sample three-currency book with a freshly signed FX table (epoch 2),
 * then measures mintWithProof from receipts: the first mint ever (the chain head written from
 * zero), a fresh holder on the next epoch (steady state: the head moves), a fresh holder on the
 * same snapshot (the head is read only), an existing holder, and a fresh holder with the FX
 * table (next epoch). Then 2-of-3 and 3-of-3 sets, and advanceChain moving a 2-of-3 head
 * without a mint. On a second token: postProof (by an account without any role) first ever,
 * next epoch (steady state), the same package again, 2-of-3 and 3-of-3; plain mints against
 * the posted share. A callTracer trace splits the steady-state mintWithProof and postProof
 * into intrinsic, calldata, Groth16 precompiles, registry, P-256, sha256 and the token's own
 * work. Then the batch verifier (bench/batch-gas.ts): one pairing check over 1 to 32 real
 * coverage-32 proofs, two keys, and 128 + 1 proofs (extrapolated, and measured with repeated
 * proofs). Then postLargeProof (bench/large-gas.ts): real large-book packages of 2, 4 and 16
 * chunks, each the first post on a fresh token, the per-chunk marginal cost and a 128-chunk
 * figure (EXTRAPOLATED). Ends with one JSON line of the figures; per-extra-signature figures are 3-of-3 minus
 * 2-of-3 (same n, one more signature checked).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsonRpcProvider, Wallet, getBytes, type Contract } from 'ethers';
import type { AttestationPackage } from '../src/common/attestation-package';
import { anvilRpc, startAnvil } from '../src/chain/anvil';
import { contractContext } from '../src/chain/context-binding';
import { buildContracts, SOLC_VERSION } from '../src/chain/contracts-build';
import { deployAll, registerFxSource, registerSignerSet } from '../src/chain/deploy';
import {
  advanceChainArgs,
  headWitness,
  mintWithProofArgs,
  postProofArgs,
  postProofData,
  solidityProof,
} from '../src/chain/mint-call';
import { deployToken } from '../src/chain/deploy';
import { commitmentHex, messageBytes, type SignedSnapshot } from '../src/common/signed-snapshot';
import { buildSignerSet, setMembership, type SignerSet } from '../src/common/signer-set';
import type { Signer } from '../src/common/p256-signer';
import { fxMessage, fxTableHash, parseFxTable } from '../src/common/fx-table';
import { newSignerKey, webCryptoSigner } from '../src/common/p256-signer';
import { terminateSnarkjsCurve } from '../src/common/snarkjs-teardown';
import { ClaimProver, loadPrimitives, loadSnapshotFile, randomSalt } from '../src/prover';
import { readFileSync } from 'node:fs';
import { batchVerifyGas } from './batch-gas';
import { largePostGas } from './large-gas';

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

const EXAMPLES = join(__dirname, '..', 'examples');

async function main() {
  const build = buildContracts();
  const anvil = await startAnvil(process.env.GAS_OPCODES ? { args: ['--steps-tracing'] } : {});
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

    const d = await deployAll(deployer, {
      currency: 'USD',
      decimals: 2,
      allowDevelopmentSetup: true, // throwaway anvil
    });
    const token = d.token as Contract;
    const signer = await webCryptoSigner(await newSignerKey());
    const fxKey = await newSignerKey();
    const fxSigner = await webCryptoSigner(fxKey);
    const solo = buildSignerSet(1, [{ publicKey: signer.publicKey, label: 'custodian' }]);
    await registerSignerSet(d.registry, solo, 0);
    await registerFxSource(d.registry, fxSigner.publicKey, 'fixing agent', 0);

    const now = (await provider.getBlock('latest'))!.timestamp;
    const prover = new ClaimProver(await loadPrimitives());
    const context = contractContext(d.chainId, d.addresses.token);
    // A one-currency USD book: the sample's positions, relabelled USD (identity table).
    const sample = loadSnapshotFile(join(EXAMPLES, 'snapshot.json'));
    const usdBook = {
      ...sample,
      currency: 'USD',
      positions: sample.positions.map((p) => ({ ...p, currency: 'USD' })),
    };
    const multi = loadSnapshotFile(join(EXAMPLES, 'snapshot-multicurrency.csv'));
    const table = parseFxTable(JSON.parse(readFileSync(join(EXAMPLES, 'fx-table.json'), 'utf8')));
    const fxAsOf = now - 600;
    const fx = {
      table,
      source: {
        keyId: fxSigner.keyId,
        publicKey: fxSigner.publicKey,
        asOf: fxAsOf,
        signature: await fxSigner.sign(
          fxMessage(await fxTableHash(table), table.reporting, fxAsOf),
        ),
      },
    };
    /** The link after `prev` in its set's chain (epoch 0 without one). */
    const place = (prev?: AttestationPackage) =>
      prev
        ? {
            epoch: prev.snapshot.epoch + 1,
            prevCommitment: commitmentHex(prev.publicSignals.commitment),
          }
        : {};
    const prove = async (
      snapshot: typeof sample,
      asOf: number,
      prev?: AttestationPackage,
      withFx = false,
    ) =>
      (
        await prover.prove({
          snapshot: { ...snapshot, asOf },
          salt: randomSalt(),
          signer,
          ...place(prev),
          ...(withFx ? { fx } : {}),
          params: { claim: 'coverage', minCoverageBps: 12000 },
          context,
        })
      ).package;
    const older = await prove(usdBook, now - 7200);
    const newer = await prove(usdBook, now - 3600, older);
    const withFx = await prove(multi, now - 3600, newer, true);

    // k-of-n sets of fresh keys; members sign the message before the proof, as co-signers do.
    const newSet = async (k: number, n: number) => {
      const members: Signer[] = [];
      for (let i = 0; i < n; i++) members.push(await webCryptoSigner(await newSignerKey()));
      const set = buildSignerSet(
        k,
        members.map((m, i) => ({ publicKey: m.publicKey, label: `signer ${i + 1}` })),
      );
      await registerSignerSet(d.registry, set, 0);
      return { set, members };
    };
    const cosign = async (
      { set, members }: { set: SignerSet; members: Signer[] },
      request: Parameters<typeof prover.message>[0],
    ) => {
      const message = prover.message(request, set.setId);
      const bytes = messageBytes(message);
      const signatures = [];
      for (const m of members.slice(0, set.threshold)) {
        signatures.push({ keyId: m.keyId, publicKey: m.publicKey, signature: await m.sign(bytes) });
      }
      return { message, signerSet: setMembership(set), signatures } satisfies SignedSnapshot;
    };
    const proveSet = async (
      s: { set: SignerSet; members: Signer[] },
      asOf: number,
      prev?: AttestationPackage,
    ) => {
      const request = { snapshot: { ...usdBook, asOf }, salt: randomSalt(), ...place(prev) };
      const { signerSet, signatures } = await cosign(s, request);
      return (
        await prover.prove({
          ...request,
          cosigned: { signerSet, signatures },
          params: { claim: 'coverage', minCoverageBps: 12000 },
          context,
        })
      ).package;
    };
    const twoOfThree = await newSet(2, 3);
    const threeOfThree = await newSet(3, 3);
    const set2e0 = await proveSet(twoOfThree, now - 7200);
    const set2e1 = await proveSet(twoOfThree, now - 3600, set2e0);
    const set3e0 = await proveSet(threeOfThree, now - 7200);
    const set3e1 = await proveSet(threeOfThree, now - 3600, set3e0);

    const holders = Array.from({ length: 8 }, () => Wallet.createRandom().address);
    const mint = async (pkg: AttestationPackage, to: string) => {
      const head = await headWitness(token, pkg.snapshot.setId);
      const tx = await token.getFunction('mintWithProof')(
        ...mintWithProofArgs(pkg, to, 1_000n, head),
      );
      const receipt = await tx.wait();
      return { gas: Number(receipt.gasUsed), hash: tx.hash as string, data: tx.data as string };
    };
    const first = await mint(older, holders[0]!);
    const fresh = await mint(newer, holders[1]!);
    const freshSame = await mint(newer, holders[2]!);
    const existing = await mint(newer, holders[0]!);
    const fxFresh = await mint(withFx, holders[3]!);
    await mint(set2e0, holders[4]!);
    const mint2of3 = await mint(set2e1, holders[5]!);
    await mint(set3e0, holders[6]!);
    const mint3of3 = await mint(set3e1, holders[7]!);
    // advanceChain: the 2-of-3 head moves to epoch 2 without a mint (no proof needed).
    const link = await cosign(twoOfThree, {
      snapshot: { ...usdBook, asOf: now - 1800 },
      salt: randomSalt(),
      ...place(set2e1),
    });
    const advanceTx = await token.getFunction('advanceChain')(
      ...(await advanceChainArgs(link, await headWitness(token, link.message.setId))),
    );
    const advanceGas = Number((await advanceTx.wait()).gasUsed);
    const perExtraSignature = mint3of3.gas - mint2of3.gas;

    // postProof (permissionless) + plain mint, on a second token of the same verifier and
    // registry (its own chain heads): proofs bound to it, posted by an account with no role.
    const postToken = await deployToken(deployer, d.addresses.verifier, d.addresses.registry, {
      currency: 'USD',
      decimals: 2,
    });
    const postContext = contractContext(d.chainId, await postToken.getAddress());
    const relayer = await provider.getSigner(1);
    const proveFor = async (
      s2: { set: SignerSet; members: Signer[] } | undefined,
      asOf: number,
      prev?: AttestationPackage,
    ) => {
      const request = { snapshot: { ...usdBook, asOf }, salt: randomSalt(), ...place(prev) };
      const who = s2 ? { cosigned: await cosign(s2, request) } : { signer };
      return (
        await prover.prove({
          ...request,
          ...who,
          params: { claim: 'coverage', minCoverageBps: 12000 },
          context: postContext,
        })
      ).package;
    };
    const postProofOf = async (pkg: AttestationPackage) => {
      const tx = await relayer.sendTransaction({
        to: await postToken.getAddress(),
        data: postProofData(pkg, await headWitness(postToken, pkg.snapshot.setId)),
      });
      const receipt = (await tx.wait())!;
      return { gas: Number(receipt.gasUsed), hash: tx.hash, data: tx.data };
    };
    // The same post through the ABI entry postProof(bytes) (the relayer entry's reference).
    const postProofAbiOf = async (pkg: AttestationPackage) => {
      const tx = await (postToken.connect(relayer) as Contract).getFunction('postProof')(
        ...postProofArgs(pkg, await headWitness(postToken, pkg.snapshot.setId)),
      );
      return Number((await tx.wait()).gasUsed);
    };
    const p0 = await proveFor(undefined, now - 7200);
    const p1 = await proveFor(undefined, now - 3600, p0);
    const postFirst = await postProofOf(p0);
    const postSteady = await postProofOf(p1);
    // GAS_OPCODES=<file>: the steady-state post's opcodes (count, gas) and gas per pc, for
    // finding where a post's own gas goes (anvil runs with --steps-tracing then).
    if (process.env.GAS_OPCODES)
      await writeOpcodeProfile(provider, postSteady.hash, process.env.GAS_OPCODES);
    const postAgain = await postProofOf(p1);
    const plainMint = async (to: string) => {
      const tx = await postToken.getFunction('mint')(to, 1_000n);
      return Number((await tx.wait()).gasUsed);
    };
    const mintPostedFirst = await plainMint(Wallet.createRandom().address);
    const mintPostedFresh = await plainMint(Wallet.createRandom().address);
    // Each post newer than the one before: another set's older snapshot never replaces a live post.
    const q2e0 = await proveFor(twoOfThree, now - 3000);
    const q2e1 = await proveFor(twoOfThree, now - 2400, q2e0);
    const q3e0 = await proveFor(threeOfThree, now - 1800);
    const q3e1 = await proveFor(threeOfThree, now - 1200, q3e0);
    await postProofOf(q2e0);
    const post2of3 = await postProofOf(q2e1);
    await postProofOf(q3e0);
    const post3of3 = await postProofOf(q3e1);
    const postAbi = await postProofAbiOf(await proveFor(undefined, now - 600, p1));
    const postPerExtraSigner = post3of3.gas - post2of3.gas;

    const split = async (hash: string, data: string, gas: number) => {
      const t = await trace(hash);
      // The built-in verifier's work is its precompile calls: ecAdd 0x06, ecMul 0x07, pairing 0x08.
      const groth16 = ['0x06', '0x07', '0x08'].map((a) =>
        deepCalls(t, `0x${a.slice(2).padStart(40, '0')}`),
      );
      const verifier = {
        gas: groth16.reduce((sum, c) => sum + c.gas, 0),
        count: groth16.reduce((sum, c) => sum + c.count, 0),
      };
      const registry = subcalls(t, d.addresses.registry);
      const p256 = deepCalls(t, P256_PRECOMPILE);
      const sha = deepCalls(t, SHA256_PRECOMPILE);
      const calldata = calldataGas(data);
      return {
        gas,
        calldata,
        verifier: verifier.gas,
        verifierCalls: verifier.count,
        registry: registry.gas,
        registryCalls: registry.count,
        p256: p256.gas,
        p256Calls: p256.count,
        sha256: sha.gas,
        sha256Calls: sha.count,
        tokenOwn: gas - 21_000 - calldata - verifier.gas - registry.gas - p256.gas - sha.gas,
      };
    };
    const s = await split(fresh.hash, fresh.data, fresh.gas);
    const ps = await split(postSteady.hash, postSteady.data, postSteady.gas);
    const f = await split(fxFresh.hash, fxFresh.data, fxFresh.gas);
    // Both move the head to a next epoch for a fresh holder: the difference is the FX check.
    const fxCheck = fxFresh.gas - fresh.gas;
    // Batch verification: 32 distinct coverage-32 proofs (own salts and contexts), one yield-range-32.
    const batchProof = async (i: number, params: Parameters<typeof prover.prove>[0]['params']) =>
      solidityProof(
        (
          await prover.prove({
            snapshot: { ...usdBook, asOf: now - 600 },
            salt: randomSalt(),
            signer,
            params,
            context: BigInt(1 + i),
          })
        ).package,
      );
    const batchCoverage = [];
    for (let i = 0; i < 32; i++) {
      batchCoverage.push(await batchProof(i, { claim: 'coverage', minCoverageBps: 12000 }));
    }
    const batch = await batchVerifyGas(
      deployer,
      batchCoverage,
      await batchProof(99, { claim: 'yield-range', minYieldBps: 100, maxYieldBps: 500 }),
    );

    const large = await largePostGas(deployer, d.addresses.registry, signer, prover, now);

    const hardfork = ((await anvilRpc(anvil.rpcUrl, 'anvil_nodeInfo')) as { hardFork?: string })
      .hardFork;

    const rows: [string, number][] = [
      [
        'mintWithProof 1-of-1, first mint ever (supply 0 -> x, chain head written from 0)',
        first.gas,
      ],
      ['mintWithProof 1-of-1, fresh holder, next epoch (steady state)', fresh.gas],
      ['mintWithProof 1-of-1, fresh holder, same snapshot (head read only)', freshSame.gas],
      ['mintWithProof 1-of-1, existing holder, same snapshot', existing.gas],
      ['mintWithProof 1-of-1, fresh holder, next epoch, three currencies + FX table', fxFresh.gas],
      ['mintWithProof 2-of-3, fresh holder, next epoch', mint2of3.gas],
      ['mintWithProof 3-of-3, fresh holder, next epoch', mint3of3.gas],
      ['  per extra signature (3-of-3 - 2-of-3)', perExtraSignature],
      ['advanceChain 2-of-3, next epoch (head moves, no mint)', advanceGas],
      ['postProof 1-of-1, first post ever (head and post written from 0)', postFirst.gas],
      ['postProof 1-of-1, next epoch (steady state: head moves, post rewritten)', postSteady.gas],
      ['postProof 1-of-1, the same package again (no-op)', postAgain.gas],
      ['postProof(bytes) ABI entry 1-of-1, next epoch (steady state)', postAbi],
      ['postProof 2-of-3, next epoch', post2of3.gas],
      ['postProof 3-of-3, next epoch', post3of3.gas],
      ['  per extra signature (3-of-3 - 2-of-3)', postPerExtraSigner],
      ['mint against the posted share, fresh holder (first supply)', mintPostedFirst],
      ['mint against the posted share, fresh holder (steady state)', mintPostedFresh],
      ['postProof steady-state split: intrinsic', 21_000],
      [`  calldata (${getBytes(postSteady.data).length} bytes)`, ps.calldata],
      [`  Groth16 precompiles (${ps.verifierCalls} calls: ecMul, ecAdd, pairing)`, ps.verifier],
      [`  registry signerSetStatus (${ps.registryCalls} call, inside)`, ps.registry],
      [`  P-256 precompile 0x100 (${ps.p256Calls} call, inside)`, ps.p256],
      [`  sha256 precompile (${ps.sha256Calls} calls)`, ps.sha256],
      ['  token itself (cold calls, storage, events, checks)', ps.tokenOwn],
      ['steady-state split: intrinsic', 21_000],
      [`  calldata (${getBytes(fresh.data).length} bytes)`, s.calldata],
      [`  Groth16 precompiles (${s.verifierCalls} calls, identity FX folded into IC0)`, s.verifier],
      [`  registry signerSetStatus (${s.registryCalls} call, inside)`, s.registry],
      [`  P-256 precompile 0x100 (${s.p256Calls} call, inside)`, s.p256],
      [`  sha256 precompile (${s.sha256Calls} calls: set id, key id, message)`, s.sha256],
      ['  token itself (cold calls, role, pause, supply, balance, events, checks)', s.tokenOwn],
      ['FX check (FX mint - identity mint, both next epoch, fresh holders)', fxCheck],
      [
        '  of which registry + P-256 + sha256 inside',
        f.registry - s.registry + f.p256 - s.p256 + f.sha256 - s.sha256,
      ],
      ['  of which calldata', f.calldata - calldataGas(fresh.data)],
      ...batch.rows,
      ...large.rows,
    ];

    console.log(
      `anvil ${anvil.rpcUrl}, hardfork ${hardfork ?? '?'}, solc ${SOLC_VERSION} (${build.cached ? 'cached build' : 'compiled'})`,
    );
    for (const [label, gas] of rows) console.log(`${label.padEnd(76)} ${String(gas).padStart(8)}`);
    await provider.destroy();
    await terminateSnarkjsCurve();
    console.log(
      JSON.stringify({
        bench: 'gas',
        mintWithProofFreshHolder: fresh.gas,
        mintWithProofFreshHolderFx: fxFresh.gas,
        mintWithProofFirstMint: first.gas,
        mintWithProofFreshHolderSameSnapshot: freshSame.gas,
        mintWithProofExistingHolder: existing.gas,
        mintVerifierSubcall: s.verifier,
        mintCalldata: s.calldata,
        mintRegistrySubcall: s.registry,
        mintP256Precompile: s.p256,
        mintSha256Precompiles: s.sha256,
        mintTokenOwn: s.tokenOwn,
        fxCheck,
        mintWithProof1of1FreshHolder: fresh.gas,
        mintWithProof2of3FreshHolder: mint2of3.gas,
        mintWithProof3of3FreshHolder: mint3of3.gas,
        perExtraSignature,
        advanceChain2of3: advanceGas,
        postProofOneSigner: postSteady.gas,
        postProofOneSignerFirst: postFirst.gas,
        postProofRepeat: postAgain.gas,
        postProofAbiEntryOneSigner: postAbi,
        postProof2of3: post2of3.gas,
        postProof3of3: post3of3.gas,
        postProofPerExtraSigner: postPerExtraSigner,
        postProofCalldata: ps.calldata,
        postProofVerifierSubcall: ps.verifier,
        postProofTokenOwn: ps.tokenOwn,
        mintAfterPostedProofFreshHolder: mintPostedFresh,
        mintAfterPostedProofFirstSupply: mintPostedFirst,
        v1MintWithProofFreshHolder: 278_632,
        deltaVsV1: fresh.gas - 278_632,
        ...batch.json,
        ...large.json,
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

/** The depth-1 opcodes of a transaction: `op count gas` lines in `file`, `pc gas op` in file.pc. */
async function writeOpcodeProfile(provider: JsonRpcProvider, hash: string, file: string) {
  const t = (await provider.send('debug_traceTransaction', [hash, {}])) as {
    structLogs: { op: string; gasCost: number; depth: number; pc: number }[];
  };
  // A call's gasCost includes the gas it forwards: counted once, never summed with the rest.
  const own = t.structLogs.filter((x) => x.depth === 1);
  const byOp = new Map<string, [number, number]>();
  const byPc = new Map<number, [number, string]>();
  for (const l of own) {
    const e = byOp.get(l.op) ?? [0, 0];
    byOp.set(l.op, [e[0] + 1, e[1] + l.gasCost]);
    if (l.op !== 'STATICCALL') byPc.set(l.pc, [(byPc.get(l.pc)?.[0] ?? 0) + l.gasCost, l.op]);
  }
  const ops = [...byOp].sort((a, b) => b[1][1] - a[1][1]);
  writeFileSync(file, ops.map(([op, [n, gas]]) => `${op} ${n} ${gas}`).join('\n'));
  writeFileSync(`${file}.pc`, [...byPc].map(([pc, [gas, op]]) => `${pc} ${gas} ${op}`).join('\n'));
}

/**
 * bench:gas, large-book section: ProofGatedToken.postLargeProof (LARGESPEC section 8: C chunk
 * proofs + one coverage-4096 final proof, one pairing call) for real packages of 2, 4 and 16
 * chunks (64, 128 and 512 positions, ClaimProver's large path). Each is the first post ever on
 * a fresh token (same registry, same 1-of-1 set at its first epoch), so the sizes differ only
 * by their chunks. The per-chunk marginal cost is (16 chunks - 2 chunks) / 14; the 128-chunk
 * figure is EXTRAPOLATED: 16 chunks + 112 * per chunk (proving 128 chunks takes too long here).
 *
 * Alone (only this section, ~3 minutes of proving): npx tsx bench/large-gas.ts
 */
import { JsonRpcProvider, ZeroAddress, type Contract, type Signer as EthSigner } from 'ethers';
import { startAnvil } from '../src/chain/anvil';
import { contractContext } from '../src/chain/context-binding';
import { deployAll, deployToken, registerSignerSet } from '../src/chain/deploy';
import { headWitness, postLargeProofArgs } from '../src/chain/mint-call';
import type { Signer } from '../src/common/p256-signer';
import { newSignerKey, webCryptoSigner } from '../src/common/p256-signer';
import { buildSignerSet } from '../src/common/signer-set';
import { terminateSnarkjsCurve } from '../src/common/snarkjs-teardown';
import { assetIdOf, ClaimProver, loadPrimitives, randomSalt, type Position } from '../src/prover';

/** Chunk counts measured (positions = 32 * chunks). */
export const LARGE_GAS_CHUNKS = [2, 4, 16] as const;

export interface LargeGasResult {
  rows: [string, number][];
  json: Record<string, number | string>;
}

/** `count` positions in `currency`, distinct identifiers, a few classes and haircuts. */
function positions(count: number, currency: string): Position[] {
  return Array.from({ length: count }, (_, i) => {
    const identifier = `BENCH-LARGE-${i}`;
    return {
      identifier,
      assetId: assetIdOf(identifier),
      assetClass: 1 + (i % 3),
      value: 1_000_000n + 1_000n * BigInt(i),
      haircutBps: (i * 37) % 2000,
      yieldBps: 200 + ((i * 13) % 300),
      currency,
      decimals: 2,
    };
  });
}

/**
 * Measures postLargeProof on fresh tokens of the registry at `registry` (USD, 2 decimals,
 * built-in verifiers); `signer` must be a registered 1-of-1 set trusted from epoch 0.
 */
export async function largePostGas(
  deployer: EthSigner,
  registry: string,
  signer: Signer,
  prover: ClaimProver,
  now: number,
): Promise<LargeGasResult> {
  const chainId = (await deployer.provider!.getNetwork()).chainId;
  const gas: Record<number, number> = {};
  const calldata: Record<number, number> = {};
  for (const chunks of LARGE_GAS_CHUNKS) {
    const token = (await deployToken(deployer, ZeroAddress, registry, {
      currency: 'USD',
      decimals: 2,
      allowDevelopmentSetup: true,
    })) as Contract;
    const { package: pkg } = await prover.prove({
      snapshot: {
        asOf: now - 600,
        currency: 'USD',
        decimals: 2,
        liabilities: 10_000_000n,
        positions: positions(32 * chunks, 'USD'),
      },
      salt: randomSalt(),
      signer,
      params: { claim: 'coverage', minCoverageBps: 12_000 },
      context: contractContext(chainId, await token.getAddress()),
    });
    if (pkg.chunks?.length !== chunks) throw new Error(`expected ${chunks} chunks`);
    const tx = await token.getFunction('postLargeProof')(
      ...postLargeProofArgs(pkg, await headWitness(token, pkg.snapshot.setId)),
    );
    const receipt = await tx.wait();
    gas[chunks] = Number(receipt.gasUsed);
    calldata[chunks] = (tx.data.length - 2) / 2;
  }
  const [lo, hi] = [LARGE_GAS_CHUNKS[0], LARGE_GAS_CHUNKS[LARGE_GAS_CHUNKS.length - 1]!];
  const perChunk = Math.round((gas[hi]! - gas[lo]!) / (hi - lo));
  const estimate128 = gas[hi]! + (128 - hi) * perChunk;
  return {
    rows: [
      ...LARGE_GAS_CHUNKS.map((c): [string, number] => [
        `postLargeProof 1-of-1, ${c} chunks + final (${32 * c} slots, ${calldata[c]} bytes of calldata), first post`,
        gas[c]!,
      ]),
      [`  per chunk (${hi} chunks - ${lo} chunks) / ${hi - lo}`, perChunk],
      [`postLargeProof, 128 chunks (4,096 positions): EXTRAPOLATED`, estimate128],
    ],
    json: {
      ...Object.fromEntries(LARGE_GAS_CHUNKS.map((c) => [`postLargeProof${c}Chunks`, gas[c]!])),
      postLargeProofPerChunk: perChunk,
      postLargeProof128Estimate: estimate128,
      postLargeProof128EstimateBasis: `extrapolated: ${hi} chunks + ${128 - hi} x per chunk`,
    },
  };
}

/** Only this section, on its own anvil. */
async function main() {
  const anvil = await startAnvil();
  const provider = new JsonRpcProvider(anvil.rpcUrl, undefined, {
    staticNetwork: true,
    cacheTimeout: -1,
  });
  try {
    const deployer = await provider.getSigner(0);
    const d = await deployAll(deployer, {
      currency: 'USD',
      decimals: 2,
      allowDevelopmentSetup: true, // throwaway anvil
    });
    const signer = await webCryptoSigner(await newSignerKey());
    await registerSignerSet(
      d.registry,
      buildSignerSet(1, [{ publicKey: signer.publicKey, label: 'custodian' }]),
      0,
    );
    const now = (await provider.getBlock('latest'))!.timestamp;
    const r = await largePostGas(
      deployer,
      d.addresses.registry,
      signer,
      new ClaimProver(await loadPrimitives()),
      now,
    );
    for (const [label, g] of r.rows) console.log(`${label.padEnd(96)} ${String(g).padStart(9)}`);
    console.log(JSON.stringify({ bench: 'gas-large', ...r.json }));
  } finally {
    provider.destroy();
    await anvil.stop();
    await terminateSnarkjsCurve();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}

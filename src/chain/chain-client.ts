import { isAddress, JsonRpcProvider, Network, Wallet, type Contract } from 'ethers';
import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { ZkAttestError } from '../common/errors';
import { attach } from './deploy';

/** A provider for any JSON-RPC URL; ethers' 250 ms call cache off, so nonces and estimates stay fresh. */
export function chainProvider(rpcUrl: string, network?: Network): JsonRpcProvider {
  return new JsonRpcProvider(rpcUrl, network, {
    cacheTimeout: -1,
    ...(network ? { staticNetwork: network } : {}),
  });
}

/**
 * A provider for a node that answers: one `eth_chainId` with a timeout first, so a node that
 * is down or a wrong URL is CHAIN_UNAVAILABLE at once (ethers would otherwise retry network
 * detection every second and fail with a raw socket error); the provider is pinned to that chain.
 */
export async function connectChain(
  rpcUrl: string,
  opts: { expectedChainId?: bigint | string; timeoutMs?: number } = {},
): Promise<JsonRpcProvider> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  let chainId: bigint;
  try {
    const res = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const { result } = (await res.json()) as { result?: unknown };
    if (typeof result !== 'string' || !/^0x[0-9a-fA-F]{1,16}$/.test(result)) throw new Error();
    chainId = BigInt(result);
  } catch {
    throw new ZkAttestError(
      'CHAIN_UNAVAILABLE',
      'no JSON-RPC node answered eth_chainId at the RPC URL (is the node up, is the URL right?)',
    );
  }
  if (opts.expectedChainId !== undefined && chainId !== BigInt(opts.expectedChainId)) {
    // A deployment, proof or anchor for one chain id means nothing on another (a fork, a wrong URL).
    throw new ZkAttestError(
      'CHAIN_MISMATCH',
      `the node at the RPC URL is chain ${chainId}, not chain ${opts.expectedChainId}`,
      { chainId: chainId.toString(), expected: String(opts.expectedChainId) },
    );
  }
  return chainProvider(rpcUrl, Network.from(chainId));
}

/** A signer from a private key held in an environment variable (never on the command line). */
export function envSigner(provider: JsonRpcProvider, envName: string): Wallet {
  const key = process.env[envName];
  if (!key || !/^(0x)?[0-9a-fA-F]{64}$/.test(key)) {
    throw new ZkAttestError('KEY_INVALID', `set ${envName} to the signer's private key (hex)`);
  }
  return new Wallet(key, provider);
}

/** 0x + 40 hex (ethers would take anything else for an ENS name and call the network). */
const address = z.string().refine((v) => /^0x[0-9a-fA-F]{40}$/.test(v) && isAddress(v));

const deploymentSchema = z.strictObject({
  chainId: z.string().regex(/^[0-9]+$/),
  rpcUrl: z.string(),
  addresses: z.strictObject({ verifier: address, registry: address, token: address }),
  abis: z.strictObject({
    verifier: z.array(z.unknown()),
    registry: z.array(z.unknown()),
    token: z.array(z.unknown()),
  }),
  currency: z.string().regex(/^[A-Z]{3}$/),
  decimals: z.number().int().min(0).max(18),
  identityFxTable: z.string().regex(/^[0-9]{1,78}$/),
  requiredRatioBps: z.number().int(),
  maxSnapshotAge: z.number().int(),
  maxFxAge: z.number().int(),
  deployedAt: z.string(),
});

/** What `zkattest deploy` writes: where the contracts are, and how the token is configured. */
export type DeploymentFile = z.infer<typeof deploymentSchema>;

export function writeDeploymentFile(file: string, d: DeploymentFile): void {
  writeFileSync(file, `${JSON.stringify(d, null, 2)}\n`);
}

export function readDeploymentFile(file: string): DeploymentFile {
  let parsed;
  try {
    parsed = deploymentSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    throw new ZkAttestError('USAGE', `cannot read the deployment file ${file}`);
  }
  if (!parsed.success)
    throw new ZkAttestError('USAGE', `${file} is not a zkattest deployment file`);
  return parsed.data;
}

/** The custom error name of a reverted contract call (e.g. ProofGatedToken__OverCapacity), if any. */
export function revertName(contract: Contract, err: unknown): string | undefined {
  const e = err as {
    revert?: { name?: string };
    data?: string;
    info?: { error?: { data?: string } };
  };
  if (e.revert?.name) return e.revert.name;
  const data = e.data ?? e.info?.error?.data;
  if (typeof data === 'string') {
    try {
      return contract.interface.parseError(data)?.name;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export { attach };

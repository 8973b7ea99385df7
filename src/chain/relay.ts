/**
 * The relay: anyone carries one package to every chain a deployments file names and posts it
 * there (ProofGatedToken.postProof, or postLargeProof for a large book's package with chunk
 * proofs, is permissionless: the proof and the signatures are the
 * authority, the relayer's key only pays gas). A relayer that drops, repeats or reorders
 * packages can delay a mint, never cause a wrong one: each token checks everything itself,
 * takes only its own allocation row, and its chain rules refuse an older snapshot
 * (`superseded` here) while a repeated one is a no-op (`already-posted`).
 */
import { readFileSync } from 'node:fs';
import {
  AbiCoder,
  isAddress,
  Wallet,
  type Contract,
  type JsonRpcProvider,
  type Signer,
  type TransactionResponse,
} from 'ethers';
import { z } from 'zod';
import { allocationFor, parseAllocationTable } from '../common/allocations';
import { ZkAttestError } from '../common/errors';
import { connectChain, revertName } from './chain-client';
import { chainError, confirmed } from './transactions';
import { contractContext } from './context-binding';
import { attach } from './deploy';
import {
  headWitness,
  isLargePackage,
  parseMintPackage,
  postLargeProofArgs,
  postProofData,
  type MintPackage,
} from './mint-call';

/** One deployment a package may be relayed to. */
export interface RelayDeployment {
  /** A label for the output, e.g. "offshore-a". */
  name: string;
  rpcUrl: string;
  /** The chain id the RPC must answer (decimal). */
  chainId: string;
  /** The ProofGatedToken's address. */
  token: string;
}

const deploymentsSchema = z.strictObject({
  deployments: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(64),
        rpcUrl: z.string().min(1),
        chainId: z.string().regex(/^[1-9][0-9]{0,77}$/),
        token: z.string().refine((v) => /^0x[0-9a-fA-F]{40}$/.test(v) && isAddress(v)),
      }),
    )
    .min(1),
});

/** `{"deployments": [{name, rpcUrl, chainId, token}]}`, or USAGE naming the bad fields. */
export function parseDeployments(value: unknown): RelayDeployment[] {
  const parsed = deploymentsSchema.safeParse(value);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))];
    throw new ZkAttestError(
      'USAGE',
      `not a deployments file ({"deployments":[{name, rpcUrl, chainId, token}]}): ${fields.slice(0, 6).join(', ')}`,
    );
  }
  return parsed.data.deployments;
}

export function readDeploymentsFile(file: string): RelayDeployment[] {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new ZkAttestError('USAGE', `cannot read the deployments file ${file}`);
  }
  return parseDeployments(value);
}

/**
 * Reads a package to relay. Its allocation table, if any, is checked by the table's own rules
 * first, so a bad table is named as such (ALLOCATIONS_INVALID) rather than as a bad package.
 *
 * @throws ZkAttestError PACKAGE_INVALID, ALLOCATIONS_INVALID.
 */
export function parseRelayPackage(value: unknown): MintPackage {
  const allocations = (value as { allocations?: unknown } | null)?.allocations;
  if (allocations !== undefined) parseAllocationTable(allocations);
  return parseMintPackage(value);
}

/** How one deployment took the package. */
export type RelayStatus =
  | 'posted'
  | 'already-posted'
  /** The table has no row for this deployment (or, without a table, the proof is another token's). */
  | 'not-allocated'
  /** The token holds a newer snapshot of the set (EpochRollback, StalerThanPosted). */
  | 'superseded'
  | 'failed';

export interface RelayOutcome {
  name: string;
  chainId: string;
  token: string;
  status: RelayStatus;
  /** The posted share (token base units), when posted or already posted. */
  share?: string;
  txHash?: string;
  gasUsed?: string;
  /** Why it failed or was superseded: a coded error or the contract's error name. */
  reason?: string;
}

/** The relayer: a private key (hex) or a signer factory per chain. No key is trusted. */
export type RelaySigner = string | ((provider: JsonRpcProvider) => Signer | Promise<Signer>);

const SUPERSEDED = new Set(['ProofGatedToken__EpochRollback', 'ProofGatedToken__StalerThanPosted']);

/** The share a package gives one deployment, or undefined when it gives it none. */
export function shareFor(pkg: MintPackage, chainId: bigint, token: string): bigint | undefined {
  const statement = BigInt(pkg.publicSignals.statement);
  if (pkg.allocations) {
    const row = allocationFor(pkg.allocations, chainId, token);
    return row ? BigInt(row.amount) : undefined;
  }
  const context = statement & ((1n << 128n) - 1n);
  return context === contractContext(chainId, token) ? statement >> 144n : undefined;
}

const STALE_HEAD = 'ProofGatedToken__StaleHead';

type PostResult = Omit<RelayOutcome, 'name' | 'chainId' | 'token'> & { staleHead?: true };

/**
 * One try at posting `pkg` on `token` with the set's head witness read now: asks the token
 * first (staticCall) so a refusal costs no gas, reports a package already posted, else sends.
 * `staleHead` when the token refused the witness (at the ask or the send): the head moved.
 */
async function postOnce(pkg: MintPackage, token: Contract): Promise<PostResult> {
  const head = await headWitness(token, pkg.snapshot.setId);
  // A large book's package (chunk proofs) goes to postLargeProof: one batched pairing check;
  // a single proof to postProof's relayer entry (POST_PROOF_SELECTOR: p after the selector).
  const large = isLargePackage(pkg);
  const method = large ? 'postLargeProof' : 'postProof';
  const data = large
    ? token.interface.encodeFunctionData('postLargeProof', postLargeProofArgs(pkg, head))
    : postProofData(pkg, head);
  const to = await token.getAddress();
  const posted = (await token.getFunction('posted')()) as {
    share: bigint;
    epoch: bigint;
    setTag: bigint;
  };
  const setTag = BigInt(`0x${pkg.snapshot.setId}`) & ((1n << 80n) - 1n);
  const runner = token.runner as Signer;
  let expected: bigint;
  try {
    const out = await runner.call({ to, data });
    expected = AbiCoder.defaultAbiCoder().decode(['uint64'], out)[0] as bigint;
  } catch (err) {
    const name = revertName(token, err);
    if (!name) throw err;
    if (name === STALE_HEAD) return { status: 'failed', reason: name, staleHead: true };
    return { status: SUPERSEDED.has(name) ? 'superseded' : 'failed', reason: name };
  }
  if (
    posted.share === expected &&
    posted.epoch === BigInt(pkg.snapshot.epoch) &&
    posted.setTag === setTag
  ) {
    return { status: 'already-posted', share: expected.toString() };
  }
  let tx: TransactionResponse;
  try {
    tx = await runner.sendTransaction({ to, data });
  } catch (err) {
    if (revertName(token, err) === STALE_HEAD) {
      return { status: 'failed', reason: STALE_HEAD, staleHead: true };
    }
    throw err;
  }
  const receipt = await confirmed(tx, method);
  return {
    status: 'posted',
    share: expected.toString(),
    txHash: tx.hash,
    gasUsed: String(receipt.gasUsed),
  };
}

async function relayOne(
  pkg: MintPackage,
  d: RelayDeployment,
  signerOf: RelaySigner,
): Promise<RelayOutcome> {
  const base = { name: d.name, chainId: d.chainId, token: d.token.toLowerCase() };
  const share = shareFor(pkg, BigInt(d.chainId), d.token);
  if (share === undefined) return { ...base, status: 'not-allocated' };
  let provider: JsonRpcProvider;
  try {
    provider = await connectChain(d.rpcUrl, { expectedChainId: d.chainId });
  } catch (err) {
    return {
      ...base,
      status: 'failed',
      reason: (err as ZkAttestError).code ?? 'CHAIN_UNAVAILABLE',
    };
  }
  try {
    const signer =
      typeof signerOf === 'string' ? new Wallet(signerOf, provider) : await signerOf(provider);
    const token = attach('ProofGatedToken', d.token, signer);
    // The head may move between reading its witness and sending (another relayer, a mint):
    // the token then refuses StaleHead, and one more try with a fresh witness settles it.
    let outcome = await postOnce(pkg, token);
    if (outcome.staleHead) outcome = await postOnce(pkg, token);
    const { staleHead: _, ...result } = outcome;
    return { ...base, ...result };
  } catch (err) {
    const e = chainError(err);
    if (!(e instanceof ZkAttestError)) return { ...base, status: 'failed', reason: 'RELAY_FAILED' };
    // A transaction sent but not mined in time: its hash, to check before relaying again.
    const txHash = typeof e.details.txHash === 'string' ? { txHash: e.details.txHash } : {};
    return { ...base, status: 'failed', reason: e.code, ...txHash };
  } finally {
    provider.destroy();
  }
}

/**
 * Posts `pkg` on every deployment in turn (one outcome each, never a throw for one chain's
 * failure): checks the RPC's chain id is the deployment's (else `failed`, CHAIN_MISMATCH),
 * skips a deployment the package gives no share (`not-allocated`), asks the token first
 * (staticCall) so a refusal costs no gas, and reports a package already posted as
 * `already-posted`.
 */
export async function relayPackage(
  pkg: MintPackage,
  deployments: RelayDeployment[],
  signer: RelaySigner,
): Promise<RelayOutcome[]> {
  const out: RelayOutcome[] = [];
  for (const d of deployments) out.push(await relayOne(pkg, d, signer));
  return out;
}

/** One line per deployment, as `zkattest relay` prints it. */
export function relayLine(o: RelayOutcome): string {
  const where = `${o.name} (chain ${o.chainId}, token ${o.token})`;
  switch (o.status) {
    case 'posted':
      return `${where}: posted, share ${o.share}, tx ${o.txHash} (gas ${o.gasUsed})`;
    case 'already-posted':
      return `${where}: already posted, share ${o.share}`;
    case 'not-allocated':
      return `${where}: skipped, the package allocates nothing to this deployment`;
    case 'superseded':
      return `${where}: superseded, the token holds a newer snapshot (${o.reason})`;
    case 'failed':
      return `${where}: FAILED (${o.reason})${o.txHash ? `, tx ${o.txHash} sent` : ''}`;
  }
}

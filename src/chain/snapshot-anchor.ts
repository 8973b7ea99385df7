/**
 * The onshore SnapshotAnchor (contracts/SnapshotAnchor.sol): the custodian records each snapshot
 * its signer set signs as (setId, epoch, commitment, asOf), nothing more; supervisors read the
 * history. Deploy, anchor and read helpers.
 */
import { Contract, type ContractRunner, type Signer } from 'ethers';
import { ZkAttestError } from '../common/errors';
import { checkSignatures, type SignedSnapshot } from '../common/signed-snapshot';
import { revertName } from './chain-client';
import { confirmed } from './transactions';
import { attach, deployContract } from './deploy';

export interface AnchorConfig {
  /** DEFAULT_ADMIN_ROLE holder; default the deployer. */
  admin?: string;
  /** Granted ANCHORER_ROLE (needs admin = deployer); default the deployer, [] for none. */
  anchorers?: string[];
}

/** Deploys a SnapshotAnchor and grants ANCHORER_ROLE (to the deployer unless told). */
export async function deployAnchor(signer: Signer, config: AnchorConfig = {}): Promise<Contract> {
  const me = await signer.getAddress();
  const anchor = await deployContract(signer, 'SnapshotAnchor', [config.admin ?? me]);
  const role = (await anchor.getFunction('ANCHORER_ROLE')()) as string;
  for (const account of config.anchorers ?? [me]) {
    await confirmed(await anchor.getFunction('grantRole')(role, account), 'grantRole');
  }
  return anchor;
}

/** A handle on a deployed SnapshotAnchor. */
export function attachAnchor(address: string, runner: ContractRunner): Contract {
  return attach('SnapshotAnchor', address, runner);
}

/** What anchorSnapshot did: a new anchor (its transaction) or none (the same one was there). */
export interface AnchorResult {
  status: 'anchored' | 'already-anchored';
  setId: string;
  epoch: number;
  /** The anchoring transaction; when already anchored, the one that anchored it (absent only if
   *  the node cannot search its logs that far back). */
  txHash?: string;
  chainId: bigint;
}

/** The anchor's fields of a signed snapshot: (setId, epoch, commitment, asOf). */
export function anchorArgs(link: SignedSnapshot): [string, bigint, string, number] {
  const m = link.message;
  return [`0x${m.setId}`, BigInt(m.epoch), `0x${m.commitment}`, m.asOf];
}

/**
 * Anchors a signed snapshot, after checking off-chain that its set really signed it (the
 * contract checks no signature: a custodian must not anchor a message its set never signed).
 * The same anchor again is `already-anchored` (no transaction).
 *
 * @throws ZkAttestError SNAPSHOT_SIGNATURES_REFUSED (not signed by its set), CONFLICT naming the
 *   contract's refusal (SnapshotAnchor__Rollback, __Gap, __Equivocation, AccessControl...).
 */
export async function anchorSnapshot(
  anchor: Contract,
  link: SignedSnapshot,
): Promise<AnchorResult> {
  const check = checkSignatures(link);
  if (check.reasons.length > 0) {
    throw new ZkAttestError(
      'SNAPSHOT_SIGNATURES_REFUSED',
      `the snapshot is not signed by its set (${check.reasons.join(', ')}): not anchored`,
      { reasons: check.reasons.join(',') },
    );
  }
  const args = anchorArgs(link);
  const chainId = (await anchor.runner!.provider!.getNetwork()).chainId;
  const base = { setId: link.message.setId, epoch: link.message.epoch, chainId };
  const existing = (await anchor.getFunction('anchorOf')(args[0], args[1])) as {
    commitment: string;
    asOf: bigint;
    anchored: boolean;
  };
  if (existing.anchored && existing.commitment === args[2] && existing.asOf === BigInt(args[3])) {
    return { status: 'already-anchored', ...base, ...(await anchoringTx(anchor, args)) };
  }
  try {
    const tx = await anchor.getFunction('anchor')(...args);
    await confirmed(tx, 'anchor');
    return { status: 'anchored', ...base, txHash: tx.hash as string };
  } catch (err) {
    const name = revertName(anchor, err);
    if (!name) throw err;
    throw new ZkAttestError('CONFLICT', `the anchor refused the snapshot: ${name}`, {
      reason: name,
    });
  }
}

/** The transaction that anchored (setId, epoch): the egress evidence names it either way. */
async function anchoringTx(
  anchor: Contract,
  [setId, epoch]: [string, bigint, string, number],
): Promise<{ txHash?: string }> {
  try {
    const events = await anchor.queryFilter(anchor.filters.SnapshotAnchored!(setId, epoch));
    const last = events.at(-1);
    return last ? { txHash: last.transactionHash } : {};
  } catch {
    return {}; // a node that limits log ranges: the anchor itself still holds the record
  }
}

/** One anchored epoch as supervisors read it (undefined: never anchored). */
export interface AnchorRecord {
  setId: string;
  epoch: number;
  commitment: string;
  asOf: number;
}

const hex64 = (bytes32: string) => bytes32.slice(2).toLowerCase();

/** The anchor of one epoch of a set. */
export async function readAnchor(
  anchor: Contract,
  setId: string,
  epoch: number,
): Promise<AnchorRecord | undefined> {
  const a = (await anchor.getFunction('anchorOf')(`0x${setId}`, BigInt(epoch))) as {
    commitment: string;
    asOf: bigint;
    anchored: boolean;
  };
  if (!a.anchored) return undefined;
  return { setId, epoch, commitment: hex64(a.commitment), asOf: Number(a.asOf) };
}

/** A set's anchored head epoch (undefined: nothing anchored). */
export async function anchorHead(
  anchor: Contract,
  setId: string,
): Promise<{ epoch: number; asOf: number } | undefined> {
  const h = (await anchor.getFunction('headOf')(`0x${setId}`)) as {
    epoch: bigint;
    asOf: bigint;
    started: boolean;
  };
  return h.started ? { epoch: Number(h.epoch), asOf: Number(h.asOf) } : undefined;
}

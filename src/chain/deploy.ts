import { Contract, ContractFactory, ZeroAddress, type ContractRunner, type Signer } from 'ethers';
import {
  circuitEntryOf,
  DEFAULT_ARTIFACTS_DIR,
  loadManifest,
  type ArtifactManifest,
} from '../common/artifact-manifest';
import { ZkAttestError } from '../common/errors';
import { loadContractArtifacts, type ContractArtifact, type ContractName } from './contracts-build';
import { confirmed } from './transactions';
import { parseDecimals } from '../common/currency';
import { currencyInt } from '../common/currency-code';
import { fxTableHash, identityFxTable, type Unit } from '../common/fx-table';
import { keyIdOf, type P256PublicKey } from '../common/p256';
import type { SignerSet } from '../common/signer-set';

/** The circuit whose Solidity verifier `deployAll` deploys (Coverage32Verifier). */
const VERIFIER_CIRCUIT = 'coverage-32';
/** The keys of the token's built-in large-book batch verifier (postLargeProof). */
const LARGE_VERIFIER_CIRCUITS = ['chunk-32', 'coverage-4096'];

/** What deploying a development-setup verifier means, for whoever opted in. */
export const DEVELOPMENT_SETUP_WARNING =
  'WARNING: this verifier comes from the DEVELOPMENT trusted setup: every contribution was ' +
  'made on one machine, so whoever ran it (or copied its files) can forge coverage proofs ' +
  'that this verifier accepts and mint tokens against no reserves. Use it only on a test ' +
  'chain; for anything else run `npm run ceremony` and deploy the production setup.';

export interface TokenConfig {
  /** The unit's ISO 4217 code, e.g. USD (3 uppercase letters). */
  currency: string;
  /** The unit's decimals (0..18): the token's decimals(). */
  decimals: number;
  /** Default `Proof-Gated <currency> Deposit Token`. */
  name?: string;
  /** Default `pg<currency>`. */
  symbol?: string;
  /** Minimum proven minCoverageBps (>= 10000). Default 12000. */
  requiredRatioBps?: number;
  /** Maximum snapshot age at mint time, seconds. Default one day. */
  maxSnapshotAge?: number;
  /** Maximum age of a signed FX rate table at mint time, seconds. Default one day. */
  maxFxAge?: number;
  /** DEFAULT_ADMIN_ROLE holder; default the deployer. */
  admin?: string;
  /** Granted MINTER_ROLE (needs admin = deployer); default the deployer, [] for none. */
  minters?: string[];
  /** Granted PAUSER_ROLE (needs admin = deployer); default the deployer, [] for none. */
  pausers?: string[];
  /**
   * Deploy even when the verifier comes from the development setup (see
   * DEVELOPMENT_SETUP_WARNING). Without it such a deployment is refused.
   */
  allowDevelopmentSetup?: boolean;
}

/**
 * The setup of the verifiers `deployAll` deploys, from the committed manifest (the verifier
 * source is compiled from the committed artifacts folder, whatever ZKATTEST_ARTIFACTS says):
 * production only if the coverage key and the large-book keys built into the token
 * (chunk-32, coverage-4096) all are, since a forged proof of any of them mints.
 */
export function verifierSetup(
  manifest: ArtifactManifest = loadManifest(DEFAULT_ARTIFACTS_DIR),
): 'development' | 'production' {
  const production = [VERIFIER_CIRCUIT, ...LARGE_VERIFIER_CIRCUITS].every(
    (id) => circuitEntryOf(manifest, id).setup === 'production',
  );
  return production && manifest.setup.kind === 'production' ? 'production' : 'development';
}

/** Refuses a development-setup verifier unless the caller opted in; returns the setup. */
export function assertDeployableSetup(allowDevelopmentSetup = false): 'development' | 'production' {
  const setup = verifierSetup();
  if (setup === 'development' && !allowDevelopmentSetup) {
    throw new ZkAttestError(
      'DEVELOPMENT_SETUP_REFUSED',
      'the coverage verifier comes from the development trusted setup, whose toxic waste is ' +
        'not destroyed: anyone holding it can forge proofs and mint. Run `npm run ceremony` ' +
        'for a production setup, or pass --allow-development-setup for a test chain',
      { circuit: VERIFIER_CIRCUIT },
    );
  }
  return setup;
}

export interface Deployment {
  /** verifier: the zero address when the token verifies with its built-in verifier. */
  addresses: { verifier: string; registry: string; token: string };
  /** The external verifier (undefined: built into the token). */
  verifier: Contract | undefined;
  registry: Contract;
  token: Contract;
  chainId: bigint;
  /**
   * Undefined when the token was subscribed to the registry's set revocations; otherwise
   * (`config.admin` owns the registry, not the deployer) what its owner must do.
   */
  subscriptionNotice?: string;
}

/** Deploys one compiled contract and waits for it to be mined. */
export async function deployContract(
  signer: Signer,
  name: ContractName,
  args: unknown[] = [],
  artifacts: Record<ContractName, ContractArtifact> = loadContractArtifacts(),
): Promise<Contract> {
  const a = artifacts[name];
  const factory = new ContractFactory(a.abi as never[], a.bytecode, signer);
  const deployed = await factory.deploy(...args);
  await deployed.waitForDeployment();
  return new Contract(await deployed.getAddress(), a.abi as never[], signer);
}

/** A handle on an already deployed contract. */
export function attach(name: ContractName, address: string, runner: ContractRunner): Contract {
  return new Contract(address, loadContractArtifacts()[name].abi as never[], runner);
}

/** The `fxTable` signal of a unit's identity table: a token's `identityFxTable`. */
export function identityFxTableHash(unit: Unit): Promise<bigint> {
  return fxTableHash(identityFxTable(unit));
}

/**
 * The ProofGatedToken constructor's Config struct: the unit checked here (CURRENCY_UNKNOWN,
 * DECIMALS_OUT_OF_RANGE) and its identity rate table hashed off-chain (Poseidon is not worth
 * its gas on-chain; the token trusts the deployer for this value as for the verifier).
 */
export async function tokenConstructorConfig(
  verifier: string,
  registry: string,
  config: TokenConfig,
  admin: string,
) {
  const code = currencyInt(config.currency);
  const decimals = parseDecimals(config.decimals, 'decimals');
  return {
    name: config.name ?? `Proof-Gated ${config.currency} Deposit Token`,
    symbol: config.symbol ?? `pg${config.currency}`,
    verifier,
    registry,
    currency: `0x${code.toString(16)}`,
    decimals,
    identityFxTable: await identityFxTableHash({ currency: config.currency, decimals }),
    requiredRatioBps: config.requiredRatioBps ?? 12_000,
    maxSnapshotAge: config.maxSnapshotAge ?? 86_400,
    maxFxAge: config.maxFxAge ?? 86_400,
    admin,
  };
}

/** Subscribes `token` to the registry's signer set revocations (registry owner only). */
export async function subscribeToken(registry: Contract, token: string): Promise<void> {
  await confirmed(await registry.getFunction('addSubscriber')(token), 'addSubscriber');
}

/**
 * Subscribes `token` when `signer` owns the registry; otherwise returns what the owner must do
 * (the token refuses a set's first link until it is subscribed, POSTSPEC §4).
 */
async function subscribeIfRegistryOwner(
  signer: Signer,
  registryAddress: string,
  token: string,
): Promise<string | undefined> {
  const registry = attach('SignerRegistry', registryAddress, signer);
  const owner = (await registry.getFunction('owner')()) as string;
  if (owner.toLowerCase() === (await signer.getAddress()).toLowerCase()) {
    await subscribeToken(registry, token);
    return undefined;
  }
  return (
    `token ${token} is not subscribed to the signer registry ${registryAddress}: its owner ` +
    `${owner} must subscribe it (addSubscriber, or \`zkattest registry subscribe --deployment ` +
    `<deployment.json> --token ${token}\`) before the token accepts a signer set`
  );
}

/**
 * Deploys a ProofGatedToken on an existing registry, with an external verifier or the zero
 * address (its built-in verifier), grants its roles, and subscribes it to the registry's set
 * revocations when the deployer owns the registry. Otherwise the deployment does not fail:
 * `onNotSubscribed` (default: a warning on stderr) gets what the registry owner must do.
 */
export async function deployToken(
  signer: Signer,
  verifier: string,
  registry: string,
  config: TokenConfig,
  onNotSubscribed: (notice: string) => void = (notice) => console.warn(notice),
): Promise<Contract> {
  const me = await signer.getAddress();
  const token = await deployContract(signer, 'ProofGatedToken', [
    await tokenConstructorConfig(verifier, registry, config, config.admin ?? me),
  ]);
  const grants: [string, string[]][] = [
    [(await token.getFunction('MINTER_ROLE')()) as string, config.minters ?? [me]],
    [(await token.getFunction('PAUSER_ROLE')()) as string, config.pausers ?? [me]],
  ];
  for (const [role, accounts] of grants) {
    for (const account of accounts) {
      await confirmed(await token.getFunction('grantRole')(role, account), 'grantRole');
    }
  }
  const notice = await subscribeIfRegistryOwner(signer, registry, await token.getAddress());
  if (notice !== undefined) onNotSubscribed(notice);
  return token;
}

/**
 * Deploys a signer registry (owned by `config.admin` or the deployer) and a ProofGatedToken for
 * the unit, subscribed to the registry's set revocations (unless `config.admin` owns the
 * registry: then `subscriptionNotice` says what it must do), that verifies proofs with its
 * built-in verifier (contracts/Coverage32Groth16.sol, generated from the committed
 * verification key, identity FX table folded in), or with
 * `verifierAddress`, an already deployed external verifier (the zero address: built in). The
 * deployer gets MINTER_ROLE and PAUSER_ROLE unless `config` says otherwise. A development-setup
 * key is refused (DEVELOPMENT_SETUP_REFUSED) unless `config.allowDevelopmentSetup`.
 */
export async function deployAll(
  signer: Signer,
  config: TokenConfig,
  verifierAddress?: string,
): Promise<Deployment> {
  const builtIn = verifierAddress === undefined || verifierAddress === ZeroAddress;
  if (builtIn) assertDeployableSetup(config.allowDevelopmentSetup);
  // Unit errors before any transaction.
  parseDecimals(config.decimals, 'decimals');
  currencyInt(config.currency);
  const me = await signer.getAddress();
  const verifier = builtIn ? undefined : attach('Coverage32Verifier', verifierAddress, signer);
  const registry = await deployContract(signer, 'SignerRegistry', [config.admin ?? me]);
  const addresses = {
    verifier: builtIn ? ZeroAddress : verifierAddress,
    registry: await registry.getAddress(),
    token: '',
  };
  let subscriptionNotice: string | undefined;
  const token = await deployToken(
    signer,
    addresses.verifier,
    addresses.registry,
    config,
    (notice) => (subscriptionNotice = notice),
  );
  addresses.token = await token.getAddress();
  const chainId = (await signer.provider!.getNetwork()).chainId;
  return {
    addresses,
    verifier,
    registry,
    token,
    chainId,
    ...(subscriptionNotice !== undefined ? { subscriptionNotice } : {}),
  };
}

/** The registry's event of a transaction, by name (undefined when it did not emit it). */
function eventOf(
  registry: Contract,
  receipt: { logs: readonly { topics: readonly string[]; data: string }[] },
  name: string,
) {
  return receipt.logs.map((l) => registry.interface.parseLog(l)).find((e) => e?.name === name);
}

/**
 * Registers an FX source key (owner only), trusted for rate tables dated `validFrom` or later;
 * returns its keyId (hex64), checked against the registry's event.
 */
export async function registerFxSource(
  registry: Contract,
  key: P256PublicKey,
  label: string,
  validFrom: number,
): Promise<string> {
  const receipt = await confirmed(
    await registry.getFunction('addFxSource')(`0x${key.x}`, `0x${key.y}`, label, validFrom),
    'addFxSource',
  );
  const keyId = keyIdOf(key);
  if (eventOf(registry, receipt, 'FxSourceAdded')?.args.keyId !== `0x${keyId}`) {
    throw new Error('registry answered another keyId');
  }
  return keyId;
}

/** Revokes an FX source for as-of times `effectiveAt` and later (owner only). */
export async function revokeFxSource(
  registry: Contract,
  keyId: string,
  effectiveAt: number,
): Promise<void> {
  await confirmed(
    await registry.getFunction('revokeFxSource')(`0x${keyId}`, effectiveAt),
    'revokeFxSource',
  );
}

/** addSignerSet's arguments for a set: members ascending by keyId, as SignerSet holds them. */
export function signerSetArgs(
  set: SignerSet,
  validFrom: number,
  firstEpoch: number,
): [number, { x: string; y: string; label: string }[], number, bigint] {
  return [
    set.threshold,
    set.signers.map((m) => ({ x: `0x${m.publicKey.x}`, y: `0x${m.publicKey.y}`, label: m.label })),
    validFrom,
    BigInt(firstEpoch),
  ];
}

/**
 * Registers a signer set (owner only), trusted for snapshots dated `validFrom` or later, its
 * epoch chain starting at `firstEpoch`; returns its setId (hex64), checked against the
 * registry's event (the contract hashes the set as signerSetId does).
 */
export async function registerSignerSet(
  registry: Contract,
  set: SignerSet,
  validFrom: number,
  firstEpoch = 0,
): Promise<string> {
  const receipt = await confirmed(
    await registry.getFunction('addSignerSet')(...signerSetArgs(set, validFrom, firstEpoch)),
    'addSignerSet',
  );
  if (eventOf(registry, receipt, 'SignerSetAdded')?.args.setId !== `0x${set.setId}`) {
    throw new Error('registry answered another setId');
  }
  return set.setId;
}

/** Revokes a signer set for snapshots dated `effectiveAt` and later (owner only). */
export async function revokeSignerSet(
  registry: Contract,
  setId: string,
  effectiveAt: number,
): Promise<void> {
  await confirmed(
    await registry.getFunction('revokeSignerSet')(`0x${setId}`, effectiveAt),
    'revokeSignerSet',
  );
}

/** A registered set as the verifier's KeyDirectory describes one (undefined when unknown). */
export interface OnChainSignerSet {
  setId: string;
  threshold: number;
  signers: { keyId: string; publicKey: P256PublicKey; label: string }[];
  validFrom: string;
  revokedAt?: string;
  firstEpoch: number;
}

const hex64 = (v: bigint | string) => BigInt(v).toString(16).padStart(64, '0');
const iso = (unix: bigint) => new Date(Number(unix) * 1000).toISOString();

/** Reads a signer set's record, members and labels from the registry (signerSetOf). */
export async function readSignerSet(
  registry: Contract,
  setId: string,
): Promise<OnChainSignerSet | undefined> {
  const v = (await registry.getFunction('signerSetOf')(`0x${setId}`)) as {
    registered: boolean;
    threshold: bigint;
    validFrom: bigint;
    revokedAt: bigint;
    firstEpoch: bigint;
    members: { keyId: string; x: bigint; y: bigint; label: string }[];
  };
  if (!v.registered) return undefined;
  return {
    setId,
    threshold: Number(v.threshold),
    signers: v.members.map((m) => ({
      keyId: hex64(m.keyId),
      publicKey: { x: hex64(m.x), y: hex64(m.y) },
      label: m.label,
    })),
    validFrom: iso(v.validFrom),
    ...(v.revokedAt !== 0n ? { revokedAt: iso(v.revokedAt) } : {}),
    firstEpoch: Number(v.firstEpoch),
  };
}

import { Contract, ContractFactory, type ContractRunner, type Signer } from 'ethers';
import { circuitEntryOf, DEFAULT_ARTIFACTS_DIR, loadManifest } from '../common/artifact-manifest';
import { ZkAttestError } from '../common/errors';
import { loadContractArtifacts, type ContractArtifact, type ContractName } from './contracts-build';
import { parseDecimals } from '../common/currency';
import { currencyInt } from '../common/currency-code';
import { fxTableHash, identityFxTable, type Unit } from '../common/fx-table';
import { keyIdOf, type P256PublicKey } from '../common/p256';

/** The circuit whose Solidity verifier `deployAll` deploys (Coverage32Verifier). */
const VERIFIER_CIRCUIT = 'coverage-32';

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
 * The setup of the verifier `deployAll` deploys, from the committed manifest (the verifier
 * source is compiled from the committed artifacts folder, whatever ZKATTEST_ARTIFACTS says).
 */
export function verifierSetup(): 'development' | 'production' {
  const manifest = loadManifest(DEFAULT_ARTIFACTS_DIR);
  const entry = circuitEntryOf(manifest, VERIFIER_CIRCUIT);
  return entry.setup === 'production' && manifest.setup.kind === 'production'
    ? 'production'
    : 'development';
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
  addresses: { verifier: string; registry: string; token: string };
  verifier: Contract;
  registry: Contract;
  token: Contract;
  chainId: bigint;
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

/** Deploys a ProofGatedToken on an existing verifier and registry, and grants its roles. */
export async function deployToken(
  signer: Signer,
  verifier: string,
  registry: string,
  config: TokenConfig,
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
      await (await token.getFunction('grantRole')(role, account)).wait();
    }
  }
  return token;
}

/**
 * Deploys the coverage verifier (or uses `verifierAddress`, an already deployed one), a
 * signer registry (owned by `config.admin` or the deployer) and a ProofGatedToken for the
 * unit; the deployer gets MINTER_ROLE and PAUSER_ROLE unless `config` says otherwise. A
 * development-setup verifier is refused (DEVELOPMENT_SETUP_REFUSED) unless
 * `config.allowDevelopmentSetup`.
 */
export async function deployAll(
  signer: Signer,
  config: TokenConfig,
  verifierAddress?: string,
): Promise<Deployment> {
  if (verifierAddress === undefined) assertDeployableSetup(config.allowDevelopmentSetup);
  // Unit errors before any transaction.
  parseDecimals(config.decimals, 'decimals');
  currencyInt(config.currency);
  const me = await signer.getAddress();
  const verifier =
    verifierAddress === undefined
      ? await deployContract(signer, 'Coverage32Verifier')
      : attach('Coverage32Verifier', verifierAddress, signer);
  const registry = await deployContract(signer, 'SignerRegistry', [config.admin ?? me]);
  const addresses = {
    verifier: await verifier.getAddress(),
    registry: await registry.getAddress(),
    token: '',
  };
  const token = await deployToken(signer, addresses.verifier, addresses.registry, config);
  addresses.token = await token.getAddress();
  const chainId = (await signer.provider!.getNetwork()).chainId;
  return { addresses, verifier, registry, token, chainId };
}

/** The registry's KeyKind enum. */
export const KEY_KIND = { snapshotSigner: 0, fxSource: 1 } as const;
export type KeyKindName = keyof typeof KEY_KIND;

/**
 * Registers a P-256 key in a SignerRegistry (owner only) as a snapshot signer or FX source,
 * trusted from `validFrom`; returns its keyId (hex64), checked against the registry's event.
 */
export async function registerKey(
  registry: Contract,
  kind: KeyKindName,
  key: P256PublicKey,
  label: string,
  validFrom: number,
): Promise<string> {
  const receipt = await (
    await registry.getFunction('add')(KEY_KIND[kind], `0x${key.x}`, `0x${key.y}`, label, validFrom)
  ).wait();
  const keyId = keyIdOf(key);
  const added = (receipt.logs as { topics: string[]; data: string }[])
    .map((l) => registry.interface.parseLog(l))
    .find((e) => e?.name === 'KeyAdded');
  if (added?.args.keyId !== `0x${keyId}`) throw new Error('registry answered another keyId');
  return keyId;
}

/** Revokes a key for as-of times `effectiveAt` and later (owner only). */
export async function revokeKey(
  registry: Contract,
  keyId: string,
  effectiveAt: number,
): Promise<void> {
  await (await registry.getFunction('revoke')(`0x${keyId}`, effectiveAt)).wait();
}

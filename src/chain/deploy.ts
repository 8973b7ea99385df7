import { Contract, ContractFactory, type ContractRunner, type Signer } from 'ethers';
import { circuitEntryOf, DEFAULT_ARTIFACTS_DIR, loadManifest } from '../common/artifact-manifest';
import { ZkAttestError } from '../common/errors';
import { loadContractArtifacts, type ContractArtifact, type ContractName } from './contracts-build';

/** The circuit whose Solidity verifier `deployAll` deploys (Coverage32Verifier). */
const VERIFIER_CIRCUIT = 'coverage-32';

/** What deploying a development-setup verifier means, for whoever opted in. */
export const DEVELOPMENT_SETUP_WARNING =
  'WARNING: this verifier comes from the DEVELOPMENT trusted setup: every contribution was ' +
  'made on one machine, so whoever ran it (or copied its files) can forge coverage proofs ' +
  'that this verifier accepts and mint tokens against no reserves. Use it only on a test ' +
  'chain; for anything else run `npm run ceremony` and deploy the production setup.';

export interface TokenConfig {
  name?: string;
  symbol?: string;
  /** Minimum proven minCoverageBps (>= 10000). Default 12000. */
  requiredRatioBps?: number;
  /** Maximum snapshot age at mint time, seconds. Default one day. */
  maxSnapshotAge?: number;
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

/** Deploys a ProofGatedToken on an existing verifier and registry, and grants its roles. */
export async function deployToken(
  signer: Signer,
  verifier: string,
  registry: string,
  config: TokenConfig = {},
): Promise<Contract> {
  const me = await signer.getAddress();
  const token = await deployContract(signer, 'ProofGatedToken', [
    config.name ?? 'Proof-Gated CNY Deposit Token',
    config.symbol ?? 'pgCNY',
    verifier,
    registry,
    config.requiredRatioBps ?? 12_000,
    config.maxSnapshotAge ?? 86_400,
    config.admin ?? me,
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
 * Deploys the coverage verifier, an attestor registry (owned by `config.admin` or the
 * deployer) and a ProofGatedToken; the deployer gets MINTER_ROLE and PAUSER_ROLE unless
 * `config` says otherwise. A development-setup verifier is refused (DEVELOPMENT_SETUP_REFUSED)
 * unless `config.allowDevelopmentSetup`.
 */
export async function deployAll(signer: Signer, config: TokenConfig = {}): Promise<Deployment> {
  assertDeployableSetup(config.allowDevelopmentSetup);
  const me = await signer.getAddress();
  const verifier = await deployContract(signer, 'Coverage32Verifier');
  const registry = await deployContract(signer, 'AttestorRegistry', [config.admin ?? me]);
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

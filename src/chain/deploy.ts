import { Contract, ContractFactory, type ContractRunner, type Signer } from 'ethers';
import { loadContractArtifacts, type ContractArtifact, type ContractName } from './contracts-build';

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
 * `config` says otherwise.
 */
export async function deployAll(signer: Signer, config: TokenConfig = {}): Promise<Deployment> {
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

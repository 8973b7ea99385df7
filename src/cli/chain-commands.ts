import { readFileSync } from 'node:fs';
import { ZkAttestError } from '../common/errors';
import {
  connectChain,
  envSigner,
  readDeploymentFile,
  revertName,
  writeDeploymentFile,
} from '../chain/chain-client';
import { loadContractArtifacts } from '../chain/contracts-build';
import {
  assertDeployableSetup,
  attach,
  deployAll,
  DEVELOPMENT_SETUP_WARNING,
} from '../chain/deploy';
import { mintWithProofArgs } from '../chain/mint-call';
import { parsePackage } from '../verifier';
import {
  addressOption,
  bigintOption,
  fieldElementArg,
  integerOption,
  required,
  type Command,
} from './args';

const deploy: Command = {
  name: 'deploy',
  summary: 'deploy the coverage verifier, attestor registry and proof-gated token to a chain',
  usage: `zkattest deploy --rpc <url> --out <deployment.json> [--key-env ZKATTEST_DEPLOYER_KEY]
    [--required-ratio-bps 12000] [--max-snapshot-age 86400] [--attestor <key hash>]...
    [--allow-development-setup]
  The deployer's private key is read from the environment variable named by --key-env.
  A verifier from the development trusted setup (artifacts/manifest.json "setup") is refused
  unless --allow-development-setup: its toxic waste is known, so proofs can be forged.`,
  options: {
    rpc: { type: 'string' },
    out: { type: 'string' },
    'key-env': { type: 'string', default: 'ZKATTEST_DEPLOYER_KEY' },
    'required-ratio-bps': { type: 'string', default: '12000' },
    'max-snapshot-age': { type: 'string', default: '86400' },
    attestor: { type: 'string', multiple: true },
    'allow-development-setup': { type: 'boolean', default: false },
  },
  async run(values) {
    const rpcUrl = required(values, 'rpc', this.usage);
    const out = required(values, 'out', this.usage);
    // Refuse before touching the chain or the key.
    const attestors = ((values.attestor as unknown as string[] | undefined) ?? []).map((h) =>
      fieldElementArg('attestor', h),
    );
    const allowDevelopmentSetup = values['allow-development-setup'] === true;
    if (assertDeployableSetup(allowDevelopmentSetup) === 'development') {
      console.error(DEVELOPMENT_SETUP_WARNING);
    }
    const provider = await connectChain(rpcUrl);
    try {
      const signer = envSigner(provider, values['key-env'] as string);
      const requiredRatioBps = integerOption(values, 'required-ratio-bps', this.usage);
      const maxSnapshotAge = integerOption(values, 'max-snapshot-age', this.usage);
      const artifacts = loadContractArtifacts();
      const d = await deployAll(signer, {
        requiredRatioBps,
        maxSnapshotAge,
        allowDevelopmentSetup,
      });
      for (const keyHash of attestors) {
        await (await d.registry.getFunction('add')(keyHash, 0)).wait();
        console.log(`attestor registered: ${keyHash}`);
      }
      writeDeploymentFile(out, {
        chainId: d.chainId.toString(),
        rpcUrl,
        addresses: d.addresses,
        abis: {
          verifier: artifacts.Coverage32Verifier.abi,
          registry: artifacts.AttestorRegistry.abi,
          token: artifacts.ProofGatedToken.abi,
        },
        requiredRatioBps,
        maxSnapshotAge,
        deployedAt: new Date().toISOString(),
      });
      console.log(`verifier ${d.addresses.verifier}`);
      console.log(`registry ${d.addresses.registry}`);
      console.log(`token    ${d.addresses.token} (chain ${d.chainId})`);
      console.log(`deployment (addresses and ABIs) written to ${out}`);
    } finally {
      provider.destroy();
    }
  },
};

const mint: Command = {
  name: 'mint',
  summary: 'mint proof-gated tokens against a coverage package bound to the token',
  usage: `zkattest mint <package.json> --deployment <deployment.json> --to <address> --amount <units>
    [--key-env ZKATTEST_MINTER_KEY]
  Prove the package with: zkattest prove coverage ... --for-token <deployment.json>`,
  options: {
    deployment: { type: 'string' },
    to: { type: 'string' },
    amount: { type: 'string' },
    'key-env': { type: 'string', default: 'ZKATTEST_MINTER_KEY' },
  },
  async run(values, [file]) {
    if (!file) throw new ZkAttestError('USAGE', this.usage);
    const to = addressOption(values, 'to', this.usage);
    const amount = bigintOption(values, 'amount', this.usage);
    const d = readDeploymentFile(required(values, 'deployment', this.usage));
    const pkg = parsePackage(JSON.parse(readFileSync(file, 'utf8')));
    const provider = await connectChain(d.rpcUrl);
    try {
      const signer = envSigner(provider, values['key-env'] as string);
      const token = attach('ProofGatedToken', d.addresses.token, signer);
      try {
        const tx = await token.getFunction('mintWithProof')(...mintWithProofArgs(pkg, to, amount));
        const receipt = await tx.wait();
        console.log(`minted ${amount} in tx ${tx.hash} (gas ${receipt.gasUsed})`);
      } catch (err) {
        const name = revertName(token, err);
        if (!name) throw err;
        throw new ZkAttestError('MINT_REFUSED', `the token refused the mint: ${name}`, {
          reason: name,
        });
      }
    } finally {
      provider.destroy();
    }
  },
};

export const CHAIN_COMMANDS: Command[] = [deploy, mint];

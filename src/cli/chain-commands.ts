import { readFileSync } from 'node:fs';
import type { Contract } from 'ethers';
import { ZkAttestError } from '../common/errors';
import {
  connectChain,
  envSigner,
  readDeploymentFile,
  revertName,
  writeDeploymentFile,
  type DeploymentFile,
} from '../chain/chain-client';
import { loadContractArtifacts } from '../chain/contracts-build';
import {
  assertDeployableSetup,
  attach,
  deployAll,
  DEVELOPMENT_SETUP_WARNING,
  registerKey,
  revokeKey,
  type KeyKindName,
} from '../chain/deploy';
import { parseCurrency, parseDecimals } from '../common/currency';
import { assertPackageUnit, mintWithProofArgs, parseMintPackage } from '../chain/mint-call';
import { readPublicKeyArg } from '../chain/public-key-input';
import { addressOption, bigintOption, integerOption, required, type Command } from './args';

type Values = Record<string, string | boolean | undefined>;

/** The unit options, checked before any network call. */
function unitOptions(values: Values, usage: string): { currency: string; decimals: number } {
  return {
    currency: parseCurrency(required(values, 'currency', usage), 'currency'),
    decimals: parseDecimals(integerOption(values, 'decimals', usage), 'decimals'),
  };
}

/** A revert of a registry transaction as a coded error naming the contract's reason. */
async function registryCall<T>(registry: Contract, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    const name = revertName(registry, err);
    if (!name) throw err;
    throw new ZkAttestError('CONFLICT', `the registry refused: ${name}`, { reason: name });
  }
}

const deploy: Command = {
  name: 'deploy',
  summary: 'deploy the coverage verifier, signer registry and a proof-gated token for one unit',
  usage: `zkattest deploy --rpc <url> --out <deployment.json> --currency <ISO 4217> --decimals <0..18>
    [--key-env ZKATTEST_DEPLOYER_KEY] [--required-ratio-bps 12000] [--max-snapshot-age 86400]
    [--max-fx-age 86400] [--signer <public key>]... [--fx-source <public key>]...
    [--verifier <address>] [--allow-development-setup]
  The token mints only against proofs in its unit (currency, decimals): decimals() is --decimals.
  --signer / --fx-source register a snapshot signer / FX source key (trusted from time 0): a
  JSON file or inline JSON, {x, y} hex or a P-256 JWK or key file (only its public part is read).
  --verifier uses an already deployed coverage verifier instead of deploying one.
  The deployer's private key is read from the environment variable named by --key-env.
  A verifier from the development trusted setup (artifacts/manifest.json "setup") is refused
  unless --allow-development-setup: its toxic waste is known, so proofs can be forged.`,
  options: {
    rpc: { type: 'string' },
    out: { type: 'string' },
    currency: { type: 'string' },
    decimals: { type: 'string' },
    'key-env': { type: 'string', default: 'ZKATTEST_DEPLOYER_KEY' },
    'required-ratio-bps': { type: 'string', default: '12000' },
    'max-snapshot-age': { type: 'string', default: '86400' },
    'max-fx-age': { type: 'string', default: '86400' },
    signer: { type: 'string', multiple: true },
    'fx-source': { type: 'string', multiple: true },
    verifier: { type: 'string' },
    'allow-development-setup': { type: 'boolean', default: false },
  },
  async run(values) {
    const rpcUrl = required(values, 'rpc', this.usage);
    const out = required(values, 'out', this.usage);
    // Refuse before touching the chain or the key.
    const unit = unitOptions(values, this.usage);
    const list = (name: string) => (values[name] as unknown as string[] | undefined) ?? [];
    const keys: [KeyKindName, string][] = [
      ...list('signer').map((k): [KeyKindName, string] => ['snapshotSigner', k]),
      ...list('fx-source').map((k): [KeyKindName, string] => ['fxSource', k]),
    ];
    const parsedKeys = keys.map(
      ([kind, arg]) =>
        [kind, readPublicKeyArg(kind === 'fxSource' ? 'fx-source' : 'signer', arg)] as const,
    );
    const verifierAddress =
      values.verifier === undefined ? undefined : addressOption(values, 'verifier', this.usage);
    const allowDevelopmentSetup = values['allow-development-setup'] === true;
    if (
      verifierAddress === undefined &&
      assertDeployableSetup(allowDevelopmentSetup) === 'development'
    ) {
      console.error(DEVELOPMENT_SETUP_WARNING);
    }
    const requiredRatioBps = integerOption(values, 'required-ratio-bps', this.usage);
    const maxSnapshotAge = integerOption(values, 'max-snapshot-age', this.usage);
    const maxFxAge = integerOption(values, 'max-fx-age', this.usage);
    const provider = await connectChain(rpcUrl);
    try {
      const signer = envSigner(provider, values['key-env'] as string);
      const artifacts = loadContractArtifacts();
      const d = await deployAll(
        signer,
        { ...unit, requiredRatioBps, maxSnapshotAge, maxFxAge, allowDevelopmentSetup },
        verifierAddress,
      );
      for (const [kind, key] of parsedKeys) {
        const keyId = await registerKey(d.registry, kind, key, '', 0);
        console.log(`${kind === 'fxSource' ? 'FX source' : 'signer'} registered: ${keyId}`);
      }
      writeDeploymentFile(out, {
        chainId: d.chainId.toString(),
        rpcUrl,
        addresses: d.addresses,
        abis: {
          verifier: artifacts.Coverage32Verifier.abi,
          registry: artifacts.SignerRegistry.abi,
          token: artifacts.ProofGatedToken.abi,
        },
        ...unit,
        identityFxTable: ((await d.token.getFunction('identityFxTable')()) as bigint).toString(),
        requiredRatioBps,
        maxSnapshotAge,
        maxFxAge,
        deployedAt: new Date().toISOString(),
      });
      console.log(`verifier ${d.addresses.verifier}`);
      console.log(`registry ${d.addresses.registry}`);
      console.log(`token    ${d.addresses.token} (chain ${d.chainId})`);
      console.log(`unit     ${unit.currency}, ${unit.decimals} decimals`);
      console.log(`deployment (addresses and ABIs) written to ${out}`);
    } finally {
      provider.destroy();
    }
  },
};

/** Runs `action` on the deployment's registry as the owner key; always closes the provider. */
async function withRegistry(
  values: Values,
  usage: string,
  action: (registry: Contract, d: DeploymentFile) => Promise<void>,
): Promise<void> {
  const d = readDeploymentFile(required(values, 'deployment', usage));
  const provider = await connectChain(d.rpcUrl);
  try {
    const owner = envSigner(provider, values['key-env'] as string);
    await action(attach('SignerRegistry', d.addresses.registry, owner), d);
  } finally {
    provider.destroy();
  }
}

function addKeyCommand(name: string, kind: KeyKindName, what: string): Command {
  return {
    name: `registry ${name}`,
    summary: `register a P-256 ${what} key in the deployment's signer registry`,
    usage: `zkattest registry ${name} --deployment <deployment.json> --public-key <key>
    [--label <who holds it>] [--valid-from <unix seconds, default 0>]
    [--key-env ZKATTEST_DEPLOYER_KEY]
  <key>: a JSON file or inline JSON: {x, y} hex, a P-256 JWK or a key file (public part only).
  The registry owner's private key is read from the environment variable named by --key-env.`,
    options: {
      deployment: { type: 'string' },
      'public-key': { type: 'string' },
      label: { type: 'string', default: '' },
      'valid-from': { type: 'string', default: '0' },
      'key-env': { type: 'string', default: 'ZKATTEST_DEPLOYER_KEY' },
    },
    async run(values) {
      const key = readPublicKeyArg('public-key', required(values, 'public-key', this.usage));
      const validFrom = integerOption(values, 'valid-from', this.usage);
      const label = values.label as string;
      await withRegistry(values, this.usage, async (registry) => {
        const keyId = await registryCall(registry, () =>
          registerKey(registry, kind, key, label, validFrom),
        );
        console.log(`${what} registered: ${keyId} (trusted from ${validFrom})`);
      });
    },
  };
}

const revoke: Command = {
  name: 'registry revoke',
  summary: 'revoke a signer or FX source key from an as-of time on (backdating allowed)',
  usage: `zkattest registry revoke --deployment <deployment.json> --key-id <hex64> --at <unix seconds>
    [--key-env ZKATTEST_DEPLOYER_KEY]
  Messages dated --at or later are no longer trusted. A revocation can be brought forward,
  never pushed later, and never before the key's valid-from time.`,
  options: {
    deployment: { type: 'string' },
    'key-id': { type: 'string' },
    at: { type: 'string' },
    'key-env': { type: 'string', default: 'ZKATTEST_DEPLOYER_KEY' },
  },
  async run(values) {
    const keyId = required(values, 'key-id', this.usage);
    if (!/^[0-9a-f]{64}$/.test(keyId)) {
      throw new ZkAttestError('USAGE', '--key-id must be 64 lowercase hex digits');
    }
    const at = integerOption(values, 'at', this.usage);
    await withRegistry(values, this.usage, async (registry) => {
      await registryCall(registry, () => revokeKey(registry, keyId, at));
      console.log(`revoked ${keyId} from ${at}`);
    });
  },
};

const mint: Command = {
  name: 'mint',
  summary: 'mint proof-gated tokens against a v2 coverage package bound to the token',
  usage: `zkattest mint <package.json> --deployment <deployment.json> --to <address> --amount <units>
    [--key-env ZKATTEST_MINTER_KEY]
  The package must be in the token's unit; prove it with --for-token <deployment.json>.`,
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
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      throw new ZkAttestError('USAGE', `cannot read the package ${file} as JSON`);
    }
    const pkg = parseMintPackage(json);
    assertPackageUnit(pkg, d);
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

export const CHAIN_COMMANDS: Command[] = [
  deploy,
  mint,
  addKeyCommand('add-signer', 'snapshotSigner', 'snapshot signer'),
  addKeyCommand('add-fx-source', 'fxSource', 'FX source'),
  revoke,
];

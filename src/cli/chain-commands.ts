import { readFileSync } from 'node:fs';
import type { Contract } from 'ethers';
import { ZkAttestError } from '../common/errors';
import { readJsonFile } from './cosign-commands';
import {
  connectChain,
  envSigner,
  readDeploymentFile,
  revertName,
  writeDeploymentFile,
  type DeploymentFile,
} from '../chain/chain-client';
import { loadContractArtifacts } from '../chain/contracts-build';
import { confirmed } from '../chain/transactions';
import {
  assertDeployableSetup,
  attach,
  deployAll,
  DEVELOPMENT_SETUP_WARNING,
  registerFxSource,
  registerSignerSet,
  revokeFxSource,
  revokeSignerSet,
  subscribeToken,
} from '../chain/deploy';
import { parseCurrency, parseDecimals } from '../common/currency';
import {
  advanceChainArgs,
  assertPackageUnit,
  headWitness,
  mintWithProofArgs,
  parseChainLink,
  parseMintPackage,
} from '../chain/mint-call';
import { readPublicKeyArg } from '../chain/public-key-input';
import type { P256PublicKey } from '../common/p256';
import { buildSignerSet, parseSignerSet, type SignerSet } from '../common/signer-set';
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
  summary: 'deploy a signer registry and a proof-gated token (built-in verifier) for one unit',
  usage: `zkattest deploy --rpc <url> --out <deployment.json> --currency <ISO 4217> --decimals <0..18>
    [--key-env ZKATTEST_DEPLOYER_KEY] [--required-ratio-bps 12000] [--max-snapshot-age 86400]
    [--max-fx-age 86400] [--signer <public key>]... [--signer-set <set.json>]...
    [--fx-source <public key>]...
    [--verifier <address>] [--allow-development-setup]
  The token mints only against proofs in its unit (currency, decimals): decimals() is --decimals.
  --signer registers a 1-of-1 signer set of that key, --signer-set a k-of-n set file
  (\`zkattest signer-set new\`), --fx-source an FX source key; all trusted from time 0, chains
  from epoch 0. A key: a JSON file or inline JSON, {x, y} hex or a P-256 JWK or key file (only
  its public part is read).
  The token verifies proofs with its built-in Groth16 verifier (generated from the committed
  verification key); --verifier makes it call an already deployed external verifier instead.
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
    'signer-set': { type: 'string', multiple: true },
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
    const sets = [
      ...list('signer').map((k) => soloSet(readPublicKeyArg('signer', k), 'signer')),
      ...list('signer-set').map(readSignerSetFile),
    ];
    const fxSources = list('fx-source').map((k) => readPublicKeyArg('fx-source', k));
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
      for (const set of sets) {
        await registerSignerSet(d.registry, set, 0, 0);
        console.log(setRegistered(set));
      }
      for (const key of fxSources) {
        console.log(`FX source registered: ${await registerFxSource(d.registry, key, '', 0)}`);
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
      console.log(
        `verifier ${d.verifier ? d.addresses.verifier : 'built into the token (Coverage32Groth16)'}`,
      );
      console.log(`registry ${d.addresses.registry}`);
      console.log(`token    ${d.addresses.token} (chain ${d.chainId})`);
      if (d.subscriptionNotice !== undefined) console.log(d.subscriptionNotice);
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
  const provider = await connectChain(d.rpcUrl, { expectedChainId: d.chainId });
  try {
    const owner = envSigner(provider, values['key-env'] as string);
    await action(attach('SignerRegistry', d.addresses.registry, owner), d);
  } finally {
    provider.destroy();
  }
}

/** A 1-of-1 signer set of one key. */
function soloSet(publicKey: P256PublicKey, label: string): SignerSet {
  return buildSignerSet(1, [{ publicKey, label }]);
}

/** A signer-set file (`zkattest signer-set new`), or USAGE / SIGNER_SET_INVALID. */
function readSignerSetFile(file: string): SignerSet {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new ZkAttestError('USAGE', `cannot read the signer set ${file} as JSON`);
  }
  return parseSignerSet(json);
}

const setRegistered = (set: SignerSet) =>
  `signer set registered: ${set.setId} (${set.threshold} of ${set.signers.length}: ` +
  `${set.signers.map((m) => m.label).join(', ')})`;

/**
 * A time option: ISO 8601 or unix seconds; `fallback` when absent.
 * @throws ZkAttestError USAGE naming the option.
 */
function timeOption(values: Values, name: string, fallback: number): number {
  const text = values[name];
  if (text === undefined) return fallback;
  if (typeof text === 'string' && /^[0-9]{1,12}$/.test(text)) return Number(text);
  const ms = typeof text === 'string' && /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms) || ms < 0) {
    throw new ZkAttestError('USAGE', `--${name} must be an ISO 8601 time or unix seconds`);
  }
  return Math.floor(ms / 1000);
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Registers `set` and prints what was registered. */
async function addSet(
  values: Values,
  usage: string,
  set: SignerSet,
  validFrom: number,
  firstEpoch: number,
): Promise<void> {
  await withRegistry(values, usage, async (registry) => {
    await registryCall(registry, () => registerSignerSet(registry, set, validFrom, firstEpoch));
    console.log(`${setRegistered(set)}, trusted from ${validFrom}, first epoch ${firstEpoch}`);
  });
}

const REGISTRY_OPTIONS = {
  deployment: { type: 'string' },
  'key-env': { type: 'string', default: 'ZKATTEST_DEPLOYER_KEY' },
} as const;

const addSetCommand: Command = {
  name: 'registry add-set',
  summary: 'register a k-of-n signer set (a signer-set file) in the deployment’s registry',
  usage: `zkattest registry add-set <set.json> --deployment <deployment.json>
    [--valid-from <ISO 8601 | unix seconds, default 0: any as-of time>] [--first-epoch <N, default 0>]
    [--key-env ZKATTEST_DEPLOYER_KEY]
  <set.json>: a signer-set file (\`zkattest signer-set new\`): threshold and labelled keys.
  The set signs snapshots dated --valid-from or later; its epoch chain starts at --first-epoch
  (a successor set continues its predecessor's numbering). Replacing a signer means revoking
  the set (registry revoke-set) and registering its successor.
  The registry owner's private key is read from the environment variable named by --key-env.`,
  options: {
    ...REGISTRY_OPTIONS,
    'valid-from': { type: 'string' },
    'first-epoch': { type: 'string', default: '0' },
  },
  async run(values, [file]) {
    if (!file) throw new ZkAttestError('USAGE', this.usage);
    const set = readSignerSetFile(file);
    const validFrom = timeOption(values, 'valid-from', 0);
    const firstEpoch = integerOption(values, 'first-epoch', this.usage);
    await addSet(values, this.usage, set, validFrom, firstEpoch);
  },
};

const addSignerCommand: Command = {
  name: 'registry add-signer',
  summary: 'register one key as a 1-of-1 signer set (shorthand of registry add-set)',
  usage: `zkattest registry add-signer --deployment <deployment.json> --public-key <key>
    [--label <who holds it, default "signer">] [--valid-from <ISO 8601 | unix seconds, default 0>]
    [--first-epoch <N, default 0>] [--key-env ZKATTEST_DEPLOYER_KEY]
  <key>: a JSON file or inline JSON: {x, y} hex, a P-256 JWK or a key file (public part only).`,
  options: {
    ...REGISTRY_OPTIONS,
    'public-key': { type: 'string' },
    label: { type: 'string', default: 'signer' },
    'valid-from': { type: 'string' },
    'first-epoch': { type: 'string', default: '0' },
  },
  async run(values) {
    const key = readPublicKeyArg('public-key', required(values, 'public-key', this.usage));
    const set = soloSet(key, values.label as string);
    const validFrom = timeOption(values, 'valid-from', 0);
    const firstEpoch = integerOption(values, 'first-epoch', this.usage);
    await addSet(values, this.usage, set, validFrom, firstEpoch);
  },
};

const addFxSourceCommand: Command = {
  name: 'registry add-fx-source',
  summary: 'register a P-256 FX source key in the deployment’s registry',
  usage: `zkattest registry add-fx-source --deployment <deployment.json> --public-key <key>
    [--label <who holds it>] [--valid-from <ISO 8601 | unix seconds, default 0>]
    [--key-env ZKATTEST_DEPLOYER_KEY]
  <key>: a JSON file or inline JSON: {x, y} hex, a P-256 JWK or a key file (public part only).
  The registry owner's private key is read from the environment variable named by --key-env.`,
  options: {
    ...REGISTRY_OPTIONS,
    'public-key': { type: 'string' },
    label: { type: 'string', default: '' },
    'valid-from': { type: 'string' },
  },
  async run(values) {
    const key = readPublicKeyArg('public-key', required(values, 'public-key', this.usage));
    const validFrom = timeOption(values, 'valid-from', 0);
    await withRegistry(values, this.usage, async (registry) => {
      const keyId = await registryCall(registry, () =>
        registerFxSource(registry, key, values.label as string, validFrom),
      );
      console.log(`FX source registered: ${keyId} (trusted from ${validFrom})`);
    });
  },
};

const HEX64 = /^[0-9a-f]{64}$/;

const revokeSetCommand: Command = {
  name: 'registry revoke-set',
  summary: 'revoke a signer set from an as-of time on (backdating allowed)',
  usage: `zkattest registry revoke-set <setId> --deployment <deployment.json>
    [--effective-at <ISO 8601 | unix seconds, default now>] [--key-env ZKATTEST_DEPLOYER_KEY]
  Snapshots dated --effective-at or later are no longer trusted. A revocation can be brought
  forward, never pushed later, and never before the set's valid-from time.`,
  options: { ...REGISTRY_OPTIONS, 'effective-at': { type: 'string' } },
  async run(values, [setId]) {
    if (!setId || !HEX64.test(setId)) {
      throw new ZkAttestError('USAGE', `<setId> must be 64 lowercase hex digits\n\n${this.usage}`);
    }
    const at = timeOption(values, 'effective-at', nowSeconds());
    await withRegistry(values, this.usage, async (registry) => {
      await registryCall(registry, () => revokeSignerSet(registry, setId, at));
      console.log(`signer set ${setId} revoked from ${at}`);
    });
  },
};

const revokeFxSourceCommand: Command = {
  name: 'registry revoke-fx-source',
  summary: 'revoke an FX source key from an as-of time on (backdating allowed)',
  usage: `zkattest registry revoke-fx-source --deployment <deployment.json> --key-id <hex64>
    [--effective-at <ISO 8601 | unix seconds, default now>] [--key-env ZKATTEST_DEPLOYER_KEY]
  Rate tables dated --effective-at or later are no longer trusted. A revocation can be brought
  forward, never pushed later, and never before the key's valid-from time.`,
  options: {
    ...REGISTRY_OPTIONS,
    'key-id': { type: 'string' },
    'effective-at': { type: 'string' },
  },
  async run(values) {
    const keyId = required(values, 'key-id', this.usage);
    if (!HEX64.test(keyId)) {
      throw new ZkAttestError('USAGE', '--key-id must be 64 lowercase hex digits');
    }
    const at = timeOption(values, 'effective-at', nowSeconds());
    await withRegistry(values, this.usage, async (registry) => {
      await registryCall(registry, () => revokeFxSource(registry, keyId, at));
      console.log(`FX source ${keyId} revoked from ${at}`);
    });
  },
};

const subscribeCommand: Command = {
  name: 'registry subscribe',
  summary: 'subscribe a token to the registry’s signer set revocations (registry owner only)',
  usage: `zkattest registry subscribe --deployment <deployment.json>
    [--token <address, default the deployment's token>] [--key-env ZKATTEST_DEPLOYER_KEY]
  A token trusts a signer set from its first link on and hears of the set's revocation from
  the registry, which calls every subscriber when it revokes a set; an unsubscribed token
  refuses a set's first link. \`deploy\` subscribes its token; a token deployed on a registry
  someone else owns needs its owner to run this. At most 32 subscribers, never removed (a
  token that stopped hearing revocations would go on trusting a revoked set). The token's
  registry() must be this registry. The registry owner's private key is read from the
  environment variable named by --key-env.`,
  options: { ...REGISTRY_OPTIONS, token: { type: 'string' } },
  async run(values) {
    const token =
      values.token === undefined ? undefined : addressOption(values, 'token', this.usage);
    await withRegistry(values, this.usage, async (registry, d) => {
      const address = token ?? d.addresses.token;
      await registryCall(registry, () => subscribeToken(registry, address));
      console.log(`token ${address} subscribed to the registry ${d.addresses.registry}`);
    });
  },
};

const advance: Command = {
  name: 'chain advance',
  summary: 'post a signed snapshot as the next link of its signer set’s chain on a token',
  usage: `zkattest chain advance <package.json | signed-snapshot.json> --token <deployment.json>
    [--key-env ZKATTEST_MINTER_KEY]
  Moves the set's chain head on the token to this snapshot without minting (anyone may): how
  a gap is filled before a mint on a later epoch. The snapshot must be the head's next epoch
  (or the set's first), linked to the head's commitment, in the token's unit. The sender's
  private key is read from the environment variable named by --key-env.`,
  options: {
    token: { type: 'string' },
    'key-env': { type: 'string', default: 'ZKATTEST_MINTER_KEY' },
  },
  async run(values, [file]) {
    if (!file) throw new ZkAttestError('USAGE', this.usage);
    const d = readDeploymentFile(required(values, 'token', this.usage));
    const link = parseChainLink(readJsonFile(file, 'USAGE', 'the package'));
    assertPackageUnit({ snapshot: link.message }, d);
    const provider = await connectChain(d.rpcUrl, { expectedChainId: d.chainId });
    try {
      const sender = envSigner(provider, values['key-env'] as string);
      const token = attach('ProofGatedToken', d.addresses.token, sender);
      try {
        const head = await headWitness(token, link.message.setId);
        const tx = await token.getFunction('advanceChain')(...(await advanceChainArgs(link, head)));
        const receipt = await confirmed(tx, 'advanceChain');
        const moved = receipt.logs
          .map((l) => token.interface.parseLog(l))
          .some((e) => e?.name === 'ChainAdvanced');
        const { setId, epoch } = link.message;
        console.log(
          moved
            ? `chain of set ${setId} advanced to epoch ${epoch} in tx ${tx.hash} (gas ${receipt.gasUsed})`
            : `epoch ${epoch} is already the head of set ${setId}: nothing changed`,
        );
      } catch (err) {
        const name = revertName(token, err);
        if (!name) throw err;
        throw new ZkAttestError('CONFLICT', `the token refused the link: ${name}`, {
          reason: name,
        });
      }
    } finally {
      provider.destroy();
    }
  },
};

const mint: Command = {
  name: 'mint',
  summary: 'mint proof-gated tokens against a v2 coverage package, or against the posted share',
  usage: `zkattest mint <package.json> --deployment <deployment.json> --to <address> --amount <units>
    [--key-env ZKATTEST_MINTER_KEY]
zkattest mint --posted --deployment <deployment.json> --to <address> --amount <units>
  With a package (mintWithProof): it must be in the token's unit (prove it with --for-token
  <deployment.json>), signed by k members of a signer set registered on the token's registry,
  and on the set's chain head or the next epoch (post missing links first with
  \`zkattest chain advance\`). With --posted (mint): against the share a relayed postProof
  set (\`zkattest relay\`), while it is unexpired and still its set's chain head.`,
  options: {
    deployment: { type: 'string' },
    to: { type: 'string' },
    amount: { type: 'string' },
    posted: { type: 'boolean', default: false },
    'key-env': { type: 'string', default: 'ZKATTEST_MINTER_KEY' },
  },
  async run(values, [file]) {
    const posted = values.posted === true;
    if (posted === (file !== undefined)) throw new ZkAttestError('USAGE', this.usage);
    const to = addressOption(values, 'to', this.usage);
    const amount = bigintOption(values, 'amount', this.usage);
    const d = readDeploymentFile(required(values, 'deployment', this.usage));
    const pkg =
      file === undefined ? undefined : parseMintPackage(readJsonFile(file, 'USAGE', 'the package'));
    if (pkg) assertPackageUnit(pkg, d);
    const provider = await connectChain(d.rpcUrl, { expectedChainId: d.chainId });
    try {
      const signer = envSigner(provider, values['key-env'] as string);
      const token = attach('ProofGatedToken', d.addresses.token, signer);
      try {
        const tx = pkg
          ? await token.getFunction('mintWithProof')(
              ...mintWithProofArgs(pkg, to, amount, await headWitness(token, pkg.snapshot.setId)),
            )
          : await token.getFunction('mint')(to, amount);
        const receipt = await confirmed(tx, pkg ? 'mintWithProof' : 'mint');
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
  advance,
  addSetCommand,
  addSignerCommand,
  addFxSourceCommand,
  revokeSetCommand,
  revokeFxSourceCommand,
  subscribeCommand,
];

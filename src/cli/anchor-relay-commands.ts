import { readFileSync, writeFileSync } from 'node:fs';
import { isAddress } from 'ethers';
import { z } from 'zod';
import { connectChain, envSigner } from '../chain/chain-client';
import { loadContractArtifacts } from '../chain/contracts-build';
import { confirmed } from '../chain/transactions';
import { parseChainLink } from '../chain/mint-call';
import { parseRelayPackage, readDeploymentsFile, relayLine, relayPackage } from '../chain/relay';
import { anchorSnapshot, attachAnchor, deployAnchor } from '../chain/snapshot-anchor';
import { ZkAttestError } from '../common/errors';
import { readJsonFile } from './cosign-commands';
import { addressOption, repeatedOption, required, type Command } from './args';

const anchorFileSchema = z.strictObject({
  type: z.literal('zkattest.anchor-deployment/v1'),
  chainId: z.string().regex(/^[0-9]+$/),
  rpcUrl: z.string(),
  anchor: z.string().refine((v) => /^0x[0-9a-fA-F]{40}$/.test(v) && isAddress(v)),
  abi: z.array(z.unknown()),
  deployedAt: z.string(),
});

/** What `zkattest anchor deploy` writes: where the onshore SnapshotAnchor is. */
export type AnchorDeploymentFile = z.infer<typeof anchorFileSchema>;

export function readAnchorFile(file: string): AnchorDeploymentFile {
  const parsed = anchorFileSchema.safeParse(
    readJsonFile(file, 'USAGE', 'the anchor deployment file'),
  );
  if (!parsed.success) throw new ZkAttestError('USAGE', `${file} is not an anchor deployment file`);
  return parsed.data;
}

const anchorDeploy: Command = {
  name: 'anchor deploy',
  summary: 'deploy the onshore SnapshotAnchor (the custodian anchors its signed snapshots)',
  usage: `zkattest anchor deploy --rpc <url> --out <anchor.json> [--anchorer <address>]...
    [--admin <address>] [--key-env ZKATTEST_DEPLOYER_KEY]
  --anchorer gets ANCHORER_ROLE (default the deployer); --admin DEFAULT_ADMIN_ROLE (default the
  deployer; roles are granted while the deployer is admin, so --admin hands it over after).
  The deployer's private key is read from the environment variable named by --key-env.`,
  options: {
    rpc: { type: 'string' },
    out: { type: 'string' },
    anchorer: { type: 'string', multiple: true },
    admin: { type: 'string' },
    'key-env': { type: 'string', default: 'ZKATTEST_DEPLOYER_KEY' },
  },
  async run(values) {
    const rpcUrl = required(values, 'rpc', this.usage);
    const out = required(values, 'out', this.usage);
    const anchorers = repeatedOption(values, 'anchorer').map((a) => {
      if (!/^0x[0-9a-fA-F]{40}$/.test(a) || !isAddress(a)) {
        throw new ZkAttestError('USAGE', `--anchorer: not an address\n\n${this.usage}`);
      }
      return a;
    });
    const admin =
      values.admin === undefined ? undefined : addressOption(values, 'admin', this.usage);
    const provider = await connectChain(rpcUrl);
    try {
      const signer = envSigner(provider, values['key-env'] as string);
      const me = await signer.getAddress();
      const anchor = await deployAnchor(signer, {
        ...(anchorers.length > 0 ? { anchorers } : {}),
      });
      if (admin !== undefined && admin.toLowerCase() !== me.toLowerCase()) {
        const role = (await anchor.getFunction('DEFAULT_ADMIN_ROLE')()) as string;
        await confirmed(await anchor.getFunction('grantRole')(role, admin), 'grantRole');
        await confirmed(await anchor.getFunction('renounceRole')(role, me), 'renounceRole');
      }
      const address = await anchor.getAddress();
      const file: AnchorDeploymentFile = {
        type: 'zkattest.anchor-deployment/v1',
        chainId: (await provider.getNetwork()).chainId.toString(),
        rpcUrl,
        anchor: address,
        abi: loadContractArtifacts().SnapshotAnchor.abi,
        deployedAt: new Date().toISOString(),
      };
      writeFileSync(out, `${JSON.stringify(file, null, 2)}\n`);
      console.log(`anchor ${address} (chain ${file.chainId}) written to ${out}`);
    } finally {
      provider.destroy();
    }
  },
};

const anchor: Command = {
  name: 'anchor',
  summary: 'anchor a signed snapshot on the onshore SnapshotAnchor (custodian)',
  usage: `zkattest anchor <package.json | signed-snapshot.json> --anchor <anchor.json>
    [--key-env ZKATTEST_ANCHORER_KEY] [--json <out.json>]
  Records (signer set, epoch, commitment, as-of) of a snapshot its set signed (checked here
  first; no data is sent). The anchor refuses a rollback, a gap and a second commitment for
  one epoch; the same anchor again is a no-op. --json writes {chainId, anchor, txHash, setId,
  epoch, status} (the egress log's onshore anchor evidence).`,
  options: {
    anchor: { type: 'string' },
    'key-env': { type: 'string', default: 'ZKATTEST_ANCHORER_KEY' },
    json: { type: 'string' },
  },
  async run(values, [file]) {
    if (!file) throw new ZkAttestError('USAGE', this.usage);
    const a = readAnchorFile(required(values, 'anchor', this.usage));
    const link = parseChainLink(readJsonFile(file, 'USAGE', 'the package or signed snapshot'));
    const provider = await connectChain(a.rpcUrl, { expectedChainId: a.chainId });
    try {
      const signer = envSigner(provider, values['key-env'] as string);
      const r = await anchorSnapshot(attachAnchor(a.anchor, signer), link);
      const what = `set ${r.setId} epoch ${r.epoch} on chain ${r.chainId}`;
      console.log(
        r.status === 'anchored'
          ? `anchored ${what} in tx ${r.txHash}`
          : `already anchored: ${what} (nothing sent)`,
      );
      if (typeof values.json === 'string') {
        const body = {
          chainId: r.chainId.toString(),
          anchor: a.anchor,
          ...(r.txHash ? { txHash: r.txHash } : {}),
          setId: r.setId,
          epoch: r.epoch,
          status: r.status,
        };
        writeFileSync(values.json, `${JSON.stringify(body, null, 2)}\n`);
      }
    } finally {
      provider.destroy();
    }
  },
};

/** The relayer's key: a file holding the hex key, else the environment variable. */
function relayKey(values: Record<string, string | boolean | undefined>): string {
  const raw =
    typeof values.key === 'string'
      ? (() => {
          try {
            return readFileSync(values.key, 'utf8').trim();
          } catch {
            throw new ZkAttestError('USAGE', '--key: cannot read the key file');
          }
        })()
      : process.env[values['key-env'] as string];
  if (!raw || !/^(0x)?[0-9a-fA-F]{64}$/.test(raw)) {
    throw new ZkAttestError(
      'KEY_INVALID',
      `pass --key <file with the private key (hex)> or set ${String(values['key-env'])}`,
    );
  }
  return raw.startsWith('0x') ? raw : `0x${raw}`;
}

const relay: Command = {
  name: 'relay',
  summary: 'post one package on every chain a deployments file names (anyone may relay)',
  usage: `zkattest relay <package.json> --to <deployments.json> [--key <key file>]
    [--key-env ZKATTEST_RELAY_KEY]
  deployments.json: {"deployments":[{"name","rpcUrl","chainId","token"}]}. For each: the RPC's
  chain id must be chainId (else that one fails, CHAIN_MISMATCH); a deployment the package
  allocates nothing to is skipped; the token checks the proof and signatures itself (postProof
  is permissionless: the relayer's key only pays gas, none is trusted). One line per chain;
  a package posted already is done, an older one than the token holds is "superseded".
  Exits non-zero (RELAY_INCOMPLETE) when any deployment failed.`,
  options: {
    to: { type: 'string' },
    key: { type: 'string' },
    'key-env': { type: 'string', default: 'ZKATTEST_RELAY_KEY' },
  },
  async run(values, [file]) {
    if (!file) throw new ZkAttestError('USAGE', this.usage);
    const deployments = readDeploymentsFile(required(values, 'to', this.usage));
    const pkg = parseRelayPackage(readJsonFile(file, 'USAGE', 'the package'));
    const key = relayKey(values);
    const outcomes = await relayPackage(pkg, deployments, key);
    for (const o of outcomes) console.log(relayLine(o));
    const failed = outcomes.filter((o) => o.status === 'failed').length;
    if (failed > 0) {
      throw new ZkAttestError(
        'RELAY_INCOMPLETE',
        `${failed} of ${outcomes.length} deployments failed`,
        { failed },
      );
    }
  },
};

/** `anchor deploy` before `anchor`: the CLI takes the first command whose words match. */
export const ANCHOR_RELAY_COMMANDS: Command[] = [anchorDeploy, anchor, relay];

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ContractFactory, JsonRpcProvider } from 'ethers';
import { startAnvil, type Anvil } from '../../src/chain/anvil';
import { contractContext } from '../../src/chain/context-binding';
import { compileExtraContract } from '../../src/chain/contracts-build';
import { deployToken, identityFxTableHash } from '../../src/chain/deploy';
import type { AttestationPackage } from '../../src/common/attestation-package';
import { commitmentHex } from '../../src/common/signed-snapshot';
import { signerSetFile } from '../../src/common/signer-set';
import { singleKeySetId } from '../../src/common/snapshot-message';
import { mintFixture, TestP256Key, testSignerSet, USD_HKD_TABLE } from '../support/v2-mint-fixture';

const BIN = join(__dirname, '..', '..', 'bin', 'zkattest.cjs');
// anvil's first pre-funded development account: a public test key.
const SAMPLE = join(__dirname, '..', '..', 'examples', 'snapshot.csv');
const DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const HOLDER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const run = promisify(execFile);
const DEV_ADDRESS = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';

/** The deployer's transaction count: unchanged when a deploy sent nothing. */
async function chainNonce(rpcUrl: string): Promise<number> {
  const res = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'eth_getTransactionCount',
      params: [DEV_ADDRESS, 'latest'],
    }),
  });
  return Number(((await res.json()) as { result: string }).result);
}

// anvil's second pre-funded development account: owns nothing deploy made.
const OTHER_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';

async function zkattest(args: string[], cwd: string) {
  const env = {
    ...process.env,
    ZKATTEST_DEPLOYER_KEY: DEV_KEY,
    ZKATTEST_MINTER_KEY: DEV_KEY,
    ZKATTEST_OTHER_KEY: OTHER_KEY,
  };
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd, env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let anvil: Anvil;
let dir: string;
let mockVerifier: string;
const signer = new TestP256Key();
const fxSource = new TestP256Key();

/** A deployment file pointing at `rpcUrl` with the given token address (no chain needed). */
function deploymentFile(name: string, rpcUrl: string, token: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    JSON.stringify({
      chainId: '31337',
      rpcUrl,
      addresses: { verifier: HOLDER, registry: HOLDER, token },
      abis: { verifier: [], registry: [], token: [] },
      currency: 'USD',
      decimals: 2,
      identityFxTable: '1',
      requiredRatioBps: 12000,
      maxSnapshotAge: 86400,
      maxFxAge: 86400,
      deployedAt: new Date().toISOString(),
    }),
  );
  return file;
}

/** A USD package signed now (no chain needed): for commands that must fail before sending. */
function writePackageFile(name: string): void {
  const asOf = Math.floor(Date.now() / 1000);
  const pkg = mintFixture({
    context: 1n,
    signer,
    currency: 'USD',
    decimals: 2,
    asOf,
    capacity: 1n,
    fxTable: 1n,
  });
  writeFileSync(join(dir, name), JSON.stringify(pkg));
}

beforeAll(async () => {
  anvil = await startAnvil();
  dir = mkdtempSync(join(tmpdir(), 'zkattest-chain-cli-'));
  // The Groth16 part is test/contracts' business: here a MockVerifier (answers true) stands
  // in, deployed once and passed with --verifier, so the CLI's unit, key and mint glue is tested.
  const m = compileExtraContract('test/contracts/fixtures/MockVerifier.sol', 'MockVerifier');
  const provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { staticNetwork: true });
  const deployer = await provider.getSigner(9);
  const c = await new ContractFactory(m.abi as never[], m.bytecode, deployer).deploy();
  await c.waitForDeployment();
  mockVerifier = await c.getAddress();
  provider.destroy();
  writeFileSync(join(dir, 'signer.pub.json'), JSON.stringify(signer.publicKey));
  writeFileSync(join(dir, 'fx.pub.json'), JSON.stringify({ publicKey: fxSource.publicKey }));
}, 120_000);

afterAll(async () => {
  await anvil.stop();
});

describe('zkattest deploy, registry and mint on a real chain', () => {
  it('deploys for a unit, registers keys, mints a v2 package within capacity, refuses beyond it and after revocation', async () => {
    const deploySet = testSignerSet(2, 2, ['Custodian X', 'Auditor Y']);
    writeFileSync(join(dir, 'deploy-set.json'), JSON.stringify(signerSetFile(deploySet.set)));
    const deployed = await zkattest(
      [
        'deploy',
        '--rpc',
        anvil.rpcUrl,
        '--out',
        'deployment.json',
        '--currency',
        'USD',
        '--decimals',
        '2',
        '--signer',
        'signer.pub.json',
        '--signer-set',
        'deploy-set.json',
        '--verifier',
        mockVerifier,
      ],
      dir,
    );
    expect(deployed.stderr).toBe('');
    expect(deployed.stdout).toContain(
      `signer set registered: ${deploySet.set.setId} (2 of 2: ${deploySet.set.signers.map((m) => m.label).join(', ')})`,
    );
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toContain(
      `signer set registered: ${singleKeySetId(signer.keyId)} (1 of 1: signer)`,
    );
    expect(deployed.stdout).toMatch(/token {4}0x[0-9a-fA-F]{40} \(chain 31337\)/);
    expect(deployed.stdout).toContain('unit     USD, 2 decimals');
    const deployment = JSON.parse(readFileSync(join(dir, 'deployment.json'), 'utf8'));
    expect(deployment.addresses.verifier).toBe(mockVerifier);
    expect([deployment.currency, deployment.decimals]).toEqual(['USD', 2]);
    expect(deployment.identityFxTable).toBe(
      (await identityFxTableHash({ currency: 'USD', decimals: 2 })).toString(),
    );

    const fx = await zkattest(
      [
        'registry',
        'add-fx-source',
        '--deployment',
        'deployment.json',
        '--public-key',
        'fx.pub.json',
        '--label',
        'fixing agent',
      ],
      dir,
    );
    expect(fx.stdout).toContain(`FX source registered: ${fxSource.keyId}`);

    const now = Math.floor(Date.now() / 1000);
    const context = contractContext(31337n, deployment.addresses.token);
    const base = {
      context,
      signer,
      currency: 'USD',
      decimals: 2,
      asOf: now - 600,
      capacity: 1000n,
    };
    writeFileSync(
      join(dir, 'fx-package.json'),
      JSON.stringify(
        // A two-currency table (its hash 42 to the mock verifier): the FX part goes with it.
        mintFixture({
          ...base,
          fxTable: 42n,
          table: USD_HKD_TABLE,
          fx: { source: fxSource, asOf: now - 60 },
        }),
      ),
    );
    writeFileSync(
      join(dir, 'hkd-package.json'),
      JSON.stringify(mintFixture({ ...base, currency: 'HKD', fxTable: 42n })),
    );
    const mint = (file: string, amount: string) =>
      zkattest(
        ['mint', file, '--deployment', 'deployment.json', '--to', HOLDER, '--amount', amount],
        dir,
      );
    const ok = await mint('fx-package.json', '600');
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/minted 600 in tx 0x[0-9a-f]{64}/);
    const refused = await mint('fx-package.json', '401');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[MINT_REFUSED]');
    expect(refused.stderr).toContain('ProofGatedToken__OverCapacity');
    const nonce = await chainNonce(anvil.rpcUrl);
    const otherUnit = await mint('hkd-package.json', '1');
    expect(otherUnit.stderr).toContain('[MINT_REFUSED]');
    expect(otherUnit.stderr).toContain('another unit');
    expect(await chainNonce(anvil.rpcUrl)).toBe(nonce);

    const setId = singleKeySetId(signer.keyId);
    const revokeSet = (at: string) =>
      zkattest(
        ['registry', 'revoke-set', setId, '--deployment', 'deployment.json', '--effective-at', at],
        dir,
      );
    const revoked = await revokeSet('1970-01-01T00:00:01Z');
    expect(revoked.stderr).toBe('');
    expect(revoked.stdout).toContain(`signer set ${setId} revoked from 1`);
    const afterRevoke = await mint('fx-package.json', '1');
    expect(afterRevoke.stderr).toContain('ProofGatedToken__UntrustedSignerSet');
    // Pushing a revocation later is the registry's refusal, named.
    const later = await revokeSet('5');
    expect(later.code).toBe(1);
    expect(later.stderr).toContain('SignerRegistry__AlreadyRevoked');
  });

  it('the whole flow with a real proof: keys new, deploy (real verifier), prove --for-token, mint', async () => {
    const today = readFileSync(SAMPLE, 'utf8').replace(
      /^# asOf=.*$/m,
      `# asOf=${Math.floor(Date.now() / 1000) - 600}`,
    );
    writeFileSync(join(dir, 'today.csv'), today);
    const keys = await zkattest(['keys', 'new', '--out', 'custodian.key.json'], dir);
    const { keyId } = JSON.parse(keys.stdout) as { keyId: string };
    const deployed = await zkattest(
      [
        'deploy',
        '--rpc',
        anvil.rpcUrl,
        '--out',
        'real.json',
        '--currency',
        'CNY',
        '--decimals',
        '2',
        '--signer',
        'custodian.key.json',
        '--allow-development-setup',
      ],
      dir,
    );
    expect(deployed.code).toBe(0);
    expect(deployed.stderr).toContain('DEVELOPMENT trusted setup');
    expect(deployed.stdout).toContain(`signer set registered: ${singleKeySetId(keyId)} (1 of 1`);
    const proved = await zkattest(
      [
        'prove',
        'coverage',
        '--snapshot',
        'today.csv',
        '--key',
        'custodian.key.json',
        '--min-coverage-bps',
        '12000',
        '--for-token',
        'real.json',
        '--out',
        'real-coverage.json',
      ],
      dir,
    );
    expect(proved.code).toBe(0);
    const mint = (amount: string) =>
      zkattest(
        [
          'mint',
          'real-coverage.json',
          '--deployment',
          'real.json',
          '--to',
          HOLDER,
          '--amount',
          amount,
        ],
        dir,
      );
    const ok = await mint('8000000000'); // liabilities in the sample: 8,118,000,000 minor units
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/minted 8000000000 in tx 0x[0-9a-f]{64}/);
    const refused = await mint('118000001');
    expect(refused.stderr).toContain('ProofGatedToken__OverCapacity');
  });

  it('registry add-signer registers a key file of `zkattest keys new` (its public part) as a 1-of-1 set', async () => {
    const made = await zkattest(['keys', 'new', '--out', 'made.key.json'], dir);
    const { keyId, publicKey } = JSON.parse(made.stdout) as { keyId: string; publicKey: object };
    const addSigner = (key: string) =>
      zkattest(
        ['registry', 'add-signer', '--deployment', 'deployment.json', '--public-key', key],
        dir,
      );
    const fromKeyFile = await addSigner('made.key.json');
    expect(fromKeyFile.stderr).toBe('');
    expect(fromKeyFile.stdout).toContain(
      `signer set registered: ${singleKeySetId(keyId)} (1 of 1: signer), trusted from 0`,
    );
    // The same key again (from the printed JSON): the same set, the registry's refusal, named.
    const again = await addSigner(JSON.stringify({ publicKey }));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('SignerRegistry__AlreadyRegistered');
  });

  it('registry add-set, mint with 2 of 3, chain advance across a gap, revoke-set', async () => {
    const t = testSignerSet(2, 3, ['Custodian X', 'Auditor Y', 'Trustee Z']);
    writeFileSync(join(dir, 'set.json'), JSON.stringify(signerSetFile(t.set)));
    const deployment = JSON.parse(readFileSync(join(dir, 'deployment.json'), 'utf8'));
    const now = Math.floor(Date.now() / 1000);
    const added = await zkattest(
      [
        'registry',
        'add-set',
        'set.json',
        '--deployment',
        'deployment.json',
        '--valid-from',
        new Date((now - 3600) * 1000).toISOString(),
        '--first-epoch',
        '3',
      ],
      dir,
    );
    expect(added.stderr).toBe('');
    expect(added.stdout).toContain(
      `signer set registered: ${t.set.setId} (2 of 3: ${t.set.signers.map((m) => m.label).join(', ')}), trusted from ${now - 3600}, first epoch 3`,
    );
    const links: AttestationPackage[] = [];
    for (const epoch of [3, 4, 5]) {
      const prev = links.at(-1);
      links.push(
        mintFixture({
          context: contractContext(31337n, deployment.addresses.token),
          signer,
          set: t,
          signWith: [t.keys[2]!, t.keys[0]!],
          epoch,
          ...(prev ? { prevCommitment: commitmentHex(prev.publicSignals.commitment) } : {}),
          currency: 'USD',
          decimals: 2,
          asOf: now - 600 + epoch,
          capacity: 10_000n,
          fxTable: BigInt(deployment.identityFxTable),
        }),
      );
      writeFileSync(join(dir, `e${epoch}.json`), JSON.stringify(links.at(-1)));
    }
    const mint = (file: string) =>
      zkattest(
        ['mint', file, '--deployment', 'deployment.json', '--to', HOLDER, '--amount', '1'],
        dir,
      );
    const advance = (file: string) =>
      zkattest(['chain', 'advance', file, '--token', 'deployment.json'], dir);
    expect((await mint('e3.json')).stdout).toMatch(/minted 1 in tx/);
    const gap = await mint('e5.json');
    expect(gap.stderr).toContain('ProofGatedToken__EpochGap');
    expect((await advance('e5.json')).stderr).toContain(
      'error [CONFLICT]: the token refused the link: ProofGatedToken__EpochGap',
    );
    const moved = await advance('e4.json');
    expect(moved.stderr).toBe('');
    expect(moved.stdout).toContain(`chain of set ${t.set.setId} advanced to epoch 4 in tx 0x`);
    expect((await advance('e4.json')).stdout).toContain('epoch 4 is already the head');
    expect((await mint('e5.json')).stdout).toMatch(/minted 1 in tx/);

    const revoked = await zkattest(
      ['registry', 'revoke-set', t.set.setId, '--deployment', 'deployment.json'],
      dir,
    );
    expect(revoked.stdout).toMatch(new RegExp(`signer set ${t.set.setId} revoked from \\d+`));
    // Revoked from now: the snapshot predates it and still mints; backdated to its as-of: refused.
    expect((await mint('e5.json')).stdout).toMatch(/minted 1 in tx/);
    const backdated = await zkattest(
      [
        'registry',
        'revoke-set',
        t.set.setId,
        '--deployment',
        'deployment.json',
        '--effective-at',
        new Date((now - 600 + 5) * 1000).toISOString(),
      ],
      dir,
    );
    expect(backdated.stderr).toBe('');
    expect((await mint('e5.json')).stderr).toContain('ProofGatedToken__UntrustedSignerSet');
    const badTime = await zkattest(
      [
        'registry',
        'revoke-set',
        t.set.setId,
        '--deployment',
        'deployment.json',
        '--effective-at',
        'soon',
      ],
      dir,
    );
    expect(badTime.stderr).toContain('--effective-at must be an ISO 8601 time or unix seconds');
    expect(badTime.code).toBe(2);
  });

  it('registry subscribe: deploy subscribed its token; a token deployed by another account is subscribed by the registry owner; refusals are CONFLICT naming the registry error', async () => {
    const deployment = JSON.parse(readFileSync(join(dir, 'deployment.json'), 'utf8'));
    const subscribe = (...extra: string[]) =>
      zkattest(['registry', 'subscribe', '--deployment', 'deployment.json', ...extra], dir);
    const again = await subscribe();
    expect(again.stderr).toContain(
      'error [CONFLICT]: the registry refused: SignerRegistry__AlreadySubscribed',
    );
    expect(again.code).toBe(1);

    // A token another account deployed on this registry: deployed, not subscribed, told why.
    const provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { staticNetwork: true });
    const notices: string[] = [];
    const other = await deployToken(
      await provider.getSigner(9),
      mockVerifier,
      deployment.addresses.registry,
      { currency: 'USD', decimals: 2 },
      (n) => notices.push(n),
    );
    provider.destroy();
    const token = await other.getAddress();
    expect(notices).toEqual([expect.stringContaining(`--token ${token}\``)]);
    const notOwner = await subscribe('--token', token, '--key-env', 'ZKATTEST_OTHER_KEY');
    expect(notOwner.stderr).toContain(
      'error [CONFLICT]: the registry refused: OwnableUnauthorizedAccount',
    );
    expect(notOwner.code).toBe(1);
    const ok = await subscribe('--token', token);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain(
      `token ${token} subscribed to the registry ${deployment.addresses.registry}`,
    );
    const notBound = await subscribe('--token', mockVerifier);
    expect(notBound.stderr).toContain('[CONFLICT]');
    expect(notBound.stderr).toContain('SignerRegistry__NotBoundToRegistry');
    const badAddress = await subscribe('--token', '0xnotanaddress');
    expect(badAddress.stderr).toContain('error [USAGE]: --token must be an address');
    expect(badAddress.code).toBe(2);
  });

  it('refuses to deploy the development-setup verifier without --allow-development-setup', async () => {
    const before = await chainNonce(anvil.rpcUrl);
    const { code, stdout, stderr } = await zkattest(
      [
        'deploy',
        '--rpc',
        anvil.rpcUrl,
        '--out',
        'refused.json',
        '--currency',
        'USD',
        '--decimals',
        '2',
      ],
      dir,
    );
    expect(code).toBe(1);
    expect(stderr).toContain('[DEVELOPMENT_SETUP_REFUSED]');
    expect(stderr).toContain('--allow-development-setup');
    expect(stdout).not.toMatch(/verifier 0x/);
    expect(existsSync(join(dir, 'refused.json'))).toBe(false);
    expect(await chainNonce(anvil.rpcUrl)).toBe(before);
  });

  it('deploy with a bad unit or a key off the curve: coded error, nothing sent', async () => {
    const before = await chainNonce(anvil.rpcUrl);
    const k = signer.publicKey;
    const offCurve = JSON.stringify({
      x: k.x,
      y: k.y.slice(0, 63) + (k.y[63] === '0' ? '1' : '0'),
    });
    const cases: [string[], string][] = [
      [['--currency', 'usd', '--decimals', '2'], '[CURRENCY_UNKNOWN]'],
      [['--currency', 'USD', '--decimals', '19'], '[DECIMALS_OUT_OF_RANGE]'],
      [['--currency', 'USD', '--decimals', '2', '--signer', offCurve], '[KEY_MALFORMED]'],
      [['--currency', 'USD', '--decimals', '2', '--fx-source', '{"x":"12"}'], '[KEY_MALFORMED]'],
      [['--decimals', '2'], '--currency is required'],
    ];
    for (const [args, expected] of cases) {
      const { stderr } = await zkattest(
        ['deploy', '--rpc', anvil.rpcUrl, '--out', 'bad.json', '--verifier', mockVerifier, ...args],
        dir,
      );
      expect([args, stderr]).toEqual([args, expect.stringContaining(expected)]);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
    expect(existsSync(join(dir, 'bad.json'))).toBe(false);
    expect(await chainNonce(anvil.rpcUrl)).toBe(before);
  });

  it('mint --to that is not an address: USAGE naming the option, exit 2, no stack trace', async () => {
    const bad = HOLDER.slice(0, 2) + HOLDER.slice(2).toLowerCase().replace('a', 'A'); // bad checksum
    for (const to of [bad, '0xnotanaddress', 'vitalik.eth', `${HOLDER}00`]) {
      const { code, stderr } = await zkattest(
        ['mint', 'fx-package.json', '--deployment', 'deployment.json', '--to', to, '--amount', '1'],
        dir,
      );
      expect(stderr).toContain('error [USAGE]: --to must be an address');
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(code).toBe(2);
    }
  });

  it('a deployment file whose addresses are not addresses is refused before any network call', async () => {
    const file = deploymentFile('bad-deployment.json', anvil.rpcUrl, '0xnotanaddress');
    const { code, stderr } = await zkattest(
      ['mint', 'fx-package.json', '--deployment', file, '--to', HOLDER, '--amount', '1'],
      dir,
    );
    expect(stderr).toContain('[USAGE]');
    expect(stderr).toContain('is not a zkattest deployment file');
    expect(code).toBe(2);
  });

  it('a v1 package is PACKAGE_INVALID before any network call', async () => {
    writeFileSync(join(dir, 'v1.json'), JSON.stringify({ type: 'zkattest.attestation/v1' }));
    const file = deploymentFile('dead-v1.json', 'http://127.0.0.1:1', HOLDER);
    const { code, stderr } = await zkattest(
      ['mint', 'v1.json', '--deployment', file, '--to', HOLDER, '--amount', '1'],
      dir,
    );
    expect(stderr).toContain('[PACKAGE_INVALID]');
    expect(code).toBe(1);
  });

  it('a chain that does not answer: CHAIN_UNAVAILABLE within seconds, no stack trace', async () => {
    const dead = 'http://127.0.0.1:1';
    const started = Date.now();
    const deploy = await zkattest(
      [
        'deploy',
        '--rpc',
        dead,
        '--out',
        'dead.json',
        '--currency',
        'USD',
        '--decimals',
        '2',
        '--allow-development-setup',
      ],
      dir,
    );
    const file = deploymentFile('dead-deployment.json', dead, HOLDER);
    writePackageFile('dead-package.json');
    const mint = await zkattest(
      ['mint', 'dead-package.json', '--deployment', file, '--to', HOLDER, '--amount', '1'],
      dir,
    );
    const registry = await zkattest(
      ['registry', 'revoke-set', singleKeySetId(signer.keyId), '--deployment', file],
      dir,
    );
    for (const { code, stderr } of [deploy, mint, registry]) {
      expect(stderr).toContain('error [CHAIN_UNAVAILABLE]');
      expect(stderr).not.toMatch(/\n\s+at |ECONNREFUSED/);
      expect(code).toBe(1);
    }
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(existsSync(join(dir, 'dead.json'))).toBe(false);
  });

  it('a deployment file of another chain id: CHAIN_MISMATCH for mint, chain advance and registry, nothing sent', async () => {
    const file = deploymentFile('other-chain.json', anvil.rpcUrl, HOLDER);
    const other = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...other, chainId: '1' }));
    writePackageFile('other-chain-package.json');
    const before = await chainNonce(anvil.rpcUrl);
    const runs = [
      ['mint', 'other-chain-package.json', '--deployment', file, '--to', HOLDER, '--amount', '1'],
      ['chain', 'advance', 'other-chain-package.json', '--token', file],
      ['registry', 'revoke-set', singleKeySetId(signer.keyId), '--deployment', file],
    ];
    for (const args of runs) {
      const { code, stderr } = await zkattest(args, dir);
      expect(stderr).toContain(
        'error [CHAIN_MISMATCH]: the node at the RPC URL is chain 31337, not chain 1',
      );
      expect(code).toBe(1);
    }
    expect(await chainNonce(anvil.rpcUrl)).toBe(before);
  });

  it('refuses to deploy without the deployer key in the environment', async () => {
    const { code, stderr } = await zkattest(
      [
        'deploy',
        '--rpc',
        anvil.rpcUrl,
        '--out',
        'x.json',
        '--currency',
        'USD',
        '--decimals',
        '2',
        '--key-env',
        'NO_SUCH_VARIABLE',
        '--verifier',
        mockVerifier,
      ],
      dir,
    );
    expect(code).toBe(1);
    expect(stderr).toContain('[KEY_INVALID]');
  });
});

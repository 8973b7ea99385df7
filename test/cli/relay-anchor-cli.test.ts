/**
 * `zkattest anchor deploy`, `zkattest anchor` and `zkattest relay` as a user runs them (the bin,
 * a real anvil). The token's verifier is test/contracts/fixtures/MockVerifier.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ContractFactory, JsonRpcProvider, Wallet } from 'ethers';
import { startAnvil, type Anvil } from '../../src/chain/anvil';
import { writeDeploymentFile } from '../../src/chain/chain-client';
import { compileExtraContract, loadContractArtifacts } from '../../src/chain/contracts-build';
import { deployAll, identityFxTableHash, registerSignerSet } from '../../src/chain/deploy';
import { readAnchor, attachAnchor } from '../../src/chain/snapshot-anchor';
import { allocationContext, allocationsHash } from '../../src/common/allocations';
import { commitmentHex } from '../../src/common/signed-snapshot';
import { mintFixture, soloSet, TestP256Key } from '../support/v2-mint-fixture';

const BIN = join(__dirname, '..', '..', 'bin', 'zkattest.cjs');
// anvil's first pre-funded development account: a public test key.
const DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const run = promisify(execFile);
const HOLDER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

async function zkattest(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { ...process.env, ZKATTEST_DEPLOYER_KEY: DEV_KEY, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let anvil: Anvil;
let provider: JsonRpcProvider;
let dir: string;
const signer = new TestP256Key();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zkattest-relay-cli-'));
  anvil = await startAnvil({ chainId: 7201 });
  provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { cacheTimeout: -1 });
}, 120_000);

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
});

const write = (name: string, body: unknown) => {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(body));
  return file;
};

describe('zkattest anchor', () => {
  test('deploy, anchor a package (evidence JSON), the same again is a no-op, equivocation exits 1', async () => {
    const out = join(dir, 'anchor.json');
    const deployed = await zkattest(['anchor', 'deploy', '--rpc', anvil.rpcUrl, '--out', out]);
    expect([deployed.code, deployed.stderr]).toEqual([0, '']);
    const file = JSON.parse(readFileSync(out, 'utf8')) as { anchor: string; chainId: string };
    expect(file.chainId).toBe('7201');

    const base = {
      context: 1n,
      signer,
      currency: 'USD',
      decimals: 2,
      asOf: 1_700_000_000,
      capacity: 1n,
      fxTable: 5n,
    };
    const p = mintFixture(base);
    const pkgFile = write('e0.json', p);
    const env = { ZKATTEST_ANCHORER_KEY: DEV_KEY };
    const evidence = join(dir, 'evidence.json');
    const first = await zkattest(['anchor', pkgFile, '--anchor', out, '--json', evidence], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^anchored set [0-9a-f]{64} epoch 0 on chain 7201 in tx 0x/);
    const ev = JSON.parse(readFileSync(evidence, 'utf8')) as Record<string, string>;
    expect(ev).toMatchObject({ chainId: '7201', anchor: file.anchor, status: 'anchored' });
    expect(ev.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    const evidenceAgain = join(dir, 'evidence-again.json');
    const again = await zkattest(
      ['anchor', pkgFile, '--anchor', out, '--json', evidenceAgain],
      env,
    );
    expect([again.code, again.stdout]).toEqual([0, expect.stringMatching(/^already anchored/)]);
    // The egress evidence of a re-run still names the anchoring transaction.
    expect(JSON.parse(readFileSync(evidenceAgain, 'utf8'))).toMatchObject({
      status: 'already-anchored',
      txHash: ev.txHash,
    });
    const onChain = await readAnchor(attachAnchor(file.anchor, provider), p.snapshot.setId, 0);
    expect(onChain?.commitment).toBe(commitmentHex(p.publicSignals.commitment));

    const twin = write('twin.json', mintFixture({ ...base, asOf: base.asOf + 1 }));
    const eq = await zkattest(['anchor', twin, '--anchor', out], env);
    expect(eq.code).toBe(1);
    expect(eq.stderr).toContain('[CONFLICT]');
    expect(eq.stderr).toContain('SnapshotAnchor__Equivocation');
  }, 120_000);
});

describe('zkattest relay', () => {
  test('posts on every listed deployment, prints one line each; mint --posted within the share; a wrong chain id exits non-zero', async () => {
    const admin = new Wallet(DEV_KEY, provider);
    const m = compileExtraContract('test/contracts/fixtures/MockVerifier.sol', 'MockVerifier');
    const mock = await new ContractFactory(m.abi as never[], m.bytecode, admin).deploy();
    await mock.waitForDeployment();
    const d = await deployAll(admin, { currency: 'USD', decimals: 2 }, await mock.getAddress());
    await registerSignerSet(d.registry, soloSet(signer).set, 0);
    const token = d.addresses.token;
    const allocations = {
      rows: [
        { chainId: '7201', token: token.toLowerCase(), amount: '250' },
        { chainId: '9999', token: token.toLowerCase(), amount: '250' },
      ],
    };
    const p = mintFixture({
      context: allocationContext(allocationsHash(allocations)),
      signer,
      set: soloSet(signer),
      currency: 'USD',
      decimals: 2,
      asOf: (await provider.getBlock('latest'))!.timestamp - 60,
      capacity: 500n,
      fxTable: await identityFxTableHash({ currency: 'USD', decimals: 2 }),
      allocations,
    });
    const pkgFile = write('alloc.json', p);
    const ok = write('deployments.json', {
      deployments: [{ name: 'offshore', rpcUrl: anvil.rpcUrl, chainId: '7201', token }],
    });
    const keyFile = join(dir, 'relay.key');
    writeFileSync(keyFile, `${DEV_KEY}\n`);
    const posted = await zkattest(['relay', pkgFile, '--to', ok, '--key', keyFile]);
    expect(posted.code).toBe(0);
    expect(posted.stdout).toMatch(
      /^offshore \(chain 7201, token 0x[0-9a-f]{40}\): posted, share 250, tx 0x/,
    );
    const repeat = await zkattest(['relay', pkgFile, '--to', ok], { ZKATTEST_RELAY_KEY: DEV_KEY });
    expect([repeat.code, repeat.stdout.trim()]).toEqual([
      0,
      expect.stringMatching(/already posted, share 250$/),
    ]);

    const wrong = write('wrong.json', {
      deployments: [
        { name: 'offshore', rpcUrl: anvil.rpcUrl, chainId: '7201', token },
        { name: 'mislabelled', rpcUrl: anvil.rpcUrl, chainId: '9999', token },
      ],
    });
    const failed = await zkattest(['relay', pkgFile, '--to', wrong], {
      ZKATTEST_RELAY_KEY: DEV_KEY,
    });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('mislabelled (chain 9999');
    expect(failed.stdout).toContain('FAILED (CHAIN_MISMATCH)');
    expect(failed.stderr).toContain('[RELAY_INCOMPLETE]: 1 of 2 deployments failed');

    // zkattest mint --posted: within the relayed share, then one past it.
    const artifacts = loadContractArtifacts();
    const deploymentFile = join(dir, 'deployment.json');
    writeDeploymentFile(deploymentFile, {
      chainId: '7201',
      rpcUrl: anvil.rpcUrl,
      addresses: d.addresses,
      abis: {
        verifier: artifacts.Coverage32Verifier.abi,
        registry: artifacts.SignerRegistry.abi,
        token: artifacts.ProofGatedToken.abi,
      },
      currency: 'USD',
      decimals: 2,
      identityFxTable: '1',
      requiredRatioBps: 12000,
      maxSnapshotAge: 86400,
      maxFxAge: 86400,
      deployedAt: new Date().toISOString(),
    });
    const minter = { ZKATTEST_MINTER_KEY: DEV_KEY };
    const mintArgs = (amount: string) => [
      'mint',
      '--posted',
      '--deployment',
      deploymentFile,
      '--to',
      HOLDER,
      '--amount',
      amount,
    ];
    const minted = await zkattest(mintArgs('250'), minter);
    expect([minted.code, minted.stdout]).toEqual([0, expect.stringMatching(/^minted 250 in tx/)]);
    const past = await zkattest(mintArgs('1'), minter);
    expect([past.code, past.stderr]).toEqual([
      1,
      expect.stringContaining(
        '[MINT_REFUSED]: the token refused the mint: ProofGatedToken__OverCapacity',
      ),
    ]);

    const noKey = await zkattest(['relay', pkgFile, '--to', ok], { ZKATTEST_RELAY_KEY: '' });
    expect([noKey.code, noKey.stderr]).toEqual([1, expect.stringContaining('[KEY_INVALID]')]);
  }, 180_000);
});

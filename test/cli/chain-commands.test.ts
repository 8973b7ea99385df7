import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startAnvil, type Anvil } from '../../src/chain/anvil';
import { SNARK_SCALAR_FIELD } from '../../src/common/field';
import { fakePackage } from '../support/fake-package';

const BIN = join(__dirname, '..', '..', 'bin', 'zkattest.cjs');
const SAMPLE = join(__dirname, '..', '..', 'examples', 'snapshot.csv');
// anvil's first pre-funded development account: a public test key.
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

async function zkattest(args: string[], cwd: string) {
  const env = { ...process.env, ZKATTEST_DEPLOYER_KEY: DEV_KEY, ZKATTEST_MINTER_KEY: DEV_KEY };
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

beforeAll(async () => {
  anvil = await startAnvil();
  dir = mkdtempSync(join(tmpdir(), 'zkattest-chain-cli-'));
  // Today's snapshot: the token refuses snapshots older than its freshness window.
  const today = readFileSync(SAMPLE, 'utf8').replace(
    /^# asOf=.*$/m,
    `# asOf=${Math.floor(Date.now() / 1000) - 600}`,
  );
  writeFileSync(join(dir, 'today.csv'), today);
});

afterAll(async () => {
  await anvil.stop();
});

describe('zkattest deploy and mint on a real chain', () => {
  it('deploys, proves for the token, mints within capacity and is refused beyond it', async () => {
    const keys = await zkattest(['keys', 'new-eddsa', '--out', 'attestor.key.json'], dir);
    const keyHash = /key hash \(Poseidon\(Ax, Ay\)\): (\d+)/.exec(keys.stdout)![1]!;
    const deployed = await zkattest(
      [
        'deploy',
        '--rpc',
        anvil.rpcUrl,
        '--out',
        'deployment.json',
        '--attestor',
        keyHash,
        '--allow-development-setup',
      ],
      dir,
    );
    expect(deployed.code).toBe(0);
    expect(deployed.stderr).toContain('DEVELOPMENT trusted setup');
    expect(deployed.stderr).toContain('forge coverage proofs');
    expect(deployed.stdout).toMatch(/token {4}0x[0-9a-fA-F]{40} \(chain 31337\)/);
    const deployment = JSON.parse(readFileSync(join(dir, 'deployment.json'), 'utf8'));
    expect(deployment.abis.token.some((f: { name?: string }) => f.name === 'mintWithProof')).toBe(
      true,
    );

    const proved = await zkattest(
      [
        'prove',
        'coverage',
        '--snapshot',
        'today.csv',
        '--key',
        'attestor.key.json',
        '--min-coverage-bps',
        '12000',
        '--for-token',
        'deployment.json',
        '--out',
        'coverage.json',
      ],
      dir,
    );
    expect(proved.code).toBe(0);

    const mint = (amount: string) =>
      zkattest(
        [
          'mint',
          'coverage.json',
          '--deployment',
          'deployment.json',
          '--to',
          HOLDER,
          '--amount',
          amount,
        ],
        dir,
      );
    const ok = await mint('8000000000'); // liabilities in the sample: 8,118,000,000 minor units
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/minted 8000000000 in tx 0x[0-9a-f]{64}/);
    const refused = await mint('118000001');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[MINT_REFUSED]');
    expect(refused.stderr).toContain('ProofGatedToken__OverCapacity');
  });

  it('refuses to deploy the development-setup verifier without --allow-development-setup', async () => {
    const before = await chainNonce(anvil.rpcUrl);
    const { code, stdout, stderr } = await zkattest(
      ['deploy', '--rpc', anvil.rpcUrl, '--out', 'refused.json'],
      dir,
    );
    expect(code).toBe(1);
    expect(stderr).toContain('[DEVELOPMENT_SETUP_REFUSED]');
    expect(stderr).toContain('--allow-development-setup');
    expect(stdout).not.toMatch(/verifier 0x/);
    expect(existsSync(join(dir, 'refused.json'))).toBe(false);
    // Nothing was sent: the deployer's nonce did not move.
    expect(await chainNonce(anvil.rpcUrl)).toBe(before);
  });

  it('mint --to that is not an address: USAGE naming the option, exit 2, no stack trace', async () => {
    const bad = HOLDER.slice(0, 2) + HOLDER.slice(2).toLowerCase().replace('a', 'A'); // bad checksum
    for (const to of [bad, '0xnotanaddress', 'vitalik.eth', `${HOLDER}00`]) {
      const { code, stderr } = await zkattest(
        ['mint', 'coverage.json', '--deployment', 'deployment.json', '--to', to, '--amount', '1'],
        dir,
      );
      expect(stderr).toContain('error [USAGE]: --to must be an address');
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(code).toBe(2);
    }
  });

  it('a deployment file whose addresses are not addresses is refused before any network call', async () => {
    const file = join(dir, 'bad-deployment.json');
    writeFileSync(
      file,
      JSON.stringify({
        chainId: '31337',
        rpcUrl: anvil.rpcUrl,
        addresses: { verifier: HOLDER, registry: HOLDER, token: '0xnotanaddress' },
        abis: { verifier: [], registry: [], token: [] },
        requiredRatioBps: 12000,
        maxSnapshotAge: 86400,
        deployedAt: new Date().toISOString(),
      }),
    );
    const { code, stderr } = await zkattest(
      ['mint', 'coverage.json', '--deployment', file, '--to', HOLDER, '--amount', '1'],
      dir,
    );
    expect(stderr).toContain('[USAGE]');
    expect(stderr).toContain('is not a zkattest deployment file');
    expect(code).toBe(2);
  });

  it('deploy --attestor that is not a key hash: USAGE, exit 2, nothing sent', async () => {
    const before = await chainNonce(anvil.rpcUrl);
    for (const keyHash of ['abc', '0x12', '-1', SNARK_SCALAR_FIELD.toString()]) {
      const { code, stderr } = await zkattest(
        [
          'deploy',
          '--rpc',
          anvil.rpcUrl,
          '--out',
          'attestor-refused.json',
          `--attestor=${keyHash}`,
          '--allow-development-setup',
        ],
        dir,
      );
      expect(stderr).toContain('error [USAGE]: --attestor must be a decimal field element');
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(code).toBe(2);
    }
    expect(existsSync(join(dir, 'attestor-refused.json'))).toBe(false);
    expect(await chainNonce(anvil.rpcUrl)).toBe(before);
  });

  it('a chain that does not answer: CHAIN_UNAVAILABLE within seconds, no stack trace', async () => {
    const dead = 'http://127.0.0.1:1';
    const started = Date.now();
    const deploy = await zkattest(
      ['deploy', '--rpc', dead, '--out', 'dead.json', '--allow-development-setup'],
      dir,
    );
    const file = join(dir, 'dead-deployment.json');
    writeFileSync(
      file,
      JSON.stringify({
        chainId: '31337',
        rpcUrl: dead,
        addresses: { verifier: HOLDER, registry: HOLDER, token: HOLDER },
        abis: { verifier: [], registry: [], token: [] },
        requiredRatioBps: 12000,
        maxSnapshotAge: 86400,
        deployedAt: new Date().toISOString(),
      }),
    );
    writeFileSync(join(dir, 'dead-package.json'), JSON.stringify(fakePackage()));
    const mint = await zkattest(
      ['mint', 'dead-package.json', '--deployment', file, '--to', HOLDER, '--amount', '1'],
      dir,
    );
    for (const { code, stderr } of [deploy, mint]) {
      expect(stderr).toContain('error [CHAIN_UNAVAILABLE]');
      expect(stderr).not.toMatch(/\n\s+at |ECONNREFUSED/);
      expect(code).toBe(1);
    }
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(existsSync(join(dir, 'dead.json'))).toBe(false);
  });

  it('refuses to deploy without the deployer key in the environment', async () => {
    const { code, stderr } = await zkattest(
      [
        'deploy',
        '--rpc',
        anvil.rpcUrl,
        '--out',
        'x.json',
        '--key-env',
        'NO_SUCH_VARIABLE',
        '--allow-development-setup',
      ],
      dir,
    );
    expect(code).toBe(1);
    expect(stderr).toContain('[KEY_INVALID]');
  });
});

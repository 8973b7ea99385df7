import { execFile } from 'node:child_process';
import {
  mkdtempSync,
  statSync,
  writeFileSync,
  copyFileSync,
  mkdirSync,
  readFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_ARTIFACTS_DIR } from '../../src/common/artifact-manifest';
import {
  loadOrCreateSalt,
  loadPrimitives,
  loadSnapshotFile,
  snapshotCommitment,
} from '../../src/prover';

const BIN = join(__dirname, '..', '..', 'bin', 'zkattest.cjs');
const SAMPLE = join(__dirname, '..', '..', 'examples', 'snapshot.csv');
const run = promisify(execFile);

async function zkattest(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zkattest-cli-'));
  copyFileSync(SAMPLE, join(dir, 'snapshot.csv'));
});

describe('zkattest CLI', () => {
  it.each([['keys', 'new-eddsa'], ['snapshot', 'commit'], ['prove'], ['verify']])(
    '%s %s --help prints its usage',
    async (...words) => {
      const { code, stdout } = await zkattest([...words.filter(Boolean), '--help'], dir);
      expect(code).toBe(0);
      expect(stdout).toContain('usage: zkattest');
    },
  );

  it('lists the commands and refuses an unknown one with exit code 2', async () => {
    expect((await zkattest(['--help'], dir)).stdout).toContain('snapshot commit');
    expect((await zkattest(['frobnicate'], dir)).code).toBe(2);
  });

  it('creates an attestor key readable by its owner only, and never overwrites one', async () => {
    const first = await zkattest(['keys', 'new-eddsa', '--out', 'a.key.json'], dir);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/key hash \(Poseidon\(Ax, Ay\)\): \d+/);
    expect(statSync(join(dir, 'a.key.json')).mode & 0o777).toBe(0o600);
    const again = await zkattest(['keys', 'new-eddsa', '--out', 'a.key.json'], dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('[KEY_FILE]');
  });

  it('commits a snapshot, proves coverage and verifies the package', async () => {
    const commit = await zkattest(['snapshot', 'commit', 'snapshot.csv'], dir);
    expect(commit.code).toBe(0);
    const commitment = /commitment: (\d+)/.exec(commit.stdout)![1];
    expect(statSync(join(dir, 'snapshot.csv.secret.json')).mode & 0o777).toBe(0o600);

    await zkattest(['keys', 'new-eddsa', '--out', 'p.key.json'], dir);
    const prove = await zkattest(
      [
        'prove',
        'coverage',
        '--snapshot',
        'snapshot.csv',
        '--key',
        'p.key.json',
        '--min-coverage-bps',
        '12000',
        '--context',
        '0xabc',
        '--out',
        'cov.json',
      ],
      dir,
    );
    expect(prove.code).toBe(0);

    const strict = await zkattest(['verify', 'cov.json'], dir);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('[VKEY_UNKNOWN]');

    const verify = await zkattest(['verify', 'cov.json', '--allow-development-keys'], dir);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain('VALID coverage proof');
    expect(verify.stdout).toContain('at least 120.00% of liabilities');
    expect(verify.stdout).toContain(`snapshot commitment: ${commitment}`);
    expect(verify.stdout).toContain(`context:             ${0xabc}`);
  });

  it('commits with the slot count of the circuits in the artifact manifest, as prove does', async () => {
    // Artifacts whose circuits have 16 slots: the commitment must be the one a 16-slot
    // circuit recomputes, not one over a fixed 32.
    const artifacts = join(dir, 'artifacts-16');
    mkdirSync(artifacts);
    const manifest = JSON.parse(readFileSync(join(DEFAULT_ARTIFACTS_DIR, 'manifest.json'), 'utf8'));
    for (const entry of Object.values(manifest.circuits)) {
      (entry as { maxPositions: number }).maxPositions = 16;
    }
    writeFileSync(join(artifacts, 'manifest.json'), JSON.stringify(manifest));

    const args = ['snapshot', 'commit', 'snapshot.csv', '--secret', 'slots.secret.json'];
    const commit = await zkattest(args, dir, { ZKATTEST_ARTIFACTS: artifacts });
    expect(commit.code).toBe(0);
    const { salt } = loadOrCreateSalt(join(dir, 'slots.secret.json'));
    const snapshot = loadSnapshotFile(join(dir, 'snapshot.csv'));
    const expected = snapshotCommitment(await loadPrimitives(), snapshot, salt, 16);
    expect(commit.stdout).toContain(`commitment: ${expected}`);
    expect(commit.stdout).toContain('circuit slots: 16');

    // A named claim picks that claim's circuit; an unknown one is refused.
    const named = await zkattest([...args, '--claim', 'yield-range'], dir, {
      ZKATTEST_ARTIFACTS: artifacts,
    });
    expect(named.stdout).toContain(`commitment: ${expected}`);
    const unknown = await zkattest([...args, '--claim', 'solvency'], dir);
    expect(unknown.stderr).toContain('[CLAIM_UNKNOWN]');
  });

  it('reports a bad snapshot row by row and column, without its content', async () => {
    writeFileSync(
      join(dir, 'bad.csv'),
      '# asOf=2026-11-20T00:00:00Z\n# currency=CNY\n# liabilities=1.00\nidentifier,assetClass,value,haircutBps,yieldBps\nSECRET-ISIN-42,1,-98765.43,100,300\n',
    );
    const { code, stderr } = await zkattest(['snapshot', 'commit', 'bad.csv'], dir);
    expect(code).toBe(1);
    expect(stderr).toContain('[SNAPSHOT_INVALID_FIELD]');
    expect(stderr).toMatch(/line 5/);
    expect(stderr).toContain('value');
    expect(stderr).not.toContain('SECRET-ISIN-42');
    expect(stderr).not.toContain('98765');
  });

  it('refuses an unknown claim and missing options with coded errors', async () => {
    expect((await zkattest(['prove', 'solvency'], dir)).stderr).toContain('[CLAIM_UNKNOWN]');
    expect((await zkattest(['prove', 'coverage'], dir)).stderr).toContain('[USAGE]');
  });
});

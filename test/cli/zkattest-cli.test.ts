import { execFile } from 'node:child_process';
import {
  existsSync,
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
  fxBook,
  loadOrCreateSalt,
  loadPrimitives,
  loadSnapshotFile,
  snapshotCommitment,
} from '../../src/prover';

const BIN = join(__dirname, '..', '..', 'bin', 'zkattest.cjs');
const EXAMPLES = join(__dirname, '..', '..', 'examples');
const SAMPLE = join(EXAMPLES, 'snapshot.csv');
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
  it.each([['keys', 'new'], ['snapshot', 'commit'], ['prove'], ['verify']])(
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

  it('commits a snapshot, proves coverage and verifies the package', async () => {
    const commit = await zkattest(['snapshot', 'commit', 'snapshot.csv'], dir);
    expect(commit.code).toBe(0);
    const commitment = /commitment: (\d+)/.exec(commit.stdout)![1];
    expect(statSync(join(dir, 'snapshot.csv.secret.json')).mode & 0o777).toBe(0o600);

    const key = await zkattest(['keys', 'new', '--out', 'p.key.json', '--label', 'custodian'], dir);
    const signer = JSON.parse(key.stdout) as { keyId: string; publicKey: object };
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
    expect(verify.stdout).toContain('at least 120.00% of liabilities of CNY 81,180,000.00.');
    expect(verify.stdout).toContain('liabilities CNY 81,180,000.00');
    expect(verify.stdout).toContain('unit: CNY, 2 decimals');
    expect(verify.stdout).toContain(
      `signed by 1 key(s) of the set (1 required): ${signer.keyId} (registration not checked`,
    );
    expect(verify.stdout).toContain('previous commitment: none');
    expect(verify.stdout).toContain('FX: none (every position in CNY)');
    expect(verify.stdout).toContain(`snapshot commitment: ${commitment}`);
    expect(verify.stdout).toContain(`context: ${0xabc}`);

    // The investor's unit: another currency, or the same with other decimals, is refused.
    const usd = ['verify', 'cov.json', '--allow-development-keys', '--currency', 'USD'];
    const inUsd = await zkattest([...usd, '--decimals', '2'], dir);
    expect(inUsd.code).toBe(1);
    expect(inUsd.stdout).toContain('reasons: UNIT_NOT_ACCEPTED');

    // With a trust file, the signer (a 1-of-1 set) must be registered: by its label once it is.
    const untrusted = { signerSets: [], fxSources: [] };
    writeFileSync(join(dir, 'none.json'), JSON.stringify(untrusted));
    const trustNone = ['verify', 'cov.json', '--allow-development-keys', '--trust', 'none.json'];
    const unknown = await zkattest(trustNone, dir);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('SIGNER_SET_UNKNOWN');
    const trusted = {
      signerSets: [
        {
          threshold: 1,
          signers: [{ ...signer, label: 'custodian' }],
          validFrom: '2020-01-01T00:00:00Z',
        },
      ],
      fxSources: [],
    };
    writeFileSync(join(dir, 'trust.json'), JSON.stringify(trusted));
    const trustArgs = ['verify', 'cov.json', '--allow-development-keys', '--trust', 'trust.json'];
    const checked = await zkattest(trustArgs, dir);
    // The sample is dated 2026-11-20: stale after 7 days, else valid.
    const stale = Date.now() / 1000 - Date.parse('2026-11-20T00:00:00+08:00') / 1000 > 7 * 86400;
    expect(checked.stdout).toContain('signed by 1 of 1: custodian\n');
    expect(checked.code).toBe(stale ? 1 : 0);
  });

  it('proves coverage of a three-currency book at signed FX rates and says so', async () => {
    for (const f of [
      'snapshot-multicurrency.csv',
      'fx-rates.signed.json',
      'trusted-keys.example.json',
    ]) {
      copyFileSync(join(EXAMPLES, f), join(dir, f));
    }
    await zkattest(['keys', 'new', '--out', 'fx.key.json'], dir);
    const common = ['--snapshot', 'snapshot-multicurrency.csv', '--key', 'fx.key.json'];
    const args = ['prove', 'coverage', ...common, '--min-coverage-bps', '12000'];
    // Without the rates, the CNY and HKD positions have no row in the USD identity table.
    const noFx = await zkattest([...args, '--out', 'x.json'], dir);
    expect(noFx.code).toBe(1);
    expect(noFx.stderr).toContain('[FX_CURRENCY_MISSING]');

    const fx = ['--fx', 'fx-rates.signed.json'];
    const prove = await zkattest([...args, ...fx, '--out', 'usd.json'], dir);
    expect(prove.code).toBe(0);
    const verify = await zkattest(['verify', 'usd.json', '--allow-development-keys'], dir);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain('liabilities USD 12,500,000.00');
    expect(verify.stdout).toMatch(
      /FX: CNY, HKD converted into USD at rates signed by [0-9a-f]{64} as of 2026-11-19T16:00:00.000Z/,
    );
    // The example FX source, by its label, once trusted (the example rates are old: FX_STALE).
    const trust = ['--trust', 'trusted-keys.example.json'];
    const checked = await zkattest(
      ['verify', 'usd.json', '--allow-development-keys', ...trust],
      dir,
    );
    expect(checked.stdout).toContain('at rates signed by example FX source');
    expect(checked.stdout).toContain('FX_STALE');

    // A table edited after signing is refused before any proof.
    const signed = JSON.parse(readFileSync(join(dir, 'fx-rates.signed.json'), 'utf8'));
    signed.table.rows[1].rate = '140000000000';
    writeFileSync(join(dir, 'edited.json'), JSON.stringify(signed));
    const edited = await zkattest([...args, '--fx', 'edited.json', '--out', 'y.json'], dir);
    expect(edited.code).toBe(1);
    expect(edited.stderr).toContain('[FX_TABLE_INVALID]');
  });

  it('refuses to prove for a token in another unit, before proving', async () => {
    const token = '0x' + '11'.repeat(20);
    const deployment = {
      chainId: '31337',
      rpcUrl: 'http://127.0.0.1:1',
      addresses: { verifier: token, registry: token, token },
      abis: { verifier: [], registry: [], token: [] },
      currency: 'USD',
      decimals: 2,
      identityFxTable: '1',
      requiredRatioBps: 10000,
      maxSnapshotAge: 86400,
      maxFxAge: 86400,
      deployedAt: '2026-11-30T00:00:00Z',
    };
    writeFileSync(join(dir, 'usd-token.json'), JSON.stringify(deployment));
    await zkattest(['keys', 'new', '--out', 't.key.json'], dir);
    const res = await zkattest(
      [
        'prove',
        'coverage',
        '--snapshot',
        'snapshot.csv',
        '--key',
        't.key.json',
        '--min-coverage-bps',
        '12000',
        '--for-token',
        'usd-token.json',
        '--out',
        'never.json',
      ],
      dir,
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('[MINT_REFUSED]');
    expect(res.stderr).toContain('the token mints USD with 2 decimals');
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
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
    const p = await loadPrimitives();
    const book = fxBook(p, loadSnapshotFile(join(dir, 'snapshot.csv')));
    const expected = snapshotCommitment(p, book, salt, 16);
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

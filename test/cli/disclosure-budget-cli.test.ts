import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// `zkattest prove` under a disclosure policy: a claim beyond it is refused before anything is
// proved, and every admitted claim is in the ledger next to the snapshot's secret file.

const BIN = join(__dirname, '..', '..', 'bin', 'zkattest.cjs');
const SAMPLE = join(__dirname, '..', '..', 'examples', 'snapshot.csv');
const run = promisify(execFile);

async function zkattest(args: string[], cwd: string) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zkattest-budget-cli-'));
  copyFileSync(SAMPLE, join(dir, 'snapshot.csv'));
  writeFileSync(
    join(dir, 'policy.json'),
    JSON.stringify({
      'yield-range': { minWidthBps: 25 },
      coverage: { gridBps: 500, maxPerSnapshot: 1 },
    }),
  );
  expect((await zkattest(['keys', 'new', '--out', 'p.key.json'], dir)).code).toBe(0);
}, 60_000);

const prove = (claimArgs: string[], out: string, extra: string[] = []) =>
  zkattest(
    [
      'prove',
      ...claimArgs,
      '--snapshot',
      'snapshot.csv',
      '--key',
      'p.key.json',
      '--disclosure-policy',
      'policy.json',
      '--out',
      out,
      ...extra,
    ],
    dir,
  );
const ledgerLines = (file = 'snapshot.csv.secret.json.ledger.jsonl') =>
  existsSync(join(dir, file))
    ? readFileSync(join(dir, file), 'utf8').trim().split('\n').filter(Boolean)
    : [];

describe('zkattest prove with a disclosure policy', () => {
  it('refuses a yield range one step too precise, proving nothing', async () => {
    const res = await prove(
      ['yield-range', '--min-yield-bps', '200', '--max-yield-bps', '224'],
      'y.json',
    );
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('[DISCLOSURE_BUDGET_EXCEEDED]');
    expect(res.stderr).toContain('minWidthBps');
    expect(existsSync(join(dir, 'y.json'))).toBe(false);
    expect(ledgerLines()).toEqual([]);
  });

  it('proves a claim within the policy, ledgers it, then refuses one more of its kind', async () => {
    const ok = await prove(['coverage', '--min-coverage-bps', '12000'], 'c1.json');
    expect(ok.code).toBe(0);
    expect(ledgerLines().map((l) => JSON.parse(l) as object)).toEqual([
      expect.objectContaining({ claim: 'coverage', params: '{"minCoverageBps":12000}' }),
    ]);
    const offGrid = await prove(['coverage', '--min-coverage-bps', '11999'], 'c2.json');
    expect(offGrid.stderr).toContain('gridBps');
    const second = await prove(['coverage', '--min-coverage-bps', '11000'], 'c3.json');
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain('[DISCLOSURE_BUDGET_EXCEEDED]');
    expect(second.stderr).toContain('maxPerSnapshot');
    expect(existsSync(join(dir, 'c3.json'))).toBe(false);
    expect(ledgerLines()).toHaveLength(1);
  }, 120_000);

  it('refuses a bad policy file with CONFIG_INVALID', async () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ coverage: { gridBps: -5 } }));
    const res = await prove(['coverage', '--min-coverage-bps', '12000'], 'b.json', [
      '--disclosure-policy',
      'bad.json',
    ]);
    expect(res.stderr).toContain('[CONFIG_INVALID]');
    expect(existsSync(join(dir, 'b.json'))).toBe(false);
  });
});

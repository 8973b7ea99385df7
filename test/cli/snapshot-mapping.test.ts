import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/entry-points/cli';

const EXAMPLES = join(__dirname, '..', '..', 'examples');

/** Runs the CLI in this process; its exit code and what it printed. */
async function zkattest(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((m: string) => void out.push(m));
  const error = jest.spyOn(console, 'error').mockImplementation((m: string) => void err.push(m));
  try {
    const code = await main(args);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zkattest-mapping-'));
  for (const f of [
    'custodian-export.csv',
    'custodian-mapping.json',
    'snapshot-multicurrency.csv',
    'fx-rates.signed.json',
  ]) {
    copyFileSync(join(EXAMPLES, f), join(dir, f));
  }
});

const EXPORT_ARGS = () => [
  join(dir, 'custodian-export.csv'),
  '--mapping',
  join(dir, 'custodian-mapping.json'),
  '--as-of',
  '2026-11-20T00:00:00+08:00',
  '--liabilities',
  '12500000.00',
  '--secret',
  join(dir, 'book.secret.json'),
  // Three currencies: the commitment holds each position's row in the signed FX table.
  '--fx',
  join(dir, 'fx-rates.signed.json'),
];

describe('zkattest with --mapping', () => {
  it("commits a custodian's own export as it commits the same snapshot file", async () => {
    const fromExport = await zkattest(['snapshot', 'commit', ...EXPORT_ARGS()]);
    expect(fromExport.stderr).toBe('');
    expect(fromExport.code).toBe(0);
    expect(fromExport.stdout).toContain('snapshot valid: 8 positions');
    expect(fromExport.stdout).toContain(
      'reporting unit USD (2 decimals); position currencies CNY, HKD, USD',
    );
    const sample = await zkattest([
      'snapshot',
      'commit',
      join(dir, 'snapshot-multicurrency.csv'),
      '--secret',
      join(dir, 'book.secret.json'),
      '--fx',
      join(dir, 'fx-rates.signed.json'),
    ]);
    const commitment = (text: string) => /commitment: (\d+)/.exec(text)![1];
    expect(commitment(fromExport.stdout)).toBe(commitment(sample.stdout));
  });

  it('names row and column of a bad export cell, never its content', async () => {
    writeFileSync(
      join(dir, 'bad.csv'),
      'Security ID,Security Name,Asset Type,Ccy,Market Value,Haircut %,Yield %\r\n' +
        'SECRET-ISIN-1,x,government_bond,USD,"1,000.00",2.00%,1\r\n' +
        'SECRET-ISIN-2,x,SECRET_CLASS,USD,"1,000.00",2.00%,1\r\n',
    );
    const mapping = join(dir, 'header-first.json');
    writeFileSync(
      mapping,
      JSON.stringify({
        ...JSON.parse(readFileSync(join(dir, 'custodian-mapping.json'), 'utf8')),
        csv: { headerRow: 1 },
      }),
    );
    const args = ['--as-of', '1763596800', '--liabilities', '1', '--mapping', mapping];
    const bad = await zkattest(['snapshot', 'commit', join(dir, 'bad.csv'), ...args]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('[MAPPING_INVALID]');
    expect(bad.stderr).toContain('line 3');
    expect(bad.stderr).toContain('assetClass');
    expect(bad.stderr).not.toContain('SECRET');
  });

  it('refuses a bad mapping before any proving, and per-run flags without a mapping', async () => {
    writeFileSync(join(dir, 'two.json'), JSON.stringify({ type: 'zkattest.export-mapping/v1' }));
    const prove = await zkattest([
      'prove',
      'coverage',
      '--snapshot',
      join(dir, 'custodian-export.csv'),
      '--mapping',
      join(dir, 'two.json'),
      '--key',
      join(dir, 'no.key.json'),
      '--min-coverage-bps',
      '10000',
      '--out',
      join(dir, 'out.json'),
    ]);
    expect(prove.code).toBe(1);
    expect(prove.stderr).toContain('[MAPPING_INVALID]');
    expect(prove.stderr).toContain('columns');

    const stray = await zkattest([
      'snapshot',
      'commit',
      join(dir, 'snapshot-multicurrency.csv'),
      '--liabilities',
      '5',
    ]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('[USAGE]');
    const withoutAsOf = EXPORT_ARGS().filter(
      (a, i, all) => a !== '--as-of' && all[i - 1] !== '--as-of',
    );
    const missing = await zkattest(['snapshot', 'commit', ...withoutAsOf]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('asOf');
  });
});

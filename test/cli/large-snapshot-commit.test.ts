import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  fxBook,
  loadOrCreateSalt,
  loadPrimitives,
  loadSnapshotFile,
  planLargeBook,
} from '../../src/prover';

const BIN = join(__dirname, '..', '..', 'bin', 'zkattest.cjs');

it('`zkattest snapshot commit` commits a large book (40 positions: 2 chunks) as prove does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zkattest-large-commit-'));
  const rows = Array.from({ length: 40 }, (_, i) => `BOND-${i},1,${1000 + i}.00,200,300`);
  const csv = [
    '# asOf=2026-11-20T00:00:00Z',
    '# currency=CNY',
    '# decimals=2',
    '# liabilities=1000.00',
    'identifier,assetClass,value,haircutBps,yieldBps',
    ...rows,
  ].join('\n');
  writeFileSync(join(dir, 'book.csv'), csv);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [BIN, 'snapshot', 'commit', 'book.csv'],
    { cwd: dir },
  );
  expect(stdout).toContain('snapshot valid: 40 positions');
  expect(stdout).toContain('chunks: 2 of 32 slots');
  const p = await loadPrimitives();
  const { salt } = loadOrCreateSalt(join(dir, 'book.csv.secret.json'));
  const book = fxBook(p, loadSnapshotFile(join(dir, 'book.csv')));
  expect(stdout).toContain(`commitment: ${planLargeBook(p, book, salt).commitment}`);
});

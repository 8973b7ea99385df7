import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  allocationContext,
  allocationsHash,
  parseAllocationTable,
} from '../../src/common/allocations';
import { parseMessageFile } from '../../src/common/signed-snapshot';

const BIN = join(__dirname, '..', '..', 'bin', 'zkattest.cjs');
const SAMPLE = join(__dirname, '..', '..', 'examples', 'snapshot.csv');
const run = promisify(execFile);

let dir: string;
async function zkattest(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const read = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8'));
const write = (file: string, body: unknown) =>
  writeFileSync(join(dir, file), typeof body === 'string' ? body : JSON.stringify(body));

const TOKEN_A = '0x' + 'Aa'.repeat(20);
const TOKEN_B = '0x' + 'bb'.repeat(20);
/** The sample book's liabilities are CNY 81,180,000.00: 50m + 30m fit, 50m + 31.19m do not. */
const FITS = {
  rows: [
    { chainId: 31339, token: TOKEN_B, amount: '3000000000' },
    { chainId: 31338, token: TOKEN_A, amount: '5000000000' },
  ],
};
const OVER = {
  rows: [
    { chainId: 31338, token: TOKEN_A, amount: '5000000000' },
    { chainId: 31339, token: TOKEN_B, amount: '3119000000' },
  ],
};
const COVERAGE = ['coverage', '--min-coverage-bps', '11000'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zkattest-alloc-'));
  write('book.csv', readFileSync(SAMPLE, 'utf8'));
  write('fits.json', FITS);
  write('over.json', OVER);
  expect((await zkattest(['keys', 'new', '--out', 'custodian.key.json'])).code).toBe(0);
}, 60_000);

describe('zkattest prove coverage --allocations, verify', () => {
  it('signs the table’s hash, binds the table’s context; verify prints the rows in the unit', async () => {
    const proved = await zkattest([
      'prove',
      ...COVERAGE,
      '--snapshot',
      'book.csv',
      '--key',
      'custodian.key.json',
      '--allocations',
      'fits.json',
      '--out',
      'split.json',
    ]);
    expect(proved.stderr).toBe('');
    expect(proved.code).toBe(0);
    expect(proved.stdout).toContain('capacity split across 2 deployment(s)');
    const table = parseAllocationTable(FITS);
    const pkg = read('split.json');
    expect(pkg.allocations).toEqual(table); // canonical: ascending, lowercase
    expect(pkg.snapshot.allocations).toBe(allocationsHash(table));

    const verified = await zkattest(['verify', 'split.json', '--allow-development-keys']);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain('VALID coverage proof');
    expect(verified.stdout).toContain(
      'allocations: 2 deployment(s), CNY 80,000,000.00 allocated of CNY 81,180,000.00',
    );
    expect(verified.stdout).toContain(
      `chain 31338 token ${TOKEN_A.toLowerCase()}: CNY 50,000,000.00`,
    );
    expect(verified.stdout).toContain(`chain 31339 token ${TOKEN_B}: CNY 30,000,000.00`);
    expect(verified.stdout).toContain(
      `context: ${allocationContext(allocationsHash(table)).toString()}`,
    );

    // The table edited after signing: verify says so and exits 1.
    pkg.allocations.rows[0].amount = '5100000000';
    write('edited.json', pkg);
    const edited = await zkattest(['verify', 'edited.json', '--allow-development-keys']);
    expect(edited.code).toBe(1);
    expect(edited.stdout).toContain('reasons: ALLOCATIONS_MISMATCH');
  }, 120_000);

  it('refuses a table over the capacity before proving: no package written', async () => {
    const res = await zkattest([
      'prove',
      ...COVERAGE,
      '--snapshot',
      'book.csv',
      '--key',
      'custodian.key.json',
      '--allocations',
      'over.json',
      '--out',
      'over-pkg.json',
    ]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('[ALLOCATIONS_OVER_CAPACITY]');
    expect(res.stderr).not.toContain('3119000000');
    expect(existsSync(join(dir, 'over-pkg.json'))).toBe(false);
  }, 60_000);

  it.each([
    ['--context', ['--context', '7'], 'USAGE'],
    ['a bad table', ['--allocations', 'bad.json'], 'ALLOCATIONS_INVALID'],
  ])(
    'refuses %s',
    async (_what, extra, code) => {
      write('bad.json', { rows: [{ chainId: 0, token: TOKEN_A, amount: '1' }] });
      const args = ['prove', ...COVERAGE, '--snapshot', 'book.csv', '--key', 'custodian.key.json'];
      const res = await zkattest([
        ...args,
        ...(extra.includes('--allocations') ? [] : ['--allocations', 'fits.json']),
        ...extra,
        '--out',
        'refused.json',
      ]);
      expect(res.stderr).toContain(`[${code}]`);
      expect(res.code).not.toBe(0);
      expect(existsSync(join(dir, 'refused.json'))).toBe(false);
    },
    60_000,
  );
});

describe('snapshot message --allocations: co-signers sign the table’s hash', () => {
  it('puts the hash in the message; sign --snapshot recomputes it only with the table', async () => {
    const pub = await zkattest(['keys', 'show', 'custodian.key.json']);
    write('custodian.pub.json', pub.stdout);
    const set = await zkattest([
      'signer-set',
      'new',
      '--threshold',
      '1',
      '--signer',
      'Custodian X=custodian.pub.json',
      '--out',
      'set.json',
    ]);
    expect(set.code).toBe(0);
    const msg = await zkattest([
      'snapshot',
      'message',
      'book.csv',
      '--set',
      'set.json',
      '--allocations',
      'fits.json',
      '--out',
      'm.json',
    ]);
    expect(msg.code).toBe(0);
    const { message } = parseMessageFile(read('m.json'));
    expect(message.allocations).toBe(allocationsHash(parseAllocationTable(FITS)));

    const signBook = ['sign', 'm.json', '--key', 'custodian.key.json', '--snapshot', 'book.csv'];
    const withoutTable = await zkattest([...signBook, '--secret', 'book.csv.secret.json']);
    expect(withoutTable.code).not.toBe(0);
    expect(withoutTable.stderr).toContain('allocations differ');
    const signed = await zkattest([
      ...signBook,
      '--secret',
      'book.csv.secret.json',
      '--allocations',
      'fits.json',
      '--out',
      'c.sig.json',
    ]);
    expect(signed.stderr).toBe('');
    expect(signed.stdout).toContain(`allocations:         ${message.allocations}`);

    const proved = await zkattest([
      'prove',
      ...COVERAGE,
      '--snapshot',
      'book.csv',
      '--set',
      'set.json',
      '--signatures',
      'c.sig.json',
      '--allocations',
      'fits.json',
      '--out',
      'cosigned.json',
    ]);
    expect(proved.stderr).toBe('');
    expect(read('cosigned.json').snapshot.allocations).toBe(message.allocations);
    // Proving with another table than the one signed: the signatures do not match.
    const other = await zkattest([
      'prove',
      ...COVERAGE,
      '--snapshot',
      'book.csv',
      '--set',
      'set.json',
      '--signatures',
      'c.sig.json',
      '--out',
      'nosplit.json',
    ]);
    expect(other.code).not.toBe(0);
    expect(existsSync(join(dir, 'nosplit.json'))).toBe(false);
  }, 180_000);
});

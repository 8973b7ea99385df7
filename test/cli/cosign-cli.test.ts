import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { p256 } from '@noble/curves/p256';
import { parseSignerSet, signerSetFile, type SignerSet } from '../../src/common/signer-set';
import { testSigner } from '../fixtures';
import { parseMessageFile, snapshotDigest } from '../../src/common/signed-snapshot';

const BIN = join(__dirname, '..', '..', 'bin', 'zkattest.cjs');
const EXAMPLES = join(__dirname, '..', '..', 'examples');
const SAMPLE = join(EXAMPLES, 'snapshot.csv');
const run = promisify(execFile);

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

/** The sample book re-dated to an hour ago (fresh for `verify --trust`), with other liabilities. */
const ASOF = Math.floor(Date.now() / 1000) - 3600;
function book(file: string, liabilities = '81180000.00', asOf = ASOF): void {
  write(
    file,
    readFileSync(SAMPLE, 'utf8')
      .replace(/^# asOf=.*$/m, `# asOf=${asOf}`)
      .replace(/^# liabilities=.*$/m, `# liabilities=${liabilities}`),
  );
}

let dir: string;
let set: SignerSet;
const COVERAGE = ['coverage', '--min-coverage-bps', '12000'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zkattest-cosign-'));
  book('book.csv');
  for (const name of ['custodian', 'auditor', 'trustee', 'outsider']) {
    const { stdout } = await zkattest(['keys', 'new', '--out', `${name}.key.json`]);
    write(`${name}.pub.json`, stdout);
  }
  const created = await zkattest([
    'signer-set',
    'new',
    '--threshold',
    '2',
    '--signer',
    'Custodian X=custodian.pub.json',
    '--signer',
    'Auditor Y=auditor.key.json', // a signer key file gives its public half
    '--signer',
    `Trustee Z=${JSON.stringify(read('trustee.pub.json').publicKey)}`,
    '--out',
    'set.json',
  ]);
  expect(created.code).toBe(0);
  set = parseSignerSet(read('set.json'));
  expect(created.stdout).toContain(`signer set ${set.setId}: 2 of 3 must sign`);
  // The trust file an investor holds: the set, registered long ago.
  write('trust.json', {
    signerSets: [{ threshold: 2, signers: set.signers, validFrom: '2020-01-01T00:00:00Z' }],
    fxSources: [],
  });
  const msg = await zkattest([
    'snapshot',
    'message',
    'book.csv',
    '--set',
    'set.json',
    '--out',
    'm0.json',
  ]);
  expect(msg.code).toBe(0);
}, 60_000);

describe('zkattest signer-set new', () => {
  it.each([['signer-set', 'new'], ['snapshot', 'message'], ['sign']])(
    '%s %s --help prints its usage',
    async (...words) => {
      const { code, stdout } = await zkattest([...words.filter(Boolean), '--help']);
      expect(code).toBe(0);
      expect(stdout).toContain('usage: zkattest');
    },
  );

  it('writes the set file with labelled members ascending by key id', () => {
    const file = read('set.json');
    expect(file.type).toBe('zkattest.signer-set/v2');
    expect(file.setId).toBe(set.setId);
    expect(set.signers.map((s) => s.label).sort()).toEqual([
      'Auditor Y',
      'Custodian X',
      'Trustee Z',
    ]);
    const pub = read('auditor.pub.json');
    expect(set.signers.find((s) => s.label === 'Auditor Y')!.keyId).toBe(pub.keyId);
  });

  it.each([
    ['threshold 0', ['--threshold', '0', '--signer', 'A=custodian.pub.json'], 'SIGNER_SET_INVALID'],
    [
      'threshold above n',
      ['--threshold', '2', '--signer', 'A=custodian.pub.json'],
      'SIGNER_SET_INVALID',
    ],
    [
      'the same key twice',
      ['--threshold', '1', '--signer', 'A=custodian.pub.json', '--signer', 'B=custodian.key.json'],
      'SIGNER_SET_INVALID',
    ],
    ['no label separator', ['--threshold', '1', '--signer', 'custodian.pub.json'], 'USAGE'],
    [
      'a key off the curve',
      ['--threshold', '1', '--signer', `A=${'1'.repeat(128)}`],
      'KEY_MALFORMED',
    ],
    ['no --threshold', ['--signer', 'A=custodian.pub.json'], 'USAGE'],
  ])('refuses %s', async (_what, args, code) => {
    const res = await zkattest(['signer-set', 'new', ...args, '--out', 'bad-set.json']);
    expect(res.stderr).toContain(`[${code}]`);
    expect(res.code).not.toBe(0);
    expect(existsSync(join(dir, 'bad-set.json'))).toBe(false);
  });

  it('reads the example set (a 2-of-3 of the fixture keys 11..13) as signer-set new writes it', async () => {
    const example = JSON.parse(readFileSync(join(EXAMPLES, 'signer-set.example.json'), 'utf8'));
    const parsed = parseSignerSet(example);
    const keys = await Promise.all(
      [11, 12, 13].map(async (seed) => (await testSigner(seed)).keyId),
    );
    expect(parsed.threshold).toBe(2);
    expect(parsed.signers.map((m) => m.keyId)).toEqual([...keys].sort());
    expect(example).toEqual(signerSetFile(parsed));
  });

  it('refuses 9 signers (at most 8)', async () => {
    const signers: string[] = [];
    for (let i = 0; i < 9; i++) {
      // Public keys as bare {x, y} files (no need for their private halves here).
      const point = Buffer.from(p256.getPublicKey(p256.utils.randomPrivateKey(), false));
      const key = {
        x: point.subarray(1, 33).toString('hex'),
        y: point.subarray(33).toString('hex'),
      };
      write(`nine-${i}.pub.json`, key);
      signers.push('--signer', `Signer ${i}=nine-${i}.pub.json`);
    }
    const res = await zkattest(['signer-set', 'new', '--threshold', '2', ...signers]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('[SIGNER_SET_INVALID]');
    expect(res.stderr).toContain('1 to 8 signers');
    // Eight is fine, printed as JSON when no --out is given.
    const eight = await zkattest(['signer-set', 'new', '--threshold', '2', ...signers.slice(2)]);
    expect(eight.code).toBe(0);
    expect(parseSignerSet(JSON.parse(eight.stdout)).signers).toHaveLength(8);
  }, 60_000);
});

describe('co-signing: snapshot message, zkattest sign, prove --signatures', () => {
  it('proves with 2 of 3 detached signatures; verify names the signers by label', async () => {
    const message = parseMessageFile(read('m0.json')).message;
    expect(message.setId).toBe(set.setId);
    expect(message.epoch).toBe(0);

    const signed = await zkattest([
      'sign',
      'm0.json',
      '--key',
      'custodian.key.json',
      '--set',
      'set.json',
      '--out',
      'c0.sig.json',
    ]);
    expect(signed.code).toBe(0);
    expect(signed.stdout).toContain(`signer set:          ${set.setId}`);
    expect(signed.stdout).toContain(`commitment:          ${message.commitment}`);
    expect(signed.stdout).toContain('epoch:               0');
    expect(signed.stdout).toContain('unit:                CNY, 2 decimals');
    expect(signed.stdout).toContain('member:              yes, "Custodian X"');
    const auditor = await zkattest([
      'sign',
      'm0.json',
      '--key',
      'auditor.key.json',
      '--snapshot',
      'book.csv',
      '--secret',
      'book.csv.secret.json',
      '--out',
      'a0.sig.json',
    ]);
    expect(auditor.code).toBe(0);
    expect(auditor.stdout).toContain('the book book.csv gives this very message');
    expect(read('a0.sig.json')).toMatchObject({
      type: 'zkattest.snapshot-signature/v2',
      setId: set.setId,
      digest: snapshotDigest(message),
    });

    const prove = await zkattest([
      'prove',
      ...COVERAGE,
      '--snapshot',
      'book.csv',
      '--set',
      'set.json',
      '--signatures',
      'c0.sig.json,a0.sig.json',
      '--out',
      'p0.json',
    ]);
    expect(prove.stderr).toBe('');
    expect(prove.code).toBe(0);
    const pkg = read('p0.json');
    expect(pkg.signerSet.threshold).toBe(2);
    expect(pkg.signatures).toHaveLength(2);

    const verify = await zkattest([
      'verify',
      'p0.json',
      '--allow-development-keys',
      '--trust',
      'trust.json',
    ]);
    expect(verify.stdout).toContain('VALID coverage proof');
    expect(verify.stdout).toMatch(
      /signed by 2 of 3: (Custodian X, Auditor Y|Auditor Y, Custodian X)\n/,
    );
    expect(verify.stdout).toContain('epoch 0');
    expect(verify.stdout).toContain('previous commitment: none');
    expect(verify.code).toBe(0);

    // Without the trust file the keys are named, and it says the set was not checked.
    const bare = await zkattest(['verify', 'p0.json', '--allow-development-keys']);
    expect(bare.code).toBe(0);
    expect(bare.stdout).toContain('registration not checked: pass --trust');
    // A trust file without the set: refused, the set unknown.
    write('no-sets.json', { signerSets: [], fxSources: [] });
    const unknown = await zkattest([
      'verify',
      'p0.json',
      '--allow-development-keys',
      '--trust',
      'no-sets.json',
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('SIGNER_SET_UNKNOWN');
  }, 120_000);

  it('links the next snapshot at epoch 1 to the first and verifies it', async () => {
    const first = parseMessageFile(read('m0.json')).message;
    book('book1.csv', '81000000.00', ASOF + 60);
    const msg = await zkattest([
      'snapshot',
      'message',
      'book1.csv',
      '--set',
      'set.json',
      '--epoch',
      '1',
      '--prev-commitment',
      first.commitment,
      '--out',
      'm1.json',
    ]);
    expect(msg.code).toBe(0);
    expect(msg.stdout).toContain(`previous commitment: ${first.commitment}`);
    for (const who of ['custodian', 'trustee']) {
      const s = await zkattest([
        'sign',
        'm1.json',
        '--key',
        `${who}.key.json`,
        '--out',
        `${who}1.sig.json`,
      ]);
      expect(s.code).toBe(0);
    }
    const prove = await zkattest([
      'prove',
      ...COVERAGE,
      '--snapshot',
      'book1.csv',
      '--set',
      'set.json',
      '--signatures',
      'custodian1.sig.json,trustee1.sig.json',
      '--epoch',
      '1',
      '--prev-commitment',
      first.commitment,
      '--out',
      'p1.json',
    ]);
    expect(prove.stderr).toBe('');
    const verify = await zkattest([
      'verify',
      'p1.json',
      '--allow-development-keys',
      '--trust',
      'trust.json',
    ]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(
      /signed by 2 of 3: (Custodian X, Trustee Z|Trustee Z, Custodian X)\n/,
    );
    expect(verify.stdout).toContain('epoch 1');
    expect(verify.stdout).toContain(`previous commitment: ${first.commitment}`);
  }, 120_000);

  it('refuses, before proving or admitting, k-1 signatures and signatures over another message', async () => {
    const args = [
      'prove',
      ...COVERAGE,
      '--snapshot',
      'book.csv',
      '--set',
      'set.json',
      '--out',
      'never.json',
    ];
    const ledger = join(dir, 'book.csv.secret.json.ledger.jsonl');
    const before = existsSync(ledger) ? readFileSync(ledger, 'utf8') : '';
    const one = await zkattest([...args, '--signatures', 'c0.sig.json']);
    expect(one.code).toBe(1);
    expect(one.stderr).toContain('[SNAPSHOT_SIGNATURES_REFUSED]');
    expect(one.stderr).toContain('THRESHOLD_NOT_MET: 1 valid signature(s), the set needs 2');
    // Signatures of the epoch-1 message do not sign this book at epoch 0.
    const other = await zkattest([
      ...args,
      '--signatures',
      'custodian1.sig.json,trustee1.sig.json',
    ]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('custodian1.sig.json: signs another snapshot message');
    expect(other.stderr).toContain('(DIGEST_MISMATCH)');
    // The same member twice counts once: refused.
    const twice = await zkattest([...args, '--signatures', 'c0.sig.json,c0.sig.json']);
    expect(twice.stderr).toContain('(SIGNER_DUPLICATE)');
    // The epoch is part of what was signed: the same book at another epoch is another message.
    const moved = await zkattest([
      ...args,
      '--signatures',
      'c0.sig.json,a0.sig.json',
      '--epoch',
      '3',
    ]);
    expect(moved.stderr).toContain('(DIGEST_MISMATCH)');
    // --key and --set together, or --set alone, are usage errors.
    const both = await zkattest([
      ...args,
      '--signatures',
      'c0.sig.json',
      '--key',
      'custodian.key.json',
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('[USAGE]');
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
    expect(existsSync(ledger) ? readFileSync(ledger, 'utf8') : '').toBe(before);
  }, 120_000);

  it('refuses to sign another book than the one the signer sees', async () => {
    book('other.csv', '99000000.00');
    write('other.csv.secret.json', readFileSync(join(dir, 'book.csv.secret.json'), 'utf8'));
    const res = await zkattest([
      'sign',
      'm0.json',
      '--key',
      'auditor.key.json',
      '--snapshot',
      'other.csv',
      '--secret',
      'other.csv.secret.json',
      '--out',
      'other.sig.json',
    ]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('[SIGNED_SNAPSHOT_INVALID]');
    expect(res.stderr).toContain('commitment differ');
    expect(existsSync(join(dir, 'other.sig.json'))).toBe(false);
    // Nor without the book's own salt file (none is created).
    const noSalt = await zkattest([
      'sign',
      'm0.json',
      '--key',
      'auditor.key.json',
      '--snapshot',
      'book.csv',
      '--secret',
      'missing.json',
    ]);
    expect(noSalt.stderr).toContain('[USAGE]');
    expect(existsSync(join(dir, 'missing.json'))).toBe(false);
  }, 60_000);

  it('refuses an edited message file, another set and a key outside the set', async () => {
    const edited = read('m0.json');
    edited.message.epoch = 7;
    write('edited.json', edited);
    const res = await zkattest([
      'sign',
      'edited.json',
      '--key',
      'custodian.key.json',
      '--out',
      'e.sig.json',
    ]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('[SIGNED_SNAPSHOT_INVALID]');
    expect(existsSync(join(dir, 'e.sig.json'))).toBe(false);

    const outsider = await zkattest([
      'sign',
      'm0.json',
      '--key',
      'outsider.key.json',
      '--set',
      'set.json',
      '--out',
      'o.sig.json',
    ]);
    expect(outsider.code).toBe(1);
    expect(outsider.stderr).toContain('[SNAPSHOT_SIGNATURES_REFUSED]');
    expect(outsider.stderr).toContain('not a member');
    expect(existsSync(join(dir, 'o.sig.json'))).toBe(false);

    const solo = await zkattest([
      'signer-set',
      'new',
      '--threshold',
      '1',
      '--signer',
      'Solo=outsider.pub.json',
      '--out',
      'solo.json',
    ]);
    expect(solo.code).toBe(0);
    const otherSet = await zkattest([
      'sign',
      'm0.json',
      '--key',
      'outsider.key.json',
      '--set',
      'solo.json',
    ]);
    expect(otherSet.stderr).toContain('[SIGNED_SNAPSHOT_INVALID]');
    expect(otherSet.stderr).toContain('is for signer set');
  }, 60_000);
});

import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fxMessage, fxTableHash, type FxTable } from '../../src/common/fx-table';
import { keyIdOf, verifySignature } from '../../src/common/p256';
import { unixSecondsArg } from '../../src/cli/key-commands';

const BIN = join(__dirname, '..', '..', 'bin', 'zkattest.cjs');
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

const TABLE: FxTable = {
  reporting: { currency: 'USD', decimals: 2 },
  rows: [
    { currency: 'USD', decimals: 2, rate: '1000000000000' },
    { currency: 'CNY', decimals: 2, rate: '137900000000' },
  ],
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zkattest-keys-'));
});

describe('zkattest keys', () => {
  it('keys new writes a 0600 signer key, prints its public part, never overwrites', async () => {
    const created = await zkattest(['keys', 'new', '--out', 'k.json', '--label', 'custodian'], dir);
    expect(created.code).toBe(0);
    const printed = JSON.parse(created.stdout);
    expect(printed.keyId).toBe(keyIdOf(printed.publicKey));
    expect(printed.label).toBe('custodian');
    expect(created.stdout).not.toContain('"d"');
    expect(statSync(join(dir, 'k.json')).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(join(dir, 'k.json'), 'utf8'));
    expect(file.type).toBe('zkattest.signer-key/v2');
    expect(file.jwk).toEqual(expect.objectContaining({ kty: 'EC', crv: 'P-256' }));

    const before = readFileSync(join(dir, 'k.json'), 'utf8');
    const again = await zkattest(['keys', 'new', '--out', 'k.json'], dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('[KEY_FILE]');
    expect(readFileSync(join(dir, 'k.json'), 'utf8')).toBe(before);

    const shown = await zkattest(['keys', 'show', 'k.json'], dir);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual(printed);
    expect(shown.stdout).not.toContain(file.jwk.d);

    expect((await zkattest(['keys', 'new'], dir)).code).toBe(2); // --out is required
  });

  it('keys import takes PKCS#8 PEM, DER and JWK, each to the same key id', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dir, 'p.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
    writeFileSync(join(dir, 'p.der'), privateKey.export({ format: 'der', type: 'pkcs8' }));
    writeFileSync(join(dir, 'p.jwk'), JSON.stringify(privateKey.export({ format: 'jwk' })));
    const ids = [];
    for (const from of ['p.pem', 'p.der', 'p.jwk']) {
      const out = `${from}.key.json`;
      const imported = await zkattest(['keys', 'import', '--from', from, '--out', out], dir);
      expect(imported.code).toBe(0);
      ids.push(JSON.parse(imported.stdout).keyId);
      expect(statSync(join(dir, out)).mode & 0o777).toBe(0o600);
    }
    expect(new Set(ids).size).toBe(1);

    const { d: _d, ...publicJwk } = privateKey.export({ format: 'jwk' });
    writeFileSync(join(dir, 'public.jwk'), JSON.stringify(publicJwk));
    const refused = await zkattest(
      ['keys', 'import', '--from', 'public.jwk', '--out', 'x.json'],
      dir,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[KEY_MALFORMED]');
    const missing = await zkattest(
      ['keys', 'import', '--from', 'nope.pem', '--out', 'y.json'],
      dir,
    );
    expect(missing.stderr).toContain('[KEY_FILE]');
  });
});

describe('zkattest fx sign', () => {
  it('signs a checked table: the signature verifies over the FX message of its hash', async () => {
    const key = JSON.parse((await zkattest(['keys', 'new', '--out', 'fx.key.json'], dir)).stdout);
    writeFileSync(join(dir, 'table.json'), JSON.stringify(TABLE));
    const args = ['fx', 'sign', '--table', 'table.json', '--key', 'fx.key.json'];
    const signed = await zkattest(
      [...args, '--as-of', '2026-11-20T08:00:00Z', '--out', 'fx.json'],
      dir,
    );
    expect(signed.code).toBe(0);
    const body = JSON.parse(readFileSync(join(dir, 'fx.json'), 'utf8'));
    expect(Object.keys(body)).toEqual(['table', 'source']);
    expect(body.table).toEqual(TABLE);
    expect(body.source.keyId).toBe(key.keyId);
    expect(body.source.asOf).toBe(Date.UTC(2026, 10, 20, 8) / 1000);
    const hash = await fxTableHash(TABLE);
    expect(signed.stdout).toContain(`fxTable hash: ${hash}`);
    const message = fxMessage(hash, TABLE.reporting, body.source.asOf);
    expect(verifySignature(key.publicKey, message, body.source.signature)).toBe(true);
    // Signed for its asOf: another time is another message.
    const later = fxMessage(hash, TABLE.reporting, body.source.asOf + 1);
    expect(verifySignature(key.publicKey, later, body.source.signature)).toBe(false);
  });

  it('checks the table before signing and names the field', async () => {
    await zkattest(['keys', 'new', '--out', 'fx2.key.json'], dir);
    const bad = { ...TABLE, rows: [{ ...TABLE.rows[0]!, rate: '0' }] };
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
    const args = [
      'fx',
      'sign',
      '--key',
      'fx2.key.json',
      '--as-of',
      '1795132800',
      '--out',
      'o.json',
    ];
    const refused = await zkattest([...args, '--table', 'bad.json'], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[FX_RATE_INVALID]');
    expect(refused.stderr).toContain('rows[0].rate');
    writeFileSync(join(dir, 'notjson.json'), '{');
    expect((await zkattest([...args, '--table', 'notjson.json'], dir)).stderr).toContain(
      '[FX_TABLE_INVALID]',
    );
    writeFileSync(join(dir, 'ok.json'), JSON.stringify(TABLE));
    const badTime = await zkattest(
      [
        'fx',
        'sign',
        '--key',
        'fx2.key.json',
        '--table',
        'ok.json',
        '--out',
        'o.json',
        '--as-of',
        '2026-02-30T00:00:00Z',
      ],
      dir,
    );
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain('[USAGE]');
  });
});

describe('--as-of', () => {
  it.each<[string, number]>([
    ['2026-11-20T08:00:00Z', 1795161600],
    ['2026-11-20T16:00:00+08:00', 1795161600],
    ['2026-11-20T03:30:00-04:30', 1795161600],
    ['2026-11-20T08:00:00.000Z', 1795161600],
    ['1795161600', 1795161600],
    ['0', 0],
  ])('reads %s as %d', (text, seconds) => {
    expect(unixSecondsArg('as-of', text)).toBe(seconds);
  });

  it.each([
    '2026-11-20T08:00:00',
    '2026-11-20T08:00:00.5Z',
    '2026-02-29T00:00:00Z',
    '2026-11-20T24:00:00Z',
    '2026-11-20T08:00:60Z',
    '2026-11-20T08:00:00+24:00',
    '2026-11-20',
    '-1',
    '1099511627776',
    'yesterday',
  ])('refuses %s', (text) => {
    expect(() => unixSecondsArg('as-of', text)).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});

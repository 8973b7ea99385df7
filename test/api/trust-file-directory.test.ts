import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrustedKeysFile, trustFileDirectory } from '../../src/api/trusted-keys-file';
import { ZkAttestError } from '../../src/common/errors';
import { buildSignerSet, signerSetFile } from '../../src/common/signer-set';
import { keyTrustReasons } from '../../src/verifier';
import { newP256Key, offCurve } from '../support/p256-keys';

// The TRUSTED_KEYS_FILE format (signer sets and FX sources) as read, and the in-memory key
// directory over it that `zkattest verify --trust` checks against.

const JAN = '2025-01-01T00:00:00.000Z';
const MAR = '2025-03-01T00:00:00.000Z';
const dir = mkdtempSync(join(tmpdir(), 'zkattest-trust-file-'));
let fileNo = 0;
function file(content: unknown): string {
  const path = join(dir, `keys-${++fileNo}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

async function configError(work: () => unknown): Promise<ZkAttestError> {
  try {
    await work();
  } catch (err) {
    if (err instanceof ZkAttestError) return err;
    throw err;
  }
  throw new Error('accepted');
}

const signer = newP256Key();
const fx = newP256Key();

describe('readTrustedKeysFile', () => {
  const entry = { publicKey: signer.publicKey, label: 'ok', validFrom: JAN };
  const member = (key: { publicKey: { x: string; y: string } }, label: string) => ({
    publicKey: key.publicKey,
    label,
  });
  const set = { threshold: 1, signers: [member(signer, 'Custodian')], validFrom: JAN };
  it.each([
    ['a missing file', join(dir, 'absent.json'), /the file cannot be read \(ENOENT\)/],
    ['not JSON', file('{'), /the file is not JSON/],
    ['a list', file([entry]), /the file: /],
    ['an unknown list (the old signers list)', file({ signers: [] }), /signers/],
    [
      'an off-curve key',
      file({ fxSources: [entry, { ...entry, publicKey: offCurve(fx.publicKey) }] }),
      /fxSources entry 2: publicKey: not a point on P-256/,
    ],
    [
      'an off-curve set member',
      file({
        signerSets: [{ ...set, signers: [member({ publicKey: offCurve(fx.publicKey) }, 'x')] }],
      }),
      /signerSets entry 1: signerSet\.signers\.0\.publicKey: not a point on P-256/,
    ],
    [
      'a wrong keyId',
      file({ fxSources: [{ ...entry, keyId: fx.keyId }] }),
      /fxSources entry 1: keyId: not sha256/,
    ],
    [
      'a key twice',
      file({ fxSources: [entry, { ...entry, label: 'again' }] }),
      /fxSources entry 2: the same as entry 1/,
    ],
    [
      'a set twice',
      file({ signerSets: [set, { ...set, validFrom: MAR }] }),
      /signerSets entry 2: the same as entry 1/,
    ],
    [
      'a set naming one key twice',
      file({ signerSets: [{ ...set, signers: [member(signer, 'a'), member(signer, 'b')] }] }),
      /signerSets entry 1: signerSet\.signers: a key is named twice/,
    ],
    [
      'threshold 0',
      file({ signerSets: [{ ...set, threshold: 0 }] }),
      /signerSets entry 1: signerSet\.threshold/,
    ],
    [
      'a threshold above the signer count',
      file({ signerSets: [{ ...set, threshold: 2 }] }),
      /signerSets entry 1: signerSet\.threshold/,
    ],
    [
      'a label with a control character',
      file({ fxSources: [{ ...entry, label: 'a\tb' }] }),
      /fxSources entry 1 label: 1\.\.64 printable/,
    ],
    [
      'a member label with a bidi override',
      file({ signerSets: [{ ...set, signers: [member(signer, 'a\u202eb')] }] }),
      /signerSets entry 1: signerSet\.signers\.0\.label: 1\.\.64 printable/,
    ],
    [
      'no validFrom',
      file({ signerSets: [{ threshold: 1, signers: set.signers }] }),
      /signerSets entry 1 validFrom/,
    ],
    ['an unknown field', file({ fxSources: [{ ...entry, role: 'x' }] }), /fxSources entry 1: /],
  ])(
    'refuses %s with CONFIG_INVALID, naming the rule, not the content',
    async (_what, path, message) => {
      const err = await configError(() => readTrustedKeysFile(path));
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.message).toMatch(/^bad configuration: TRUSTED_KEYS_FILE: /);
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain(signer.publicKey.x.slice(0, 16));
    },
  );

  it('gives each set its id, members by keyId and firstEpoch (default 0)', () => {
    const two = newP256Key();
    const read = readTrustedKeysFile(
      file({
        signerSets: [
          set,
          {
            ...set,
            threshold: 2,
            signers: [member(two, 'Auditor'), member(signer, 'C')],
            firstEpoch: 7,
            revokedAt: MAR,
          },
        ],
        fxSources: [entry],
      }),
    );
    const expected = buildSignerSet(2, [member(two, 'Auditor'), member(signer, 'C')]);
    expect(read.signerSets[1]).toEqual({
      ...expected,
      validFrom: JAN,
      firstEpoch: 7,
      revokedAt: MAR,
    });
    expect(read.signerSets[0]).toMatchObject({ threshold: 1, firstEpoch: 0, validFrom: JAN });
    expect(read.fxSources).toEqual([{ keyId: signer.keyId, ...entry }]);
  });
});

describe('trustFileDirectory', () => {
  it('answers signer sets by setId and FX sources by keyId from the file, in memory', async () => {
    const auditor = newP256Key();
    const two = buildSignerSet(2, [
      { publicKey: signer.publicKey, label: 'Custodian' },
      { publicKey: auditor.publicKey, label: 'Auditor' },
    ]);
    const directory = trustFileDirectory(
      file({
        signerSets: [{ threshold: 2, signers: two.signers, validFrom: JAN, revokedAt: MAR }],
        fxSources: [{ publicKey: fx.publicKey, label: 'ECB', validFrom: JAN }],
      }),
    );
    const status = await directory.getSignerSet(two.setId);
    expect(status).toEqual({ ...two, validFrom: JAN, revokedAt: MAR, firstEpoch: 0 });
    const feb = Date.parse('2025-02-01T00:00:00Z') / 1000;
    const apr = Date.parse('2025-04-01T00:00:00Z') / 1000;
    expect(keyTrustReasons('signerSet', status, feb)).toEqual([]);
    expect(keyTrustReasons('signerSet', status, apr)).toEqual(['SIGNER_SET_REVOKED']);
    const oneOfTwo = buildSignerSet(1, two.signers);
    expect(await directory.getSignerSet(oneOfTwo.setId)).toBeUndefined();
    expect((await directory.getFxSource(fx.keyId))?.label).toBe('ECB');
    expect(await directory.getFxSource(signer.keyId)).toBeUndefined();
  });

  it('refuses a bad file with CONFIG_INVALID', async () => {
    const err = await configError(() => trustFileDirectory(file({ signerSets: [{}] })));
    expect(err.code).toBe('CONFIG_INVALID');
  });
});

describe('examples/trusted-keys.example.json', () => {
  it('is a valid file: one 1-of-1 signer set and one FX source', () => {
    const read = readTrustedKeysFile(
      join(__dirname, '..', '..', 'examples', 'trusted-keys.example.json'),
    );
    expect(read.signerSets.map((s) => [s.threshold, s.signers.length, s.firstEpoch])).toEqual([
      [1, 1, 0],
    ]);
    expect(read.fxSources.map((k) => k.label)).toEqual(['example FX source']);
  });
});

describe('a signer-set file pasted into the trust file', () => {
  const set = buildSignerSet(1, [{ publicKey: signer.publicKey, label: 'Custodian' }]);
  const pasted = { ...signerSetFile(set), validFrom: JAN };

  it('reads with its type and set id', () => {
    const { signerSets } = readTrustedKeysFile(file({ signerSets: [pasted] }));
    expect(signerSets.map((s) => s.setId)).toEqual([set.setId]);
  });

  it('refuses a set id that is not the keys’ own', async () => {
    const edited = { ...pasted, setId: 'ab'.repeat(32) };
    const err = await configError(() => readTrustedKeysFile(file({ signerSets: [edited] })));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(/signerSets entry 1: signerSet\.setId/);
  });
});

import {
  buildSignerSet,
  describeSigners,
  parseSignerSet,
  setMembership,
  signerSetFile,
} from '../../src/common/signer-set';
import { signerSetId } from '../../src/common/snapshot-message';
import { testSigner } from '../fixtures';

const members = async (seeds: number[]) =>
  Promise.all(
    seeds.map(async (s) => ({ publicKey: (await testSigner(s)).publicKey, label: `S${s}` })),
  );

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
};

describe('signer sets', () => {
  it('has one id whatever order the members come in, and sorts them', async () => {
    const m = await members([1, 2, 3]);
    const a = buildSignerSet(2, m);
    const b = buildSignerSet(2, [m[2]!, m[0]!, m[1]!]);
    expect(a).toEqual(b);
    expect(a.setId).toBe(
      signerSetId(
        2,
        a.signers.map((s) => s.keyId),
      ),
    );
    expect(a.signers.map((s) => s.keyId)).toEqual([...a.signers.map((s) => s.keyId)].sort());
    expect(buildSignerSet(3, m).setId).not.toBe(a.setId);
    expect(setMembership(a)).toEqual({ threshold: 2, keyIds: a.signers.map((s) => s.keyId) });
  });

  it('round-trips through its file, and refuses a file whose ids were edited', async () => {
    const set = buildSignerSet(2, await members([1, 2, 3]));
    const file = JSON.parse(JSON.stringify(signerSetFile(set)));
    expect(parseSignerSet(file)).toEqual(set);
    expect(codeOf(() => parseSignerSet({ ...file, setId: 'ab'.repeat(32) }))).toBe(
      'SIGNER_SET_INVALID',
    );
    const wrongKeyId = { ...file, signers: [{ ...file.signers[0], keyId: 'ab'.repeat(32) }] };
    expect(codeOf(() => parseSignerSet(wrongKeyId))).toBe('KEY_MALFORMED');
  });

  it('refuses thresholds outside 1..n, repeated keys, 9 members, bad labels and keys', async () => {
    const m = await members([1, 2, 3]);
    expect(codeOf(() => buildSignerSet(0, m))).toBe('SIGNER_SET_INVALID');
    expect(codeOf(() => buildSignerSet(4, m))).toBe('SIGNER_SET_INVALID');
    expect(codeOf(() => buildSignerSet(1.5, m))).toBe('SIGNER_SET_INVALID');
    expect(codeOf(() => buildSignerSet('2', m))).toBe('SIGNER_SET_INVALID');
    expect(codeOf(() => buildSignerSet(1, [m[0]!, { ...m[0]!, label: 'again' }]))).toBe(
      'SIGNER_SET_INVALID',
    );
    expect(codeOf(() => buildSignerSet(1, []))).toBe('SIGNER_SET_INVALID');
    const nine = await members([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(codeOf(() => buildSignerSet(1, nine))).toBe('SIGNER_SET_INVALID');
    expect(buildSignerSet(1, nine.slice(0, 8)).signers).toHaveLength(8);
    expect(codeOf(() => buildSignerSet(1, [{ ...m[0]!, label: 'evil\u202e' }]))).toBe(
      'SIGNER_SET_INVALID',
    );
    expect(codeOf(() => buildSignerSet(1, [{ ...m[0]!, label: 'x'.repeat(65) }]))).toBe(
      'SIGNER_SET_INVALID',
    );
    const offCurve = { publicKey: { x: '01'.repeat(32), y: '02'.repeat(32) }, label: 'x' };
    expect(codeOf(() => buildSignerSet(1, [offCurve]))).toBe('KEY_MALFORMED');
    expect(codeOf(() => parseSignerSet('not a set'))).toBe('SIGNER_SET_INVALID');
  });

  it('describes who signed out of how many', () => {
    const k = (c: string, label?: string) => ({ keyId: c.repeat(64), ...(label ? { label } : {}) });
    expect(describeSigners(3, [k('a', 'Custodian X'), k('b', 'Auditor Y')])).toBe(
      'signed by 2 of 3: Custodian X, Auditor Y',
    );
    expect(describeSigners(2, [k('c')])).toBe('signed by 1 of 2: key cccccccccccc');
  });
});

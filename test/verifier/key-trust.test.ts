import { keyTrustReasons, type KeyStatus } from '../../src/verifier';

const t = (iso: string) => Date.parse(iso) / 1000;
const key: KeyStatus = {
  keyId: 'a'.repeat(64),
  publicKey: { x: 'b'.repeat(64), y: 'c'.repeat(64) },
  label: 'custodian',
  validFrom: '2026-01-01T00:00:00.000Z',
  revokedAt: '2026-06-01T00:00:00.000Z',
};

describe('keyTrustReasons', () => {
  it.each([
    ['signerSet', ['SIGNER_SET_UNKNOWN', 'SIGNER_SET_NOT_YET_VALID', 'SIGNER_SET_REVOKED']],
    ['fx', ['FX_SOURCE_UNKNOWN', 'FX_SOURCE_NOT_YET_VALID', 'FX_SOURCE_REVOKED']],
  ] as const)('%s: trusted from validFrom until (excluding) revokedAt', (kind, reasons) => {
    const [unknown, notYet, revoked] = reasons;
    expect(keyTrustReasons(kind, undefined, t('2026-03-01T00:00:00Z'))).toEqual([unknown]);
    expect(keyTrustReasons(kind, key, t('2025-12-31T23:59:59Z'))).toEqual([notYet]);
    expect(keyTrustReasons(kind, key, t('2026-01-01T00:00:00Z'))).toEqual([]);
    expect(keyTrustReasons(kind, key, t('2026-05-31T23:59:59Z'))).toEqual([]);
    expect(keyTrustReasons(kind, key, t('2026-06-01T00:00:00Z'))).toEqual([revoked]);
    const { revokedAt: _, ...neverRevoked } = key;
    expect(keyTrustReasons(kind, neverRevoked, t('2099-01-01T00:00:00Z'))).toEqual([]);
  });

  it('a revocation at validFrom means never trusted; bad times trust nothing', () => {
    const stillborn = { ...key, revokedAt: key.validFrom };
    expect(keyTrustReasons('signerSet', stillborn, t(key.validFrom))).toEqual([
      'SIGNER_SET_REVOKED',
    ]);
    const garbled = { ...key, validFrom: 'not a time' };
    expect(keyTrustReasons('fx', garbled, t('2026-03-01T00:00:00Z'))).toEqual([
      'FX_SOURCE_NOT_YET_VALID',
    ]);
    const badRevocation = { ...key, revokedAt: 'not a time' };
    expect(keyTrustReasons('fx', badRevocation, t('2026-03-01T00:00:00Z'))).toEqual([
      'FX_SOURCE_REVOKED',
    ]);
  });
});

import {
  attestorReasons,
  freshnessReasons,
  requirementReasons,
  type VerificationPolicy,
} from '../../src/verifier';

const policy: VerificationPolicy = {
  maxAgeSeconds: 3600,
  maxClockSkewSeconds: 60,
  requireChallenge: true,
};
const t = (iso: string) => Date.parse(iso) / 1000;

describe('policy checks', () => {
  const attestor = {
    keyHash: '1',
    validFrom: '2026-01-01T00:00:00Z',
    revokedAt: '2026-06-01T00:00:00Z',
  };

  it('trusts an attestor from validFrom until (excluding) its revocation time', () => {
    expect(attestorReasons(undefined, t('2026-03-01T00:00:00Z'))).toEqual(['ATTESTOR_UNKNOWN']);
    expect(attestorReasons(attestor, t('2025-12-31T23:59:59Z'))).toEqual([
      'ATTESTOR_NOT_YET_VALID',
    ]);
    expect(attestorReasons(attestor, t('2026-01-01T00:00:00Z'))).toEqual([]);
    expect(attestorReasons(attestor, t('2026-05-31T23:59:59Z'))).toEqual([]);
    expect(attestorReasons(attestor, t('2026-06-01T00:00:00Z'))).toEqual(['ATTESTOR_REVOKED']);
  });

  it('bounds age and clock skew exactly', () => {
    const now = Date.parse('2026-11-21T12:00:00Z');
    const at = (s: number) => now / 1000 + s;
    expect(freshnessReasons(policy, at(-3600), now)).toEqual([]);
    expect(freshnessReasons(policy, at(-3601), now)).toEqual(['SNAPSHOT_STALE']);
    expect(freshnessReasons(policy, at(60), now)).toEqual([]);
    expect(freshnessReasons(policy, at(61), now)).toEqual(['SNAPSHOT_FROM_FUTURE']);
  });

  it('compares proven parameters with what the investor requires', () => {
    const cov = (minCoverageBps: number) =>
      requirementReasons(
        { coverage: { minCoverageBps: 12000 } },
        {
          claim: 'coverage',
          minCoverageBps,
          liabilities: '1',
        },
      );
    expect(cov(12000)).toEqual([]);
    expect(cov(11999)).toEqual(['REQUIREMENT_NOT_MET']);
    const yieldIn = (minYieldBps: number, maxYieldBps: number) =>
      requirementReasons(
        { 'yield-range': { minYieldBps: 200, maxYieldBps: 400 } },
        {
          claim: 'yield-range',
          minYieldBps,
          maxYieldBps,
        },
      );
    expect(yieldIn(250, 350)).toEqual([]);
    expect(yieldIn(150, 350)).toEqual(['REQUIREMENT_NOT_MET']);
    expect(yieldIn(250, 450)).toEqual(['REQUIREMENT_NOT_MET']);
    const conc = (allowedClasses: number[]) =>
      requirementReasons(
        { concentration: { maxShareBps: 2000, allowedClasses: [0, 1, 2] } },
        {
          claim: 'concentration',
          maxShareBps: 2000,
          allowedClasses,
        },
      );
    expect(conc([0, 1])).toEqual([]);
    expect(conc([0, 3])).toEqual(['REQUIREMENT_NOT_MET']);
    expect(
      requirementReasons(undefined, { claim: 'coverage', minCoverageBps: 1, liabilities: '1' }),
    ).toEqual([]);
  });
});

import {
  freshnessReasons,
  fxFreshnessReasons,
  requirementReasons,
  unitReasons,
  type VerificationPolicy,
} from '../../src/verifier/policy';

const policy: VerificationPolicy = {
  maxAgeSeconds: 3600,
  maxClockSkewSeconds: 60,
  requireChallenge: true,
  maxFxAgeSeconds: 600,
};

describe('policy checks', () => {
  it("bounds the FX rates' age and clock skew exactly", () => {
    const now = Date.parse('2026-11-21T12:00:00Z');
    const at = (s: number) => now / 1000 + s;
    expect(fxFreshnessReasons(policy, at(-600), now)).toEqual([]);
    expect(fxFreshnessReasons(policy, at(-601), now)).toEqual(['FX_STALE']);
    expect(fxFreshnessReasons(policy, at(60), now)).toEqual([]);
    expect(fxFreshnessReasons(policy, at(61), now)).toEqual(['FX_FROM_FUTURE']);
  });

  it('refuses amounts in another unit than the investor takes, currency or decimals', () => {
    const usd2 = { currency: 'USD', decimals: 2 };
    expect(unitReasons(undefined, usd2)).toEqual([]);
    expect(unitReasons(usd2, usd2)).toEqual([]);
    expect(unitReasons(usd2, { currency: 'HKD', decimals: 2 })).toEqual(['UNIT_NOT_ACCEPTED']);
    expect(unitReasons(usd2, { currency: 'USD', decimals: 18 })).toEqual(['UNIT_NOT_ACCEPTED']);
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

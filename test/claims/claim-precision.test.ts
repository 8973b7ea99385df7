import { CLAIMS, parseClaimParams } from '../../src/claims';
import { checkPrecision, parseDisclosurePolicy } from '../../src/prover/disclosure';
import { ZkAttestError } from '../../src/common/errors';

// Each claim's precision rules, as its descriptor defines them: the rule a claim breaks by one
// step, and the same claim at the limit.

/** The rule `checkPrecision` names, or 'ok'. */
function verdict(policy: unknown, raw: object): string {
  try {
    checkPrecision(parseDisclosurePolicy(policy), parseClaimParams(raw));
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(ZkAttestError);
    expect((err as ZkAttestError).code).toBe('DISCLOSURE_BUDGET_EXCEEDED');
    return String((err as ZkAttestError).details.rule);
  }
}

describe('claim precision rules', () => {
  it.each([
    [{ 'yield-range': { minWidthBps: 25 } }, { minYieldBps: 200, maxYieldBps: 224 }, 'minWidthBps'],
    [{ 'yield-range': { minWidthBps: 25 } }, { minYieldBps: 200, maxYieldBps: 225 }, 'ok'],
    [{ 'yield-range': { gridBps: 25 } }, { minYieldBps: 200, maxYieldBps: 401 }, 'gridBps'],
    [{ 'yield-range': { gridBps: 25 } }, { minYieldBps: 199, maxYieldBps: 400 }, 'gridBps'],
    [{ 'yield-range': { gridBps: 25 } }, { minYieldBps: 200, maxYieldBps: 400 }, 'ok'],
  ])('yield-range under %j: %j -> %s', (policy, params, expected) => {
    expect(verdict(policy, { claim: 'yield-range', ...params })).toBe(expected);
  });

  it.each([
    ['coverage', { minCoverageBps: 12500 }, 'ok'],
    ['coverage', { minCoverageBps: 12499 }, 'gridBps'],
    ['concentration', { maxShareBps: 2500 }, 'ok'],
    ['concentration', { maxShareBps: 2501 }, 'gridBps'],
  ])('%s on a 500 bps grid: %j -> %s', (claim, params, expected) => {
    expect(verdict({ [claim]: { gridBps: 500 } }, { claim, ...params })).toBe(expected);
  });

  it('every registered claim has a rules schema that accepts an empty rule set', () => {
    for (const d of CLAIMS) {
      expect(d.precision.rules.safeParse({}).success).toBe(true);
      expect(verdict({ [d.name]: {} }, { claim: d.name, ...d.example.params })).toBe('ok');
    }
  });
});

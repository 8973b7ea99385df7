import { ZkAttestError } from '../../src/common/errors';
import { bigintOption, integerOption } from '../../src/cli/args';

const USAGE = 'zkattest x --n N';
const codeOf = (work: () => unknown) => {
  try {
    work();
  } catch (err) {
    return err instanceof ZkAttestError ? err.code : 'not coded';
  }
  return 'no error';
};

describe('integer options', () => {
  it('keep token amounts exact beyond 2^53', () => {
    const amount = '1000000000000000000000001'; // 10^24 + 1: Number would round it
    expect(bigintOption({ amount }, 'amount', USAGE)).toBe(10n ** 24n + 1n);
  });

  it('refuse what is not a non-negative integer, with USAGE', () => {
    for (const amount of ['-1', '1.5', '1e3', '0x10', '', ' 1', '9'.repeat(79)]) {
      expect([amount, codeOf(() => bigintOption({ amount }, 'amount', USAGE))]).toEqual([
        amount,
        'USAGE',
      ]);
    }
  });

  it('refuse a small-integer option past 2^53 instead of rounding it', () => {
    expect(codeOf(() => integerOption({ n: '9007199254740993' }, 'n', USAGE))).toBe('USAGE');
    expect(integerOption({ n: '9007199254740991' }, 'n', USAGE)).toBe(9007199254740991);
  });
});

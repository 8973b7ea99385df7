import { terminateSnarkjsCurve, useSingleThreadedCurve } from '../../src/common/snarkjs-teardown';
import { sourceFiles } from '../support/source-files';

const cached = () => (globalThis as { curve_bn128?: unknown }).curve_bn128;

describe('the snarkjs curve teardown', () => {
  it('terminates the cached curve and forgets it; a second call is a no-op', async () => {
    await useSingleThreadedCurve();
    expect(cached()).toBeDefined();
    await terminateSnarkjsCurve();
    expect(cached()).toBeUndefined();
    await expect(terminateSnarkjsCurve()).resolves.toBeUndefined();
  });

  it('lives in one module: nothing else touches globalThis.curve_bn128', () => {
    const own = new Set([
      'src/common/snarkjs-teardown.ts',
      'test/common/snarkjs-teardown.test.ts',
      // The browser bundle's own curve (single thread, no workers under the page's CSP; it
      // lives as long as the page, so nothing tears it down).
      'src/web/verify/groth16.ts',
    ]);
    const elsewhere = sourceFiles(['src', 'scripts', 'bench', 'test', 'bin'])
      .filter(({ file, text }) => !own.has(file) && text.includes('curve_bn128'))
      .map(({ file }) => file);
    expect(elsewhere).toEqual([]);
  });
});

/**
 * How chain commands wait for receipts and name a node that stopped answering
 * (src/chain/transactions.ts). The TX_NOT_MINED path on a real anvil that stops mining is in
 * test/chain/relay.test.ts.
 */
import { JsonRpcProvider, makeError, Network } from 'ethers';
import { chainError, txTimeoutMs } from '../../src/chain/transactions';
import { ZkAttestError } from '../../src/common/errors';

describe('txTimeoutMs', () => {
  test('defaults to two minutes and takes whole milliseconds from ZKATTEST_TX_TIMEOUT_MS', () => {
    expect(txTimeoutMs({})).toBe(120_000);
    expect(txTimeoutMs({ ZKATTEST_TX_TIMEOUT_MS: '' })).toBe(120_000);
    expect(txTimeoutMs({ ZKATTEST_TX_TIMEOUT_MS: '5000' })).toBe(5_000);
  });

  test.each(['abc', '50', '-1', '1.5', '1e6', '9999999999'])(
    'refuses %p as CONFIG_INVALID',
    (v) => {
      expect(() => txTimeoutMs({ ZKATTEST_TX_TIMEOUT_MS: v })).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID' }),
      );
    },
  );
});

describe('chainError', () => {
  test('a node that refuses the connection is CHAIN_UNAVAILABLE', async () => {
    const provider = new JsonRpcProvider('http://127.0.0.1:9', Network.from(31337n), {
      staticNetwork: true,
    });
    let caught: unknown;
    try {
      await provider.getBlockNumber();
    } catch (err) {
      caught = err;
    } finally {
      provider.destroy();
    }
    expect(caught).toBeDefined();
    const mapped = chainError(caught);
    expect(mapped).toBeInstanceOf(ZkAttestError);
    expect((mapped as ZkAttestError).code).toBe('CHAIN_UNAVAILABLE');
    expect((mapped as ZkAttestError).message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
  });

  test('a revert and our own errors pass through unchanged', () => {
    const revert = makeError('execution reverted', 'CALL_EXCEPTION', {
      action: 'sendTransaction',
      data: '0x12345678',
      reason: null,
      transaction: { to: null, data: '0x' },
      invocation: null,
      revert: null,
    });
    expect(chainError(revert)).toBe(revert);
    const own = new ZkAttestError('USAGE', 'x');
    expect(chainError(own)).toBe(own);
    const plain = new Error('something else');
    expect(chainError(plain)).toBe(plain);
  });
});

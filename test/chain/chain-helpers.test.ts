import { existsSync } from 'node:fs';
import { JsonRpcProvider } from 'ethers';
import { anvilBinary, startAnvil } from '../../src/chain/anvil';
import { contractContext, MINT_CONTEXT_DOMAIN } from '../../src/chain/context-binding';
import { mintWithProofArgs, solidityProof } from '../../src/chain/mint-call';
import { fakePackage } from '../support/fake-package';

describe('anvil', () => {
  test('the binary ships in the npm package and a node starts, answers and stops', async () => {
    expect(existsSync(anvilBinary())).toBe(true);
    const [a, b] = await Promise.all([startAnvil(), startAnvil({ chainId: 4242 })]);
    try {
      expect(a.port).not.toBe(b.port);
      expect(a.chainId).toBe(31337n);
      expect(b.chainId).toBe(4242n);
      const provider = new JsonRpcProvider(b.rpcUrl, undefined, { staticNetwork: true });
      expect((await provider.getNetwork()).chainId).toBe(4242n);
      provider.destroy();
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(() => process.kill(a.pid, 0)).toThrow();
    await expect(fetch(a.rpcUrl, { method: 'POST' })).rejects.toThrow();
  });
});

describe('contractContext', () => {
  test('is 128 bits, checksum-insensitive, and differs per chain and address', () => {
    expect(MINT_CONTEXT_DOMAIN).toMatch(/^0x[0-9a-f]{64}$/);
    const addr = '0x5fbdb2315678afecb367f032d93f642f64180aa3';
    const c = contractContext(31337n, addr);
    expect(c >> 128n).toBe(0n);
    expect(contractContext(31337n, addr.toUpperCase().replace('0X', '0x'))).toBe(c);
    expect(contractContext(1n, addr)).not.toBe(c);
    expect(contractContext(31337n, '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512')).not.toBe(c);
  });
});

describe('mint call', () => {
  // Small numbers, so each coordinate can be followed through the encoding.
  const pkg = fakePackage();

  test('swaps each G2 coordinate pair like exportSolidityCallData and keeps signal order', () => {
    expect(solidityProof(pkg)).toEqual({
      pA: [1n, 2n],
      pB: [
        [4n, 3n],
        [6n, 5n],
      ],
      pC: [7n, 8n],
      pubSignals: [11n, 22n, 33n],
    });
    const args = mintWithProofArgs(pkg, '0x0000000000000000000000000000000000000001', 5n);
    expect(args[0]).toBe('0x0000000000000000000000000000000000000001');
    expect(args[1]).toBe(5n);
    expect(args[3]).toEqual([
      [4n, 3n],
      [6n, 5n],
    ]);
  });
});

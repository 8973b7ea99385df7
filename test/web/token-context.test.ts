/** The page's token binding (noble keccak) is the contract's (ethers, src/chain). */
import { contractContext } from '../../src/chain/context-binding';
import { isAddress, tokenContext } from '../../src/web/verify/token-context';

describe('tokenContext in the page', () => {
  it('equals contractContext for several chains and addresses, any letter case', () => {
    const cases: Array<[bigint, string]> = [
      [1n, '0x5FbDB2315678afecb367f032d93F642f64180aa3'],
      [31337n, '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512'],
      [8453n, '0x0000000000000000000000000000000000000001'],
    ];
    for (const [chainId, address] of cases) {
      expect(tokenContext(chainId, address)).toBe(contractContext(chainId, address));
      expect(tokenContext(chainId, address.toLowerCase())).toBe(contractContext(chainId, address));
    }
    expect(tokenContext(1n, cases[0]![1])).not.toBe(tokenContext(2n, cases[0]![1]));
  });

  it('takes only 0x and 40 hex digits', () => {
    expect(isAddress('0x5FbDB2315678afecb367f032d93F642f64180aa3')).toBe(true);
    expect(isAddress('5FbDB2315678afecb367f032d93F642f64180aa3')).toBe(false);
    expect(() => tokenContext(1n, '0x12')).toThrow(RangeError);
  });
});

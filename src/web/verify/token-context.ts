/**
 * The context a proof must carry to mint on a ProofGatedToken (src/chain/context-binding.ts,
 * without ethers): uint256(keccak256(abi.encode(chainId, token, keccak256("zkattest.mint.v1"))))
 * >> 128. test/web/token-context.test.ts holds the two equal.
 */
import { keccak_256 } from '@noble/hashes/sha3';
import { abiEncode } from '../../common/abi-encode';
import { toHex } from './web-crypto';

const MINT_DOMAIN = keccak_256(new TextEncoder().encode('zkattest.mint.v1'));
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export function isAddress(text: string): boolean {
  return ADDRESS.test(text);
}

export function tokenContext(chainId: bigint, token: string): bigint {
  if (!isAddress(token)) throw new RangeError('an address is 0x and 40 hex digits');
  // An address is abi-encoded as a uint160, right-aligned in its word like any uint.
  const encoded = abiEncode([
    ['uint256', chainId],
    ['uint256', BigInt(token)],
    ['bytes32', MINT_DOMAIN],
  ]);
  return BigInt(`0x${toHex(keccak_256(encoded))}`) >> 128n;
}

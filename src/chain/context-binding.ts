import { AbiCoder, getAddress, keccak256, toUtf8Bytes } from 'ethers';

/** keccak256("zkattest.mint.v1"): the domain of a token's mint context. */
export const MINT_CONTEXT_DOMAIN = keccak256(toUtf8Bytes('zkattest.mint.v1'));

/**
 * The 128-bit context a proof must carry to mint on the ProofGatedToken at `address` on chain
 * `chainId`; identical to the contract's contextBinding():
 * uint256(keccak256(abi.encode(block.chainid, address(this), keccak256("zkattest.mint.v1")))) >> 128.
 */
export function contractContext(chainId: bigint, address: string): bigint {
  const encoded = AbiCoder.defaultAbiCoder().encode(
    ['uint256', 'address', 'bytes32'],
    [chainId, getAddress(address), MINT_CONTEXT_DOMAIN],
  );
  return BigInt(keccak256(encoded)) >> 128n;
}

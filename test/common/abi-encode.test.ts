import { AbiCoder, getBytes, hexlify, solidityPacked, encodeBytes32String } from 'ethers';
import {
  abiEncode,
  abiEncodePacked,
  bytes32FromHex,
  bytes32Label,
  type AbiField,
  type AbiType,
} from '../../src/common/abi-encode';

const coder = AbiCoder.defaultAbiCoder();

/** What ethers expects for a value: fixed bytes as hex, uints as bigint. */
function ethersValue(value: bigint | Uint8Array): bigint | string {
  return typeof value === 'bigint' ? value : hexlify(value);
}

const KEY = bytes32FromHex('ab'.repeat(32));
// Every type at its extremes: zero, one, the largest value, a bytes3 with high bits set.
const FIELDS: AbiField[] = [
  ['bytes32', bytes32Label('zkattest.snapshot.v2')],
  ['bytes32', KEY],
  ['uint8', 0xffn],
  ['uint16', 0n],
  ['uint40', (1n << 40n) - 1n],
  ['uint64', 1n],
  ['uint256', (1n << 256n) - 1n],
  ['bytes3', new Uint8Array([0x55, 0x53, 0x44])],
  ['bytes3', new Uint8Array([0xff, 0x00, 0x80])],
  ['uint64', 0x0123456789abcdefn],
];

describe('abiEncode', () => {
  it('matches ethers abi.encode for every supported type', () => {
    const types = FIELDS.map(([t]) => t);
    const expected = coder.encode(
      types,
      FIELDS.map(([, v]) => ethersValue(v)),
    );
    const bytes = abiEncode(FIELDS);
    expect(bytes.length).toBe(32 * FIELDS.length);
    expect(hexlify(bytes)).toBe(expected);
  });

  it('matches ethers solidityPacked (abi.encodePacked)', () => {
    const types = FIELDS.map(([t]) => t);
    const expected = solidityPacked(
      types,
      FIELDS.map(([, v]) => ethersValue(v)),
    );
    expect(hexlify(abiEncodePacked(FIELDS))).toBe(expected);
  });

  it('writes a bytes32 label as Solidity does (left-aligned, zero-padded)', () => {
    expect(hexlify(bytes32Label('zkattest.fx.v2'))).toBe(encodeBytes32String('zkattest.fx.v2'));
    expect(() => bytes32Label('x'.repeat(33))).toThrow(RangeError);
    expect(() => bytes32Label('')).toThrow(RangeError);
  });

  it.each<[AbiType, bigint | Uint8Array]>([
    ['uint8', 256n],
    ['uint16', -1n],
    ['uint40', 1n << 40n],
    ['uint64', 1n << 64n],
    ['uint256', 1n << 256n],
    ['bytes3', new Uint8Array(4)],
    ['bytes3', 5n],
    ['bytes32', new Uint8Array(31)],
    ['uint8', new Uint8Array(1)],
  ])('refuses a %s value that does not fit rather than truncating it', (type, value) => {
    expect(() => abiEncode([[type, value]])).toThrow(RangeError);
    expect(() => abiEncodePacked([[type, value]])).toThrow(RangeError);
  });

  it('reads bytes32 from hex with or without 0x, and nothing else', () => {
    expect(bytes32FromHex(`0x${'0f'.repeat(32)}`)).toEqual(getBytes(`0x${'0f'.repeat(32)}`));
    expect(() => bytes32FromHex('0f'.repeat(31))).toThrow(RangeError);
    expect(() => bytes32FromHex('zz'.repeat(32))).toThrow(RangeError);
  });
});

import { AbiCoder, encodeBytes32String, hexlify, sha256, solidityPacked } from 'ethers';
import { ZkAttestError } from '../../src/common/errors';
import {
  signerSetId,
  singleKeySetId,
  snapshotMessage,
  ZERO_BYTES32,
  type SnapshotMessageFields,
} from '../../src/common/snapshot-message';

const FIELDS: SnapshotMessageFields = {
  setId: 'a1'.repeat(32),
  epoch: 7n,
  prevCommitment: ZERO_BYTES32,
  commitment: 21888242871839275222246405745257275088548364400416034343698204186575808495616n,
  asOf: 1795132800,
  currency: 'USD',
  decimals: 2,
  fxTableHash: 1234567890123456789012345678901234567890n,
  allocations: ZERO_BYTES32,
  chunks: 0,
};

function ethersMessage(f: SnapshotMessageFields): string {
  return AbiCoder.defaultAbiCoder().encode(
    [
      'bytes32',
      'bytes32',
      'uint64',
      'bytes32',
      'uint256',
      'uint40',
      'bytes3',
      'uint8',
      'uint256',
      'bytes32',
      'uint16',
    ],
    [
      encodeBytes32String('zkattest.snapshot.v2'),
      `0x${f.setId}`,
      f.epoch,
      `0x${f.prevCommitment}`,
      f.commitment,
      f.asOf,
      hexlify(Buffer.from(f.currency, 'ascii')),
      f.decimals,
      f.fxTableHash,
      `0x${f.allocations}`,
      f.chunks,
    ],
  );
}

describe('snapshotMessage', () => {
  it('is the 11-word abi.encode of the spec', () => {
    const bytes = snapshotMessage(FIELDS);
    expect(bytes.length).toBe(11 * 32);
    expect(hexlify(bytes)).toBe(ethersMessage(FIELDS));
  });

  it.each<[keyof SnapshotMessageFields, SnapshotMessageFields[keyof SnapshotMessageFields]]>([
    ['setId', 'a2'.repeat(32)],
    ['epoch', 8n],
    ['prevCommitment', '01'.repeat(32)],
    ['commitment', 1n],
    ['asOf', 1795132801],
    ['currency', 'CNY'],
    ['decimals', 3],
    ['fxTableHash', 1n],
    ['allocations', 'ff'.repeat(32)],
    ['chunks', 2],
  ])('changes when %s changes, and still matches ethers', (field, value) => {
    const changed = { ...FIELDS, [field]: value };
    expect(hexlify(snapshotMessage(changed))).not.toBe(hexlify(snapshotMessage(FIELDS)));
    expect(hexlify(snapshotMessage(changed))).toBe(ethersMessage(changed));
  });

  it('refuses fields that do not fit their type', () => {
    expect(() => snapshotMessage({ ...FIELDS, epoch: 1n << 64n })).toThrow(RangeError);
    expect(() => snapshotMessage({ ...FIELDS, asOf: 2 ** 40 })).toThrow(RangeError);
    expect(() => snapshotMessage({ ...FIELDS, chunks: 65536 })).toThrow(RangeError);
    expect(() => snapshotMessage({ ...FIELDS, setId: 'a1' })).toThrow(RangeError);
    expect(() => snapshotMessage({ ...FIELDS, currency: 'usd' })).toThrow(ZkAttestError);
    expect(() => snapshotMessage({ ...FIELDS, decimals: 19 })).toThrow(ZkAttestError);
  });
});

describe('signerSetId', () => {
  const A = '0a'.repeat(32);
  const B = 'b0'.repeat(32);

  it('is sha256 of abi.encodePacked(label, threshold, keyIds ascending)', () => {
    const expected = sha256(
      solidityPacked(
        ['bytes32', 'uint8', 'bytes32', 'bytes32'],
        [encodeBytes32String('zkattest.signerset.v2'), 2, `0x${A}`, `0x${B}`],
      ),
    ).slice(2);
    expect(signerSetId(2, [A, B])).toBe(expected);
    expect(signerSetId(2, [B, A])).toBe(expected);
    expect(signerSetId(1, [A, B])).not.toBe(expected);
  });

  it('gives a single key its 1-of-1 set id', () => {
    const expected = sha256(
      solidityPacked(
        ['bytes32', 'uint8', 'bytes32'],
        [encodeBytes32String('zkattest.signerset.v2'), 1, `0x${A}`],
      ),
    ).slice(2);
    expect(singleKeySetId(A)).toBe(expected);
  });

  it.each<[number, string[]]>([
    [1, []],
    [0, [A]],
    [2, [A]],
    [1, [A, A]],
    [1, [A.toUpperCase()]],
    [1, [`0x${A}`]],
  ])('refuses threshold %s over %j with KEY_MALFORMED', (threshold, keyIds) => {
    expect(() => signerSetId(threshold, keyIds)).toThrow(
      expect.objectContaining({ code: 'KEY_MALFORMED' }),
    );
  });
});

/**
 * The bytes a custodian's signer signs for a snapshot (ECDSA P-256 / SHA-256), and the id of
 * the signer set that signs. Verifiers rebuild the message from a package's fields, never take
 * it as bytes, so the fields are what is trusted.
 */
import { abiEncode, abiEncodePacked, bytes32FromHex, bytes32Label } from './abi-encode';
import { parseDecimals } from './currency';
import { currencyBytes } from './currency-code';
import { ZkAttestError } from './errors';
import { sha256Hex } from './hash';
import { HEX64_PATTERN } from './ids';

export const SNAPSHOT_MESSAGE_LABEL = 'zkattest.snapshot.v2';
export const SIGNER_SET_LABEL = 'zkattest.signerset.v2';

/** The 32 zero bytes (hex64) of an absent prevCommitment or allocations. */
export const ZERO_BYTES32 = '0'.repeat(64);

/** The signed fields of a snapshot. bytes32 values are 64 hex digits (0x optional). */
export interface SnapshotMessageFields {
  setId: string;
  epoch: bigint;
  prevCommitment: string;
  /** The `commitment` public signal. */
  commitment: bigint;
  /** Unix seconds. */
  asOf: number;
  currency: string;
  decimals: number;
  fxTableHash: bigint;
  allocations: string;
  chunks: number;
}

/**
 * abi.encode(bytes32 "zkattest.snapshot.v2", bytes32 setId, uint64 epoch,
 * bytes32 prevCommitment, uint256 commitment, uint40 asOf, bytes3 currency, uint8 decimals,
 * uint256 fxTableHash, bytes32 allocations, uint16 chunks): 11 words, 352 bytes.
 */
export function snapshotMessage(f: SnapshotMessageFields): Uint8Array {
  return abiEncode([
    ['bytes32', bytes32Label(SNAPSHOT_MESSAGE_LABEL)],
    ['bytes32', bytes32FromHex(f.setId)],
    ['uint64', f.epoch],
    ['bytes32', bytes32FromHex(f.prevCommitment)],
    ['uint256', f.commitment],
    ['uint40', BigInt(f.asOf)],
    ['bytes3', currencyBytes(f.currency)],
    ['uint8', BigInt(parseDecimals(f.decimals, 'decimals'))],
    ['uint256', f.fxTableHash],
    ['bytes32', bytes32FromHex(f.allocations)],
    ['uint16', BigInt(f.chunks)],
  ]);
}

/**
 * The id of a k-of-n signer set: sha256(abi.encodePacked(bytes32 "zkattest.signerset.v2",
 * uint8 threshold, bytes32 keyId_0, ...)) with keyIds ascending, as hex64. The ids are sorted
 * here, so a set has one id whatever order it is named in; a repeated key is refused.
 *
 * @throws ZkAttestError KEY_MALFORMED for a keyId that is not hex64, a repeated keyId, or a
 *   threshold outside 1..keyIds.length (at most 255).
 */
export function signerSetId(threshold: number, keyIds: readonly string[]): string {
  if (keyIds.some((id) => !HEX64_PATTERN.test(id))) {
    throw new ZkAttestError('KEY_MALFORMED', 'a signer set keyId is not 64 lowercase hex digits', {
      field: 'keyId',
    });
  }
  const sorted = [...keyIds].sort();
  if (sorted.some((id, i) => i > 0 && id === sorted[i - 1])) {
    throw new ZkAttestError('KEY_MALFORMED', 'a signer set names a key twice', { field: 'keyId' });
  }
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > Math.min(255, sorted.length)) {
    throw new ZkAttestError('KEY_MALFORMED', 'a signer set threshold is 1 to its key count', {
      field: 'threshold',
    });
  }
  return sha256Hex(
    abiEncodePacked([
      ['bytes32', bytes32Label(SIGNER_SET_LABEL)],
      ['uint8', BigInt(threshold)],
      ...sorted.map((id) => ['bytes32', bytes32FromHex(id)] as const),
    ]),
  );
}

/** The 1-of-1 set id of a single key (issue 9 registers single keys). */
export function singleKeySetId(keyId: string): string {
  return signerSetId(1, [keyId]);
}

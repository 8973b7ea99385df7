import { AbiCoder, encodeBytes32String, getBytes, sha256, solidityPacked } from 'ethers';
import { currencyInt } from './fx-identity';

// The byte layouts ProofGatedToken rebuilds and checks (V2SPEC "Signed snapshot message", "FX
// rate table", "Signer set"): the TypeScript side of the same encoding, for signers and tests.

/** A P-256 public key: affine coordinates, 64 lowercase hex digits each (no 0x). */
export interface P256PublicKey {
  x: string;
  y: string;
}

const abi = AbiCoder.defaultAbiCoder();
const word = (hex64: string) => `0x${hex64}`;
const strip = (hex: string) => hex.slice(2);

/** keyId = sha256(x || y), hex64. */
export function keyIdOf(key: P256PublicKey): string {
  return strip(sha256(solidityPacked(['bytes32', 'bytes32'], [word(key.x), word(key.y)])));
}

/** The id of the 1-of-1 signer set of one key: sha256(packed("zkattest.signerset.v2", 1, keyId)). */
export function singleSignerSetId(keyId: string): string {
  return strip(
    sha256(
      solidityPacked(
        ['bytes32', 'uint8', 'bytes32'],
        [encodeBytes32String('zkattest.signerset.v2'), 1, word(keyId)],
      ),
    ),
  );
}

/** The signed fields of a snapshot (hex64 for bytes32, decimal strings or bigints for numbers). */
export interface SnapshotMessageFields {
  setId: string;
  epoch: bigint;
  prevCommitment: string;
  commitment: bigint;
  asOf: number;
  currency: string;
  decimals: number;
  fxTable: bigint;
  allocations: string;
  chunks: number;
}

/** abi.encode of the 11-word snapshot message; signers sign these bytes (ECDSA P-256 / SHA-256). */
export function snapshotMessage(f: SnapshotMessageFields): Uint8Array {
  return getBytes(
    abi.encode(
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
        word(f.setId),
        f.epoch,
        word(f.prevCommitment),
        f.commitment,
        f.asOf,
        `0x${currencyInt(f.currency).toString(16)}`,
        f.decimals,
        f.fxTable,
        word(f.allocations),
        f.chunks,
      ],
    ),
  );
}

/** abi.encode of the FX source's message: (domain, fxTableHash, reporting unit, fxAsOf). */
export function fxMessage(f: {
  fxTable: bigint;
  currency: string;
  decimals: number;
  asOf: number;
}): Uint8Array {
  return getBytes(
    abi.encode(
      ['bytes32', 'uint256', 'bytes3', 'uint8', 'uint40'],
      [
        encodeBytes32String('zkattest.fx.v2'),
        f.fxTable,
        `0x${currencyInt(f.currency).toString(16)}`,
        f.decimals,
        f.asOf,
      ],
    ),
  );
}

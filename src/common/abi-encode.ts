/**
 * A minimal, strict Solidity ABI encoder for the static types signed messages use: what
 * `abi.encode` (one 32-byte word per value) and `abi.encodePacked` (each value at its own
 * width) produce, byte for byte, so TypeScript and contracts hash the same bytes.
 *
 * Strict: a value that does not fit its type throws instead of being truncated or padded.
 * Callers validate their input with coded errors first; a RangeError here is a programming
 * fault (it would otherwise sign a different message than the one meant).
 */

/** The static ABI types zkattest's messages use. */
export type AbiType = 'bytes32' | 'bytes3' | 'uint8' | 'uint16' | 'uint40' | 'uint64' | 'uint256';

/** One typed value: unsigned integers as bigint, fixed bytes as exactly that many bytes. */
export type AbiField = readonly [AbiType, bigint | Uint8Array];

const WORD = 32;

const UINT_BITS: Readonly<Partial<Record<AbiType, number>>> = {
  uint8: 8,
  uint16: 16,
  uint40: 40,
  uint64: 64,
  uint256: 256,
};

const BYTES_LENGTH: Readonly<Partial<Record<AbiType, number>>> = { bytes32: 32, bytes3: 3 };

/** `abi.encode(...)`: uints right-aligned, fixed bytes left-aligned, each in a 32-byte word. */
export function abiEncode(fields: readonly AbiField[]): Uint8Array {
  const out = new Uint8Array(fields.length * WORD);
  fields.forEach(([type, value], i) => {
    const bytes = encodeValue(type, value);
    const isUint = UINT_BITS[type] !== undefined;
    // Numbers sit at the right end of their word, bytesN at the left (Solidity's padding).
    out.set(bytes, i * WORD + (isUint ? WORD - bytes.length : 0));
  });
  return out;
}

/** `abi.encodePacked(...)`: each value at its own width, no padding. */
export function abiEncodePacked(fields: readonly AbiField[]): Uint8Array {
  const parts = fields.map(([type, value]) => encodeValue(type, value));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Solidity's `bytes32("label")`: the ASCII text left-aligned, zero-padded on the right. */
export function bytes32Label(text: string): Uint8Array {
  if (!/^[\x20-\x7e]{1,32}$/.test(text)) {
    throw new RangeError('a bytes32 label is 1 to 32 printable ASCII characters');
  }
  const out = new Uint8Array(WORD);
  out.set(Buffer.from(text, 'ascii'));
  return out;
}

/** 32 bytes from 64 hex digits (with or without 0x). */
export function bytes32FromHex(hex: string): Uint8Array {
  const digits = hex.startsWith('0x') ? hex.slice(2) : hex;
  if (!/^[0-9a-fA-F]{64}$/.test(digits)) throw new RangeError('bytes32 is 64 hex digits');
  return new Uint8Array(Buffer.from(digits, 'hex'));
}

/** The value at its natural width: `bits / 8` big-endian bytes, or the fixed bytes. */
function encodeValue(type: AbiType, value: bigint | Uint8Array): Uint8Array {
  const bits = UINT_BITS[type];
  if (bits !== undefined) {
    if (typeof value !== 'bigint' || value < 0n || value >= 1n << BigInt(bits)) {
      throw new RangeError(`a ${type} value is an integer from 0 to 2^${bits}-1`);
    }
    const out = new Uint8Array(bits / 8);
    let rest = value;
    for (let i = out.length - 1; i >= 0; i--) {
      out[i] = Number(rest & 0xffn);
      rest >>= 8n;
    }
    return out;
  }
  const length = BYTES_LENGTH[type];
  if (length === undefined || !(value instanceof Uint8Array) || value.length !== length) {
    throw new RangeError(`a ${type} value is exactly ${length ?? '?'} bytes`);
  }
  return value;
}

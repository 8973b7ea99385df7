import { p256 } from '@noble/curves/p256';
import type { FxTable } from '../src/common/fx-table';
import { importJwk, webCryptoSigner, type Signer, type SignerKey } from '../src/common/p256-signer';
import {
  assetIdOf,
  circuitInput,
  fxBook,
  snapshotCommitment,
  type ClaimParams,
  type FxBook,
  type Position,
  type Primitives,
  type Snapshot,
} from '../src/prover';

export const SLOTS = 32;
export const AS_OF = 1_763_568_000; // 2025-11-19T16:00:00Z
export const SALT = 0x5a17_5a17_5a17_5a17_5a17_5a17_5a17_5a17n;
export const CONTEXT = 0x0123_4567_89ab_cdef_0123_4567_89ab_cdefn;

/** A fixed P-256 test key (never a real one): private scalar bytes (seed * 31 + i) & 0xff. */
export async function testSignerKey(seed = 1): Promise<SignerKey> {
  const d = Uint8Array.from({ length: 32 }, (_, i) => (seed * 31 + i) & 0xff);
  const point = p256.getPublicKey(d, false); // 0x04 || x || y
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
  return importJwk({
    kty: 'EC',
    crv: 'P-256',
    d: b64(d),
    x: b64(point.slice(1, 33)),
    y: b64(point.slice(33)),
  });
}

/** The WebCrypto signer of {@link testSignerKey}. */
export async function testSigner(seed = 1): Promise<Signer> {
  return webCryptoSigner(await testSignerKey(seed));
}

/** A position with defaults; `value` in minor units. */
export function position(i: number, fields: Partial<Omit<Position, 'identifier'>> = {}): Position {
  const identifier = `TEST-ASSET-${i}`;
  return {
    identifier,
    assetId: assetIdOf(identifier),
    assetClass: 1,
    value: 1_000_000n,
    haircutBps: 500,
    yieldBps: 300,
    currency: 'CNY',
    decimals: 2,
    ...fields,
  };
}

export function snapshot(positions: Position[], liabilities = 1_000_000n): Snapshot {
  return { asOf: AS_OF, currency: 'CNY', decimals: 2, liabilities, positions };
}

/** A rate table reporting in CNY fen with HKD and USD rows (rates x 10^12, rounded down). */
export const CNY_HKD_USD: FxTable = {
  reporting: { currency: 'CNY', decimals: 2 },
  rows: [
    { currency: 'CNY', decimals: 2, rate: '1000000000000' },
    { currency: 'HKD', decimals: 2, rate: '912500000000' },
    { currency: 'USD', decimals: 2, rate: '7105000000000' },
  ],
};

export interface ClaimInput {
  input: Record<string, string | string[]>;
  commitment: bigint;
  book: FxBook;
}

/**
 * A complete circuit input for a claim: the book's commitment and FX table hash computed
 * independently in TypeScript over exactly these (possibly malicious) values, so only the
 * claim logic decides. Without a table, the identity table of the snapshot's unit.
 */
export function claimInput(
  p: Primitives,
  snap: Snapshot,
  params: ClaimParams,
  opts: { table?: FxTable; context?: bigint } = {},
): ClaimInput {
  const book = fxBook(p, snap, opts.table);
  const commitment = snapshotCommitment(p, book, SALT, SLOTS);
  const input = circuitInput({
    book,
    salt: SALT,
    params,
    context: opts.context ?? CONTEXT,
    slots: SLOTS,
  });
  return { input, commitment, book };
}

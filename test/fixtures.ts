import {
  assetIdOf,
  attestorKeyFrom,
  circuitInput,
  signSnapshot,
  snapshotCommitment,
  type AttestorKey,
  type ClaimParams,
  type Position,
  type Primitives,
  type Snapshot,
} from '../src/prover';

export const SLOTS = 32;
export const AS_OF = 1_763_568_000; // 2025-11-19T16:00:00Z
export const SALT = 0x5a17_5a17_5a17_5a17_5a17_5a17_5a17_5a17n;
export const CONTEXT = 0x0123_4567_89ab_cdef_0123_4567_89ab_cdefn;

/** A fixed test key (never a real one): 32 bytes 0x01..0x20. */
export function testKey(p: Primitives, seed = 1): AttestorKey {
  return attestorKeyFrom(
    p,
    Uint8Array.from({ length: 32 }, (_, i) => (seed * 31 + i) & 0xff),
  );
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

export interface SignedInput {
  input: Record<string, string | string[]>;
  commitment: bigint;
  key: AttestorKey;
}

/**
 * A complete circuit input for a claim: commitment and signature computed independently in
 * TypeScript over exactly these (possibly malicious) values, so only the claim logic decides.
 */
export function signedInput(
  p: Primitives,
  snap: Snapshot,
  params: ClaimParams,
  opts: { key?: AttestorKey; signer?: AttestorKey; context?: bigint } = {},
): SignedInput {
  const key = opts.key ?? testKey(p);
  const commitment = snapshotCommitment(p, snap, SALT, SLOTS);
  const signature = signSnapshot(p, opts.signer ?? key, commitment, snap.asOf);
  const input = circuitInput({
    snapshot: snap,
    salt: SALT,
    publicKey: key.publicKey,
    signature,
    params,
    context: opts.context ?? CONTEXT,
    slots: SLOTS,
  });
  return { input, commitment, key };
}

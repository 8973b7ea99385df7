/**
 * The plaintext a snapshot entry seals: the snapshot, its commitment salt and, for a book in
 * several currencies, its signed FX table, as JSON, every bigint as a decimal string. Decoding
 * checks the shape (after authentication) and never echoes the content.
 */
import { z } from 'zod';
import { fxTableSchema } from '../../common/fx-table';
import type { SignedFxTable } from '../../common/signed-fx-table';
import type { Snapshot } from '../snapshot/snapshot-types';
import { recordInvalid } from './vault-errors';

const decimal = z.string().regex(/^(0|[1-9][0-9]{0,99})$/);
const signedFxSchema = z.strictObject({
  table: fxTableSchema,
  source: z
    .strictObject({
      keyId: z.string(),
      publicKey: z.strictObject({ x: z.string(), y: z.string() }),
      asOf: z.number().int(),
      signature: z.string(),
    })
    .optional(),
});
const snapshotPlaintextSchema = z.strictObject({
  v: z.literal(1),
  salt: decimal,
  asOf: z.number().int(),
  currency: z.string(),
  decimals: z.number().int(),
  liabilities: decimal,
  positions: z.array(
    z.strictObject({
      identifier: z.string(),
      assetId: decimal,
      assetClass: z.number().int(),
      value: decimal,
      haircutBps: z.number().int(),
      yieldBps: z.number().int(),
      // Absent in records sealed before positions had a unit: the snapshot's unit applies.
      currency: z.string().optional(),
      decimals: z.number().int().optional(),
    }),
  ),
  /** The signed FX table checked at upload; absent: the identity table of the snapshot unit. */
  fx: signedFxSchema.optional(),
});

/** What a snapshot entry holds. */
export interface SnapshotSecret {
  snapshot: Snapshot;
  salt: bigint;
  fx?: SignedFxTable;
}

export function encodeSnapshotPlaintext(
  snapshot: Snapshot,
  salt: bigint,
  fx?: SignedFxTable,
): Uint8Array {
  const plain: z.infer<typeof snapshotPlaintextSchema> = {
    v: 1,
    salt: salt.toString(),
    asOf: snapshot.asOf,
    currency: snapshot.currency,
    decimals: snapshot.decimals,
    liabilities: snapshot.liabilities.toString(),
    positions: snapshot.positions.map((p) => ({
      identifier: p.identifier,
      assetId: p.assetId.toString(),
      assetClass: p.assetClass,
      value: p.value.toString(),
      haircutBps: p.haircutBps,
      yieldBps: p.yieldBps,
      currency: p.currency,
      decimals: p.decimals,
    })),
    ...(fx === undefined ? {} : { fx }),
  };
  return new TextEncoder().encode(JSON.stringify(plain));
}

export function decodeSnapshotPlaintext(id: string, bytes: Uint8Array): SnapshotSecret {
  let parsed: z.infer<typeof snapshotPlaintextSchema>;
  try {
    parsed = snapshotPlaintextSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));
  } catch {
    // Authenticated but not ours: never echo the content.
    throw recordInvalid(id, 'its decrypted content is not a snapshot');
  }
  return {
    salt: BigInt(parsed.salt),
    snapshot: {
      asOf: parsed.asOf,
      currency: parsed.currency,
      decimals: parsed.decimals,
      liabilities: BigInt(parsed.liabilities),
      positions: parsed.positions.map((p) => ({
        identifier: p.identifier,
        assetId: BigInt(p.assetId),
        assetClass: p.assetClass,
        value: BigInt(p.value),
        haircutBps: p.haircutBps,
        yieldBps: p.yieldBps,
        currency: p.currency ?? parsed.currency,
        decimals: p.decimals ?? parsed.decimals,
      })),
    },
    ...(parsed.fx === undefined ? {} : { fx: parsed.fx }),
  };
}

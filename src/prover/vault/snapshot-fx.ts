/**
 * The FX table a snapshot is proved with, checked when the snapshot is stored (API upload,
 * `zkattest vault import-snapshot`) rather than when a worker first proves it: a table that
 * does not fit the snapshot is refused with a code before anything is sealed. Errors name
 * fields, never values (rates are public, positions are not).
 */
import { z } from 'zod';
import { ZkAttestError } from '../../common/errors';
import {
  fxMessage,
  fxTableHash,
  identityFxTable,
  isIdentityTable,
  parseFxTable,
  rowIndexOf,
  type FxTable,
} from '../../common/fx-table';
import { keyIdOf, parsePublicKey, verifySignature } from '../../common/p256';
import type { SignedFxTable } from '../proving/claim-prover';
import type { Snapshot } from '../snapshot/snapshot-types';

/** `{ table, source? }` as `zkattest fx sign` writes it (source with its public key). */
const signedFxShape = z.strictObject({
  table: z.unknown(),
  source: z
    .strictObject({
      keyId: z.string(),
      publicKey: z.unknown(),
      asOf: z
        .number()
        .int()
        .min(0)
        .max(2 ** 40 - 1),
      signature: z.string(),
    })
    .optional(),
});

function invalid(field: string, message: string): ZkAttestError {
  return new ZkAttestError('FX_TABLE_INVALID', `FX table: ${field} ${message}`, { field });
}

/**
 * Checks a snapshot's signed FX table (`candidate`, parsed JSON; undefined: none) against the
 * snapshot: the table well-formed (parseFxTable), its reporting unit the snapshot's, a row for
 * every position currency, and a valid FX source signature, required unless the table is the
 * identity. Without a table every position must be in the snapshot's unit.
 *
 * @returns the signed table to store with the snapshot, or undefined (the identity table).
 * @throws ZkAttestError FX_TABLE_INVALID, FX_RATE_INVALID, CURRENCY_UNKNOWN,
 *   DECIMALS_OUT_OF_RANGE, FX_CURRENCY_MISSING, KEY_MALFORMED, SIGNATURE_MALFORMED,
 *   FX_SIGNATURE_INVALID.
 */
export async function checkSnapshotFx(
  snapshot: Snapshot,
  candidate: unknown,
): Promise<SignedFxTable | undefined> {
  const unit = { currency: snapshot.currency, decimals: snapshot.decimals };
  if (candidate === undefined) {
    coversPositions(identityFxTable(unit), snapshot);
    return undefined;
  }
  const shape = signedFxShape.safeParse(candidate);
  if (!shape.success) {
    const issue = shape.error.issues[0]!;
    throw invalid(issue.path.map(String).join('.') || 'file', 'is not { table, source? }');
  }
  const table = parseFxTable(shape.data.table);
  if (table.reporting.currency !== unit.currency || table.reporting.decimals !== unit.decimals) {
    throw invalid('reporting', "is not the snapshot's currency and decimals");
  }
  coversPositions(table, snapshot);
  const source = shape.data.source;
  if (!source) {
    if (!isIdentityTable(table)) {
      throw invalid('source', 'is required: only the identity table goes without a signature');
    }
    return { table };
  }
  const publicKey = parsePublicKey(source.publicKey, 'source.publicKey');
  if (keyIdOf(publicKey) !== source.keyId) {
    throw new ZkAttestError('KEY_MALFORMED', 'source.keyId is not the id of source.publicKey', {
      field: 'source.keyId',
    });
  }
  const message = fxMessage(await fxTableHash(table), table.reporting, source.asOf);
  if (!verifySignature(publicKey, message, source.signature)) {
    throw new ZkAttestError(
      'FX_SIGNATURE_INVALID',
      'source.signature is not the FX source signature of this table and as-of time',
      { field: 'source.signature' },
    );
  }
  return { table, source: { ...source, publicKey } };
}

/** FX_CURRENCY_MISSING unless every position's currency has a row. */
function coversPositions(table: FxTable, snapshot: Snapshot): void {
  for (const p of snapshot.positions) rowIndexOf(table, p.currency);
}

/**
 * The FX table a snapshot is proved with, checked when the snapshot is stored (API upload,
 * `zkattest vault add-snapshot`) rather than when a worker first proves it: a table that does
 * not fit the snapshot is refused with a code before anything is sealed. Errors name fields,
 * never values (rates are public, positions are not).
 */
import { ZkAttestError } from '../../common/errors';
import { identityFxTable, rowIndexOf, type FxTable } from '../../common/fx-table';
import { parseSignedFxTable, type SignedFxTable } from '../../common/signed-fx-table';
import type { Snapshot } from '../snapshot/snapshot-types';

/**
 * Checks a snapshot's signed FX table (`candidate`, parsed JSON as `zkattest fx sign` writes
 * it; undefined: none) against the snapshot: the table and its FX source signature
 * (parseSignedFxTable: required unless the table is the identity), its reporting unit the
 * snapshot's, and a row for every position currency, in the position's decimals. Without a
 * table every position must be in the snapshot's unit.
 *
 * @returns the signed table to store with the snapshot, or undefined (the identity table).
 * @throws ZkAttestError FX_TABLE_INVALID (a forged or missing signature included),
 *   FX_RATE_INVALID, CURRENCY_UNKNOWN, DECIMALS_OUT_OF_RANGE, FX_CURRENCY_MISSING,
 *   KEY_MALFORMED, SIGNATURE_MALFORMED.
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
  const signed = await parseSignedFxTable(candidate);
  const { reporting } = signed.table;
  if (reporting.currency !== unit.currency || reporting.decimals !== unit.decimals) {
    throw new ZkAttestError(
      'FX_TABLE_INVALID',
      "FX table: reporting is not the snapshot's currency and decimals",
      { field: 'reporting' },
    );
  }
  coversPositions(signed.table, snapshot);
  return signed;
}

/** FX_CURRENCY_MISSING unless every position's currency has a row, in its decimals. */
function coversPositions(table: FxTable, snapshot: Snapshot): void {
  snapshot.positions.forEach((p, i) => {
    const row = table.rows[rowIndexOf(table, p.currency)]!;
    if (row.decimals !== p.decimals) {
      const field = `positions[${i}].decimals`;
      throw new ZkAttestError(
        'FX_TABLE_INVALID',
        `FX table: the row of ${field}'s currency counts in other decimals`,
        { field },
      );
    }
  });
}

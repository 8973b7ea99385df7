/**
 * The FX table a snapshot is proved with, checked when the snapshot is stored (API upload,
 * `zkattest vault add-snapshot`) rather than when a worker first proves it: a table that does
 * not fit the snapshot is refused with a code before anything is sealed. Errors name fields,
 * never values (rates are public, positions are not).
 */
import { identityFxTable } from '../../common/fx-table';
import { parseSignedFxTable, type SignedFxTable } from '../../common/signed-fx-table';
import { fxRowsOf } from '../snapshot/fx-rows';
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
  if (candidate === undefined) {
    fxRowsOf(snapshot, identityFxTable(snapshot));
    return undefined;
  }
  const signed = await parseSignedFxTable(candidate);
  fxRowsOf(snapshot, signed.table);
  return signed;
}

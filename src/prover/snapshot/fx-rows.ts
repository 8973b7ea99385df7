import { ZkAttestError } from '../../common/errors';
import { rowIndexOf, type FxTable } from '../../common/fx-table';
import type { Snapshot } from './snapshot-types';

/**
 * The FX table row of each position, checked against the snapshot: the table reports in the
 * snapshot's unit (its liabilities are in it), and every position's currency has a row in the
 * position's own decimals (a rate converts minor units of its row's decimals: any other would
 * mis-scale it). Checked where a table meets a snapshot: at upload and before proving.
 *
 * @throws ZkAttestError FX_TABLE_INVALID (field `reporting` or `rows[i].decimals`),
 *   FX_CURRENCY_MISSING.
 */
export function fxRowsOf(snapshot: Snapshot, table: FxTable): number[] {
  const { reporting } = table;
  if (reporting.currency !== snapshot.currency || reporting.decimals !== snapshot.decimals) {
    throw new ZkAttestError(
      'FX_TABLE_INVALID',
      "FX table: reporting is not the snapshot's currency and decimals",
      { field: 'reporting' },
    );
  }
  return snapshot.positions.map((pos, i) => {
    const row = rowIndexOf(table, pos.currency);
    if (table.rows[row]!.decimals !== pos.decimals) {
      throw new ZkAttestError(
        'FX_TABLE_INVALID',
        `FX table: the row of positions[${i}]'s currency counts in other decimals`,
        { field: `rows[${row}].decimals` },
      );
    }
    return row;
  });
}

import type { ClaimPosition, ClaimSnapshot } from '../../claims';
import { fxTableParts, identityFxTable, type FxTable } from '../../common/fx-table';
import { fxRowsOf } from '../snapshot/fx-rows';
import type { Primitives } from '../snapshot/primitives';
import type { Position, Snapshot } from '../snapshot/snapshot-types';

/** A position with its FX table row (the 3-bit index the commitment holds) and its converted value. */
export interface BookPosition extends Position, ClaimPosition {
  currencyIndex: number;
}

/** A snapshot read through one FX table: what the commitment, the circuit and the claims see. */
export interface FxBook extends ClaimSnapshot {
  asOf: number;
  positions: BookPosition[];
  table: FxTable;
  /** The table's hash: the `fxTable` public signal. */
  tableHash: bigint;
  /** Poseidon of the table's units: the circuit takes it privately and the rates beside it. */
  meta: bigint;
  rates: bigint[];
}

/**
 * Reads a snapshot through an FX table (the identity table of its unit when none is given).
 * The table's reporting unit must be the snapshot's: liabilities are in it.
 */
export function fxBook(p: Primitives, snapshot: Snapshot, table?: FxTable): FxBook {
  const used = table ?? identityFxTable(snapshot);
  const rows = fxRowsOf(snapshot, used);
  const { meta, rates, hash } = fxTableParts(p.poseidon, used);
  // A position's value is in minor units of its currency at the decimals its table row states.
  const positions = snapshot.positions.map((pos, i) => {
    const currencyIndex = rows[i]!;
    return { ...pos, currencyIndex, converted: pos.value * rates[currencyIndex]! };
  });
  return {
    asOf: snapshot.asOf,
    liabilities: snapshot.liabilities,
    positions,
    table: used,
    tableHash: hash,
    meta,
    rates,
  };
}

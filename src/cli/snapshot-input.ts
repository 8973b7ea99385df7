/**
 * Where a command's snapshot comes from: a snapshot file (CSV/JSON in zkattest's layout), or a
 * custodian's own export read through `--mapping`, with the per-run `--as-of` and
 * `--liabilities` an export does not carry.
 */
import { ZkAttestError } from '../common/errors';
import { loadExportFile, loadExportMapping, loadSnapshotFile, type Snapshot } from '../prover';

/** The options every snapshot-reading command takes. */
export const SNAPSHOT_INPUT_OPTIONS = {
  mapping: { type: 'string' },
  'as-of': { type: 'string' },
  liabilities: { type: 'string' },
} as const;

export const SNAPSHOT_INPUT_USAGE = `    [--mapping <mapping.json> --as-of <ISO-8601 | unix seconds> --liabilities <decimal>]
                                      read the file as a custodian's own export`;

/** The validated snapshot of `file`, through the mapping when `--mapping` is given. */
export function loadSnapshotInput(
  file: string,
  values: Record<string, string | boolean | undefined>,
): Snapshot {
  const text = (name: string) => (typeof values[name] === 'string' ? values[name] : undefined);
  const mappingFile = text('mapping');
  if (mappingFile === undefined) {
    // A snapshot file carries its own asOf and liabilities: two sources would disagree.
    if (text('as-of') !== undefined || text('liabilities') !== undefined) {
      throw new ZkAttestError('USAGE', '--as-of and --liabilities go with --mapping only');
    }
    return loadSnapshotFile(file);
  }
  return loadExportFile(file, loadExportMapping(mappingFile), {
    asOf: text('as-of'),
    liabilities: text('liabilities'),
  });
}

/** One line saying what units a snapshot is in (no amounts: those stay onshore). */
export function unitsLine(snapshot: Snapshot): string {
  const currencies = [...new Set(snapshot.positions.map((p) => p.currency))].sort();
  return `reporting unit ${snapshot.currency} (${snapshot.decimals} decimals); position currencies ${currencies.join(', ')}`;
}

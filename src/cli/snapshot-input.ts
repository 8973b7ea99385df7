/**
 * Where a command's snapshot comes from: a snapshot file (CSV/JSON in zkattest's layout), or a
 * custodian's own export read through `--mapping`, with the per-run `--as-of` and
 * `--liabilities` an export does not carry.
 */
import { readFileSync } from 'node:fs';
import { parseAllocationTable, type AllocationTable } from '../common/allocations';
import { ZkAttestError } from '../common/errors';
import { HEX64_PATTERN } from '../common/ids';
import { readSignedFxTable, type SignedFxTable } from '../common/signed-fx-table';
import {
  defaultSecretPath,
  loadExportFile,
  loadExportMapping,
  loadOrCreateSalt,
  loadSnapshotFile,
  type Snapshot,
} from '../prover';

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

/** The options of a command that commits a book: its rates and its salt file. */
export const SALTED_SNAPSHOT_OPTIONS = {
  fx: { type: 'string' },
  secret: { type: 'string' },
  ...SNAPSHOT_INPUT_OPTIONS,
} as const;

/** A book as it is committed: the snapshot, its signed rates (if any) and its salt. */
export interface SaltedSnapshot {
  snapshot: Snapshot;
  fx?: SignedFxTable;
  salt: bigint;
  secretFile: string;
  /** Whether the salt file was created now (a first commitment of this book). */
  created: boolean;
}

/**
 * The snapshot of `file` with its `--fx` rates (signature checked) and the salt of its
 * `--secret` file (default: beside the snapshot; created on first use).
 */
export async function loadSaltedSnapshot(
  file: string,
  values: Record<string, string | boolean | undefined>,
): Promise<SaltedSnapshot> {
  const snapshot = loadSnapshotInput(file, values);
  const fx = typeof values.fx === 'string' ? await readSignedFxTable(values.fx) : undefined;
  const secretFile = typeof values.secret === 'string' ? values.secret : defaultSecretPath(file);
  const { salt, created } = loadOrCreateSalt(secretFile);
  return { snapshot, ...(fx ? { fx } : {}), salt, secretFile, created };
}

/** `--epoch N` and `--prev-commitment H`: the snapshot's place in its signer set's chain. */
export function epochOptions(values: Record<string, string | boolean | undefined>): {
  epoch?: number;
  prevCommitment?: string;
} {
  const out: { epoch?: number; prevCommitment?: string } = {};
  if (typeof values.epoch === 'string') {
    if (!/^(0|[1-9][0-9]{0,14})$/.test(values.epoch)) {
      throw new ZkAttestError('USAGE', '--epoch is a non-negative integer');
    }
    out.epoch = Number(values.epoch);
  }
  if (typeof values['prev-commitment'] === 'string') {
    if (!HEX64_PATTERN.test(values['prev-commitment'])) {
      throw new ZkAttestError('USAGE', '--prev-commitment is 64 lowercase hex digits');
    }
    out.prevCommitment = values['prev-commitment'];
  }
  return out;
}

/** `--allocations <file>`: a coverage capacity split across deployments (chain id, token, amount). */
export const ALLOCATIONS_OPTION = { allocations: { type: 'string' } } as const;
export const ALLOCATIONS_USAGE = `    [--allocations <allocations.json>]  split the capacity (liabilities) across deployments:
                                      {"rows":[{"chainId","token","amount"}]}, amounts in minor
                                      units; the snapshot message signs the table's hash`;

/**
 * The table of `--allocations`, checked and in canonical order (none without the option).
 *
 * @throws ZkAttestError ALLOCATIONS_INVALID naming the file, or the row and field at fault.
 */
export function allocationsOption(values: Record<string, string | boolean | undefined>): {
  allocations?: AllocationTable;
} {
  const file = values.allocations;
  if (typeof file !== 'string') return {};
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new ZkAttestError(
      'ALLOCATIONS_INVALID',
      `cannot read an allocation table (JSON) from ${file}`,
      { file },
    );
  }
  return { allocations: parseAllocationTable(json) };
}

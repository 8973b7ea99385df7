/**
 * Export evidence for the regulator: the basis on which packages leave (the custodian's data
 * export assessment, its standard-contract filing, what class of data leaves), how long each
 * egress log entry is kept, and the onshore anchor transaction of the snapshot a package proves.
 * Every egress log entry carries the basis and its retention date, inside the hash chain, so
 * the export shows under which basis each send happened and an edit of either breaks the chain.
 */
import { z } from 'zod';
import { readJsonConfigFile, variableInvalid } from '../../common/env-config';

/** The least retention of export evidence, in years. */
export const MIN_RETENTION_YEARS = 3;

const text = z.string().trim().min(1, 'must be non-empty').max(200, 'at most 200 characters');

/** What ONSHORE_EXPORT_BASIS_FILE holds. */
export const exportBasisSchema = z.strictObject({
  /** The custodian's data export (security) assessment reference. */
  assessmentRef: text,
  /** The filing id of the standard contract for personal information export, if any applies. */
  standardContractFilingId: text,
  /** The data classification of what leaves (e.g. "aggregate proof, no personal information"). */
  dataClassification: text,
  /** How long each egress log entry is kept, in years (at least 3). */
  retentionYears: z
    .number()
    .int('must be an integer')
    .min(MIN_RETENTION_YEARS, `must be at least ${MIN_RETENTION_YEARS}`)
    .max(100, 'must be at most 100'),
});
export type ExportBasis = z.infer<typeof exportBasisSchema>;

/** The onshore anchor of a snapshot: the SnapshotAnchor contract and the anchoring transaction. */
export const onshoreAnchorSchema = z.strictObject({
  /** EIP-155 chain id of the onshore chain, decimal. */
  chainId: z.string().regex(/^[1-9][0-9]{0,77}$/, 'a positive decimal integer'),
  /** The SnapshotAnchor contract address, 0x + 40 lowercase hex digits. */
  anchor: z.string().regex(/^0x[0-9a-f]{40}$/, '0x and 40 lowercase hex digits'),
  /** The anchoring transaction's hash, 0x + 64 lowercase hex digits. */
  txHash: z.string().regex(/^0x[0-9a-f]{64}$/, '0x and 64 lowercase hex digits'),
});
export type OnshoreAnchor = z.infer<typeof onshoreAnchorSchema>;

/** The evidence fields an egress log entry carries when an export basis is configured. */
export interface ExportEvidence {
  exportBasis: ExportBasis;
  /** ISO 8601: the entry's time plus the basis's retention years. */
  retainUntil: string;
}

/** `at` plus `years` calendar years (UTC), ISO 8601. */
export function retainUntil(at: string, years: number): string {
  const d = new Date(at);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d.toISOString();
}

/** The evidence fields of an entry logged at `at` under `basis` (none without a basis). */
export function evidenceAt(
  basis: ExportBasis | undefined,
  at: string,
): ExportEvidence | Record<string, never> {
  return basis ? { exportBasis: basis, retainUntil: retainUntil(at, basis.retentionYears) } : {};
}

/**
 * Reads ONSHORE_EXPORT_BASIS_FILE.
 *
 * @throws ZkAttestError CONFIG_INVALID naming the variable and the field at fault (a file that
 *   cannot be read, a missing or unknown field, a retention under 3 years).
 */
export function readExportBasisFile(path: string): ExportBasis {
  const variable = 'ONSHORE_EXPORT_BASIS_FILE';
  const parsed = exportBasisSchema.safeParse(readJsonConfigFile(path, variable));
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (i) => `${i.path.join('.') || 'the file'}: ${i.message}`,
  );
  throw variableInvalid(variable, problems.join('; '));
}

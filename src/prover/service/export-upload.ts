/**
 * A custodian's own export uploaded with its mapping, as one multipart/form-data request
 * (what `curl -F export=@holdings.csv -F mapping=@mapping.json -F asOf=... -F liabilities=...`
 * sends): parts `export` (the file as it is), `mapping` (the mapping JSON), and the per-run
 * `asOf` and `liabilities`. Parsed with the platform's own multipart reader (undici, in Node),
 * so no parser of ours sees the boundary grammar.
 *
 * Errors name parts, never their content.
 */
import { extname } from 'node:path';
import { ZkAttestError } from '../../common/errors';
import { parseExportMapping } from '../snapshot/export-mapping';
import { parseExport } from '../snapshot/ingest-export';
import { decodeSnapshotBytes, type SnapshotFormat } from '../snapshot/ingest-snapshot';
import type { Snapshot } from '../snapshot/snapshot-types';

/** A form part: a string field or a file (Node's undici types, without the DOM lib). */
type FormDataEntryValue = NonNullable<ReturnType<FormData['get']>>;

const PARTS = new Set(['export', 'mapping', 'asOf', 'liabilities']);

function invalid(message: string, part?: string): ZkAttestError {
  return new ZkAttestError('REQUEST_INVALID', message, part === undefined ? {} : { fields: part });
}

/** A part's text: files as strict UTF-8 (as the raw uploads), fields as sent. */
async function partText(value: FormDataEntryValue, part: string): Promise<string> {
  if (typeof value === 'string') {
    // The platform decodes text fields leniently: a replacement character means bad bytes.
    if (value.includes('\uFFFD')) {
      throw new ZkAttestError('SNAPSHOT_PARSE', `part ${part} is not valid UTF-8`);
    }
    return value;
  }
  return decodeSnapshotBytes(new Uint8Array(await value.arrayBuffer()), `part ${part}`);
}

/** CSV or JSON, from the export part's media type, else its file name. */
function exportFormat(value: FormDataEntryValue): SnapshotFormat {
  if (typeof value !== 'string') {
    const type = value.type.split(';')[0]!.trim().toLowerCase();
    if (type === 'text/csv') return 'csv';
    if (type === 'application/json') return 'json';
    const extension = extname(value.name).toLowerCase();
    if (extension === '.csv') return 'csv';
    if (extension === '.json') return 'json';
  }
  throw new ZkAttestError(
    'UNSUPPORTED_MEDIA_TYPE',
    'the export part must be a text/csv or application/json file (or named .csv / .json)',
  );
}

/** Reads and validates an export upload (the raw multipart body and its Content-Type). */
export async function readExportUpload(body: Buffer, contentType: string): Promise<Snapshot> {
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw invalid('the body is not well-formed multipart/form-data');
  }
  const parts = new Map<string, FormDataEntryValue>();
  for (const [name, value] of form) {
    if (!PARTS.has(name))
      throw invalid('unknown part (expected export, mapping, asOf, liabilities)');
    if (parts.has(name)) throw invalid(`part ${name} appears twice`, name);
    parts.set(name, value);
  }
  const exported = parts.get('export');
  const mapping = parts.get('mapping');
  if (exported === undefined || mapping === undefined) {
    throw invalid('parts export and mapping are required', exported ? 'mapping' : 'export');
  }
  const format = exportFormat(exported);
  const run = {
    asOf: parts.has('asOf') ? await partText(parts.get('asOf')!, 'asOf') : undefined,
    liabilities: parts.has('liabilities')
      ? await partText(parts.get('liabilities')!, 'liabilities')
      : undefined,
  };
  return parseExport(
    await partText(exported, 'export'),
    format,
    parseExportMapping(await partText(mapping, 'mapping')),
    run,
  );
}

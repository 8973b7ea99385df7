/**
 * The signed FX table that comes with a snapshot upload: the `Zkattest-Fx` request header,
 * base64 (or base64url) of the JSON `zkattest fx sign` writes. A header rather than a body
 * part so that it rides along with every upload format (CSV, JSON, a custodian export) without
 * touching how the snapshot itself is read. The table is checked against the snapshot by the
 * vault (checkSnapshotFx) before anything is sealed.
 */
import type { Request } from 'express';
import { ZkAttestError } from '../../common/errors';

export const FX_HEADER = 'zkattest-fx';

/** An 8-row table with its source is about 1.5 kB in base64; Node refuses headers past 16 kB. */
const MAX_FX_HEADER_CHARS = 8 * 1024;

/** The header's JSON, parsed (untrusted: the vault checks it), or undefined without one. */
export function fxFromUpload(req: Request): unknown {
  const header = req.get(FX_HEADER);
  if (header === undefined) return undefined;
  const text = header.trim();
  const invalid = (why: string) =>
    new ZkAttestError('FX_TABLE_INVALID', `the ${FX_HEADER} header ${why}`, {
      field: FX_HEADER,
    });
  if (text.length === 0 || text.length > MAX_FX_HEADER_CHARS) {
    throw invalid(`is 1..${MAX_FX_HEADER_CHARS} characters`);
  }
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) throw invalid('is not base64');
  try {
    return JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
  } catch {
    throw invalid('is not base64 of a JSON signed FX table');
  }
}

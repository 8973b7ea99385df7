import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ZkAttestError } from './errors';
import {
  fxMessage,
  fxTableHashWith,
  isIdentityTable,
  parseFxTable,
  type FxTable,
} from './fx-table';
import { keyIdOf, parsePublicKey, verifySignature, type P256PublicKey } from './p256';
import { loadPoseidon } from './poseidon';

/** Who signed an FX table, when (unix seconds), and the signature (hex128, low-s). */
export interface FxSourceSignature {
  keyId: string;
  publicKey: P256PublicKey;
  asOf: number;
  signature: string;
}

/** An FX source's signed rate table, as `zkattest fx sign` writes it and packages carry it. */
export interface SignedFxTable {
  table: FxTable;
  source?: FxSourceSignature;
}

const fileSchema = z.strictObject({
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
  return new ZkAttestError('FX_TABLE_INVALID', message, { field });
}

/**
 * Checks a signed FX table: the table's rules (parseFxTable), the source's key and signature
 * over the table's hash and as-of time, and that a table other than the identity is signed.
 * Coded errors name the field, never a value.
 */
export async function parseSignedFxTable(candidate: unknown): Promise<SignedFxTable> {
  const parsed = fileSchema.safeParse(candidate);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.join('.') || '(root)';
    throw invalid(field, `not a signed FX table: ${field}`);
  }
  const table = parseFxTable(parsed.data.table);
  const raw = parsed.data.source;
  if (!raw) {
    if (!isIdentityTable(table)) {
      throw invalid('source', 'a table converting other currencies needs its FX source signature');
    }
    return { table };
  }
  const publicKey = parsePublicKey(raw.publicKey, 'source.publicKey');
  if (keyIdOf(publicKey) !== raw.keyId) {
    throw new ZkAttestError('KEY_MALFORMED', 'source.keyId is not the id of source.publicKey', {
      field: 'source.keyId',
    });
  }
  const hash = fxTableHashWith(await loadPoseidon(), table);
  if (!verifySignature(publicKey, fxMessage(hash, table.reporting, raw.asOf), raw.signature)) {
    throw invalid('source.signature', 'the FX source signature does not verify over this table');
  }
  return {
    table,
    source: { keyId: raw.keyId, publicKey, asOf: raw.asOf, signature: raw.signature },
  };
}

/** Reads and checks a signed FX table file (see {@link parseSignedFxTable}). */
export async function readSignedFxTable(file: string): Promise<SignedFxTable> {
  let candidate: unknown;
  try {
    candidate = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw invalid('file', `cannot read a JSON signed FX table from ${file}`);
  }
  return parseSignedFxTable(candidate);
}

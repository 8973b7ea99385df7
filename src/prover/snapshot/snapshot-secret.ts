import { existsSync } from 'node:fs';
import { z } from 'zod';
import { readSecretFile, writeSecretFile } from './secret-file';
import { randomSalt } from './snapshot-commitment';

const SECRET_TYPE = 'zkattest.snapshot-secret/v1';
const secretSchema = z.strictObject({
  type: z.literal(SECRET_TYPE),
  salt: z.string().regex(/^[0-9a-f]{62}$/),
});

/** Where a snapshot's salt is kept next to it, unless told otherwise. */
export function defaultSecretPath(snapshotFile: string): string {
  return `${snapshotFile}.secret.json`;
}

/**
 * The snapshot's commitment salt: read from its secret file, or drawn and written there
 * (0600) on first use. Every claim on the snapshot reuses it, so all claims share one
 * commitment. The salt never leaves onshore.
 */
export function loadOrCreateSalt(file: string): { salt: bigint; created: boolean } {
  if (!existsSync(file)) {
    const salt = randomSalt();
    writeSecretFile(file, { type: SECRET_TYPE, salt: salt.toString(16).padStart(62, '0') });
    return { salt, created: true };
  }
  const { salt } = readSecretFile(file, secretSchema, 'snapshot secret');
  return { salt: BigInt(`0x${salt}`), created: false };
}

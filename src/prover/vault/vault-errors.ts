/** The vault's coded errors. They name an entry by its vault id only, never its content. */
import { ZkAttestError } from '../../common/errors';
import { VAULT_ID_PATTERN } from './vault-store';

/** An id as it may appear in a message: only if it looks like an id at all. */
export function safeId(id: string): string {
  return VAULT_ID_PATTERN.test(id) ? id : '(malformed id)';
}

export function notFound(id: string, what: string): ZkAttestError {
  return new ZkAttestError('VAULT_NOT_FOUND', `no ${what} with vault id ${safeId(id)}`, {
    id: safeId(id),
  });
}

export function recordInvalid(id: string, why: string): ZkAttestError {
  return new ZkAttestError('VAULT_RECORD_INVALID', `vault entry ${id} is malformed: ${why}`, {
    id,
  });
}

export function decryptFailed(id: string): ZkAttestError {
  return new ZkAttestError(
    'VAULT_DECRYPT_FAILED',
    `vault entry ${id} failed authentication (tampered, moved from another entry, ` +
      'or wrapped under different master key material)',
    { id },
  );
}

export function keyUnknown(keyId: string, id?: string): ZkAttestError {
  const where = id === undefined ? '' : ` (needed by vault entry ${id})`;
  return new ZkAttestError(
    'VAULT_KEY_UNKNOWN',
    `master key ${safeId(keyId)} is not available${where}`,
    id === undefined ? { masterKeyId: safeId(keyId) } : { masterKeyId: safeId(keyId), id },
  );
}

/** Stable machine-readable error codes. Add new codes; never rename one. */
export type ErrorCode =
  | 'SNAPSHOT_PARSE'
  | 'SNAPSHOT_MISSING_COLUMN'
  | 'SNAPSHOT_INVALID_FIELD'
  | 'SNAPSHOT_TOO_MANY_POSITIONS'
  | 'SNAPSHOT_EMPTY'
  | 'SNAPSHOT_DUPLICATE_ASSET'
  | 'KEY_INVALID'
  | 'KEY_FILE'
  | 'CLAIM_UNKNOWN'
  | 'CLAIM_PARAMS_INVALID'
  | 'CLAIM_NOT_SATISFIED'
  | 'ARTIFACT_MISSING'
  | 'ARTIFACT_MISMATCH'
  | 'PACKAGE_INVALID'
  | 'EGRESS_REFUSED'
  | 'SIGNAL_OUT_OF_FIELD'
  | 'CIRCUIT_UNKNOWN'
  | 'VKEY_UNKNOWN'
  | 'ENVELOPE_INVALID'
  | 'ENVELOPE_SIGNATURE_INVALID'
  | 'USAGE'
  | 'REQUEST_INVALID'
  | 'UNAUTHORIZED'
  | 'INSTITUTION_UNKNOWN'
  | 'INSTITUTION_REVOKED'
  | 'NOT_FOUND'
  | 'ATTESTATION_REJECTED'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'STORE_UNAVAILABLE'
  | 'STORE_INVALID_ARGUMENT'
  | 'VAULT_CONFIG_INVALID'
  | 'VAULT_KEY_UNKNOWN'
  | 'VAULT_NOT_FOUND'
  | 'VAULT_DECRYPT_FAILED'
  | 'VAULT_RECORD_INVALID'
  | 'MINT_REFUSED'
  | 'FORBIDDEN'
  | 'EGRESS_CONFIG_INVALID'
  | 'EGRESS_LOG_INVALID'
  | 'DEVELOPMENT_SETUP_REFUSED'
  | 'CONFIG_INVALID'
  | 'VAULT_MASTER_KEY_MISMATCH'
  | 'CHAIN_UNAVAILABLE'
  | 'KEY_MALFORMED'
  | 'SIGNATURE_MALFORMED'
  | 'FX_TABLE_INVALID'
  | 'FX_RATE_INVALID'
  | 'FX_CURRENCY_MISSING'
  | 'CURRENCY_UNKNOWN'
  | 'DECIMALS_OUT_OF_RANGE'
  | 'MAPPING_INVALID'
  | 'JOB_VERSION_UNSUPPORTED'
  | 'DISCLOSURE_BUDGET_EXCEEDED'
  | 'SIGNER_SET_INVALID'
  | 'SIGNED_SNAPSHOT_INVALID'
  | 'SNAPSHOT_SIGNATURES_REFUSED'
  | 'SNAPSHOT_REJECTED'
  | 'EPOCH_GAP'
  | 'EPOCH_ROLLBACK'
  | 'PREV_COMMITMENT_MISMATCH'
  | 'EQUIVOCATION'
  | 'ALLOCATIONS_INVALID'
  | 'ALLOCATIONS_OVER_CAPACITY'
  | 'CHAIN_MISMATCH'
  | 'RELAY_INCOMPLETE'
  | 'TX_NOT_MINED'
  | 'CHAIN_HEAD_UNKNOWN';

/**
 * The one error class of zkattest: a stable `code` for programs, a message for people.
 * Messages never carry raw snapshot data (values, identifiers, salts): they name where
 * the problem is (row, column, field), not what the value was.
 */
export class ZkAttestError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, string | number>>;

  constructor(code: ErrorCode, message: string, details: Record<string, string | number> = {}) {
    super(message);
    this.name = 'ZkAttestError';
    this.code = code;
    this.details = details;
  }
}

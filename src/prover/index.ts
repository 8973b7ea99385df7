export {
  attestorKeyFrom,
  newAttestorKey,
  readAttestorKey,
  signSnapshot,
  snapshotMessage,
  writeAttestorKey,
  SNAPSHOT_DOMAIN,
  type AttestorKey,
  type SnapshotSignature,
} from './snapshot/attestor-key';
export { assetIdOf } from './snapshot/asset-id';
export {
  circuitInput,
  claimHolds,
  validateClaimParams,
  validateContext,
  type ClaimParams,
} from './proving/claim-inputs';
export { ClaimProver, type ProveRequest, type ProveResult } from './proving/claim-prover';
export { clearForEgress, type ClearedPackage } from './egress/egress-guard';
export { loadSnapshotFile, parseSnapshot, MAX_POSITIONS } from './snapshot/ingest-snapshot';
export { loadPrimitives, type Primitives } from './snapshot/primitives';
export {
  packPosition,
  randomSalt,
  snapshotCommitment,
  snapshotRoot,
} from './snapshot/snapshot-commitment';
export { defaultSecretPath, loadOrCreateSalt } from './snapshot/snapshot-secret';
export type { Position, Snapshot } from './snapshot/snapshot-types';
export { findLeaks, sensitiveStrings } from './egress/leak-scan';

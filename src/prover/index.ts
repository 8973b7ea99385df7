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
} from './attestor-key';
export { assetIdOf } from './asset-id';
export {
  ALL_CLASSES,
  circuitInput,
  claimHolds,
  validateClaimParams,
  validateContext,
  type ClaimParams,
} from './claim-inputs';
export { ClaimProver, type ProveRequest, type ProveResult } from './claim-prover';
export { clearForEgress, type ClearedPackage } from './egress-guard';
export { loadSnapshotFile, parseSnapshot, MAX_POSITIONS } from './ingest-snapshot';
export { loadPrimitives, type Primitives } from './primitives';
export { packPosition, randomSalt, snapshotCommitment, snapshotRoot } from './snapshot-commitment';
export { defaultSecretPath, loadOrCreateSalt } from './snapshot-secret';
export type { Position, Snapshot } from './snapshot-types';
export { findLeaks, sensitiveStrings } from './leak-scan';

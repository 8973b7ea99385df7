export { assetIdOf, canonicalIdentifier } from './asset-id';
export { loadSnapshotFile, parseSnapshot, MAX_POSITIONS } from './ingest-snapshot';
export { parseExportMapping, type ExportMapping } from './export-mapping';
export { loadExportFile, loadExportMapping, parseExport, type ExportRun } from './ingest-export';
export { loadPrimitives, type Primitives } from './primitives';
export { packPosition, randomSalt, snapshotCommitment } from './snapshot-commitment';
export { defaultSecretPath, loadOrCreateSalt } from './snapshot-secret';
export type { Position, Snapshot } from './snapshot-types';
export {
  accumulatorChain,
  chunkCircuitInput,
  chunkCountFor,
  chunkPath,
  chunkPublicSignals,
  derivedBlinds,
  LARGE_BLIND_DOMAIN,
  finalCircuitInput,
  foldChunk,
  largeAssetIdOf,
  MAX_LARGE_POSITIONS,
  planLargeBook,
  type ChunkChain,
  type LargeBookPlan,
  type LargeSlot,
} from './large-book';

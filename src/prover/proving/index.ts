export { circuitInput, validateContext } from './claim-inputs';
export type { ClaimParams } from '../../claims';
export { ClaimProver, type ProveRequest, type ProveResult } from './claim-prover';
export { fxBook, type BookPosition, type FxBook } from './fx-book';
export { isLargeBook, type ChunkProof, type PlannedLargeBook } from './large-book-proofs';

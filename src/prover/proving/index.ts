export {
  circuitInput,
  claimHolds,
  validateClaimParams,
  validateContext,
  type ClaimParams,
} from './claim-inputs';
export { ClaimProver, type ProveRequest, type ProveResult } from './claim-prover';

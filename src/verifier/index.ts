export { claimMeaning, claimValues, type ClaimValues } from './claim-meaning';
export {
  VerificationKeyRegistry,
  type RegistryOptions,
  type VerificationKey,
} from './verification-keys';
export { parsePackage, verifyPackage, type RejectionReason, type Verdict } from './verify-package';

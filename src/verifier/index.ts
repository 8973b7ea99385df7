export { batchVerify, type BatchVerifyItem } from './batch-verify';
export { claimMeaning, claimValues, type ClaimValues } from '../claims';
export {
  DEFAULT_POLICY,
  freshnessReasons,
  keyTrustReasons,
  requirementReasons,
  type ChallengeLedger,
  type ClaimRequirements,
  type KeyDirectory,
  type KeyStatus,
  type PolicyReason,
  type SignerSetStatus,
  type VerificationPolicy,
} from './policy';
export {
  VerificationKeyRegistry,
  type RegistryOptions,
  type VerificationKey,
} from './verification-keys';
export {
  verifyAttestation,
  type AttestationVerdict,
  type NamedKey,
  type SignerSetTrust,
  type VerifierContext,
} from './verify-attestation';
export {
  chainAnswer,
  chainReasons,
  linkOf,
  type ChainAnswer,
  type ChainLink,
  type ChainReason,
  type ChainView,
  type EpochChainLedger,
  type EquivocationEvidence,
} from './epoch-chain';
export {
  parsePackage,
  verifyPackage,
  type ProofOptions,
  type RejectionReason,
  type Verdict,
} from './verify-package';
export { ProofBatcher } from './proof-batcher';

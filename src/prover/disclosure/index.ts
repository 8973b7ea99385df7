/** The disclosure budget: policy, ledger (Redis for the service, a file for the CLI). */
export { DisclosureBudget } from './disclosure-budget';
export {
  canonicalParams,
  FileDisclosureLedger,
  RedisDisclosureLedger,
  type Admission,
  type DisclosureLedger,
  type LedgerEntry,
} from './disclosure-ledger';
export {
  checkPrecision,
  disclosurePolicySchema,
  parseDisclosurePolicy,
  readDisclosurePolicyFile,
  type ClaimPolicy,
  type DisclosurePolicy,
} from './disclosure-policy';

import type { ClaimParams } from '../../claims';
import type { DisclosureLedger, LedgerEntry } from './disclosure-ledger';
import { budgetExceeded, checkPrecision, type DisclosurePolicy } from './disclosure-policy';

/**
 * The disclosure budget of the prover: a claim is admitted (and recorded in the ledger) only
 * if its precision and the snapshot's count of distinct claims of its kind are within the
 * policy. Called before anything is queued or proved.
 */
export class DisclosureBudget {
  constructor(
    readonly policy: DisclosurePolicy,
    readonly ledger: DisclosureLedger,
  ) {}

  /**
   * Admits the claim or throws DISCLOSURE_BUDGET_EXCEEDED naming the rule.
   * @returns whether the same parameters were admitted before (no budget consumed).
   */
  async admit(
    snapshotId: string,
    params: ClaimParams,
    extra: Pick<LedgerEntry, 'user' | 'jobId'> = {},
  ): Promise<{ repeat: boolean }> {
    checkPrecision(this.policy, params);
    const max = this.policy[params.claim]?.maxPerSnapshot;
    const admission = await this.ledger.admit(snapshotId, params, max, extra);
    if (!admission.admitted) throw budgetExceeded(params.claim, 'maxPerSnapshot');
    return { repeat: admission.repeat };
  }
}

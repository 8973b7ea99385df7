/**
 * A proof's claim in plain words, amounts in their currency: the English is the claim
 * descriptors' own meaning() (src/claims); the Chinese follows it claim by claim, from the
 * same decoded values and the same amount formatting.
 */
import type { AttestationPackage } from '../../common/attestation-package';
import { formatAmount } from '../../common/money';
import { unpackStatement } from '../../common/statement';
import { CLASS_COUNT } from '../../claims/param-codecs';
import { claimMeaning, claimValues, type ClaimValues } from '../../claims/registry';
import { dateTime, lang } from './i18n';

const pct = (bps: number) => `${(bps / 100).toFixed(2)}%`;

function chinese(v: ClaimValues, at: string, unit: { currency: string; decimals: number }): string {
  const signed = `在 ${at} 的已签署快照中`;
  switch (v.claim) {
    case 'coverage':
      return `${signed}，扣除折扣后的抵押品至少为负债 ${formatAmount(BigInt(v.liabilities), unit)} 的 ${pct(v.minCoverageBps)}。`;
    case 'yield-range':
      return `${signed}，按价值加权的年化收益率介于 ${pct(v.minYieldBps)} 与 ${pct(v.maxYieldBps)} 之间。`;
    case 'concentration': {
      const classes =
        v.allowedClasses.length === CLASS_COUNT
          ? '资产类别不限'
          : `仅持有资产类别 {${v.allowedClasses.join(', ')}}`;
      return `${signed}，没有任何单一资产超过以 ${unit.currency} 计总价值的 ${pct(v.maxShareBps)}，且${classes}。`;
    }
  }
}

/** The decoded public values of a package's claim, or undefined for an impossible statement. */
export function valuesOf(pkg: AttestationPackage): ClaimValues | undefined {
  const parts = unpackStatement(BigInt(pkg.publicSignals.statement));
  return parts && claimValues(pkg.claim, parts);
}

/** The claim of `pkg` in the current language. */
export function claimInWords(pkg: AttestationPackage): string {
  const values = valuesOf(pkg);
  if (!values) return '';
  const unit = { currency: pkg.snapshot.currency, decimals: pkg.snapshot.decimals };
  return lang() === 'zh'
    ? chinese(values, dateTime(pkg.snapshot.asOf), unit)
    : claimMeaning(values, pkg.snapshot.asOf, unit);
}

/** The proof's context (challenge nonce or chain binding), decimal. */
export function contextOf(pkg: AttestationPackage): bigint | undefined {
  return unpackStatement(BigInt(pkg.publicSignals.statement))?.context;
}

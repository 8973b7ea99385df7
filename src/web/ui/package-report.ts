/**
 * Everything the page shows about one package the browser checked: the answer first (in an
 * aria-live region, with which check failed), then the claim, the server's view (records
 * only), the chain, the meaning panels and the on-chain use.
 */
import type { BrowserVerdict } from '../verify/check-package';
import type { RecordView, SignerSetView } from './api';
import { h } from './dom';
import { claimView, meaningPanels, onChainView } from './package-view';
import { chainView, serverView, setPolicyView } from './server-view';
import { verdictView } from './verdict-view';
import { t } from './i18n';

export interface ReportInput {
  verdict: BrowserVerdict;
  record?: RecordView;
  set?: SignerSetView;
}

/** Labels by key id: the signer set's registry entry, else the record's signers. */
function labelsOf(input: ReportInput): Map<string, string> {
  const labels = new Map<string, string>();
  for (const s of [...(input.record?.signers ?? []), ...(input.set?.signers ?? [])]) {
    if (s.label) labels.set(s.keyId, s.label);
  }
  return labels;
}

export function packageReport(input: ReportInput): HTMLElement {
  const { verdict, record, set } = input;
  const pkg = verdict.pkg;
  return h(
    'div',
    { class: 'report' },
    verdictView(verdict),
    pkg ? claimView(pkg, verdict.signers, labelsOf(input)) : null,
    record ? serverView(record, set) : h('p', { class: 'note' }, t('drop.notSent')),
    !record && set ? setPolicyView(set) : null,
    pkg ? chainView(pkg.snapshot, set) : null,
    pkg ? meaningPanels(pkg) : null,
    pkg ? onChainView(pkg) : null,
  );
}

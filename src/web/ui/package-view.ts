/**
 * A package as people read it: the claim in words with its amounts, who signed it, as of when
 * and how fresh by this browser's clock; what it proves, does not prove, and kept private;
 * where it is usable on-chain.
 */
import type { AttestationPackage } from '../../common/attestation-package';
import { ZERO_BYTES32 } from '../../common/snapshot-message';
import { isAddress, tokenContext } from '../verify/token-context';
import { claimInWords, contextOf } from './claim-words';
import { h, short } from './dom';
import { age, dateTime, t, type MessageKey } from './i18n';

/** "signed by 2 of 3: Custodian A, Auditor B"; key ids stand in for labels the page lacks. */
export function signedByText(
  pkg: AttestationPackage,
  signers: string[],
  labels: Map<string, string>,
): string {
  const names = signers.map((id) => labels.get(id) ?? `${id.slice(0, 8)}…`);
  return t('signedBy', {
    k: signers.length,
    n: pkg.signerSet.keyIds.length,
    names: names.join(', '),
  });
}

export function claimView(
  pkg: AttestationPackage,
  signers: string[],
  labels: Map<string, string>,
): HTMLElement {
  const unit = `${pkg.snapshot.currency} (${pkg.snapshot.decimals})`;
  return h(
    'section',
    { class: 'panel claim', 'aria-labelledby': 'claim-heading' },
    h('h2', { id: 'claim-heading' }, t('claim.heading')),
    h('p', { class: 'meaning', 'data-testid': 'meaning' }, claimInWords(pkg)),
    signers.length > 0
      ? h('p', { 'data-testid': 'signed-by' }, signedByText(pkg, signers, labels))
      : null,
    h('p', {}, t('asOf', { at: dateTime(pkg.snapshot.asOf), age: age(pkg.snapshot.asOf) })),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t('field.commitment')),
      h('dd', {}, short(pkg.publicSignals.commitment)),
      h('dt', {}, t('field.setId')),
      h('dd', {}, short(pkg.snapshot.setId)),
      h('dt', {}, t('field.epoch')),
      h('dd', {}, String(pkg.snapshot.epoch)),
      h('dt', {}, t('field.unit')),
      h('dd', {}, unit),
    ),
  );
}

function list(items: MessageKey[], vars: Record<string, string | number> = {}): HTMLElement {
  return h('ul', {}, ...items.map((k) => h('li', {}, t(k, vars))));
}

export function meaningPanels(pkg: AttestationPackage): HTMLElement {
  const vars = { k: pkg.signerSet.threshold, unit: pkg.snapshot.currency };
  return h(
    'div',
    { class: 'panels' },
    h(
      'section',
      { class: 'panel' },
      h('h3', {}, t('panel.proves')),
      list(['proves.claim', 'proves.signed', 'proves.fx'], vars),
    ),
    h(
      'section',
      { class: 'panel' },
      h('h3', {}, t('panel.notProves')),
      list(['notProves.truth', 'notProves.policy', 'notProves.others', 'notProves.setup']),
    ),
    h(
      'section',
      { class: 'panel' },
      h('h3', {}, t('panel.private')),
      list(['private.positions', 'private.totals', 'private.revealed']),
    ),
  );
}

/** The context binding, the signed allocations (if any) and a check against a token. */
export function onChainView(pkg: AttestationPackage): HTMLElement {
  const context = contextOf(pkg);
  const answer = h('p', { role: 'status', 'aria-live': 'polite', class: 'binding-answer' });
  const chainId = h('input', {
    id: 'chain-id',
    inputmode: 'numeric',
    autocomplete: 'off',
  }) as HTMLInputElement;
  const token = h('input', {
    id: 'token',
    autocomplete: 'off',
    spellcheck: 'false',
  }) as HTMLInputElement;
  const form = h(
    'form',
    { class: 'binding' },
    h('label', { for: 'chain-id' }, t('onchain.chainId')),
    chainId,
    h('label', { for: 'token' }, t('onchain.token')),
    token,
    h('button', { type: 'submit' }, t('onchain.check')),
    answer,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = chainId.value.trim();
    if (!/^[0-9]{1,20}$/.test(id) || !isAddress(token.value.trim())) {
      answer.textContent = t('onchain.bad');
      return;
    }
    const bound = context !== undefined && tokenContext(BigInt(id), token.value.trim()) === context;
    answer.textContent = t(bound ? 'onchain.match' : 'onchain.noMatch');
  });
  return h(
    'section',
    { class: 'panel onchain', 'aria-labelledby': 'onchain-heading' },
    h('h3', { id: 'onchain-heading' }, t('onchain.heading')),
    h('p', {}, t('onchain.context', { context: context?.toString() ?? '' })),
    pkg.snapshot.allocations !== ZERO_BYTES32
      ? h('p', {}, t('onchain.allocations', { hash: pkg.snapshot.allocations }))
      : null,
    form,
  );
}

/** What the browser checked: one line per check, and the overall answer with its time. */
import type { BrowserVerdict, CheckName } from '../verify/check-package';
import { h } from './dom';
import { t, type MessageKey } from './i18n';

const checkLabel = (name: CheckName) => t(`check.${name}` as MessageKey);

export function verdictSummary(v: BrowserVerdict): string {
  if (v.valid) return t('result.valid', { ms: v.ms });
  const failed = v.checks.filter((c) => !c.ok).map((c) => checkLabel(c.name));
  return t('result.invalid', { checks: failed.join('; ') });
}

export function verdictView(v: BrowserVerdict): HTMLElement {
  return h(
    'section',
    { class: 'panel browser', 'aria-labelledby': 'browser-heading' },
    h('h3', { id: 'browser-heading' }, t('browser.heading')),
    h(
      'p',
      { class: v.valid ? 'verdict ok' : 'verdict bad', 'data-testid': 'browser-verdict' },
      verdictSummary(v),
    ),
    h(
      'ul',
      { class: 'checks' },
      ...v.checks.map((c) =>
        h(
          'li',
          { class: c.ok ? 'ok' : 'bad', 'data-check': c.name, 'data-ok': String(c.ok) },
          h('span', { class: 'mark', 'aria-hidden': 'true' }, c.ok ? '✓' : '✗'),
          ` ${checkLabel(c.name)}: ${c.ok ? t('check.ok') : t('check.failed')}`,
          c.reasons.includes('IDENTITY_TABLE')
            ? ` (${t('check.identity')})`
            : c.reasons.length > 0
              ? h('code', { class: 'reasons' }, ` ${c.reasons.join(', ')}`)
              : null,
        ),
      ),
    ),
  );
}

/** `/a/<id>`: one record; the browser re-checks its package and shows the server's view apart. */
import { checkInBrowser, type BrowserVerdict } from '../verify/check-package';
import { ApiError, getAttestation, getSignerSet, type RecordView, type SignerSetView } from './api';
import { fill, h } from './dom';
import { t } from './i18n';
import { packageReport } from './package-report';
import { verdictSummary } from './verdict-view';

export function recordView(root: HTMLElement, id: string): { rerender(): void } {
  const live = h('p', { class: 'live sr-only', role: 'status', 'aria-live': 'polite' });
  const body = h('div');
  root.append(h('section', { 'aria-label': 'attestation' }, live, body));
  let record: RecordView | undefined;
  let set: SignerSetView | undefined;
  let verdict: BrowserVerdict | undefined;
  let error: string | undefined;

  function render(): void {
    if (error) {
      fill(
        body,
        h(
          'p',
          { class: 'verdict bad' },
          error === 'NOT_FOUND' ? t('record.notFound') : t('error.server', { code: error }),
        ),
      );
      return;
    }
    if (!verdict) {
      fill(body, h('p', {}, t('result.running')));
      return;
    }
    live.textContent = verdictSummary(verdict);
    fill(body, packageReport({ verdict, record, set }));
  }

  (async () => {
    render();
    try {
      record = await getAttestation(id);
    } catch (err) {
      error = err instanceof ApiError ? err.code : 'NETWORK';
      render();
      return;
    }
    const setId = record.setId;
    [verdict, set] = await Promise.all([
      checkInBrowser(record.package, '/web/'),
      setId ? getSignerSet(setId) : Promise.resolve(undefined),
    ]);
    render();
  })();
  return { rerender: render };
}

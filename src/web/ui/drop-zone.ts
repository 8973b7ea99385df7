/**
 * Drop, choose or paste a package or envelope: it is read and checked here and never sent to
 * the server (the page makes no request with it; the browser tests assert that).
 */
import { checkInBrowser, packageFromText, type BrowserVerdict } from '../verify/check-package';
import { getSignerSet, type SignerSetView } from './api';
import { fill, h } from './dom';
import { t } from './i18n';
import { packageReport } from './package-report';
import { verdictSummary } from './verdict-view';

export function dropZone(root: HTMLElement): { rerender(): void } {
  const live = h('p', {
    class: 'live',
    role: 'status',
    'aria-live': 'polite',
    'data-testid': 'drop-status',
  });
  const result = h('div', { class: 'drop-result' });
  const section = h('section', { class: 'drop', 'aria-labelledby': 'drop-heading' });
  root.append(section);
  let verdict: BrowserVerdict | undefined;
  let set: SignerSetView | undefined;
  let unreadable = false;

  const check = async (text: string) => {
    live.textContent = t('result.running');
    let candidate: unknown;
    try {
      candidate = packageFromText(text);
    } catch {
      unreadable = true;
      verdict = undefined;
      render();
      return;
    }
    unreadable = false;
    verdict = await checkInBrowser(candidate, '/web/');
    // Labels and the chain come from the server's registry, asked by set id only: the file
    // itself never leaves this page.
    set = verdict.pkg ? await getSignerSet(verdict.pkg.snapshot.setId) : undefined;
    render();
  };

  function render(): void {
    const file = h('input', {
      type: 'file',
      id: 'drop-file',
      accept: '.json,.jws,.txt,application/json',
    }) as HTMLInputElement;
    file.addEventListener('change', () => {
      const f = file.files?.[0];
      if (f) void f.text().then(check);
    });
    const paste = h('textarea', {
      id: 'drop-paste',
      rows: '3',
      spellcheck: 'false',
    }) as HTMLTextAreaElement;
    const pasteButton = h('button', { type: 'button', id: 'drop-check' }, t('drop.check'));
    pasteButton.addEventListener('click', () => void check(paste.value));
    const zone = h(
      'div',
      { class: 'zone', 'data-testid': 'drop-zone' },
      h('p', {}, t('drop.help')),
      h('label', { for: 'drop-file' }, t('drop.choose')),
      file,
    );
    zone.addEventListener('dragover', (e) => {
      e.preventDefault();
      zone.classList.add('over');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      zone.classList.remove('over');
      const f = e.dataTransfer?.files[0];
      if (f) void f.text().then(check);
    });
    if (unreadable) live.textContent = t('result.unreadable');
    else if (verdict) live.textContent = verdictSummary(verdict);
    fill(
      section,
      h('h2', { id: 'drop-heading' }, t('drop.heading')),
      zone,
      h('label', { for: 'drop-paste' }, t('drop.paste')),
      paste,
      pasteButton,
      live,
      result,
    );
    fill(result, verdict ? packageReport({ verdict, set }) : null);
  }

  render();
  return { rerender: render };
}

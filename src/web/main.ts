/**
 * The investor's page: `/` lists records and checks dropped files, `/a/<id>` shows one
 * record. Everything is fetched from this origin; proofs and signatures are checked here.
 */
import { dropZone } from './ui/drop-zone';
import { fill, h } from './ui/dom';
import { initLang, lang, setLang, t, type Lang } from './ui/i18n';
import { listView } from './ui/list-view';
import { recordView } from './ui/record-view';
import { warmUpVerifier } from './verify/groth16';

function header(onSwitch: (l: Lang) => void): HTMLElement {
  const select = h(
    'select',
    { id: 'lang' },
    h('option', { value: 'en', selected: lang() === 'en' }, 'English'),
    h('option', { value: 'zh', selected: lang() === 'zh' }, '简体中文'),
  ) as HTMLSelectElement;
  select.addEventListener('change', () => onSwitch(select.value === 'zh' ? 'zh' : 'en'));
  return h(
    'header',
    {},
    h('h1', {}, h('a', { href: '/' }, t('title'))),
    h('p', { class: 'tagline' }, t('tagline')),
    h(
      'nav',
      { 'aria-label': 'page' },
      h('a', { href: '/' }, t('nav.list')),
      h('label', { for: 'lang' }, t('language')),
      select,
    ),
  );
}

function start(): void {
  initLang();
  const app = document.getElementById('app')!;
  const top = h('div');
  const main = h('main', { id: 'main' });
  app.replaceChildren(top, main);
  const record = /^\/a\/([0-9a-f]{64})$/.exec(location.pathname);
  const views = record ? [recordView(main, record[1]!)] : [dropZone(main), listView(main)];
  const render = () => {
    document.title = t('title');
    fill(
      top,
      header((l) => {
        setLang(l);
        render();
        views.forEach((v) => v.rerender());
        document.getElementById('lang')?.focus();
      }),
    );
  };
  render();
  performance.mark('zkattest:rendered');
  // Build the WebAssembly curve while the record loads or the user picks a file.
  void warmUpVerifier();
}

start();

/** `/`: the recorded attestations, newest first, filtered by signer set, claim or commitment. */
import { CLAIM_NAMES } from '../../claims/registry';
import { ApiError, listAttestations, type ListFilter, type RecordView } from './api';
import { fill, h, short } from './dom';
import { dateTime, t, type MessageKey } from './i18n';

interface ListState {
  filter: ListFilter;
  items: RecordView[];
  nextCursor?: string;
  error?: string;
  loading: boolean;
}

function filterForm(state: ListState, apply: (f: ListFilter) => void): HTMLElement {
  const field = (id: keyof ListFilter, key: MessageKey) => {
    const input = h('input', {
      id: `filter-${id}`,
      name: id,
      value: state.filter[id] ?? '',
      autocomplete: 'off',
      spellcheck: 'false',
    });
    return h('div', { class: 'field' }, h('label', { for: `filter-${id}` }, t(key)), input);
  };
  const claim = h(
    'select',
    { id: 'filter-claim', name: 'claim' },
    h('option', { value: '' }, t('filter.any')),
    ...CLAIM_NAMES.map((c) =>
      h('option', { value: c, selected: state.filter.claim === c }, t(`claim.${c}` as MessageKey)),
    ),
  );
  const form = h(
    'form',
    { class: 'filters', role: 'search' },
    field('setId', 'filter.set'),
    h('div', { class: 'field' }, h('label', { for: 'filter-claim' }, t('filter.claim')), claim),
    field('commitment', 'filter.commitment'),
    h('button', { type: 'submit' }, t('filter.apply')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form as HTMLFormElement);
    const value = (k: string) => String(data.get(k) ?? '').trim() || undefined;
    apply({ setId: value('setId'), claim: value('claim'), commitment: value('commitment') });
  });
  return form;
}

function row(r: RecordView): HTMLElement {
  return h(
    'li',
    { class: r.valid ? 'record' : 'record rejected' },
    h('a', { href: `/a/${r.id}` }, t(`claim.${r.claim}` as MessageKey) || r.claim),
    ' ',
    h('span', { class: 'amounts' }, Object.values(r.amounts ?? {}).join(', ')),
    h('br'),
    h(
      'small',
      {},
      dateTime(r.asOf),
      ' · ',
      r.signedBy ?? '',
      r.signedBy ? ' · ' : '',
      short(r.commitment, 6),
    ),
  );
}

export function listView(root: HTMLElement): { rerender(): void } {
  const state: ListState = { filter: {}, items: [], loading: true };
  const section = h('section', { 'aria-labelledby': 'list-heading' });
  root.append(section);

  const load = async (more: boolean) => {
    state.loading = true;
    render();
    try {
      const page = await listAttestations({
        ...state.filter,
        cursor: more ? state.nextCursor : undefined,
      });
      state.items = more ? [...state.items, ...page.items] : page.items;
      state.nextCursor = page.nextCursor;
      state.error = undefined;
    } catch (err) {
      state.error = err instanceof ApiError ? err.code : 'NETWORK';
    }
    state.loading = false;
    render();
  };

  function render(): void {
    const more = h('button', { type: 'button', class: 'more' }, t('list.more'));
    more.addEventListener('click', () => void load(true));
    fill(
      section,
      h('h2', { id: 'list-heading' }, t('list.heading')),
      filterForm(state, (f) => {
        state.filter = f;
        void load(false);
      }),
      state.error
        ? h('p', { class: 'verdict bad' }, t('error.server', { code: state.error }))
        : null,
      h('ol', { class: 'records', 'aria-busy': String(state.loading) }, ...state.items.map(row)),
      !state.loading && state.items.length === 0 && !state.error
        ? h('p', {}, t('list.empty'))
        : null,
      state.loading ? h('p', {}, t('list.loading')) : null,
      state.nextCursor && !state.loading ? more : null,
    );
  }

  void load(false);
  return { rerender: render };
}

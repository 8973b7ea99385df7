/** What the server's policy said about a record, kept apart from what the browser proved. */
import type { RecordView, SignerSetView } from './api';
import { h, short } from './dom';
import { t } from './i18n';

const iso = (text: string) => text.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');

export function serverView(record: RecordView, set: SignerSetView | undefined): HTMLElement {
  return h(
    'section',
    { class: 'panel server', 'aria-labelledby': 'server-heading' },
    h('h3', { id: 'server-heading' }, t('server.heading')),
    h(
      'p',
      { class: record.valid ? 'verdict ok' : 'verdict bad', 'data-testid': 'server-verdict' },
      record.valid
        ? t('server.accepted')
        : t('server.rejected', { reasons: record.reasons.join(', ') }),
    ),
    record.signedBy ? h('p', { 'data-testid': 'server-signed-by' }, record.signedBy) : null,
    record.signers && record.signers.length > 0
      ? h(
          'div',
          {},
          h('p', {}, t('server.signers')),
          h(
            'ul',
            { class: 'signers' },
            ...record.signers.map((s) => h('li', {}, s.label ?? '', ' ', short(s.keyId, 8))),
          ),
        )
      : null,
    set?.validFrom ? h('p', {}, t('server.validFrom', { at: iso(set.validFrom) })) : null,
    set
      ? h(
          'p',
          {},
          set.revokedAt ? t('server.revoked', { at: iso(set.revokedAt) }) : t('server.notRevoked'),
        )
      : null,
    h(
      'p',
      {},
      t('server.recordedAt', { at: iso(record.recordedAt), institution: record.institution }),
    ),
    h('p', { class: 'context' }, t('server.context', { context: record.context })),
    h('p', { class: 'note' }, t('server.policy')),
  );
}

/** What the server's registry says of a signer set (for a file checked here, not recorded). */
export function setPolicyView(set: SignerSetView): HTMLElement {
  return h(
    'section',
    { class: 'panel server', 'aria-labelledby': 'set-heading' },
    h('h3', { id: 'set-heading' }, t('server.setHeading')),
    h(
      'ul',
      { class: 'signers' },
      ...set.signers.map((s) => h('li', {}, s.label ?? '', ' ', short(s.keyId, 8))),
    ),
    set.validFrom ? h('p', {}, t('server.validFrom', { at: iso(set.validFrom) })) : null,
    h(
      'p',
      {},
      set.revokedAt ? t('server.revoked', { at: iso(set.revokedAt) }) : t('server.notRevoked'),
    ),
  );
}

/** The set's epoch chain as this server holds it, and where this snapshot sits in it. */
export function chainView(
  snapshot: { epoch: number; prevCommitment: string },
  set: SignerSetView | undefined,
): HTMLElement {
  const first = snapshot.prevCommitment === '0'.repeat(64);
  return h(
    'section',
    { class: 'panel chain', 'aria-labelledby': 'chain-heading' },
    h('h3', { id: 'chain-heading' }, t('chain.heading')),
    h(
      'p',
      {},
      first
        ? t('chain.first', { epoch: snapshot.epoch })
        : t('chain.this', {
            epoch: snapshot.epoch,
            prev: `${snapshot.prevCommitment.slice(0, 12)}…`,
          }),
    ),
    set?.chain?.head
      ? h(
          'p',
          { 'data-testid': 'chain-head' },
          t('chain.head', {
            epoch: set.chain.head.epoch,
            at:
              new Date(set.chain.head.asOf * 1000).toISOString().replace('T', ' ').slice(0, 16) +
              ' UTC',
          }),
        )
      : null,
    set?.chain ? h('p', {}, t('chain.links', { n: set.chain.links })) : null,
    set?.equivocations
      ? h('p', {}, t('chain.equivocations', { n: set.equivocations.length }))
      : null,
  );
}

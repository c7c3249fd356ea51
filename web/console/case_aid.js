// case_aid.js -- the case page's 司法救助 panel (一案一档): every disbursement
// made in the case's hearings (GET /cases/{id}/aid, docs/api.md "Judicial
// aid") with its decision number, amount in figures and in capitals, payee,
// the account masked, the applicant's confirmation, and the files as links:
// the identity still, the decision, and the receipt (回执) once the
// recording's hash exists -- until then it says why there is none yet. Only
// for those who may run aid on the case (aid staff; the case's prosecutor):
// anyone else never asks, so nobody is refused.
import { get, explain } from './api.js';
import { t } from './i18n.js';
import { h, notice } from './dom.js';
import { fmtDateTime } from './format.js';

/** Whether the signed-in user may run aid on case c (the table's aid.run). */
function mayRun(c, me) {
  return me.role === 'aid_staff' ? c.type === 'judicial_aid' : me.role === 'prosecutor' && c.prosecutor_id === me.id;
}

function receiptLine(a) {
  if (a.receipt) return h('a', { href: a.receipt.url, download: `回执-${a.decision_no}.pdf`, text: t('aid.receiptDownload') });
  if (!a.confirmed_at) return h('span', { class: 'muted', text: t('aid.noReceiptUnconfirmed') });
  return h('span', { class: 'muted', text: t(a.hearing_ended ? 'aid.receiptProcessing' : 'aid.receiptAfterEnd') });
}

function item(a) {
  const links = [
    a.still ? h('a', { href: a.still.url, target: '_blank', rel: 'noopener', text: t('aid.stillLink') }) : null,
    a.decision ? h('a', { href: a.decision.url, target: '_blank', rel: 'noopener', text: t('aid.decisionLink') }) : null,
    receiptLine(a)].filter(Boolean);
  const files = h('p', { class: 'aid-files' }, links.flatMap((l, i) => (i ? ['　·　', l] : [l])));
  return h('div', { class: 'aid-item' },
    h('dl', { class: 'facts' },
      h('dt', { text: t('aid.decisionNo') }), h('dd', { text: a.decision_no }),
      h('dt', { text: t('aid.amount') }), h('dd', { text: t('aid.amountBoth', { amount: a.amount, caps: a.amount_caps }) }),
      h('dt', { text: t('aid.payee') }), h('dd', { text: a.payee }),
      h('dt', { text: t('aid.account') }), h('dd', { text: `${a.bank} ${a.account_masked}` }),
      h('dt', { text: t('aid.confirmation') }),
      h('dd', { text: a.confirmed_at ? t('aid.confirmedAt', { time: fmtDateTime(a.confirmed_at) }) : t('aid.notConfirmed') })),
    files);
}

/** The panel, or null when the user may not run aid on the case. */
export function aidPanel(c, ctx) {
  if (!mayRun(c, ctx.me)) return null;
  const panel = h('section', { class: 'panel aid-panel', 'aria-labelledby': 'case-aid' },
    h('h2', { id: 'case-aid', text: t('aid.heading') }));
  const body = h('div', {}, h('p', { class: 'muted', text: t('case.loading') }));
  panel.append(body);
  get(`/cases/${c.id}/aid`).then((r) => {
    const items = r.items || [];
    body.replaceChildren(items.length ? h('div', { class: 'aid-list' }, items.map(item))
      : h('p', { class: 'muted', text: t('aid.none') }));
  }).catch((e) => body.replaceChildren(notice('bad', explain(e).text)));
  return panel;
}

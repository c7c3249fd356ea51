// case_new.js -- 案件登记: case number, type, channel (信/访/网/电/视频),
// petitioner, phone, ID number, date received, summary; POST /cases. Missing
// required fields are caught here, everything else the API says is shown
// beside its field. On success the case page opens with the two deadlines; a
// clerk, who may register but reads only the cases of hearings they join, gets
// a confirmation saying so instead.
import { post, explain } from './api.js';
import { t } from './i18n.js';
import { h, clone, ref, notice, showErrors, clearErrors, busy, labelsOf, echo } from './dom.js';
import { fmtDate, fmtDateWeekday, todayCst } from './format.js';
import { TYPES, CHANNELS, REGISTRAR_READS } from './codes.js';

const REQUIRED = [['case_no', 'err.required'], ['type', 'err.choose'], ['channel', 'err.choose'], ['petitioner', 'err.required']];

export function render(root, ctx) {
  ctx.setTitle(t('caseNew.title'));
  const form = clone('tpl-case-new');
  const today = todayCst();
  ref(form, 'type').append(h('option', { value: '', text: t('caseNew.chooseType') }),
    ...TYPES.filter((c) => ctx.me.role !== 'aid_staff' || c === 'judicial_aid')
      .map((c) => h('option', { value: c, text: t(`type.${c}`) })));
  ref(form, 'channels').append(...CHANNELS.map((c) => {
    const id = `cn-ch-${c}`;
    return h('span', { class: 'choice' },
      h('input', { type: 'radio', id, name: 'channel', value: c }),
      h('label', { for: id, text: t(`channelLong.${c}`) }));
  }));
  ref(form, 'channel').dataset.label = t('caseNew.channel');
  form.elements.received.value = today;
  form.elements.received.max = today;
  form.elements.received.after(echo([form.elements.received], (d) => (d ? t('caseNew.receivedIs', { date: fmtDateWeekday(d) }) : '')));
  root.append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1', text: t('caseNew.heading') })),
    h('p', { class: 'muted', text: t('caseNew.lead') }),
    form);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const labels = labelsOf(form);
    const v = (name) => {
      const el = form.elements[name];
      return (el.value || '').trim();
    };
    const missing = REQUIRED.filter(([f]) => !v(f)).map(([field, key]) => ({ field, text: t(key, { label: labels[field] }) }));
    if (missing.length) { showErrors(form, missing); return; }
    clearErrors(form);
    const body = { case_no: v('case_no'), type: v('type'), channel: v('channel'), petitioner: v('petitioner') };
    for (const f of ['contact', 'id_number', 'summary', 'received']) if (v(f)) body[f] = v(f);
    await busy(form, async () => {
      try {
        const c = await post('/cases', body);
        const done = t('caseNew.done', { no: c.case_no, reply: fmtDate(c.reply_due), result: fmtDate(c.result_due) });
        if (REGISTRAR_READS.includes(ctx.me.role)) ctx.go(`#/cases/${c.id}`, { kind: 'ok', text: done });
        else registered(root, ctx, done);
      } catch (e) {
        if (e.status !== 401) showErrors(form, [explain(e, labels)]);
      }
    });
  });
}

/** The confirmation for a registrar who cannot open the case: the deadlines,
 * what happens next, and the ways on. */
function registered(root, ctx, done) {
  root.replaceChildren(h('section', { class: 'card confirm' },
    h('h1', { tabindex: '-1', text: t('caseNew.doneHeading') }),
    notice('ok', done),
    h('p', { text: t('caseNew.doneNext') }),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn primary', text: t('caseNew.another'), on: { click: () => ctx.go('#/cases/new') } }),
      h('a', { class: 'btn', href: '#/today', text: t('app.backToday') }))));
  root.querySelector('h1').focus();
}

// exports.js -- a hearing's recordings on the case page, and their exports:
// a watermarked copy for someone outside the case (导出给他人: recipient,
// organisation, purpose), made by the server as a job whose progress is
// polled (GET /exports/{id}) until it is done, then a download link; the
// copies already made, with recipient, time, who made them and their state.
// Asking and downloading is for prosecutors and aid staff (recording.export);
// everyone who may see the recordings sees the list.
import { get, post, explain } from './api.js';
import { t, has } from './i18n.js';
import { h, notice, showErrors, clearErrors, busy, newId, labelsOf } from './dom.js';
import { fmtDateTime } from './format.js';

const EXPORTERS = ['prosecutor', 'aid_staff'];
const POLL_MS = 1000;

/** The recordings of one hearing (items of GET /hearings/{id}), each with its
 * export button and its exports, or null when there are none to show. */
export function recordingFiles(recordings, ctx) {
  if (!Array.isArray(recordings) || !recordings.length) return null;
  return h('ul', { class: 'rec-files', 'aria-label': t('exp.filesLabel') },
    recordings.map((rec) => recordingItem(rec, ctx)));
}

function recordingName(rec) {
  if (rec.room === 'deliberation') {
    return rec.kind === 'composite' || !rec.participant ? t('exp.delibComposite') : t('exp.delibPerson', { name: rec.participant.name });
  }
  if (rec.kind === 'composite' || !rec.participant) return t('exp.composite');
  const role = has(`part.${rec.participant.role}`) ? t(`part.${rec.participant.role}`) : '';
  return role ? t('exp.personRole', { name: rec.participant.name, role }) : t('exp.person', { name: rec.participant.name });
}

function durationText(ms) {
  const s = Math.max(0, Math.round((ms || 0) / 1000));
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  if (hh) return t('exp.durationH', { h: hh, m: mm });
  return mm ? t('exp.durationM', { m: mm, s: ss }) : t('exp.durationS', { s: ss });
}

function sizeText(bytes) {
  const mb = (bytes || 0) / (1024 * 1024);
  return mb >= 1 ? t('exp.sizeMB', { n: mb.toFixed(1) }) : t('exp.sizeKB', { n: Math.max(1, Math.round((bytes || 0) / 1024)) });
}

function recordingItem(rec, ctx) {
  const mayExport = EXPORTERS.includes(ctx.me.role);
  const slot = h('div', { class: 'export-slot' });
  const list = h('div', { class: 'export-list' });
  const refresh = () => loadExports(rec, list, ctx);
  const button = mayExport ? h('button', { type: 'button', class: 'btn', text: t('exp.button'),
    'aria-expanded': 'false',
    on: { click: () => {
      // The button closes its own form; after a job it opens a new one.
      if (slot.querySelector('form')) { slot.replaceChildren(); button.setAttribute('aria-expanded', 'false'); return; }
      button.setAttribute('aria-expanded', 'true');
      slot.replaceChildren(exportForm(rec, slot, ctx, () => { button.setAttribute('aria-expanded', 'false'); refresh(); }));
    } } }) : null;
  refresh();
  return h('li', { class: 'rec-file' },
    h('div', { class: 'rec-file-head' },
      h('span', { class: 'rec-file-name', text: recordingName(rec) }),
      h('span', { class: 'muted', text: `${durationText(rec.duration_ms)} · ${sizeText(rec.size_bytes)}` }),
      button),
    slot, list);
}

async function loadExports(rec, list, ctx) {
  try {
    const items = (await get(`/recordings/${rec.id}/exports`)).items || [];
    if (!ctx.alive()) return;
    list.replaceChildren(items.length ? exportsTable(items, ctx) : []);
  } catch (e) {
    if (ctx.alive() && e.status !== 401) list.replaceChildren(notice('bad', explain(e).text));
  }
}

function stateText(x) {
  if (x.state === 'processing') return t('exp.state.processing', { pct: Math.round((x.progress || 0) * 100) });
  return t(`exp.state.${x.state}`);
}

function exportsTable(items, ctx) {
  const mayDownload = EXPORTERS.includes(ctx.me.role);
  return h('div', { class: 'export-done' },
    h('p', { class: 'export-list-title', text: t('exp.listTitle') }),
    h('ul', { class: 'export-items' }, items.map((x) => h('li', {},
      h('span', { class: 'exp-who', text: x.organisation ? t('exp.recipientOrg', { name: x.recipient, org: x.organisation }) : x.recipient }),
      x.purpose ? h('span', { class: 'muted', text: t('exp.purposeShown', { purpose: x.purpose }) }) : null,
      h('span', { class: 'muted', text: t('exp.madeBy', { time: fmtDateTime(x.created_at), name: x.requested_by_name || t('case.someone') }) }),
      h('span', { class: `exp-state exp-${x.state}`, text: stateText(x) }),
      mayDownload && x.download_url ? h('a', { href: x.download_url, download: '', class: 'exp-download',
        text: t('exp.download'), 'aria-label': t('exp.downloadFor', { name: x.recipient }) }) : null))));
}

function field(label, control, optional) {
  if (!control.id) control.id = newId('f');
  return h('div', { class: 'field' },
    h('label', { for: control.id }, label, optional ? h('span', { class: 'opt', text: t('common.optional') }) : null),
    control);
}

function exportForm(rec, slot, ctx, done) {
  const recipient = h('input', { name: 'recipient', maxlength: 100, autocomplete: 'off' });
  const org = h('input', { name: 'organisation', maxlength: 200, autocomplete: 'off' });
  const purpose = h('input', { name: 'purpose', maxlength: 500, autocomplete: 'off' });
  const form = h('form', { class: 'inline-form export-form', novalidate: true },
    h('p', { class: 'hint', text: t('exp.explain', { what: recordingName(rec) }) }),
    field(t('exp.recipient'), recipient, false),
    h('div', { class: 'form-grid' }, field(t('exp.organisation'), org, true), field(t('exp.purpose'), purpose, true)),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn primary', text: t('exp.submit') }),
      h('button', { type: 'button', class: 'btn quiet', text: t('common.cancel'), on: { click: () => { slot.replaceChildren(); done(); } } })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    if (!recipient.value.trim()) { showErrors(form, [{ field: 'recipient', text: t('exp.needRecipient') }]); return; }
    const body = { recipient: recipient.value.trim() };
    if (org.value.trim()) body.organisation = org.value.trim();
    if (purpose.value.trim()) body.purpose = purpose.value.trim();
    await busy(form, async () => {
      try {
        const x = await post(`/recordings/${rec.id}/exports`, body);
        slot.replaceChildren(progressPanel(x, ctx, done));
      } catch (e) {
        if (e.status === 401) return;
        const err = explain(e, labelsOf(form));
        if (e.code === 'busy') err.text = t('exp.busy');
        if (e.code === 'bad_request' && !err.field && /recipient/.test(e.message)) err.field = 'recipient';
        if (err.field === 'recipient' && e.code === 'bad_request') err.text = t('exp.badRecipient');
        showErrors(form, [err]);
      }
    });
  });
  setTimeout(() => recipient.focus(), 0);
  return form;
}

/** The job of export x until it is done or failed: a progress bar, then the
 * download link or why it failed. */
function progressPanel(x, ctx, done) {
  const label = h('p', { id: newId('exp'), class: 'export-progress-label', 'aria-live': 'polite' });
  const bar = h('progress', { max: 100, value: 0, 'aria-labelledby': label.id });
  const panel = h('div', { class: 'export-progress', role: 'group', 'aria-labelledby': label.id }, label, bar);
  const show = (cur) => {
    const pct = Math.round((cur.progress || 0) * 100);
    bar.value = cur.state === 'done' ? 100 : pct;
    if (cur.state === 'queued') label.textContent = t('exp.waiting', { name: cur.recipient });
    else label.textContent = pct ? t('exp.making', { name: cur.recipient, pct }) : t('exp.starting', { name: cur.recipient });
  };
  const tick = async () => {
    if (!ctx.alive()) return;
    let cur;
    try { cur = await get(`/exports/${x.id}`); } catch (e) {
      if (e.status !== 401 && ctx.alive()) panel.replaceChildren(notice('bad', explain(e).text));
      return;
    }
    if (!ctx.alive()) return;
    if (cur.state === 'done') {
      panel.replaceChildren(notice('ok', t('exp.done', { name: cur.recipient })),
        h('a', { href: cur.download_url, download: '', class: 'btn primary', text: t('exp.downloadNow') }));
      done();
    } else if (cur.state === 'failed') {
      panel.replaceChildren(notice('bad', t('exp.failed')));
      done();
    } else {
      show(cur);
      setTimeout(tick, POLL_MS);
    }
  };
  show(x);
  setTimeout(tick, POLL_MS);
  return panel;
}

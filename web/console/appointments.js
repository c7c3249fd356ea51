// appointments.js -- the case page's 预约与邀请: the case's appointments
// with each invitee's state, the 预约 form (date, time, kind, invitees with
// roles), the join links the API gives only once (after creating, and after
// 重新生成链接), and 改期 / 取消预约 / 撤销邀请. Staff who run hearings
// (prosecutor, aid staff) get the buttons; others read.
import { post, patch, postBlob, explain } from './api.js';
import { t } from './i18n.js';
import { h, notice, showErrors, clearErrors, busy, newId, labelsOf, checkStep, echo } from './dom.js';
import { fmtDateTime, fmtTime, fmtDateWeekday, todayCst, cstDateOf, cstTimeOf, cstInstant } from './format.js';
import { HOSTS, INVITEE_ROLES, APPT_KINDS, APPT_TITLES } from './codes.js';
import { roomButton } from './enter.js';

/** The section's children for case c with its appointments and hearings. */
export function renderAppointments(c, appts, hearings, ctx, reload) {
  const canManage = HOSTS.includes(ctx.me.role) && c.stage !== 'closed';
  const links = h('div', { class: 'links-slot' });
  if (pendingLinks && pendingLinks.caseId === c.id) {
    const p = pendingLinks;
    pendingLinks = null;
    const panel = linksPanel(p.title, p.invitations, links);
    panel.querySelector('input')?.setAttribute('data-autofocus', '');
    links.append(panel);
  }
  const formSlot = h('div', { class: 'appt-form-slot' });
  const head = h('div', { class: 'panel-head' }, h('h2', { id: 'case-appts', text: t('appt.heading') }));
  if (canManage) {
    const btn = h('button', { type: 'button', class: 'btn primary', text: t('appt.new'), 'aria-expanded': 'false' });
    btn.addEventListener('click', () => {
      if (formSlot.firstChild) { formSlot.replaceChildren(); btn.setAttribute('aria-expanded', 'false'); return; }
      btn.setAttribute('aria-expanded', 'true');
      formSlot.replaceChildren(newForm(c, ctx, {
        cancel: () => { formSlot.replaceChildren(); btn.setAttribute('aria-expanded', 'false'); btn.focus(); },
        created: (r) => showCreated(c, r, reload),
      }));
    });
    head.append(btn);
  }
  const latest = new Map();
  for (const hr of Array.isArray(hearings) ? hearings : []) latest.set(hr.appointment_id, hr);
  const list = appts.length
    ? h('ul', { class: 'appt-list' }, appts.slice().sort((a, b) => Date.parse(b.starts_at) - Date.parse(a.starts_at))
      .map((a) => apptItem({ ...a, hearing: a.hearing !== undefined ? a.hearing : latest.get(a.id) || null }, canManage, ctx, reload)))
    : h('p', { class: 'muted', text: t('appt.none') });
  return [head, links, formSlot, list];
}

/* ---- one appointment ---- */

/** What appointment a is for, in words (接访, 检察听证, 司法救助). */
export function kindLabel(a) {
  return APPT_KINDS.includes(a.kind) ? t(`kind.${a.kind}`) : a.kind_label || a.title || '';
}

function inviteeStatus(i) {
  if (i.replaced_by) return h('span', { class: 'state muted', text: t('invitee.status.replaced') });
  if (i.revoked) return h('span', { class: 'state muted', text: t('invitee.status.revoked') });
  if (i.admitted_at) return h('span', { class: 'state ok', text: t('invitee.status.admitted', { time: fmtTime(i.admitted_at) }) });
  if (i.opened_at) return h('span', { class: 'state warn', text: t('invitee.status.opened') });
  return h('span', { class: 'state muted', text: t('invitee.status.notOpened') });
}

/** The host's name as the API gives it (host_name), if it does. */
export function hostName(a) {
  if (typeof a.host === 'string') return a.host;
  return (a.host && (a.host.name || a.host.display_name)) || a.host_name || '';
}

function apptItem(a, canManage, ctx, reload) {
  const slot = h('div', { class: 'appt-slot' });
  const kind = kindLabel(a);
  const host = hostName(a) || (ctx.names && ctx.names.get(a.host_id)) || '';
  const head = h('div', { class: 'appt-head' },
    h('strong', { class: 'appt-when', text: fmtDateTime(a.starts_at) }),
    kind ? h('span', { class: 'tag', text: kind }) : null,
    host ? h('span', { class: 'muted', text: t('appt.host', { name: host }) }) : null,
    a.cancelled ? h('span', { class: 'state bad', text: a.cancel_reason ? t('appt.cancelledReason', { reason: a.cancel_reason }) : t('appt.cancelled') }) : null);
  // Live invitations first; revoked and replaced ones after them, dimmed.
  const dead = (i) => !!(i.revoked || i.replaced_by);
  const sorted = (a.invitees || []).slice().sort((x, y) => dead(x) - dead(y));
  const invitees = h('ul', { class: 'invitees wide' }, sorted.map((i) => h('li', { class: dead(i) ? 'is-dead' : null },
    h('span', { class: 'who-name', text: i.name }),
    h('span', { class: 'tag', text: t(`invitee.${i.role}`) }),
    inviteeStatus(i),
    canManage && !a.cancelled && !i.revoked && !i.replaced_by ? inviteeButtons(a, i, reload) : null)));
  const actions = h('div', { class: 'actions' });
  if (!a.cancelled) actions.append(roomButton(a, ctx, () => setTimeout(() => { if (ctx.alive()) reload(); }, 1500)));
  // The API allows moving an appointment only before its hearing starts, and
  // cancelling it only while no hearing runs.
  const started = !!(a.hearing && a.hearing.started_at);
  const running = started && !a.hearing.ended_at;
  if (canManage && !a.cancelled && !started) {
    actions.append(h('button', { type: 'button', class: 'btn', text: t('appt.reschedule'),
      on: { click: () => slot.replaceChildren(rescheduleForm(a, slot, reload)) } }));
  }
  if (canManage && !a.cancelled && !running) {
    actions.append(h('button', { type: 'button', class: 'btn danger-quiet', text: t('appt.cancel'),
      on: { click: () => slot.replaceChildren(cancelForm(a, slot, reload)) } }));
  }
  return h('li', { class: `appt ${a.cancelled ? 'is-cancelled' : ''}`, dataset: { appointment: String(a.id) } },
    head, invitees, actions.childNodes.length ? actions : null, slot);
}

function inviteeButtons(a, i, reload) {
  const msg = h('span', { class: 'room-msg', role: 'status' });
  const revoke = h('button', { type: 'button', class: 'btn small danger-quiet', text: t('appt.revoke') });
  revoke.addEventListener('click', async () => {
    if (!window.confirm(t('appt.revokeConfirm', { name: i.name }))) return;
    try {
      await post(`/invitations/${i.id}/revoke`, {});
      reload({ kind: 'ok', text: t('appt.revoked', { name: i.name }) });
    } catch (e) { if (e.status !== 401) { msg.className = 'room-msg bad'; msg.textContent = explain(e).text; } }
  });
  const reissue = h('button', { type: 'button', class: 'btn small', text: t('appt.reissue') });
  reissue.addEventListener('click', async () => {
    try {
      const inv = await post(`/invitations/${i.id}/reissue`, {});
      showLinks(a.case_id, t('appt.reissued', { name: i.name }),
        [{ id: inv.id, token: inv.token, name: i.name, role: i.role, join_url: inv.join_url, expires_at: inv.expires_at }], reload);
    } catch (e) { if (e.status !== 401) { msg.className = 'room-msg bad'; msg.textContent = explain(e).text; } }
  });
  return h('span', { class: 'invitee-actions' }, reissue, revoke, msg);
}

/* ---- join links (shown once) ---- */

function copyButton(input) {
  const btn = h('button', { type: 'button', class: 'btn small', text: t('common.copy') });
  btn.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(input.value);
      btn.textContent = t('common.copied');
    } catch {
      input.focus();
      input.select();
      btn.textContent = t('common.copyFailed');
    }
  });
  return btn;
}

/* The link's QR code (petitioners open links from WeChat by scanning), drawn
 * by the server from the token this page was just given. */
function qrImage(inv) {
  const img = h('img', { class: 'qr', alt: t('appt.qrAlt', { name: inv.name }), width: 148, height: 148 });
  const box = h('figure', { class: 'qr-box' }, img, h('figcaption', { text: t('appt.qrCaption') }));
  postBlob(`/invitations/${inv.id}/qr`, { token: inv.token })
    .then((b) => new Promise((resolve, reject) => {   // a data: URL: the pages' CSP allows no blob: images
      const fr = new FileReader();
      fr.onload = () => resolve(fr.result);
      fr.onerror = () => reject(fr.error);
      fr.readAsDataURL(b);
    }))
    .then((url) => { img.src = url; })
    .catch(() => { box.replaceChildren(h('p', { class: 'hint', text: t('appt.qrFailed') })); });
  return box;
}

/* 下载邀请函: the slip as a PDF to print and hand over or send. */
function slipButton(inv) {
  const msg = h('span', { class: 'hint', role: 'status' });
  const btn = h('button', { type: 'button', class: 'btn small', text: t('appt.slip') });
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    msg.textContent = t('appt.slipMaking');
    try {
      const blob = await postBlob(`/invitations/${inv.id}/slip`, { token: inv.token });
      const a = h('a', { href: URL.createObjectURL(blob), download: t('appt.slipFile', { name: inv.name }) });
      document.body.append(a);
      a.click();
      a.remove();
      msg.textContent = t('appt.slipDone');
    } catch (e) {
      msg.textContent = t('appt.slipFailed');
    } finally {
      btn.disabled = false;
    }
  });
  return h('div', { class: 'slip-row' }, btn, msg);
}

function linksPanel(title, invitations, slot) {
  const done = h('button', { type: 'button', class: 'btn primary', text: t('appt.done'), on: { click: () => slot.replaceChildren() } });
  const panel = h('div', { class: 'links card', role: 'region', 'aria-label': title },
    notice('ok', title),
    h('p', { class: 'warn-text', text: t('appt.linksLead') }),
    h('ul', { class: 'link-list' }, invitations.map((inv) => {
      const id = newId('link');
      const input = h('input', { id, type: 'text', readOnly: true, value: inv.join_url, class: 'mono', spellcheck: 'false' });
      input.addEventListener('focus', () => input.select());
      return h('li', { class: 'link-item' },
        h('div', { class: 'link-main' },
          h('label', { for: id, text: t('appt.linkFor', { name: inv.name, role: t(`invitee.${inv.role}`) }) }),
          h('div', { class: 'link-row' }, input, copyButton(input)),
          inv.expires_at ? h('p', { class: 'hint', text: t('appt.expires', { time: fmtDateTime(inv.expires_at) }) }) : null,
          inv.token ? slipButton(inv) : null),
        inv.token ? qrImage(inv) : null);
    })),
    h('div', { class: 'actions' }, done));
  return panel;
}

/* The links of a just-made appointment, shown once by the next render of
 * its case page (the page reloads to list the new appointment). */
let pendingLinks = null;

function showLinks(caseId, title, invitations, reload) {
  pendingLinks = { caseId, title, invitations };
  reload();
}

function showCreated(c, r, reload) {
  showLinks(c.id, t('appt.created', { when: fmtDateTime(r.appointment.starts_at) }), r.invitations || [], reload);
}

/* ---- forms ---- */

function defaultTime() {
  const now = new Date(Date.now() + 8 * 3600e3);
  const m = now.getUTCHours() * 60 + now.getUTCMinutes() + 30;
  const r = Math.min(Math.ceil(m / 30) * 30, 23 * 60 + 30);
  return `${String(Math.floor(r / 60)).padStart(2, '0')}:${String(r % 60).padStart(2, '0')}`;
}

function field(label, control, opts = {}) {
  if (!control.id) control.id = newId('f');
  return h('div', { class: `field ${opts.cls || ''}` },
    h('label', { for: control.id }, label, opts.optional ? h('span', { class: 'opt', text: t('common.optional') }) : null),
    control);
}

/** "预约时间：2024年5月3日（星期五）09:00" under the date and time fields. */
function whenEcho(date, time) {
  return echo([date, time], (d, tm) => (d && tm ? t('appt.when', { date: fmtDateWeekday(d), time: tm }) : ''));
}

function inviteeRow(n, values = {}) {
  const name = h('input', { name: `invitees.${n}.name`, maxlength: 200, autocomplete: 'off', value: values.name || '' });
  const role = h('select', { name: `invitees.${n}.role` },
    INVITEE_ROLES.map((r) => h('option', { value: r, text: t(`invitee.${r}`), selected: r === (values.role || 'petitioner') })));
  const contact = h('input', { name: `invitees.${n}.contact`, type: 'tel', maxlength: 100, autocomplete: 'off', value: values.contact || '' });
  const row = h('fieldset', { class: 'invitee-row', dataset: { field: `invitees.${n}` } },
    h('legend', { class: 'sr-only', text: t('appt.inviteeN', { n: n + 1 }) }),
    field(t('appt.inviteeName'), name), field(t('appt.inviteeRole'), role),
    field(t('appt.inviteeContact'), contact, { optional: true }));
  return row;
}

function newForm(c, ctx, { cancel, created }) {
  const date = h('input', { name: 'date', type: 'date', min: todayCst(), value: todayCst() });
  const time = h('input', { name: 'time', type: 'time', step: 300, value: defaultTime() });
  const kind = h('select', { name: 'kind' }, APPT_KINDS.map((k) => h('option', { value: k, text: t(`kind.${k}`),
    selected: k === (c.type === 'judicial_aid' ? 'aid' : 'reception') })));
  const rows = h('div', { class: 'invitee-rows' });
  let n = 0;
  rows.append(inviteeRow(n++, { name: c.petitioner, role: 'petitioner', contact: c.contact && !/\*/.test(c.contact) ? c.contact : '' }));
  const add = h('button', { type: 'button', class: 'btn small', text: t('appt.addInvitee') });
  add.addEventListener('click', () => {
    const row = inviteeRow(n++, { role: 'agent' });
    row.append(h('button', { type: 'button', class: 'btn small quiet remove-row', text: t('appt.removeInvitee'),
      on: { click: () => { row.remove(); add.focus(); } } }));
    rows.append(row);
    row.querySelector('input').focus();
  });
  const form = h('form', { class: 'card form appt-form', novalidate: true, 'aria-labelledby': 'appt-form-h' },
    h('h3', { id: 'appt-form-h', text: t('appt.formHeading') }),
    h('div', { class: 'form-grid three' },
      h('div', { dataset: { field: 'starts_at', label: t('appt.time') } }, field(t('appt.date'), date)),
      field(t('appt.time'), time), field(t('appt.kind'), kind)),
    whenEcho(date, time),
    h('fieldset', { class: 'invitees-set', dataset: { field: 'invitees', label: t('appt.invitees') } },
      h('legend', { text: t('appt.invitees') }), rows, add),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn primary', text: t('appt.submit') }),
      h('button', { type: 'button', class: 'btn quiet', text: t('common.cancel'), on: { click: cancel } })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const errors = [];
    if (!date.value) errors.push({ field: 'date', text: t('appt.needDate') });
    if (!time.value) errors.push({ field: 'time', text: t('appt.needTime') });
    const invitees = [...rows.querySelectorAll('.invitee-row')].map((row, i) => {
      // Number the rows as the API will (invitees[i]) so its errors find them.
      row.dataset.field = `invitees.${i}`;
      for (const el of row.querySelectorAll('[name]')) el.name = el.name.replace(/^invitees\.\d+\./, `invitees.${i}.`);
      const get = (k) => row.querySelector(`[name$=".${k}"]`).value.trim();
      if (!get('name')) errors.push({ field: row.querySelector('[name$=".name"]').name, text: t('appt.needInviteeName') });
      const inv = { name: get('name'), role: get('role') };
      if (get('contact')) inv.contact = get('contact');
      return inv;
    });
    if (errors.length) { showErrors(form, errors); return; }
    clearErrors(form);
    const body = { starts_at: cstInstant(date.value, time.value), kind: kind.value, title: APPT_TITLES[kind.value], invitees };
    await busy(form, async () => {
      try {
        created(await post(`/cases/${c.id}/appointments`, body));
      } catch (e) {
        if (e.status === 401) return;
        const err = explain(e, { ...labelsOf(form), starts_at: t('appt.time'), invitees: t('appt.invitees') });
        // invitees.N.field → the row's control of that name
        if (err.field && /^invitees\.\d+$/.test(err.field)) err.field = `${err.field}.name`;
        showErrors(form, [err]);
      }
    });
  });
  setTimeout(() => date.focus(), 0);
  return form;
}

function rescheduleForm(a, slot, reload) {
  const date = h('input', { name: 'date', type: 'date', min: todayCst(), value: cstDateOf(a.starts_at) });
  const time = h('input', { name: 'time', type: 'time', step: 300, value: cstTimeOf(a.starts_at) });
  const form = h('form', { class: 'inline-form', novalidate: true },
    h('div', { class: 'form-grid three' },
      h('div', { dataset: { field: 'starts_at', label: t('appt.time') } }, field(t('appt.date'), date)),
      field(t('appt.time'), time)),
    whenEcho(date, time),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn primary', text: t('appt.rescheduleSubmit') }),
      h('button', { type: 'button', class: 'btn quiet', text: t('common.cancel'), on: { click: () => slot.replaceChildren() } })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!date.value || !time.value) {
      showErrors(form, [{ field: date.value ? 'time' : 'date', text: t(date.value ? 'appt.needTime' : 'appt.needDate') }]);
      return;
    }
    const starts = cstInstant(date.value, time.value);
    await busy(form, async () => {
      try {
        await patch(`/appointments/${a.id}`, { starts_at: starts });
        reload({ kind: 'ok', text: t('appt.rescheduled', { when: fmtDateTime(starts) }) });
      } catch (e) { if (e.status !== 401) showErrors(form, [explain(e, { starts_at: t('appt.time') })]); }
    });
  });
  setTimeout(() => date.focus(), 0);
  return form;
}

function cancelForm(a, slot, reload) {
  const reason = h('textarea', { name: 'reason', rows: 2, maxlength: 2000 });
  const form = h('form', { class: 'inline-form', novalidate: true },
    field(t('appt.cancelReason'), reason),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn danger', text: t('appt.cancel') }),
      h('button', { type: 'button', class: 'btn quiet', text: t('common.cancel'), on: { click: () => slot.replaceChildren() } })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!reason.value.trim()) { showErrors(form, [{ field: 'reason', text: t('appt.needReason') }]); return; }
    if (!form.dataset.checked) {
      clearErrors(form);
      checkStep(form, { lines: [t('appt.cancelCheck', { when: fmtDateTime(a.starts_at) }), t('appt.cancelCheckReason', { reason: reason.value.trim() })],
        confirmText: t('appt.cancelSubmit'), backText: t('common.back') });
      return;
    }
    await busy(form, async () => {
      try {
        await post(`/appointments/${a.id}/cancel`, { reason: reason.value.trim() });
        reload({ kind: 'ok', text: t('appt.cancelDone') });
      } catch (e) { if (e.status !== 401) showErrors(form, [explain(e, { reason: t('appt.cancelReason') })]); }
    });
  });
  setTimeout(() => reason.focus(), 0);
  return form;
}

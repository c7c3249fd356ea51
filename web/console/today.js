// today.js -- 工作台: today's appointments (who has opened their link or been
// admitted, and the one button into the room for those who may enter), the
// 督办 ledger of overdue and soon-due deadlines, and the open cases the
// signed-in prosecutor is assigned (for aid staff: the open 司法救助 cases).
// Each part loads on its own, so one failing leaves the others readable.
import { get, qs, explain } from './api.js';
import { t } from './i18n.js';
import { h, notice, table } from './dom.js';
import { fmtDate, fmtTime, todayCst } from './format.js';
import { dueBadge } from './deadlines.js';
import { HOSTS, ROOM_ROLES } from './codes.js';
import { kindLabel, hostName } from './appointments.js';
import { roomButton } from './enter.js';
import { caseRows, caseHead } from './cases.js';

export async function render(root, ctx) {
  const today = todayCst();
  ctx.setTitle(t('today.title'));
  const appts = h('section', { class: 'panel', 'aria-labelledby': 'today-appts' });
  const ledger = h('section', { class: 'panel', 'aria-labelledby': 'today-ledger' });
  const mine = h('section', { class: 'panel', 'aria-labelledby': 'today-mine' });
  root.append(
    h('div', { class: 'page-head' },
      h('h1', { tabindex: '-1', text: t('today.heading') }),
      h('p', { class: 'muted', text: t('today.date', { date: fmtDate(today) }) })),
    appts, ledger);
  if (HOSTS.includes(ctx.me.role)) root.append(mine);
  await Promise.all([
    loadAppointments(appts, ctx, today),
    loadLedger(ledger, ctx),
    HOSTS.includes(ctx.me.role) ? loadMine(mine, ctx, today) : null,
  ]);
}

async function section(el, id, titleKey, load, leadKey) {
  el.append(h('h2', { id, text: t(titleKey) }));
  if (leadKey) el.append(h('p', { class: 'muted small', text: t(leadKey) }));
  const body = h('div', { class: 'panel-body' }, h('p', { class: 'muted', text: t('app.loading') }));
  el.append(body);
  try {
    const content = await load();
    body.replaceChildren(content);
  } catch (e) {
    if (e.status !== 401) body.replaceChildren(notice('bad', explain(e).text));
  }
}

/* ---- today's appointments ---- */

function inviteeLine(i) {
  let status, cls;
  if (i.revoked) { status = t('invitee.status.revoked'); cls = 'muted'; }
  else if (i.admitted_at) { status = t('invitee.status.admitted', { time: fmtTime(i.admitted_at) }); cls = 'ok'; }
  else if (i.opened_at) { status = t('invitee.status.opened'); cls = 'warn'; }
  else { status = t('invitee.status.notOpened'); cls = 'muted'; }
  return h('li', {}, h('span', { class: 'who-name', text: i.name }),
    h('span', { class: 'tag', text: t(`invitee.${i.role}`) }),
    h('span', { class: `state ${cls}`, text: status }));
}

function hearingCell(a) {
  if (a.cancelled) return h('span', { class: 'state muted', text: t('today.cancelled') });
  const hr = a.hearing;
  const link = hr && hr.id ? h('div', {}, h('a', { href: `#/hearings/${hr.id}`, text: t('today.openHearing') })) : null;
  if (hr && hr.started_at && !hr.ended_at) return h('div', {}, h('span', { class: 'state live', text: t('today.running', { time: fmtTime(hr.started_at) }) }), link);
  if (hr && hr.ended_at) return h('div', {}, h('span', { class: 'state muted', text: t('today.ended', { time: fmtTime(hr.ended_at) }) }), link);
  return h('span', { class: 'state muted', text: t('today.notStarted') });
}

/** False for an appointment a prosecutor hosts on another prosecutor's case:
 * they read it on 工作台, but the case and its hearing are not theirs to open
 * or run (docs/api.md, "Authorization"). */
function caseIsMine(a, me) {
  return me.role !== 'prosecutor' || !a.case || a.case.prosecutor_id === me.id;
}

async function loadAppointments(el, ctx, today) {
  await section(el, 'today-appts', 'today.appointments', async () => {
    const r = await get(`/appointments${qs({ date: today })}`);
    if (!ctx.alive()) return '';
    const items = (r.items || []).slice().sort((x, y) => Date.parse(x.starts_at) - Date.parse(y.starts_at));
    if (!items.length) return h('p', { class: 'muted', text: t('today.noAppointments') });
    // Roles that never enter a room (administrators, viewers) get no action column.
    const acts = ROOM_ROLES.includes(ctx.me.role);
    const rows = items.map((a) => h('tr', { class: a.cancelled ? 'is-cancelled' : '', dataset: { appointment: String(a.id) } },
      h('td', { class: 'time' }, fmtTime(a.starts_at)),
      h('td', {}, caseIsMine(a, ctx.me) ? h('a', { href: `#/cases/${a.case_id}`, text: a.case ? a.case.case_no : a.case_no })
        : h('span', { text: a.case.case_no }),
        h('div', { class: 'small', text: (a.case ? a.case.petitioner : a.petitioner) || '' })),
      h('td', {}, kindLabel(a),
        hostName(a) ? h('div', { class: 'small muted', text: t('appt.host', { name: hostName(a) }) }) : null),
      h('td', {}, h('ul', { class: 'invitees' }, (a.invitees || []).map(inviteeLine))),
      h('td', {}, hearingCell(a)),
      acts ? h('td', {}, caseIsMine(a, ctx.me) ? roomButton(a, ctx, () => loadAppointmentsAgain(el, ctx, today))
        : h('span', { class: 'muted small', text: t('today.notYourCase') })) : null));
    const head = [t('today.colTime'), t('today.colCase'), t('today.colKind'), t('today.colInvitees'), t('today.colHearing')];
    return table({ caption: t('today.appointments'), cls: 'appts', head: acts ? [...head, t('today.colAction')] : head, rows });
  });
}

function loadAppointmentsAgain(el, ctx, today) {
  // The hearing has just started: show it running (a little later, so the
  // room tab is opening first).
  setTimeout(() => {
    if (!ctx.alive()) return;
    el.replaceChildren();
    loadAppointments(el, ctx, today);
  }, 1500);
}

/* ---- the 督办 ledger ---- */

async function loadLedger(el, ctx) {
  await section(el, 'today-ledger', 'today.ledger', async () => {
    const r = await get(`/cases/due${qs({ within_days: 2 })}`);
    if (!ctx.alive()) return '';
    const items = r.items || [];   // most overdue first
    if (!items.length) return h('p', { class: 'muted', text: t('today.noLedger') });
    const rows = items.map((d) => {
      // days_left is the server's count (due − its today), so the words agree with the list.
      const n = d.days_left;
      const st = n < 0 ? { cls: 'bad', text: t('due.overdue', { n: -n }) }
        : { cls: 'warn', text: n === 0 ? t('due.today') : t('due.left', { n }) };
      return h('tr', { class: d.days_left < 0 ? 'is-overdue' : '' },
        h('td', { class: 'nowrap' }, h('a', { href: `#/cases/${d.id}`, text: d.case_no })),
        h('td', { text: d.petitioner || '' }),
        h('td', {}, h('span', { class: `stage-tag s-${d.stage}`, text: t(`stage.${d.stage}`) })),
        h('td', { class: 'nowrap', text: t(`deadline.${d.deadline}`) }),
        h('td', { class: 'nowrap', text: fmtDate(d.due) }),
        h('td', {}, dueBadge(st)));
    });
    return table({ caption: t('today.ledger'), cls: 'ledger',
      head: [t('cases.colNo'), t('today.colPetitioner'), t('today.colStage'), t('today.colDeadline'), t('today.colDue'),
        t('today.colStatus')], rows });
  }, 'today.ledgerLead');
}

/* ---- my open cases ---- */

/** Overdue first (longest first), then by the running deadline's date. */
function byUrgency(a, b) {
  if (a.overdue !== b.overdue) return a.overdue ? -1 : 1;
  if (a.overdue) return b.days_overdue - a.days_overdue;
  const due = (c) => (['register', 'review'].includes(c.stage) ? c.reply_due : c.result_due);
  return due(a) < due(b) ? -1 : due(a) > due(b) ? 1 : 0;
}

async function loadMine(el, ctx, today) {
  // A prosecutor's own cases are those assigned to them; aid staff's are all
  // 司法救助 cases, which no one is assigned as prosecutor.
  const aid = ctx.me.role === 'aid_staff';
  await section(el, 'today-mine', aid ? 'today.aidCases' : 'today.myCases', async () => {
    const r = await get(`/cases${qs(aid ? { type: 'judicial_aid', limit: 200 } : { assigned: 'me', limit: 200 })}`);
    if (!ctx.alive()) return '';
    const open = (r.items || []).filter((c) => c.stage !== 'closed').sort(byUrgency);
    if (!open.length) return h('p', { class: 'muted', text: t(aid ? 'today.noAidCases' : 'today.noMyCases') });
    const shown = open.slice(0, 10);
    return h('div', {},
      table({ caption: t('today.myCases'), cls: 'cases compact', head: caseHead(true), rows: caseRows(shown, today, true) }),
      open.length > shown.length || r.next_cursor
        ? h('p', {}, h('a', { href: '#/cases', text: t('today.moreCases') })) : null);
  });
}

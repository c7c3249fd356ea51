// case.js -- 案件详情 (一案一档): the stage timeline with the current stage
// marked, the moves the API allows now (next_stages) with an optional note
// (终结/销号 asks for the reason), both deadlines and whether each was met,
// the petitioner in full, appointments (appointments.js), hearings with their
// recording state and files (exports.js: a watermarked copy for someone
// outside the case), and the case's events with people's names.
import { get, post, explain } from './api.js';
import { t } from './i18n.js';
import { h, notice, showErrors, clearErrors, busy, newId, checkStep } from './dom.js';
import { fmtDate, fmtDateTime, todayCst } from './format.js';
import { STAGES } from './codes.js';
import { dueStatus, dueBadge, metDates } from './deadlines.js';
import { renderAppointments } from './appointments.js';
import { recordingFiles } from './exports.js';

const MOVERS = ['prosecutor', 'aid_staff'];

export async function render(root, ctx) {
  const id = ctx.params[0];
  root.append(h('p', { class: 'muted', text: t('case.loading') }));
  const [kase, events, appts, hearings, names] = await Promise.all([
    get(`/cases/${id}`),
    get(`/cases/${id}/events`).then((r) => r.items || []),
    get(`/cases/${id}/appointments`).then((r) => r.items || []).catch((e) => e),
    get(`/cases/${id}/hearings`).then((r) => withRecording(r.items || [])).catch((e) => e),
    staffNames(ctx.me),
  ]);
  // The people of the case's hearings are named there: their names serve the
  // history and the appointments too.
  for (const hr of Array.isArray(hearings) ? hearings : []) {
    for (const pt of hr.participants || []) if (pt.staff_id && !names.has(pt.staff_id)) names.set(pt.staff_id, pt.name);
  }
  ctx.names = names;
  if (!ctx.alive()) return;
  ctx.setTitle(t('case.title', { no: kase.case_no }));
  const reload = (flash) => ctx.go(`#/cases/${id}`, flash);
  const main = h('div', { class: 'case-main' },
    MOVERS.includes(ctx.me.role) ? movesPanel(kase, ctx, reload) : null,
    h('section', { class: 'panel', 'aria-labelledby': 'case-appts' },
      appts instanceof Error ? [h('h2', { id: 'case-appts', text: t('appt.heading') }), notice('bad', explain(appts).text)]
        : renderAppointments(kase, appts, hearings, ctx, reload)),
    hearingsPanel(hearings, ctx),
    eventsPanel(events, ctx));
  const aside = h('div', { class: 'case-aside' },
    deadlinesPanel(kase, events),
    petitionerPanel(kase, ctx));
  root.replaceChildren(header(kase), stepper(kase, events), h('div', { class: 'case-grid' }, main, aside));
}

function header(c) {
  return h('div', { class: 'page-head case-head' },
    h('h1', { tabindex: '-1', text: c.case_no }),
    h('span', { class: 'tag', text: t(`type.${c.type}`) }),
    h('span', { class: 'tag', text: t(`channelLong.${c.channel}`) }),
    h('span', { class: `stage-tag s-${c.stage}`, text: t(`stage.${c.stage}`) }),
    c.overdue ? dueBadge({ cls: 'bad', text: t('cases.overdueBy', { deadline: t(`deadline.${c.overdue_deadline}`), n: c.days_overdue }) }) : null);
}

/* ---- stages ---- */

function stepper(c, events) {
  const reached = new Map();
  for (const e of events) if (!reached.has(e.to)) reached.set(e.to, e.at);
  const cur = STAGES.indexOf(c.stage);
  const ol = h('ol', { class: 'stepper' });
  STAGES.forEach((s, i) => {
    let cls = 'todo', extra = '';
    if (s === c.stage) { cls = 'current'; extra = t('case.current'); }
    else if (reached.has(s)) cls = 'done';
    else if (i < cur) { cls = 'skipped'; extra = t('case.skipped'); }
    const li = h('li', { class: `step ${cls}` },
      h('span', { class: 'step-dot', 'aria-hidden': 'true', text: cls === 'done' ? '✓' : String(i + 1) }),
      h('span', { class: 'step-name', text: t(`stage.${s}`) }),
      reached.has(s) ? h('span', { class: 'step-date', text: fmtDate(reached.get(s)) }) : null,
      extra ? h('span', { class: 'sr-only', text: `（${extra}）` }) : null);
    if (s === c.stage) li.setAttribute('aria-current', 'step');
    ol.append(li);
  });
  return h('section', { class: 'panel stages', 'aria-label': t('case.stages') }, ol);
}

function movesPanel(c, ctx, reload) {
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'case-moves' }, h('h2', { id: 'case-moves', text: t('case.moves') }));
  const moves = c.next_stages || [];
  if (c.stage === 'closed') { panel.append(h('p', { class: 'muted', text: t('case.closedNote') })); return panel; }
  if (!moves.length) {
    panel.append(h('p', { class: 'muted', text: t('case.noMoves') }));
    return panel;
  }
  const slot = h('div', { class: 'move-form-slot' });
  const buttons = h('div', { class: 'actions' }, moves.map((m) => {
    const label = m.stage === 'closed' ? t('case.closeCase') : t('case.moveTo', { stage: t(`stage.${m.stage}`) });
    return h('button', { type: 'button', class: `btn ${m.stage === 'closed' ? 'danger' : ''}`, text: label,
      on: { click: () => slot.replaceChildren(moveForm(c, m, slot, reload)) } });
  }));
  panel.append(buttons, slot);
  return panel;
}

function moveForm(c, m, slot, reload) {
  const closing = m.stage === 'closed';
  const stage = t(`stage.${m.stage}`);
  const id = newId('move-note');
  const label = closing ? t('case.closeReason') : t('case.moveNote');
  const hint = closing ? h('p', { class: 'hint', id: `${id}-hint`, text: t('case.closeReasonHint') }) : null;
  const form = h('form', { class: 'inline-form', novalidate: true },
    h('div', { class: 'field' },
      h('label', { for: id }, label, h('span', { class: 'opt', text: closing ? t('common.required') : t('common.optional') })),
      hint,
      h('textarea', { id, name: 'note', rows: 2, maxlength: 2000, 'aria-describedby': hint ? `${id}-hint` : null })),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: `btn ${closing ? 'danger' : 'primary'}`, text: closing ? t('case.closeCase') : t('case.confirmMove', { stage }) }),
      h('button', { type: 'button', class: 'btn quiet', text: t('common.cancel'), on: { click: () => slot.replaceChildren() } })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const note = form.elements.note.value.trim();
    if (closing && !note) { showErrors(form, [{ field: 'note', text: t('case.needReason') }]); return; }
    if (closing && !form.dataset.checked) {
      clearErrors(form);
      checkStep(form, { lines: [t('case.closeCheck', { no: c.case_no }), t('case.closeCheckReason', { reason: note })],
        confirmText: t('case.closeConfirm'), backText: t('common.back') });
      return;
    }
    await busy(form, async () => {
      try {
        await post(`/cases/${c.id}/transition`, { to: m.stage, note });
        reload({ kind: 'ok', text: t('case.moved', { stage }) });
      } catch (e) {
        if (e.status !== 401) showErrors(form, [explain(e, { note: label })]);
      }
    });
  });
  setTimeout(() => form.elements.note.focus(), 0);
  return form;
}

/* ---- the side column ---- */

function deadlinesPanel(c, events) {
  const met = metDates(events);
  const today = todayCst();
  const row = (which, due) => {
    const st = dueStatus(due, today, met[which]);
    return h('div', { class: 'deadline' },
      h('div', { class: 'deadline-what', text: t(`deadline.${which}`) }),
      h('div', { class: 'deadline-due', text: t('case.due', { date: fmtDate(due) }) }),
      dueBadge(st));
  };
  return h('section', { class: 'panel', 'aria-labelledby': 'case-deadlines' },
    h('h2', { id: 'case-deadlines', text: t('case.deadlines') }),
    row('reply', c.reply_due), row('result', c.result_due));
}

function petitionerPanel(c, ctx) {
  const dl = h('dl', { class: 'facts' });
  const add = (k, v, cls) => { if (v) dl.append(h('dt', { text: t(k) }), h('dd', { class: cls || '', text: v })); };
  add('case.name', c.petitioner);
  add('case.contact', c.contact, 'mono');
  add('case.idNumber', c.id_number, 'mono');
  add('case.received', fmtDate(c.received));
  add('case.channel', t(`channelLong.${c.channel}`));
  add('case.type', t(`type.${c.type}`));
  add('case.prosecutor', prosecutorName(c, ctx));
  return h('section', { class: 'panel', 'aria-labelledby': 'case-petitioner' },
    h('h2', { id: 'case-petitioner', text: t('case.petitioner') }), dl,
    h('h3', { text: t('case.summary') }),
    h('p', { class: c.summary ? 'summary' : 'muted', text: c.summary || t('case.noSummary') }));
}

/** Staff names by id where the caller may list accounts (administrators);
 * others know their own name only. */
async function staffNames(me) {
  const names = new Map([[me.id, me.display_name]]);
  if (me.role !== 'admin') return names;
  try {
    for (const s of (await get('/staff')).items || []) names.set(s.id, s.display_name);
  } catch { /* names stay unknown */ }
  return names;
}

function prosecutorName(c, ctx) {
  if (c.prosecutor && typeof c.prosecutor === 'object') return c.prosecutor.name || c.prosecutor.display_name || '';
  if (c.prosecutor_name) return c.prosecutor_name;
  return (c.prosecutor_id && ctx.names.get(c.prosecutor_id)) || '';
}

/* ---- hearings and events ---- */

/** Each hearing with its recorder state (which only GET /hearings/{id}
 * gives, to those who may see recordings) and its participants; on a
 * failure, as listed. */
function withRecording(hearings) {
  return Promise.all(hearings.map((hr) => get(`/hearings/${hr.id}`)
    .then((full) => ({ ...hr, recording: full.recording || hr.recording, recordings: full.recordings || [],
      participants: full.participants || [] }))
    .catch(() => hr)));
}

function recordingText(r) {
  if (!r || !r.state) return '';
  if (r.state === 'processing') return t('rec.processing', { pct: Math.round((r.progress || 0) * 100) });
  return t(`rec.${r.state}`);
}

function hearingsPanel(hearings, ctx) {
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'case-hearings' }, h('h2', { id: 'case-hearings', text: t('case.hearings') }));
  if (hearings instanceof Error) { panel.append(notice('bad', explain(hearings).text)); return panel; }
  if (!hearings.length) { panel.append(h('p', { class: 'muted', text: t('case.noHearings') })); return panel; }
  panel.append(h('ul', { class: 'hearing-list' }, hearings.map((hr) => h('li', {},
    h('span', { class: 'hearing-kind', text: t(`kind.${hr.kind}`) }),
    h('span', { text: t('case.hearingStarted', { time: fmtDateTime(hr.started_at) }) }),
    hr.ended_at ? h('span', { text: t('case.hearingEnded', { time: fmtDateTime(hr.ended_at) }) })
      : h('span', { class: 'state live', text: t('case.hearingRunning') }),
    hr.recording ? h('span', { class: `rec rec-${hr.recording.state}` }, `${t('case.recording')}：`, recordingText(hr.recording)) : null,
    recordingFiles(hr.recordings, ctx)))));
  return panel;
}

/** The name of whoever an event's actor is: as the API names them
 * (actor_name) where it does, else from names (staff id -> name). */
export function actorName(e, names) {
  if (e.actor_name) return e.actor_name;
  if (e.actor && typeof e.actor === 'object') return e.actor.name || e.actor.display_name || t('case.someone');
  const m = /^staff:(\d+)$/.exec(e.actor || '');
  if (m && names.has(Number(m[1]))) return names.get(Number(m[1]));
  if (e.actor === 'system') return t('case.system');
  return t('case.someone');
}

function eventsPanel(events, ctx) {
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'case-events' }, h('h2', { id: 'case-events', text: t('case.events') }));
  if (!events.length) { panel.append(h('p', { class: 'muted', text: t('case.noEvents') })); return panel; }
  panel.append(h('ol', { class: 'timeline' }, events.slice().reverse().map((e) => h('li', {},
    h('span', { class: 'tl-when', text: fmtDateTime(e.at) }),
    h('span', { class: 'tl-what' },
      e.from ? t('case.eventMove', { from: t(`stage.${e.from}`), to: t(`stage.${e.to}`) }) : t('case.eventCreated')),
    h('span', { class: 'tl-who', text: actorName(e, ctx.names) }),
    e.note ? h('p', { class: 'tl-note', text: e.note }) : null))));
  return panel;
}

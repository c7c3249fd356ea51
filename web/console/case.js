// case.js -- 案件详情 (一案一档): the stage timeline with the current stage
// marked, the moves the API allows now (next_stages) with an optional note
// (终结/销号 asks for the reason), both deadlines and whether each was met,
// the petitioner in full, appointments (appointments.js), hearings with their
// recording state and files (exports.js: a watermarked copy for someone
// outside the case), and the case's events with people's names.
import { get, post, patch, explain, qs } from './api.js';
import { t, has } from './i18n.js';
import { h, notice, showErrors, clearErrors, busy, newId, checkStep, labelsOf, table } from './dom.js';
import { fmtDate, fmtDateTime, todayCst } from './format.js';
import { STAGES } from './codes.js';
import { dueStatus, dueBadge, metDates } from './deadlines.js';
import { renderAppointments } from './appointments.js';
import { objectCell, detailText } from './audit.js';
import { recordingFiles } from './exports.js';
import { aidPanel } from './case_aid.js';
import { signersList } from './signatures.js';

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
    aidPanel(kase, ctx),
    eventsPanel(events, ctx),
    auditPanel(kase, ctx));
  const aside = h('div', { class: 'case-aside' },
    deadlinesPanel(kase, events),
    petitionerPanel(kase, ctx),
    ratingsPanel(kase));
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
  add('case.prosecutor', prosecutorName(c, ctx) || t('case.unassigned'));
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'case-petitioner' });
  const view = [h('h2', { id: 'case-petitioner', text: t('case.petitioner') }), dl,
    h('h3', { text: t('case.summary') }),
    h('p', { class: c.summary ? 'summary' : 'muted', text: c.summary || t('case.noSummary') })];
  // case.update: the prosecutor of the case, aid staff on their own cases;
  // the server decides in any case (a refusal shows beside the form).
  if (MOVERS.includes(ctx.me.role) && c.stage !== 'closed') {
    const edit = h('button', { type: 'button', class: 'btn small', text: t('case.edit') });
    edit.addEventListener('click', () => panel.replaceChildren(editForm(c, ctx, () => panel.replaceChildren(...view))));
    view[0] = h('div', { class: 'panel-head' }, view[0], edit);
  }
  // case.assign: administrators (re)assign the case to a prosecutor; a case a
  // clerk registered waits here for one.
  if (ctx.me.role === 'admin' && c.stage !== 'closed') view.push(assignForm(c, ctx));
  panel.append(...view);
  return panel;
}

/** 指派承办检察官 (administrators): enabled prosecutors from GET /staff. */
function assignForm(c, ctx) {
  const id = newId('assign');
  const select = h('select', { id, name: 'prosecutor_id' },
    h('option', { value: '', text: c.prosecutor_id ? t('case.assignKeep') : t('case.assignPick') }));
  const form = h('form', { class: 'inline-form assign-form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: id, text: c.prosecutor_id ? t('case.reassign') : t('case.assign') }), select),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn', text: t('case.assignDo') })));
  get('/staff?role=prosecutor').then((r) => {
    for (const s of (r.items || []).filter((x) => !x.disabled && x.id !== c.prosecutor_id)) {
      select.append(h('option', { value: String(s.id), text: s.display_name }));
    }
  }).catch((e) => form.prepend(notice('bad', explain(e).text)));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!select.value) { showErrors(form, [{ field: 'prosecutor_id', text: t('case.assignPickFirst') }]); return; }
    const name = select.selectedOptions[0].textContent;
    await busy(form, async () => {
      try {
        await patch(`/cases/${c.id}`, { prosecutor_id: Number(select.value) });
        ctx.go(`#/cases/${c.id}`, { kind: 'ok', text: t('case.assigned', { name }) });
      } catch (e) {
        if (e.status !== 401) showErrors(form, [explain(e, { prosecutor_id: t('case.assign') })]);
      }
    });
  });
  return form;
}

/** 修改信访人信息: name, phone, ID number (removed when emptied), summary;
 * only what changed is sent (PATCH /cases/{id}). */
function editForm(c, ctx, close) {
  const field = (name, key, input, hint) => {
    const id = newId(`ce-${name}`);
    input.id = id;
    input.name = name;
    return h('div', { class: 'field' }, h('label', { for: id, text: t(key) }),
      hint ? h('p', { class: 'hint', text: t(hint) }) : null, input);
  };
  const form = h('form', { class: 'inline-form edit-form', novalidate: true },
    h('h2', { tabindex: '-1', text: t('case.editHeading') }),
    field('petitioner', 'caseNew.petitioner', h('input', { maxlength: 200, autocomplete: 'off', value: c.petitioner || '' })),
    field('contact', 'caseNew.contact', h('input', { type: 'tel', maxlength: 100, autocomplete: 'off', value: c.contact || '' })),
    field('id_number', 'caseNew.idNumber', h('input', { maxlength: 18, autocomplete: 'off', spellcheck: 'false', value: c.id_number || '' }),
      'case.idNumberEditHint'),
    field('summary', 'caseNew.summary', h('textarea', { rows: 4, maxlength: 20000, value: c.summary || '' })),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn primary', text: t('common.save') }),
      h('button', { type: 'button', class: 'btn quiet', text: t('common.cancel'), on: { click: close } })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const labels = labelsOf(form);
    const v = (n) => form.elements[n].value.trim();
    if (!v('petitioner')) { showErrors(form, [{ field: 'petitioner', text: t('err.required', { label: labels.petitioner }) }]); return; }
    const body = {};
    for (const n of ['petitioner', 'contact', 'id_number', 'summary']) if (v(n) !== (c[n] || '')) body[n] = v(n);
    if (!Object.keys(body).length) { close(); return; }
    await busy(form, async () => {
      try {
        await patch(`/cases/${c.id}`, body);
        ctx.go(`#/cases/${c.id}`, { kind: 'ok', text: t('case.edited') });
      } catch (e) {
        if (e.status !== 401) showErrors(form, [explain(e, labels)]);
      }
    });
  });
  setTimeout(() => form.querySelector('h2').focus(), 0);
  return form;
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
      participants: full.participants || [], notes: full.notes }))
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
    h('a', { class: 'btn small', href: `#/hearings/${hr.id}`, text: t('case.openHearing') }),
    recordingFiles(hr.recordings, ctx),
    hr.notes && hr.notes.finalized_at ? h('div', { class: 'case-signers' },
      h('h3', { text: t('hearing.confirmations') }), signersList(hr.id, hr.notes)) : null))));
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

/* ---- the petitioner's rating and the case's own audit trail ---- */

function ratingsPanel(c) {
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'case-ratings' },
    h('h2', { id: 'case-ratings', text: t('case.ratings') }));
  const list = c.ratings || [];
  if (!list.length) { panel.append(h('p', { class: 'muted', text: t('case.noRatings') })); return panel; }
  panel.append(h('ul', { class: 'ratings' }, list.map((r) => h('li', {},
    h('span', { class: 'stars', 'aria-hidden': 'true', text: '★'.repeat(r.score) + '☆'.repeat(5 - r.score) }),
    h('span', { class: 'score', text: t(`case.score.${r.score}`) }),
    h('div', { class: 'small muted', text: t('case.ratedBy', { name: r.by.name, time: fmtDateTime(r.at) }) }),
    r.comment ? h('p', { class: 'tl-note', text: r.comment }) : null))));
  return panel;
}

const TRAIL_PAGE = 20;

/** Who did what to this case and everything of it, newest first (GET
 * /cases/{id}/audit): every view of the ID number and of a recording too. */
function auditPanel(c, ctx) {
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'case-audit' },
    h('h2', { id: 'case-audit', text: t('case.audit') }),
    h('p', { class: 'muted small', text: t('case.auditLead') }));
  const body = h('div', {}, h('p', { class: 'muted', text: t('app.loading') }));
  panel.append(body);
  const names = new Map([...ctx.names].map(([k, v]) => [String(k), v]));
  const cases = new Map([[String(c.id), c.case_no]]);
  const rows = [];
  const more = h('button', { type: 'button', class: 'btn small', text: t('case.auditMore') });
  let cursor = '';
  const load = async () => {
    more.disabled = true;
    try {
      const r = await get(`/cases/${c.id}/audit${qs({ cursor, limit: TRAIL_PAGE })}`);
      for (const a of r.items || []) {
        rows.push(h('tr', { class: /refused|fail/.test(a.action) ? 'is-warn' : '' },
          h('td', { class: 'nowrap', text: fmtDateTime(a.at) }),
          h('td', { text: a.actor_name || t('case.someone') }),
          h('td', { text: has(`act.${a.action}`) ? t(`act.${a.action}`) : t('case.auditOther') }),
          h('td', {}, objectCell(a.object, names, cases)),
          h('td', { class: 'detail', text: detailText(a.detail, names) })));
      }
      cursor = r.next_cursor || '';
      body.replaceChildren(rows.length ? table({ caption: t('case.audit'), cls: 'audit',
        head: [t('audit.colTime'), t('audit.colActor'), t('audit.colAction'), t('audit.colObject'), t('audit.colDetail')], rows })
        : h('p', { class: 'muted', text: t('case.noAudit') }), cursor ? more : '');
    } catch (e) {
      if (e.status !== 401) body.replaceChildren(notice('bad', explain(e).text));
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', load);
  load();
  return panel;
}

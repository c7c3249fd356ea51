// mine.js -- the petitioner's own page, from the invitation link (join.html):
// the appointment (when, with whom, whether it can be joined now), the case's
// route map (路线图: the stages passed with their dates, where it stands,
// what comes next, both deadlines in plain words) and, once the hearing has
// ended, the satisfaction rating (满意度评价) and what becomes of the recording. All from GET /invitation and
// POST /invitation/rating (docs/api.md); the case part is there only for the
// petitioner and their agent. Phone first: large type, one column.
import { t } from './i18n.js';

const STAGES = ['register', 'review', 'assign', 'handle', 'reply', 'recheck', 'closed'];
const CST_MS = 8 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

/** A DOM element with attributes ('text' sets its text) and children. */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/** "2024年5月3日（星期五）上午 9:00" on the China Standard Time clock. */
export function when(iso) {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  const d = new Date(ms + CST_MS);
  return t('mine.when', { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate(),
    w: t(`mine.weekday.${d.getUTCDay()}`), hh: d.getUTCHours(), mm: String(d.getUTCMinutes()).padStart(2, '0') });
}

/** "2024年5月8日" from a civil date "2024-05-08". */
function day(civil) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(civil || '');
  return m ? t('mine.date', { y: +m[1], m: +m[2], d: +m[3] }) : '';
}

function daysFromToday(civil) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(civil || '');
  if (!m) return 0;
  const now = new Date(Date.now() + CST_MS);
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Math.round((Date.UTC(+m[1], +m[2] - 1, +m[3]) - today) / DAY_MS);
}

/** The appointment card: when, with whom, and what to do now. */
export function appointmentCard(info) {
  const a = info.appointment;
  const hr = a.hearing;
  let state = 'mine.state.later';
  if (a.cancelled) state = 'mine.state.cancelled';
  else if (hr && hr.started_at && !hr.ended_at) state = 'mine.state.running';
  else if (hr && hr.ended_at) state = 'mine.state.ended';
  return el('section', { class: 'card mine-appt', 'aria-labelledby': 'mine-appt-h' },
    el('h2', { id: 'mine-appt-h', text: a.title || t('mine.appointment') }),
    el('p', { class: 'mine-when', text: when(a.starts_at) }),
    a.host ? el('p', { text: t('mine.host', { name: a.host }) }) : null,
    el('p', { class: `mine-state ${state.split('.').pop()}`, role: 'status', text: t(state) }));
}

/** The route map: every stage, those passed with their dates, the current
 * one marked, then both deadlines in words. null without a case part. */
export function progressCard(info) {
  const c = info.case;
  if (!c) return null;
  const reached = new Map((c.stages || []).map((s) => [s.stage, s.at]));
  const cur = STAGES.indexOf(c.stage);
  const list = el('ol', { class: 'route' }, STAGES.map((s, i) => {
    const state = s === c.stage ? 'current' : i < cur ? 'done' : 'next';
    const at = reached.get(s);
    return el('li', { class: `route-step ${state}`, 'aria-current': s === c.stage ? 'step' : null },
      el('span', { class: 'route-dot', 'aria-hidden': 'true', text: state === 'done' ? '✓' : String(i + 1) }),
      el('span', { class: 'route-name', text: t(`mine.stage.${s}`) }),
      el('span', { class: 'route-note', text: state === 'current' ? t('mine.now')
        : at ? day(new Date(Date.parse(at) + CST_MS).toISOString().slice(0, 10)) : '' }));
  }));
  const deadline = (key, due, met) => {
    if (met) return el('p', { class: 'mine-due ok', text: t(`mine.${key}.met`) });
    const n = daysFromToday(due);
    const words = n > 0 ? t('mine.daysLeft', { n }) : n === 0 ? t('mine.today') : t('mine.daysPast', { n: -n });
    return el('p', { class: `mine-due ${n < 0 ? 'late' : ''}`, text: t(`mine.${key}.due`, { date: day(due), left: words }) });
  };
  const replied = cur >= STAGES.indexOf('assign');
  return el('section', { class: 'card mine-progress', 'aria-labelledby': 'mine-progress-h' },
    el('h2', { id: 'mine-progress-h', text: t('mine.progress') }),
    el('p', { class: 'muted', text: t('mine.caseLine', { no: c.case_no, type: c.type_label, received: day(c.received) }) }),
    list,
    el('p', { class: 'mine-next', text: t(`mine.next.${c.stage}`) }),
    deadline('reply', c.reply_due, replied),
    deadline('result', c.result_due, c.stage === 'closed'));
}

/** 满意度评价, once the hearing has ended (rating.open); a thank-you once given. */
export function ratingCard(info, invitation) {
  const r = info.rating;
  if (!r || (!r.open && !r.submitted)) return null;
  const card = el('section', { class: 'card mine-rating', 'aria-labelledby': 'mine-rating-h' },
    el('h2', { id: 'mine-rating-h', text: t('mine.rating') }));
  if (r.submitted) { card.append(el('p', { text: t('mine.rated') })); return card; }
  const form = el('form', { novalidate: true });
  const stars = el('fieldset', { class: 'stars' }, el('legend', { text: t('mine.ratingAsk') }));
  for (let s = 5; s >= 1; s--) {
    const id = `mine-star-${s}`;
    stars.append(el('span', { class: 'star' },
      el('input', { type: 'radio', name: 'score', id, value: String(s) }),
      el('label', { for: id, text: `${'★'.repeat(s)} ${t(`mine.score.${s}`)}` })));
  }
  const comment = el('textarea', { id: 'mine-comment', name: 'comment', rows: '3', maxlength: '2000' });
  const msg = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const send = el('button', { type: 'submit', class: 'btn primary', text: t('mine.ratingSend') });
  form.append(stars, el('label', { for: 'mine-comment', text: t('mine.comment') }), comment, send, msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const score = Number((form.querySelector('input[name=score]:checked') || {}).value || 0);
    if (!score) { msg.textContent = t('mine.ratingPick'); return; }
    send.disabled = true;
    try {
      const res = await fetch('/api/v1/invitation/rating', { method: 'POST',
        headers: { Authorization: `Invitation ${invitation}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ score, comment: comment.value.trim() }) });
      if (!res.ok && res.status !== 409) throw new Error(`HTTP ${res.status}`);
      card.replaceChildren(el('h2', { id: 'mine-rating-h', text: t('mine.rating') }), el('p', { text: t('mine.rated') }));
    } catch (e) {
      console.warn('mine: rating', e);
      msg.textContent = t('mine.ratingFailed');
      send.disabled = false;
    }
  });
  card.append(form);
  return card;
}

/** 录音录像, once the appointment's hearing has ended. By rule the page never
 * plays or hands out a recording: it is evidence kept in the case file, and a
 * petitioner who wants to see it asks the prosecutor (a request the staff
 * handle with a watermarked copy, docs/console.md "Exports"). The card says so
 * in words, so nobody looks for a download that is not there. */
export function recordingCard(info) {
  const h = info.appointment && info.appointment.hearing;
  if (!h || !h.ended_at) return null;
  return el('section', { class: 'card mine-recording', 'aria-labelledby': 'mine-recording-h' },
    el('h2', { id: 'mine-recording-h', text: t('mine.recording') }),
    el('p', { text: t('mine.recordingKept') }),
    el('p', { text: t('mine.recordingAsk', { host: info.appointment.host || t('mine.recordingHost') }) }));
}

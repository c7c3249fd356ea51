// deadlines.js -- the two deadlines of a case in words: 程序性答复 (reply_due,
// 7 days from receipt, met when the case leaves 登记/审查) and 办理结果
// (result_due, 3 months, met when it reaches 终结), as docs/api.md counts them.
import { t } from './i18n.js';
import { cstDateOf, daysBetween } from './format.js';
import { h } from './dom.js';

const EARLY = ['register', 'review'];

/** { cls, text } for a deadline due on `due` (YYYY-MM-DD), seen on `today`;
 * metOn is the date it was met, if it was. cls: bad | warn | ok | muted. */
export function dueStatus(due, today, metOn) {
  if (metOn) {
    const late = daysBetween(due, metOn);
    return late <= 0 ? { cls: 'ok', text: t('due.metOnTime') } : { cls: 'warn', text: t('due.metLate', { n: late }) };
  }
  const n = daysBetween(today, due);
  if (n < 0) return { cls: 'bad', text: t('due.overdue', { n: -n }) };
  if (n === 0) return { cls: 'warn', text: t('due.today') };
  return { cls: n <= 2 ? 'warn' : 'muted', text: t('due.left', { n }) };
}

/** The dates (CST) each deadline was met, from the case's events. */
export function metDates(events) {
  let reply = null, result = null;
  for (const e of events) {
    if (!reply && EARLY.includes(e.from) && !EARLY.includes(e.to)) reply = cstDateOf(e.at);
    if (!result && e.to === 'closed') result = cstDateOf(e.at);
  }
  return { reply, result };
}

/** The deadline a case in a list is running against: { deadline, due } or
 * null when it is closed. */
export function runningDeadline(c) {
  if (c.stage === 'closed') return null;
  return EARLY.includes(c.stage) ? { deadline: 'reply', due: c.reply_due } : { deadline: 'result', due: c.result_due };
}

/** A <span class="due CLS"> with the status text. */
export function dueBadge({ cls, text }) {
  return h('span', { class: `due ${cls}`, text });
}

/** The one-cell summary for a case row: overdue (with which deadline and
 * by how many days), else the days left on the running deadline. */
export function caseDueCell(c, today) {
  if (c.overdue && c.overdue_deadline) {
    return dueBadge({ cls: 'bad', text: t('cases.overdueBy', { deadline: t(`deadline.${c.overdue_deadline}`), n: c.days_overdue }) });
  }
  const run = runningDeadline(c);
  if (!run) return dueBadge({ cls: 'muted', text: t('stage.closed') });
  const s = dueStatus(run.due, today);
  return h('span', {}, h('span', { class: 'due-what', text: t(`deadline.${run.deadline}`) }), ' ', dueBadge(s));
}

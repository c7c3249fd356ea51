// stats.js -- 统计: for a period of receipt (本月, 近3个月, 本年 or two dates),
// the cases received and the shares answered within 7 days and closed within
// 3 months as headline figures, by month (columns), by type and by channel
// (bars), each chart with its numbers in a table too; today's overdue cases
// linking to each case; and 导出CSV, a plain link to GET /stats.csv (a GET
// carries the session cookie). The period lives in the hash (#/stats?from=&to=),
// so reload and Back keep it. A share with nothing to judge yet says so in
// words, never 0%.
import { get, qs, explain } from './api.js';
import { t } from './i18n.js';
import { h, notice, table, newId, showErrors, clearErrors, echo } from './dom.js';
import { fmtDate, fmtMonth, daysBetween, todayCst } from './format.js';
import { columnChart, barChart, legend, shareWords, pct } from './chart.js';

const MAX_DAYS = 3660;
const OVERDUE_SHOWN = 50;
const SERIES = () => [{ name: t('stats.reply'), cls: 's-reply' }, { name: t('stats.result'), cls: 's-result' }];

const pad = (n) => String(n).padStart(2, '0');

/** A real civil date "YYYY-MM-DD" of a year the server takes (1900..9999). */
function isDate(v) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v || '');
  if (!m || +m[1] < 1900) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

/** What is wrong with a period, as [{field, text}] (empty: nothing). */
function checkPeriod(a, b) {
  const errors = [];
  if (!isDate(a)) errors.push({ field: 'from', text: t('stats.err.from') });
  if (!isDate(b)) errors.push({ field: 'to', text: t('stats.err.to') });
  if (errors.length) return errors;
  if (daysBetween(a, b) < 0) errors.push({ field: 'to', text: t('stats.err.order') });
  else if (daysBetween(a, b) > MAX_DAYS) errors.push({ field: 'from', text: t('stats.err.long') });
  return errors;
}

/** The common periods, each ending today (CST): { key, from, to }. */
function presets(today) {
  const [y, m] = today.split('-').map(Number);
  const back2 = new Date(Date.UTC(y, m - 3, 1));
  return [
    { key: 'stats.thisMonth', from: `${y}-${pad(m)}-01`, to: today },
    { key: 'stats.last3', from: `${back2.getUTCFullYear()}-${pad(back2.getUTCMonth() + 1)}-01`, to: today },
    { key: 'stats.thisYear', from: `${y}-01-01`, to: today },
  ];
}

export async function render(root, ctx) {
  ctx.setTitle(t('stats.title'));
  const today = todayCst();
  const common = presets(today);
  let from = ctx.query.get('from'), to = ctx.query.get('to');
  if (from === null && to === null) ({ from, to } = common[1]);   // 近3个月 unless the hash says otherwise
  const problems = checkPeriod(from, to);

  const form = periodForm(ctx, common, isDate(from) ? from : '', isDate(to) ? to : '');
  const exportLink = h('a', { class: 'btn', href: `/api/v1/stats.csv${qs({ from, to })}`, download: '',
    title: t('stats.exportHint'), text: t('stats.export') });
  exportLink.addEventListener('click', (ev) => checkSessionFirst(ev, exportLink));
  const body = h('div', { class: 'stats-body' }, h('p', { class: 'muted', text: t('app.loading') }));
  root.append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1', text: t('stats.heading') }), exportLink),
    h('p', { class: 'muted', text: t('stats.lead') }),
    form,
    body);
  if (problems.length) {
    // A period typed into the address bar that the server would refuse.
    exportLink.hidden = true;
    body.replaceChildren();
    showErrors(form, problems);
    return;
  }

  let s;
  try {
    s = await get(`/stats${qs({ from, to })}`);
  } catch (e) {
    if (ctx.alive() && e.status !== 401) body.replaceChildren(notice('bad', explain(e).text));
    return;
  }
  if (!ctx.alive()) return;
  body.replaceChildren();
  body.append(headline(s));
  const months = panel('stats-months', t('stats.byMonth'));
  const split = h('div', { class: 'two-col stats-split' });
  const types = panel('stats-types', t('stats.byType'));
  const channels = panel('stats-channels', t('stats.byChannel'));
  split.append(types, channels);
  const overdue = panel('stats-overdue', t('stats.overdue'));
  body.append(months, split, overdue, h('p', { class: 'muted small how', text: t('stats.howCounted') }));
  monthsChart(months, s);
  categoryChart(types, (s.types || []).map((x) => ({ ...x, name: t(`type.${x.type}`) })), t('stats.colType'), t('stats.byType'));
  categoryChart(channels, (s.channels || []).map((x) => ({ ...x, name: t(`channelLong.${x.channel}`) })),
    t('stats.colChannel'), t('stats.byChannel'));
  overdueList(overdue, s.overdue || []);
}

/** 导出CSV is a plain link, but a session that has ended would save the
 * server's refusal as the file: ask GET /me first (a 401 there returns to
 * sign-in, as every call does), then follow the link. */
async function checkSessionFirst(ev, link) {
  if (link.dataset.fresh) { delete link.dataset.fresh; return; }
  ev.preventDefault();
  try {
    await get('/me');
  } catch (e) {
    return;
  }
  link.dataset.fresh = '1';
  link.click();
}

/* ---- the period ---- */

function periodForm(ctx, common, from, to) {
  const fromId = newId('st-from'), toId = newId('st-to');
  const fromIn = h('input', { id: fromId, name: 'from', type: 'date', value: from, required: true });
  const toIn = h('input', { id: toId, name: 'to', type: 'date', value: to, required: true });
  const quick = h('ul', { class: 'period-presets', 'aria-label': t('stats.presets') }, common.map((p) => {
    const current = p.from === from && p.to === to;
    return h('li', {}, h('a', { class: `btn${current ? ' is-current' : ''}`, href: `#/stats${qs({ from: p.from, to: p.to })}`,
      'aria-current': current ? 'true' : null, text: t(p.key) }));
  }));
  const words = echo([fromIn, toIn], (a, b) => (a && b ? t('stats.periodWords', { from: fmtDate(a), to: fmtDate(b) }) : ''));
  const form = h('form', { class: 'card period', novalidate: true, 'aria-labelledby': 'stats-period' },
    h('h2', { id: 'stats-period', class: 'sr-only', text: t('stats.period') }),
    h('div', { class: 'period-row' },
      h('div', { class: 'field inline' }, h('span', { class: 'label', 'aria-hidden': 'true', text: t('stats.presets') }), quick),
      h('div', { class: 'field inline' }, h('label', { for: fromId, text: t('stats.from') }), fromIn),
      h('div', { class: 'field inline' }, h('label', { for: toId, text: t('stats.to') }), toIn),
      h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'btn primary', text: t('stats.show') }))),
    words);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const a = fromIn.value, b = toIn.value;
    const errors = checkPeriod(a, b);
    if (errors.length) { showErrors(form, errors); return; }
    clearErrors(form);
    ctx.go(`#/stats${qs({ from: a, to: b })}`);
  });
  return form;
}

/* ---- figures ---- */

function panel(id, title) {
  return h('section', { class: 'panel', id, 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h`, text: title }));
}

function figure(label, value, detail, cls) {
  return h('div', { class: `figure ${cls}` },
    h('p', { class: 'figure-label', text: label }),
    h('p', { class: 'figure-value', text: value }),
    detail ? h('p', { class: 'figure-detail', text: detail }) : null);
}

function shareFigure(label, share, base, none, cls) {
  const p = pct(share);
  if (!p) return h('div', { class: `figure ${cls} is-empty` }, h('p', { class: 'figure-label', text: label }),
    h('p', { class: 'figure-none', text: none }));
  return figure(label, p, t('stats.figureDetail', { n: share.in_time, d: share.decided, base }), cls);
}

function headline(s) {
  return h('section', { class: 'figures', 'aria-label': t('stats.headline') },
    figure(t('stats.received'), t('stats.casesN', { n: s.total }), t('stats.periodWords', { from: fmtDate(s.from), to: fmtDate(s.to) }), 'f-total'),
    shareFigure(t('stats.reply'), s.reply_within_7_days, t('stats.replyBase'), t('stats.noReply'), 'f-reply'),
    shareFigure(t('stats.result'), s.result_within_3_months, t('stats.resultBase'), t('stats.noResult'), 'f-result'));
}

/* ---- charts, each with its numbers in a table ---- */

function dataTable(caption, firstCol, rows) {
  const none = t('stats.noneLong');
  return h('details', { class: 'chart-data' }, h('summary', { text: t('stats.dataTable') }),
    table({ caption, cls: 'compact stats-table',
      head: [firstCol, t('stats.colReceived'), t('stats.reply'), t('stats.result')],
      rows: rows.map((r) => h('tr', {},
        h('th', { scope: 'row', text: r.full }),
        h('td', { text: String(r.total) }),
        h('td', { text: shareWords(r.reply_within_7_days, none) }),
        h('td', { text: shareWords(r.result_within_3_months, none) }))) }));
}

/** The width a chart may take inside el (its content box). */
function roomIn(el) {
  const cs = getComputedStyle(el);
  return Math.max(280, el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight));
}

function monthsChart(el, s) {
  const months = (s.months || []).map((m) => ({ ...m, full: fmtMonth(m.month) }));
  const wrap = h('div', { class: 'chart-wrap' });
  el.append(legend(SERIES()), wrap, dataTable(t('stats.byMonth'), t('stats.colMonth'), months));
  const width = roomIn(el);
  const short = (width - 64) / Math.max(months.length, 1) < 84;
  wrap.append(columnChart({
    groups: months.map((m) => ({ label: fmtMonth(m.month, short), sub: t('stats.casesN', { n: m.total }), full: m.full,
      none: m.total ? null : t('stats.noCasesMonth'), shares: [m.reply_within_7_days, m.result_within_3_months] })),
    series: SERIES(), yTitle: t('stats.axisShare'), xTitle: t('stats.axisMonth'),
    emptyText: t('stats.noneLong'), emptyShort: t('stats.noneShort'), width, title: t('stats.byMonth'),
  }));
}

function categoryChart(el, items, firstCol, title) {
  const rows = items.map((x) => ({ ...x, full: x.name }));
  const wrap = h('div', { class: 'chart-wrap' });
  el.append(legend(SERIES()), wrap, dataTable(title, firstCol, rows));
  wrap.append(barChart({
    rows: rows.map((r) => ({ label: r.name, sub: t('stats.casesN', { n: r.total }), full: r.full,
      none: r.total ? null : t('stats.noCases'), shares: [r.reply_within_7_days, r.result_within_3_months] })),
    series: SERIES(), xTitle: t('stats.axisShare'), emptyText: t('stats.noneLong'), width: roomIn(el), title,
  }));
}

/* ---- today's overdue cases ---- */

function overdueList(el, items) {
  el.append(h('p', { class: 'muted small', text: t('stats.overdueLead') }));
  if (!items.length) { el.append(h('p', { class: 'empty', text: t('stats.noOverdue') })); return; }
  const shown = items.slice(0, OVERDUE_SHOWN);
  el.append(table({ caption: t('stats.overdue'), cls: 'compact overdue',
    head: [t('cases.colNo'), t('stats.colType'), t('today.colStage'), t('stats.colDeadline'), t('today.colDue'), t('stats.colOverdue')],
    rows: shown.map((o) => h('tr', { class: 'is-overdue' },
      h('td', { class: 'nowrap' }, h('a', { href: `#/cases/${o.case_id}`, text: o.case_no })),
      h('td', { text: t(`type.${o.type}`) }),
      h('td', {}, h('span', { class: `stage-tag s-${o.stage}`, text: t(`stage.${o.stage}`) })),
      h('td', { text: t(`deadline.${o.deadline}`) }),
      h('td', { class: 'nowrap', text: fmtDate(o.due) }),
      h('td', {}, h('span', { class: 'due bad', text: t('due.overdue', { n: o.days_overdue }) })))) }));
  if (items.length > shown.length) {
    el.append(h('p', { class: 'small' }, t('stats.overdueMore', { n: items.length, k: shown.length }), ' ',
      h('a', { href: '#/cases?overdue=true', text: t('stats.overdueAll') })));
  }
}

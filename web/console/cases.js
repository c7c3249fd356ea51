// cases.js -- 案件列表: search by case number or petitioner, filters for
// stage, type, channel and overdue, keyset paging (下一页 follows the API's
// next_cursor; the filters and the page live in the hash, so reload and Back
// work). Phone and ID numbers come masked from the list endpoint. Also the
// case rows 工作台 reuses.
import { get, qs, explain } from './api.js';
import { t } from './i18n.js';
import { h, notice, table, newId } from './dom.js';
import { fmtDate, todayCst } from './format.js';
import { caseDueCell } from './deadlines.js';
import { STAGES, TYPES, CHANNELS, CASE_CREATORS } from './codes.js';


const PAGE = 20;
const FILTERS = ['q', 'stage', 'type', 'channel', 'overdue'];

/** Column heads of a case table (compact: for 工作台's narrow column). */
export function caseHead(compact) {
  return compact
    ? [t('cases.colNo'), t('cases.colPetitioner'), t('cases.colStage'), t('cases.colDeadline')]
    : [[t('cases.colNo'), 'nowrap'], [t('cases.colPetitioner'), 'nowrap'], [t('cases.colType'), 'nowrap'],
      [t('cases.colChannel'), 'nowrap'], t('cases.colStage'), [t('cases.colReceived'), 'nowrap'],
      [t('cases.colContact'), 'col-contact'], [t('cases.colId'), 'col-id'], t('cases.colDeadline')];
}

/** One <tr> per case. */
export function caseRows(items, today, compact) {
  return items.map((c) => {
    const no = h('td', { class: 'nowrap' }, h('a', { href: `#/cases/${c.id}`, text: c.case_no }));
    const stage = h('td', {}, h('span', { class: `stage-tag s-${c.stage}`, text: t(`stage.${c.stage}`) }));
    const due = h('td', {}, caseDueCell(c, today));
    if (compact) return h('tr', {}, no, h('td', { text: c.petitioner }), stage, due);
    return h('tr', { class: c.overdue ? 'is-overdue' : '' }, no,
      h('td', { text: c.petitioner }),
      h('td', { text: t(`type.${c.type}`) }),
      h('td', { text: t(`channel.${c.channel}`) }),
      stage,
      h('td', { class: 'nowrap', text: fmtDate(c.received) }),
      h('td', { class: 'mono', text: c.contact || '' }),
      h('td', { class: 'mono', text: c.id_number || '' }),
      due);
  });
}

function select(name, label, codes, prefix, value) {
  const id = newId(name);
  return h('div', { class: 'field inline' },
    h('label', { for: id, text: label }),
    h('select', { id, name },
      h('option', { value: '', text: t('common.all') }),
      codes.map((c) => h('option', { value: c, text: t(`${prefix}.${c}`), selected: c === value }))));
}

function filterForm(ctx) {
  const q = ctx.query;
  const qid = newId('q');
  const oid = newId('overdue');
  const form = h('form', { class: 'filters card', role: 'search' },
    h('div', { class: 'field inline grow' },
      h('label', { for: qid, text: t('cases.search') }),
      h('input', { id: qid, name: 'q', type: 'search', value: q.get('q') || '', placeholder: t('cases.searchHint'), autocomplete: 'off' })),
    select('stage', t('cases.stage'), STAGES, 'stage', q.get('stage')),
    select('type', t('cases.type'), TYPES, 'type', q.get('type')),
    select('channel', t('cases.channel'), CHANNELS, 'channel', q.get('channel')),
    h('div', { class: 'field check' },
      h('input', { id: oid, name: 'overdue', type: 'checkbox', value: 'true', checked: q.get('overdue') === 'true' }),
      h('label', { for: oid, text: t('cases.overdue') })),
    h('div', { class: 'filter-actions' },
      h('button', { type: 'submit', class: 'btn primary', text: t('cases.searchButton') }),
      h('a', { class: 'btn', href: '#/cases', text: t('cases.reset') })));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const p = {};
    for (const k of FILTERS) {
      const el = form.elements[k];
      const v = el.type === 'checkbox' ? (el.checked ? 'true' : '') : el.value.trim();
      if (v) p[k] = v;
    }
    ctx.go(`#/cases${qs(p)}`);
  });
  return form;
}

export async function render(root, ctx) {
  ctx.setTitle(t('cases.title'));
  const head = h('div', { class: 'page-head' }, h('h1', { tabindex: '-1', text: t('cases.heading') }));
  if (CASE_CREATORS.includes(ctx.me.role)) head.append(h('a', { class: 'btn primary', href: '#/cases/new', text: t('cases.new') }));
  const body = h('div', { class: 'list-body' }, h('p', { class: 'muted', text: t('app.loading') }));
  root.append(head, filterForm(ctx), body);

  const params = { limit: PAGE, cursor: ctx.query.get('cursor') || '' };
  for (const k of FILTERS) params[k] = ctx.query.get(k) || '';
  let r;
  try {
    r = await get(`/cases${qs(params)}`);
  } catch (e) {
    if (ctx.alive() && e.status !== 401) body.replaceChildren(notice('bad', explain(e).text));
    return;
  }
  if (!ctx.alive()) return;
  const items = r.items || [];
  const page = Number(ctx.query.get('p')) || 1;
  if (!items.length) {
    body.replaceChildren(h('p', { class: 'empty', text: t('cases.none') }), pager(ctx, null, page));
    return;
  }
  const q = ctx.query.get('q');
  body.replaceChildren(
    q ? h('p', { class: 'muted', text: t('cases.found', { q, n: items.length }) }) : '',
    table({ caption: t('cases.caption', { n: items.length }), cls: 'cases', head: caseHead(false), rows: caseRows(items, todayCst(), false) }),
    pager(ctx, r.next_cursor, page));
}

function pager(ctx, next, page) {
  if (page === 1 && !next) return '';
  const base = {};
  for (const k of FILTERS) if (ctx.query.get(k)) base[k] = ctx.query.get(k);
  const nav = h('nav', { class: 'pager', 'aria-label': t('cases.page', { n: page }) });
  if (page > 1) nav.append(h('a', { class: 'btn', href: `#/cases${qs(base)}`, text: t('common.first') }));
  nav.append(h('span', { class: 'muted', text: t('cases.page', { n: page }) }));
  if (next) nav.append(h('a', { class: 'btn', rel: 'next', href: `#/cases${qs({ ...base, cursor: next, p: page + 1 })}`, text: t('common.next') }));
  return nav;
}

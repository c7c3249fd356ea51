// audit.js -- 审计日志 (administrators): the hash-chained log, newest first
// (GET /audit?order=newest), filtered by kind of action; actors and objects by name
// (accounts from GET /staff, cases by case number), never as "staff:2"; and
// 校验审计链 with its result in one sentence.
import { get, qs, explain } from './api.js';
import { t, has } from './i18n.js';
import { h, notice, table, newId } from './dom.js';
import { fmtDateTime } from './format.js';

const PAGE = 50;
const CATEGORIES = ['', 'login.', 'staff.', 'case.', 'appointment.', 'invitation.', 'hearing.', 'note.', 'recording.', 'evidence.', 'api.refused'];

export async function render(root, ctx) {
  ctx.setTitle(t('audit.title'));
  const action = ctx.query.get('action') || '';
  const result = h('div', { class: 'verify-slot', 'aria-live': 'polite' });
  const body = h('div', { class: 'list-body' }, h('p', { class: 'muted', text: t('app.loading') }));
  root.append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1', text: t('audit.heading') }), verifyButton(result)),
    h('p', { class: 'muted', text: t('audit.lead') }),
    result, filterForm(ctx, action), body);

  let r, names;
  try {
    [r, names] = await Promise.all([
      get(`/audit${qs({ action, order: 'newest', cursor: ctx.query.get('cursor') || '', limit: PAGE })}`),
      staffNames(),
    ]);
  } catch (e) {
    if (ctx.alive() && e.status !== 401) body.replaceChildren(notice('bad', explain(e).text));
    return;
  }
  const items = r.items || [];
  const cases = await caseNumbers(items);
  if (!ctx.alive()) return;
  const page = Number(ctx.query.get('p')) || 1;
  if (!items.length) { body.replaceChildren(h('p', { class: 'empty', text: t('audit.none') }), pager(action, null, page)); return; }
  body.replaceChildren(table({ caption: t('audit.heading'), cls: 'audit',
    head: [t('audit.colTime'), t('audit.colActor'), t('audit.colAction'), t('audit.colObject'), t('audit.colDetail')],
    rows: items.map((a) => h('tr', { class: /refused|fail|throttled/.test(a.action) ? 'is-warn' : '' },
      h('td', { class: 'nowrap', text: fmtDateTime(a.at) }),
      h('td', { text: actorText(a.actor, names) }),
      h('td', { text: has(`act.${a.action}`) ? t(`act.${a.action}`) : a.action }),
      h('td', {}, objectCell(a.object, names, cases)),
      h('td', { class: 'detail', text: detailText(a.detail, names) }))) }),
  pager(action, r.next_cursor, page));
}

function verifyButton(result) {
  const btn = h('button', { type: 'button', class: 'btn', text: t('audit.verify') });
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    result.replaceChildren(notice('info', t('audit.verifying')));
    try {
      const v = await get('/audit/verify');
      result.replaceChildren(v.ok ? notice('ok', t('audit.verifyOk', { n: v.count }))
        : notice('bad', t('audit.verifyBroken', { id: v.broken_id })));
    } catch (e) {
      if (e.status !== 401) result.replaceChildren(notice('bad', explain(e).text));
    } finally {
      btn.disabled = false;
    }
  });
  return btn;
}

function filterForm(ctx, action) {
  const id = newId('cat');
  const form = h('form', { class: 'filters card narrow' },
    h('div', { class: 'field inline' },
      h('label', { for: id, text: t('audit.category') }),
      h('select', { id, name: 'action' }, CATEGORIES.map((c) => h('option', { value: c, text: t(`audit.cat.${c}`), selected: c === action })))),
    h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'btn primary', text: t('audit.filter') })));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.go(`#/admin/audit${qs({ action: form.elements.action.value })}`);
  });
  return form;
}

function pager(action, next, page) {
  if (page === 1 && !next) return '';
  const nav = h('nav', { class: 'pager', 'aria-label': t('cases.page', { n: page }) });
  if (page > 1) nav.append(h('a', { class: 'btn', href: `#/admin/audit${qs({ action })}`, text: t('common.first') }));
  nav.append(h('span', { class: 'muted', text: t('cases.page', { n: page }) }));
  if (next) nav.append(h('a', { class: 'btn', rel: 'next', href: `#/admin/audit${qs({ action, cursor: next, p: page + 1 })}`, text: t('common.next') }));
  return nav;
}

/* ---- names instead of ids ---- */

async function staffNames() {
  const r = await get('/staff');
  return new Map((r.items || []).map((s) => [String(s.id), s.display_name]));
}

const caseCache = new Map();

/** Case numbers of the cases the page's entries name (one GET each, cached). */
async function caseNumbers(items) {
  const ids = new Set();
  for (const a of items) {
    const m = /^case:(\d+)$/.exec(a.object || '');
    if (m && !caseCache.has(m[1])) ids.add(m[1]);
  }
  await Promise.all([...ids].map((id) => get(`/cases/${id}`)
    .then((c) => caseCache.set(id, c.case_no)).catch(() => caseCache.set(id, null))));
  return caseCache;
}

function actorText(actor, names) {
  const m = /^(\w+):(.*)$/.exec(actor || '');
  if (!m) return actor === 'system' ? t('audit.system') : (actor || t('audit.system'));
  if (m[1] === 'staff') return names.get(m[2]) || t('audit.staffUnknown');
  if (m[1] === 'invitee') return t('audit.invitee');
  return t('audit.system');
}

export function objectCell(object, names, cases) {
  const m = /^(\w+):(\d+)$/.exec(object || '');
  if (!m) return object && !/^\w+:\d+$/.test(object) ? object : t('audit.obj.other');
  const [, kind, id] = m;
  if (kind === 'case') {
    const no = cases.get(id);
    return no ? h('a', { href: `#/cases/${id}`, text: t('audit.obj.case', { no }) }) : t('audit.obj.other');
  }
  if (kind === 'staff') return t('audit.obj.staff', { name: names.get(id) || t('audit.staffUnknown') });
  return has(`audit.obj.${kind}`) ? t(`audit.obj.${kind}`) : t('audit.obj.other');
}

/** "username=li role=clerk" in words: known keys named, roles and staff ids
 * turned into names, other ids left out. */
export function detailText(detail, names) {
  if (!detail) return '';
  const parts = [];
  const re = /(\w+)=(\S*)/g;
  let m, any = false;
  while ((m = re.exec(detail))) {
    any = true;
    const [, k, v] = m;
    if (k === 'role' && has(`role.${v}`)) parts.push(`${t('detail.role')}：${t(`role.${v}`)}`);
    else if (k === 'prosecutor') parts.push(`${t('detail.prosecutor')}：${names.get(v) || t('common.none')}`);
    else if ((k === 'from' || k === 'to') && has(`stage.${v}`)) parts.push(`${t(`detail.${k}`)}：${t(`stage.${v}`)}`);
    else if (k === 'type' && has(`type.${v}`)) parts.push(`${t('detail.type')}：${t(`type.${v}`)}`);
    else if (k === 'channel' && has(`channel.${v}`)) parts.push(`${t('detail.channel')}：${t(`channel.${v}`)}`);
    else if (has(`detail.${k}`) && !/^\d+$/.test(v)) parts.push(`${t(`detail.${k}`)}：${v}`);
  }
  if (any) return parts.join('；');
  // api.refused names the permission asked for: in words, never as its code.
  if (has(`perm.${detail}`)) return `${t('detail.action')}：${t(`perm.${detail}`)}`;
  return /^[a-z_]+(\.[a-z_]+)+$/.test(detail) ? '' : detail;
}

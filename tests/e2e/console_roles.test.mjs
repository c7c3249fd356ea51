// console_roles.test.mjs -- the role × screen test of the staff console: one
// account of each staff role (admin, two prosecutors, clerk, aid staff,
// viewer) and data that sets them apart (each prosecutor's cases, a 司法救助
// case, a running hearing of prosecutor A's case with the clerk invited, an
// appointment of A's case that B hosts, appointments today); each signs into
// /console/ in headless Chromium at 1366×768 and opens every route of
// docs/console.md. What each may see and do is derived from docs/api.md's
// action table (read from the file): the navigation, the refusal screen on a
// route it may not open, the cases on every screen (one it may not read is
// never named or linked), and no button of an action it lacks. Each registrar
// registers a case through the form. The same cookie session then calls the API
// from inside the page, so a hidden button is not the only guard. One
// screenshot per role × route (role-route.png) in the temp dir; YF_E2E_KEEP=1
// keeps it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS, apiRequest, browserTestPrerequisites, check, createUser, finish, freePort,
  startServerReady, tempDirs, wrapUp } from './lib.mjs';
import { checkLabels, checkPlain, idNumber, signIn, waitSignedIn } from './console_lib.mjs';

const VIEW = { width: 1366, height: 768 };
const FORBIDDEN = '您的账号没有权限查看这个页面。';
/** What the refusal screen must say: why (by route, and for a case by role)
 * and whom to ask. */
const WHY = {
  'case-new': /您的账号不能登记案件/,
  'admin-staff': /只有系统管理员可以查看/,
  'admin-audit': /只有系统管理员可以查看/,
  'case-foreign': { prosecutor: /检察官只能查看分配给本人承办的案件/, clerk: /书记员只能查看受邀参加过听证的案件/,
    aid_staff: /司法救助工作人员只能查看司法救助案件/ },
};
WHY.hearing = WHY['case-foreign'];   // a hearing is refused by its case's rule
const ASK = /请联系(承办检察官或)?本院系统管理员/;

// ---- the routes (docs/console.md): a new screen is one line here ---------------
// access: the action of docs/api.md's table that opens the route ('case:own',
// 'case:foreign': case.read on the user's own or someone else's case). nav: the
// navigation link that leads there, if any.
const ROUTES = [
  { name: 'today', hash: () => '#/today', access: 'case.read', nav: 'today' },
  { name: 'cases', hash: () => '#/cases', access: 'case.read', nav: 'cases' },
  { name: 'case-new', hash: () => '#/cases/new', access: 'case.create', nav: 'case-new' },
  { name: 'case-own', hash: (u, d) => `#/cases/${d.cases[u.own].id}`, access: 'case:own' },
  { name: 'case-foreign', hash: (u, d) => `#/cases/${d.cases[u.foreign].id}`, access: 'case:foreign' },
  { name: 'hearing', hash: (u, d) => `#/hearings/${d.hearing}`, access: 'case:A1' },
  { name: 'stats', hash: () => '#/stats', access: 'stats.read', nav: 'stats' },
  { name: 'admin-staff', hash: () => '#/admin/staff', access: 'staff.manage', nav: 'staff' },
  { name: 'admin-audit', hash: () => '#/admin/audit', access: 'audit.read', nav: 'audit' },
];

// ---- the people and their cases -------------------------------------------------
// own / foreign: the case each opens as "own" and as "someone else's".
const USERS = [
  { key: 'admin', username: 'admin', role: 'admin', name: '系统管理员', password: 'admin-password-1', own: 'A1', foreign: 'B1' },
  { key: 'prosecutor-a', username: 'wang.jc', role: 'prosecutor', name: '王检察官', password: 'spring-river-2024', own: 'A1', foreign: 'B1' },
  { key: 'prosecutor-b', username: 'zhao.jc', role: 'prosecutor', name: '赵检察官', password: 'summer-field-2024', own: 'B1', foreign: 'A1' },
  { key: 'clerk', username: 'li.sj', role: 'clerk', name: '李书记员', password: 'autumn-moon-2024', own: 'A1', foreign: 'B1' },
  { key: 'aid-staff', username: 'sun.jz', role: 'aid_staff', name: '孙救助员', password: 'winter-lake-2024', own: 'J1', foreign: 'A1' },
  { key: 'viewer', username: 'zhou.cy', role: 'viewer', name: '周查阅员', password: 'quiet-hill-2024', own: 'A1', foreign: 'B1' },
];
const user = (key) => USERS.find((u) => u.key === key);

// The cases: who registers them, their petitioner and how many days ago they
// were received (8: the 7-day reply is overdue; 6: due tomorrow).
const CASES = {
  A1: { by: 'prosecutor-a', no: '京检控〔2026〕101号', type: 'accusation', channel: 'visit', petitioner: '张三丰', ago: 0,
    contact: '13812345678', id_number: idNumber('11010119900307123') },
  A2: { by: 'prosecutor-a', no: '京检申〔2026〕102号', type: 'appeal', channel: 'letter', petitioner: '李四海', ago: 8 },
  B1: { by: 'prosecutor-b', no: '京检举〔2026〕201号', type: 'report', channel: 'online', petitioner: '王五岳', ago: 8,
    contact: '13900001111' },
  J1: { by: 'aid-staff', no: '京检救〔2026〕301号', type: 'judicial_aid', channel: 'visit', petitioner: '赵六合', ago: 6,
    contact: '13700002222' },
};

// ---- docs/api.md's action table -----------------------------------------------------

/** The role × action table of docs/api.md: {action: {role: 'yes'|'own'|'no'}}. */
function readActionTable(sourceDir) {
  const md = readFileSync(join(sourceDir, 'docs', 'api.md'), 'utf8').split('\n');
  const head = md.findIndex((l) => /^\| action \| admin \|/.test(l));
  if (head < 0) throw new Error('docs/api.md has no action table');
  const roles = md[head].split('|').map((c) => c.trim()).filter(Boolean).slice(1);
  const table = {};
  for (const line of md.slice(head + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const action = cells[0].replace(/`/g, '');
    table[action] = {};
    roles.forEach((r, i) => { table[action][r] = (/^(yes|own|no)\b/.exec(cells[i + 1]) || ['?'])[0]; });
  }
  return table;
}

let ACTIONS = {};

/** docs/api.md's object rules ("own"): a prosecutor's assigned cases, the
 * cases of hearings a clerk was invited to, aid staff's 司法救助 cases. */
function owns(u, c) {
  if (u.role === 'prosecutor') return c.prosecutor === u.key;
  if (u.role === 'clerk') return (c.clerks || []).includes(u.key);
  if (u.role === 'aid_staff') return c.type === 'judicial_aid';
  return false;
}

/** May user u do action on case key (null: an action on no case)? */
function may(u, action, caseKey, d) {
  const cell = (ACTIONS[action] || {})[u.role];
  if (cell === 'yes') return true;
  if (cell !== 'own') return false;
  if (!caseKey) return true;                       // a screen that opens; its case decides each action
  if (caseKey === 'new-accusation') return false;  // aid staff register only 司法救助 cases
  return owns(u, d.cases[caseKey]);
}

const readable = (u, d) => Object.keys(d.cases).filter((k) => may(u, 'case.read', k, d));

/** May user u do action on appointment a of case key? As on its case, and
 * for reading, a prosecutor also reads the appointments they host. */
function mayAppt(u, action, key, a, d) {
  return may(u, action, key, d) || (action === 'case.read' && u.role === 'prosecutor' &&
    ACTIONS['case.read'][u.role] === 'own' && !!a && a.host === u.key);
}

/** [case key, appointment] of every appointment today user u may read. */
const visibleAppts = (u, d) => Object.entries(d.cases)
  .flatMap(([k, c]) => c.appts.filter((a) => mayAppt(u, 'case.read', k, a, d)).map((a) => [k, a]));

function routeOpens(u, r, d) {
  if (r.access === 'case:own') return may(u, 'case.read', u.own, d);
  if (r.access === 'case:foreign') return may(u, 'case.read', u.foreign, d);
  if (r.access === 'case:A1') return may(u, 'case.read', 'A1', d);
  return may(u, r.access, null, d);
}

// ---- buttons: each is an action of the table -----------------------------------------
const BUTTONS = [
  { kind: 'register', re: /^(登记新案件|登记案件)$/, action: 'case.create' },
  { kind: 'move', re: /^(转入.+|终结\/销号)$/, action: 'case.transition' },
  { kind: 'edit', re: /^修改$/, action: 'case.update' },
  { kind: 'assign', re: /^指派$/, action: 'case.assign' },   // offered to administrators only
  { kind: 'schedule', re: /^新建预约$/, action: 'appointment.create' },
  { kind: 'reschedule', re: /^改期$/, action: 'appointment.manage' },
  { kind: 'cancel', re: /^取消预约$/, action: 'appointment.manage' },
  { kind: 'revoke', re: /^撤销邀请$/, action: 'appointment.manage' },
  { kind: 'reissue', re: /^重新生成链接$/, action: 'appointment.manage' },
  { kind: 'start', re: /^(再次)?开始(接访|听证|司法救助)$/, action: 'hearing.run' },
  { kind: 'enter', re: /^进入听证室$/, action: 'room.enter' },
  { kind: 'invite', re: /^邀请$/, action: 'hearing.run' },
  { kind: 'end', re: /^结束听证$/, action: 'hearing.run' },
  { kind: 'note', re: /^(添加笔录|笔录定稿|陈述：|问：|答：|出示证据材料：|宣读权利义务告知书。|休会，稍后继续。)$/, action: 'notes.write' },
  { kind: 'staff', re: /^(新建账号|创建账号|停用|启用|重设密码|修改角色)$/, action: 'staff.manage' },
  { kind: 'verify', re: /^校验审计链$/, action: 'audit.read' },
];
/** Buttons that only read (search, filter, page). Any other button fails the test
 * until it is put in BUTTONS with its action. */
const READ_ONLY = /^(查找|清除条件|筛选|下一页|回到第一页|返回工作台|查看听证|导出CSV|本月|近3个月|本年|查看|显示更早的记录)$/;

/** The kinds of button on a case page, given what its appointments allow. */
function caseKinds(c) {
  const kinds = new Set();
  if (c.stage !== 'closed') kinds.add('move').add('schedule').add('edit');
  for (const a of c.appts || []) {
    if (!a.started) kinds.add('reschedule').add('start').add('cancel');
    if (a.running) kinds.add('enter');
    kinds.add('revoke').add('reissue');
  }
  return kinds;
}

/** The kinds of button that must be on route r for user u (beyond this, none may be). */
function expectedKinds(u, r, d) {
  const out = new Set();
  if (!routeOpens(u, r, d)) return out;
  const byAction = (kind) => BUTTONS.find((b) => b.kind === kind).action;
  if (r.name === 'cases' && may(u, 'case.create', null, d)) out.add('register');
  if (r.name === 'case-new') out.add('register');
  if (r.name === 'admin-staff') out.add('staff');
  if (r.name === 'admin-audit') out.add('verify');
  if (r.access === 'case:own' || r.access === 'case:foreign') {
    const key = r.access === 'case:own' ? u.own : u.foreign;
    for (const kind of caseKinds(d.cases[key])) if (may(u, byAction(kind), key, d)) out.add(kind);
    if (u.role === 'admin' && d.cases[key].stage !== 'closed' && may(u, 'case.assign', key, d)) out.add('assign');
  }
  if (r.name === 'hearing') {   // A1's running hearing, which prosecutor A started
    if (may(u, 'room.enter', 'A1', d)) out.add('enter');
    if (may(u, 'hearing.run', 'A1', d)) out.add('invite').add('end');
    if (may(u, 'notes.write', 'A1', d)) out.add('note');
  }
  if (r.name === 'today') {
    for (const [key, a] of visibleAppts(u, d)) {
      if (a.running && may(u, 'room.enter', key, d)) out.add('enter');
      if (!a.started && may(u, 'hearing.run', key, d)) out.add('start');
    }
  }
  return out;
}

// ---- the data, made through the API ---------------------------------------------------

const cstDate = (daysFromToday = 0) => new Date(Date.now() + 8 * 3600e3 + daysFromToday * 86400e3).toISOString().slice(0, 10);

/** A time today (China Standard Time), minutes after a start in the next
 * few minutes, or before now late in the evening: always within today. */
function todayAt(minutes) {
  const now = Date.now() + 8 * 3600e3;
  const sinceMidnight = Math.floor((now % 86400e3) / 60e3);
  const m = sinceMidnight < 23 * 60 ? sinceMidnight + 5 + minutes : sinceMidnight - 100 + minutes;
  const hh = String(Math.floor(m / 60)).padStart(2, '0');
  const mm = String(m % 60).padStart(2, '0');
  return `${cstDate()}T${hh}:${mm}:00+08:00`;
}

async function makeData(port) {
  const api = (method, p, token, body) => apiRequest(port, method, p, { token, body });
  const tokens = {};
  const ids = {};
  const login = async (u) => {
    const r = await api('POST', '/auth/login', null, { username: u.username, password: u.password });
    if (r.status !== 200) throw new Error(`sign-in of ${u.username}: ${r.status}`);
    tokens[u.key] = r.json.token;
  };
  await login(user('admin'));
  for (const u of USERS.filter((x) => x.key !== 'admin')) {
    const r = await api('POST', '/staff', tokens.admin, { username: u.username, display_name: u.name, role: u.role, password: u.password });
    if (r.status !== 201) throw new Error(`account ${u.username}: ${r.status} ${r.raw}`);
    ids[u.key] = r.json.id;
    await login(u);
  }
  const cases = {};
  for (const [key, c] of Object.entries(CASES)) {
    const body = { case_no: c.no, type: c.type, channel: c.channel, petitioner: c.petitioner, received: cstDate(-c.ago) };
    if (c.contact) body.contact = c.contact;
    if (c.id_number) body.id_number = c.id_number;
    const r = await api('POST', '/cases', tokens[c.by], body);
    if (r.status !== 201) throw new Error(`case ${key}: ${r.status} ${r.raw}`);
    const owner = USERS.find((u) => u.role === 'prosecutor' && ids[u.key] === r.json.prosecutor_id);
    cases[key] = { ...c, id: r.json.id, stage: r.json.stage, prosecutor: owner ? owner.key : null, clerks: [], appts: [] };
  }
  const schedule = async (key, minutes, name, host) => {
    const c = cases[key];
    const body = { starts_at: todayAt(minutes), invitees: [{ name, role: 'petitioner' }] };
    if (host) body.host = ids[host];
    const r = await api('POST', `/cases/${c.id}/appointments`, tokens[c.by], body);
    if (r.status !== 201) throw new Error(`appointment on ${key}: ${r.status} ${r.raw}`);
    const a = { id: r.json.appointment.id, invitee: r.json.invitations[0].id, started: false, running: false,
      host: USERS.find((u) => ids[u.key] === r.json.appointment.host_id)?.key };
    c.appts.push(a);
    return a;
  };
  // Prosecutor A's case: one appointment whose hearing runs with the clerk
  // invited (the clerk's own case), one still to come.
  const a1 = await schedule('A1', 0, CASES.A1.petitioner);
  const hr = await api('POST', `/appointments/${a1.id}/hearings`, tokens['prosecutor-a'], {});
  if (hr.status !== 201) throw new Error(`hearing: ${hr.status} ${hr.raw}`);
  Object.assign(a1, { started: true, running: true, hearing: hr.json.id });
  const inv = await api('POST', `/hearings/${hr.json.id}/participants`, tokens['prosecutor-a'], { staff_id: ids.clerk });
  if (inv.status !== 201) throw new Error(`clerk invited: ${inv.status} ${inv.raw}`);
  cases.A1.clerks.push('clerk');
  await schedule('A1', 30, CASES.A1.petitioner);
  // …and one that prosecutor B hosts: B reads it (docs/api.md), but not the case.
  await schedule('A1', 50, CASES.A1.petitioner, 'prosecutor-b');
  await schedule('B1', 10, CASES.B1.petitioner);
  await schedule('J1', 20, CASES.J1.petitioner);
  return { cases, ids, tokens, hearing: hr.json.id };
}

// ---- the API behind the screens, called from the page with its cookie ------------------
// Each probe names its action and case; one the user lacks must be refused
// (403/404), one it has is sent only when `safe` (reads, a summary) and must
// answer 2xx. The first appointment not started, and its invitation, stand
// for a case's appointments.
function probes(d) {
  const later = (k) => d.cases[k].appts.find((a) => !a.started);
  const list = [];
  for (const k of ['A1', 'A2', 'B1', 'J1']) {
    const id = d.cases[k].id;
    list.push({ action: 'case.read', on: k, method: 'GET', path: `/cases/${id}`, safe: true },
      { action: 'case.read', on: k, method: 'GET', path: `/cases/${id}/events`, safe: true },
      { action: 'case.read', on: k, method: 'GET', path: `/cases/${id}/appointments`, safe: true },
      { action: 'case.read', on: k, method: 'GET', path: `/cases/${id}/hearings`, safe: true },
      { action: 'case.update', on: k, method: 'PATCH', path: `/cases/${id}`, body: { summary: '材料已补充。' }, safe: true },
      { action: 'case.assign', on: k, method: 'PATCH', path: `/cases/${id}`, body: { prosecutor_id: d.ids['prosecutor-b'] } },
      { action: 'case.transition', on: k, method: 'POST', path: `/cases/${id}/transition`, body: { to: 'review' } },
      { action: 'appointment.create', on: k, method: 'POST', path: `/cases/${id}/appointments`,
        body: { starts_at: todayAt(40), invitees: [{ name: '某人', role: 'petitioner' }] } });
    const a = later(k);
    if (!a) continue;
    list.push({ action: 'case.read', on: k, method: 'GET', path: `/appointments/${a.id}`, safe: true },
      { action: 'appointment.manage', on: k, method: 'PATCH', path: `/appointments/${a.id}`, body: { title: '改期' } },
      { action: 'appointment.manage', on: k, method: 'POST', path: `/appointments/${a.id}/cancel`, body: { reason: '改期' } },
      { action: 'appointment.manage', on: k, method: 'POST', path: `/invitations/${a.invitee}/revoke`, body: {} },
      { action: 'appointment.manage', on: k, method: 'POST', path: `/invitations/${a.invitee}/reissue`, body: {} },
      { action: 'hearing.run', on: k, method: 'POST', path: `/appointments/${a.id}/hearings`, body: {} },
      { action: 'room.enter', on: k, method: 'POST', path: `/appointments/${a.id}/room-token`, body: {} });
  }
  const hosted = d.cases.A1.appts.find((a) => a.host === 'prosecutor-b');
  list.push({ action: 'case.read', on: 'A1', appt: hosted, method: 'GET', path: `/appointments/${hosted.id}`, safe: true },
    { action: 'hearing.run', on: 'A1', appt: hosted, method: 'POST', path: `/appointments/${hosted.id}/hearings`, body: {} },
    { action: 'room.enter', on: 'A1', appt: hosted, method: 'POST', path: `/appointments/${hosted.id}/room-token`, body: {} });
  const h = d.hearing;
  const running = d.cases.A1.appts.find((a) => a.running);
  list.push({ action: 'case.read', on: 'A1', method: 'GET', path: `/hearings/${h}`, safe: true },
    { action: 'notes.read', on: 'A1', method: 'GET', path: `/hearings/${h}/notes`, safe: true },
    { action: 'recording.read', on: 'A1', method: 'GET', path: `/hearings/${h}/recordings`, safe: true },
    { action: 'notes.write', on: 'A1', method: 'POST', path: `/hearings/${h}/notes`, body: { offset_ms: 0, text: '记录' } },
    { action: 'hearing.run', on: 'A1', method: 'POST', path: `/hearings/${h}/participants`, body: { staff_id: d.ids.viewer } },
    { action: 'hearing.run', on: 'A1', method: 'POST', path: `/hearings/${h}/end`, body: {} },
    { action: 'room.enter', on: 'A1', method: 'POST', path: `/appointments/${running.id}/room-token`, body: {} },
    { action: 'case.create', on: 'new-accusation', method: 'POST', path: '/cases',
      body: { case_no: '京检控〔2026〕999号', type: 'accusation', channel: 'visit', petitioner: '某人' } },
    { action: 'staff.manage', method: 'GET', path: '/staff', safe: true },
    { action: 'staff.manage', method: 'GET', path: `/staff/${d.ids.viewer}`, safe: true },
    { action: 'staff.manage', method: 'POST', path: '/staff',
      body: { username: 'new.one', display_name: '新人', role: 'admin', password: 'a-long-passphrase-9' } },
    { action: 'staff.manage', method: 'PATCH', path: `/staff/${d.ids.viewer}`, body: { role: 'admin' } },
    { action: 'staff.manage', method: 'POST', path: `/staff/${d.ids.viewer}/password`, body: { password: 'another-passphrase-9' } },
    { action: 'audit.read', method: 'GET', path: '/audit', safe: true },
    { action: 'audit.read', method: 'GET', path: '/audit/verify', safe: true });
  return list;
}

/** Sends requests from the page with its session cookie and the CSRF token
 * GET /me gives (as api.js does); resolves [{status, code, json}]. */
function fromPage(page, requests) {
  return page.evaluate(async (reqs) => {
    const me = await (await fetch('/api/v1/me', { credentials: 'same-origin' })).json();
    const out = [];
    for (const q of reqs) {
      const headers = { Accept: 'application/json' };
      if (q.body !== undefined) headers['Content-Type'] = 'application/json';
      if (q.method !== 'GET') headers['X-Auth-Token'] = me.csrf;
      const res = await fetch(`/api/v1${q.path}`, { method: q.method, headers, credentials: 'same-origin', cache: 'no-store',
        body: q.body === undefined ? undefined : JSON.stringify(q.body) });
      let json = null;
      try { json = await res.json(); } catch { /* not JSON */ }
      out.push({ status: res.status, code: json && json.error ? json.error.code : null, json });
    }
    return out;
  }, requests);
}

async function apiPart(page, u, d) {
  const all = probes(d).map((p) => ({ ...p, allowed: p.appt ? mayAppt(u, p.action, p.on, p.appt, d) : may(u, p.action, p.on, d) }));
  const send = all.filter((p) => !p.allowed || p.safe);
  const got = await fromPage(page, send);
  const wrong = [];
  let refused = 0;
  let served = 0;
  send.forEach((p, i) => {
    const r = got[i];
    if (p.allowed) {
      served++;
      if (r.status < 200 || r.status > 299) wrong.push(`${p.method} ${p.path} (${p.action}) → ${r.status} ${r.code}, expected 2xx`);
    } else {
      refused++;
      if (![403, 404].includes(r.status) || !['forbidden', 'not_found'].includes(r.code)) {
        wrong.push(`${p.method} ${p.path} (${p.action}) → ${r.status} ${r.code || ''}, expected 403/404`);
      }
    }
  });
  check(`${u.key}: the API refuses with the same cookie session every action the table denies (${refused} refused) ` +
    `and serves what it allows (${served} read)`, !wrong.length && refused > 0, wrong.join('; '));

  // The listings hold exactly the cases the role may read.
  const today = cstDate();
  const [list, due, day] = await fromPage(page, [{ method: 'GET', path: '/cases?limit=200' },
    { method: 'GET', path: '/cases/due?within_days=2' }, { method: 'GET', path: `/appointments?date=${today}` }]);
  const mayRead = new Set(readable(u, d).map((k) => d.cases[k].id));
  const listed = new Set((list.json.items || []).map((c) => c.id));
  check(`${u.key}: GET /cases lists exactly the cases it may read`,
    listed.size === mayRead.size && [...listed].every((id) => mayRead.has(id)), `${[...listed]} vs ${[...mayRead]}`);
  const dueIds = (due.json.items || []).map((c) => c.id);
  const dueWanted = readable(u, d).filter((k) => d.cases[k].ago >= 6).map((k) => d.cases[k].id);
  check(`${u.key}: the 督办 ledger (GET /cases/due) holds exactly its readable cases that are due`,
    dueIds.length === dueWanted.length && dueWanted.every((id) => dueIds.includes(id)), `${dueIds} vs ${dueWanted}`);
  const apptIds = (day.json.items || []).map((a) => a.id);
  const apptWanted = visibleAppts(u, d).map(([, a]) => a.id);
  check(`${u.key}: the day's appointments (GET /appointments) are exactly those of its readable cases`,
    apptIds.length === apptWanted.length && apptWanted.every((id) => apptIds.includes(id)), `${apptIds} vs ${apptWanted}`);
}

// ---- registering a case through the form ------------------------------------------------
// Each role that may register one does (a type it may register), and lands
// where it may: on the new case's page when it may read it, else on a
// confirmation that says what happens next, never on a refusal.
const REGISTER = {
  'prosecutor-a': { no: '京检控〔2026〕401号', petitioner: '钱七星', type: 'accusation' },
  'prosecutor-b': { no: '京检申〔2026〕402号', petitioner: '孙八方', type: 'appeal' },
  clerk: { no: '京检举〔2026〕403号', petitioner: '周九州', type: 'report' },
  'aid-staff': { no: '京检救〔2026〕404号', petitioner: '吴十全', type: 'judicial_aid' },
};

async function registerPart(page, u, d) {
  if (!may(u, 'case.create', null, d)) return;
  const c = { ...REGISTER[u.key], channel: 'visit', ago: 0, stage: 'register', by: u.key,
    prosecutor: u.role === 'prosecutor' ? u.key : null, clerks: [], appts: [] };
  await openRoute(page, '#/cases/new');
  await page.fill('[name=case_no]', c.no);
  await page.selectOption('[name=type]', c.type);
  await page.check('#cn-ch-visit');
  await page.fill('[name=petitioner]', c.petitioner);
  await page.click('form button[type=submit]');
  const key = `new-${u.key}`;
  d.cases[key] = c;
  const reads = may(u, 'case.read', key, d);
  if (reads) {
    await page.waitForFunction((no) => document.querySelector('.case-head h1')?.textContent === no, c.no, { timeout: 10000 });
  } else {
    await page.waitForFunction(() => document.querySelector('main .confirm h1'), null, { timeout: 10000 });
  }
  const found = await apiRequest(d.port, 'GET', `/cases?q=${encodeURIComponent(c.no)}`, { token: d.tokens.admin });
  c.id = found.json && found.json.items.length === 1 ? found.json.items[0].id : 0;
  const main = await page.locator('main').innerText();
  check(`${u.key}: registering ${c.no} opens ${reads ? 'its case page' : 'a confirmation that says what happens next'}`,
    c.id > 0 && main.includes(c.no) && !main.includes(FORBIDDEN) &&
    (reads || (/案件已登记/.test(main) && /分配承办检察官/.test(main))), main.slice(0, 300));
  await checkPlain(page, `${u.key} case registered`);
  const path = join(tmp, `${u.key}-case-new-done.png`);
  await page.screenshot({ path });
  shots.push(path);
}

// ---- the screens ------------------------------------------------------------------------

let tmp = '';
const shots = [];

/** Opens hash and resolves once its screen has loaded (no 正在加载 left). */
async function openRoute(page, hash) {
  if (await page.evaluate(() => location.hash) === hash) {
    await page.reload();
    await waitSignedIn(page);
  } else {
    await page.evaluate((hh) => { window.yfOldScreen = document.querySelector('main .screen'); location.hash = hh; }, hash);
    await page.waitForFunction(() => document.querySelector('main .screen') !== window.yfOldScreen, null, { timeout: 10000 });
  }
  await page.waitForFunction(() => document.querySelector('main h1') && !/正在加载/.test(document.querySelector('main').innerText),
    null, { timeout: 15000 });
}

/** The visible buttons (and links drawn as buttons) on the screen, by text. */
const buttonTexts = (page) => page.evaluate(() => [...document.querySelectorAll('main button, main a.btn')]
  .filter((b) => b.checkVisibility()).map((b) => b.textContent.trim()));

async function screen(page, u, r, d) {
  const label = `${u.key} ${r.name}`;
  const opens = routeOpens(u, r, d);
  await openRoute(page, r.hash(u, d));
  const body = await page.locator('body').innerText();
  const h1 = (await page.locator('main h1').first().innerText()).trim();

  // The navigation shows the routes the role may open, no others.
  const nav = await page.evaluate(() => [...document.querySelectorAll('nav a[data-nav]')]
    .filter((a) => a.checkVisibility()).map((a) => a.dataset.nav));
  const navWanted = ROUTES.filter((x) => x.nav && routeOpens(u, x, d)).map((x) => x.nav);
  check(`${label}: the navigation shows only ${navWanted.join(', ')}`,
    nav.length === navWanted.length && navWanted.every((n) => nav.includes(n)), nav.join(', '));

  // 工作台 may name a case through an appointment the role reads (a host's).
  const viaAppt = r.name === 'today' && opens ? visibleAppts(u, d).map(([k]) => k) : [];
  const hidden = Object.keys(d.cases).filter((k) => !may(u, 'case.read', k, d) && !viaAppt.includes(k));
  const named = hidden.filter((k) => body.includes(d.cases[k].no) || body.includes(d.cases[k].petitioner));
  check(`${label}: no case it may not read is named anywhere on the screen`, !named.length,
    named.map((k) => d.cases[k].no).join(', '));
  const links = await page.evaluate(() => [...document.querySelectorAll('main a[href^="#/cases/"]')]
    .map((a) => /^#\/cases\/(\d+)$/.exec(a.getAttribute('href'))).filter(Boolean).map((m) => Number(m[1])));
  const dead = links.filter((id) => !Object.keys(d.cases).some((k) => d.cases[k].id === id && may(u, 'case.read', k, d)));
  check(`${label}: every link to a case leads to one it may open`, !dead.length, dead.join(', '));

  if (!opens) {
    const back = await page.locator('main a[href="#/today"]').count();
    const anyCase = Object.values(d.cases).filter((c) => body.includes(c.no) || body.includes(c.petitioner));
    check(`${label}: refused with the refusal screen, a way back and no data`, h1 === FORBIDDEN && back === 1 &&
      !anyCase.length && (await page.locator('main table, main form').count()) === 0, `${h1} | ${anyCase.map((c) => c.no)}`);
    const main = await page.locator('main').innerText();
    const why = WHY[r.name] instanceof RegExp ? WHY[r.name] : (WHY[r.name] || {})[u.role];
    check(`${label}: the refusal says why and whom to ask`, !!why && why.test(main) && ASK.test(main), main);
  } else {
    check(`${label}: the screen opens`, h1 !== FORBIDDEN && !/无法打开|没有这个页面/.test(h1), h1);
  }

  // Lists show exactly the cases the role may read.
  const mayRead = readable(u, d);
  if (r.name === 'cases') {
    const rows = await page.locator('table.cases tbody tr').allInnerTexts();
    const shown = Object.keys(d.cases).filter((k) => rows.some((x) => x.includes(d.cases[k].no)));
    check(`${label}: the case list shows exactly the cases it may read`, rows.length === mayRead.length &&
      shown.length === mayRead.length && mayRead.every((k) => shown.includes(k)), rows.join(' | '));
  }
  if (r.name === 'today') {
    const appts = await page.locator('table.appts tbody tr').allInnerTexts();
    const wanted = visibleAppts(u, d).map(([k]) => d.cases[k].no);
    check(`${label}: 工作台 lists exactly the appointments of today it may read`, appts.length === wanted.length &&
      wanted.every((no) => appts.some((x) => x.includes(no))), appts.join(' | '));
    // Each appointment's own buttons: into the room or starting it only where the role may.
    const rowWrong = [];
    for (const [key, a] of visibleAppts(u, d)) {
      const texts = await page.locator(`table.appts tr[data-appointment="${a.id}"] button`).allInnerTexts();
      const start = texts.some((x) => /开始/.test(x));
      const enter = texts.some((x) => /进入听证室/.test(x));
      const wantStart = !a.started && may(u, 'hearing.run', key, d);
      const wantEnter = a.running && may(u, 'room.enter', key, d);
      if (start !== wantStart || enter !== wantEnter) rowWrong.push(`${d.cases[key].no} ${a.id}: ${texts.join(',') || 'none'}`);
    }
    check(`${label}: each appointment offers to start or enter its room only where the role may`, !rowWrong.length,
      rowWrong.join('; '));
    const head = await page.locator('table.appts thead').innerText();
    check(`${label}: the appointments have an action column only for a role that enters rooms`,
      /操作/.test(head) === (ACTIONS['room.enter'][u.role] !== 'no'), head);
    // Roles that run their own cases' hearings see those cases, open, under a heading of their own.
    const mine = page.locator('section[aria-labelledby=today-mine]');
    const mineRows = (await mine.count()) ? await mine.locator('tbody tr').allInnerTexts() : null;
    const mineWanted = ACTIONS['hearing.run'][u.role] === 'own'
      ? Object.keys(d.cases).filter((k) => owns(u, d.cases[k]) && d.cases[k].stage !== 'closed') : null;
    check(`${label}: 工作台 lists its own open cases (${mineWanted ? mineWanted.join(', ') : 'no such list'})`,
      mineWanted === null ? mineRows === null : (mineRows && mineRows.length === mineWanted.length &&
        mineWanted.every((k) => mineRows.some((x) => x.includes(d.cases[k].no)))), mineRows && mineRows.join(' | '));
    const ledger = await page.locator('table.ledger tbody tr').allInnerTexts();
    const due = mayRead.filter((k) => d.cases[k].ago >= 6).map((k) => d.cases[k].no);
    check(`${label}: the 督办 ledger lists exactly its readable cases that are due`, ledger.length === due.length &&
      due.every((no) => ledger.some((x) => x.includes(no))), ledger.join(' | '));
  }
  if (r.name === 'case-new' && opens) {
    // A role that registers only its own kind of case (aid staff: 司法救助) is offered only that type.
    const types = await page.locator('select[name=type] option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
    const wanted = ACTIONS['case.create'][u.role] === 'own' ? ['judicial_aid'] : null;
    check(`${label}: the case types offered are those it may register`,
      wanted ? types.join() === wanted.join() : types.length === 6, types.join(', '));
  }
  if (r.name === 'case-own' || (r.name === 'case-foreign' && opens)) {
    const c = d.cases[r.name === 'case-own' ? u.own : u.foreign];
    check(`${label}: the case page shows its case`, h1 === c.no, h1);
    // The case names its prosecutor to everyone who reads it.
    const pros = c.prosecutor ? user(c.prosecutor).name : null;
    check(`${label}: the case names its prosecutor${pros ? '' : ' (none assigned)'}`,
      pros ? (await page.locator('.facts').innerText()).includes(pros) : true, pros || '');
    // Each appointment names its host, whoever it is (a prosecutor may host another's case).
    const hosts = c.appts.map((a) => user(a.host).name).filter((n) => !body.includes(`主持：${n}`));
    check(`${label}: every appointment names its host`, !hosts.length, hosts.join(', '));
    // A hearing's recording state is a part of the hearing under recording.read (docs/api.md).
    const key = r.name === 'case-own' ? u.own : u.foreign;
    const recWanted = c.appts.some((a) => a.started) && may(u, 'recording.read', key, d);
    check(`${label}: the hearing's recording state is shown ${recWanted ? '' : 'not '}(recording.read)`,
      /录音录像/.test(body) === recWanted, body.slice(0, 200));
  }

  // Buttons: none for an action the role lacks; those it has are there.
  const texts = await buttonTexts(page);
  const kinds = new Set();
  const unknown = [];
  for (const tx of texts) {
    const b = BUTTONS.find((x) => x.re.test(tx));
    if (b) kinds.add(b.kind); else if (!READ_ONLY.test(tx)) unknown.push(tx);
  }
  const wanted = expectedKinds(u, r, d);
  const extra = [...kinds].filter((k) => !wanted.has(k));
  const missing = [...wanted].filter((k) => !kinds.has(k));
  check(`${label}: buttons for exactly the actions it may take here (${[...wanted].join(', ') || 'none'})`,
    !extra.length && !missing.length && !unknown.length,
    `extra: ${extra.join(',')}; missing: ${missing.join(',')}; unclassified: ${unknown.join(',')}; all: ${texts.join(',')}`);

  await checkPlain(page, label);
  await checkLabels(page, label);
  const path = join(tmp, `${u.key}-${r.name}.png`);
  await page.screenshot({ path });
  shots.push(path);
}

async function rolePart(browser, base, u, d, pageLog) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: VIEW, locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('console', (m) => pageLog.push(`${u.key} ${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => { pageLog.push(`${u.key} pageerror: ${e.message}`); check(`${u.key}: no script error`, false, e.message); });
  try {
    await page.goto(`${base}/console/#/today`);
    await signIn(page, u.username, u.password);
    await waitSignedIn(page);
    check(`${u.key}: signs in as ${u.name}`, (await page.innerText('#who-name')).startsWith(u.name));
    for (const r of ROUTES) {
      try {
        await screen(page, u, r, d);
      } catch (e) {
        check(`${u.key} ${r.name}: the screen could be checked`, false, e.stack || e.message);
      }
    }
    try {
      await registerPart(page, u, d);
    } catch (e) {
      check(`${u.key}: registers a case through the form`, false, e.stack || e.message);
    }
    await apiPart(page, u, d);
  } finally {
    await context.close();
  }
}

async function main() {
  const { bin, webDir, chromium } = await browserTestPrerequisites();
  const sourceDir = process.env.YF_SOURCE_DIR || join(webDir, '..');
  ACTIONS = readActionTable(sourceDir);
  const needed = ['staff.manage', 'case.create', 'case.read', 'case.update', 'case.assign', 'case.transition',
    'appointment.create', 'appointment.manage', 'hearing.run', 'room.enter', 'notes.read', 'notes.write',
    'recording.read', 'audit.read'];
  check('docs/api.md\'s action table gives yes/own/no for every staff role and action the console uses',
    needed.every((a) => ACTIONS[a] && USERS.every((u) => ['yes', 'own', 'no'].includes(ACTIONS[a][u.role]))),
    JSON.stringify(needed.filter((a) => !ACTIONS[a])));
  const dirs = tempDirs('yf-e2e-roles-');
  tmp = dirs.tmp;
  const serverLog = [];
  const pageLog = [];
  let server = null;
  let browser = null;
  try {
    const admin = user('admin');
    const made = createUser(bin, dirs.dataDir, { username: admin.username, role: 'admin', password: admin.password, name: admin.name });
    check('the CLI makes the first administrator', made.status === 0, made.stderr);
    const port = await freePort();
    server = await startServerReady(bin, { dataDir: dirs.dataDir, port, webDir, workers: 1, logLevel: 'info',
      logPath: join(tmp, 'server.log'), log: serverLog });
    const d = await makeData(port);
    d.port = port;
    check('test data: six accounts, four cases, today\'s appointments, a running hearing with the clerk invited',
      Object.keys(d.cases).length === 4 && d.cases.A1.clerks.length === 1);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, '--lang=zh-CN'] });
    for (const u of USERS) await rolePart(browser, `https://127.0.0.1:${port}`, u, d, pageLog);
    check('server is still running', !server.exitInfo, JSON.stringify(server.exitInfo));
  } catch (e) {
    check('test ran to the end', false, e.stack || e.message);
  } finally {
    if (browser) await browser.close().catch(() => {});
    console.log(`# ${shots.length} screenshots (role-route.png) in ${tmp}`);
    await wrapUp({ server, tmp, pageLog, serverLog });
  }
}

await main();
finish('console_roles');

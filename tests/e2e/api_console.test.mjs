// api_console.test.mjs -- the REST endpoints the staff console stands on, over
// real HTTPS against the running server: the petitioner's ID number (checked,
// masked in every listing, whole and audited on the case's own page), the
// case search and the legal next stages, the 督办 ledger, appointment kinds,
// when an invitation link was first opened, the day's appointments,
// rescheduling, cancelling, revoking and reissuing invitations.
// Run by CTest with YF_SERVER_BIN and YF_WEB_DIR set; prints "api_console: N
// passed, M failed".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiRequest, check, finish, startWithAdmin, stopServer } from './lib.mjs';

const bin = process.env.YF_SERVER_BIN;
const webDir = process.env.YF_WEB_DIR;
if (!bin || !webDir) {
  console.error('api_console.test: YF_SERVER_BIN and YF_WEB_DIR must be set');
  process.exit(2);
}

let port = 0;
const api = (method, pathname, opts) => apiRequest(port, method, pathname, opts);
const errCode = (r) => r.json && r.json.error && r.json.error.code;
const errMsg = (r) => (r.json && r.json.error && r.json.error.message) || '';
const show = (r) => `${r.status} ${r.raw.toString().slice(0, 300)}`;
const serverLog = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'yf-api-console-'));
const ID = '11010519491231002X';

/** Every audit entry of action (prefix), oldest first. */
async function audits(T, action) {
  const r = await api('GET', `/audit?limit=1000&action=${encodeURIComponent(action)}`, { token: T.admin });
  return r.json ? r.json.items : [];
}

/** The accounts of the test, signed in: T[name] is each one's token, ids[name] its id. */
async function makeStaff(T, ids) {
  for (const [name, role] of [['pros1', 'prosecutor'], ['pros2', 'prosecutor'], ['clerk', 'clerk'],
    ['aid', 'aid_staff'], ['viewer', 'viewer']]) {
    const r = await api('POST', '/staff', { token: T.admin, body: { username: name, display_name: `${name} 名`, role,
      password: `${name}-password-1` } });
    ids[name] = r.json && r.json.id;
    const s = await api('POST', '/auth/login', { body: { username: name, password: `${name}-password-1` } });
    T[name] = s.json && s.json.token;
  }
}

// ---- 1. the petitioner's ID number and masked listings ----
async function identity(T) {
  const base = { type: '申诉', channel: 'visit', petitioner: '张三' };
  let r = await api('POST', '/cases', { token: T.pros1, body: { ...base, case_no: 'ID-1', contact: '13812345678',
    id_number: '11010519491231002x' } });
  check('POST /cases takes an ID number (a final x as X); its reply is masked', r.status === 201 &&
    r.json.id_number === '110105********002X' && r.json.contact === '138****5678' && r.json.masked === true, show(r));
  const c = r.json;
  for (const [bad, says] of [['11010519491231002', '18 characters'], ['110105194912310021', 'check digit'],
    ['A1010519491231002X', '17 digits'], ['11010519491231002Y', 'digit or X']]) {
    r = await api('POST', '/cases', { token: T.pros1, body: { ...base, case_no: `BAD-${bad}`, id_number: bad } });
    check(`a bad ID number (${says}) is 400 naming the field`, r.status === 400 && errCode(r) === 'bad_request' &&
      errMsg(r).includes('"id_number"') && errMsg(r).includes(says), show(r));
  }
  r = await api('GET', '/cases?limit=200', { token: T.viewer });
  check('… and registers nothing', r.json.items.every((x) => !x.case_no.startsWith('BAD-')));
  const item = r.json.items.find((x) => x.id === c.id);
  check('GET /cases shows contact and ID number masked, with "masked": true', item && item.contact === '138****5678' &&
    item.id_number === '110105********002X' && item.masked === true && !r.raw.toString().includes(ID), JSON.stringify(item));

  const before = (await audits(T, 'case.identity_view')).length;
  r = await api('GET', `/cases/${c.id}`, { token: T.pros1 });
  check('GET /cases/{id} shows them in full ("masked": false)', r.status === 200 && r.json.id_number === ID &&
    r.json.contact === '13812345678' && r.json.masked === false, show(r));
  await api('GET', `/cases/${c.id}`, { token: T.viewer });
  let views = await audits(T, 'case.identity_view');
  check('… and writes case.identity_view each time, naming who, which case and which fields', views.length === before + 2 &&
    views.at(-1).object === `case:${c.id}` && views.at(-1).actor.startsWith('staff:') &&
    views.at(-1).detail === 'contact,id_number', JSON.stringify(views.slice(-2)));
  r = await api('GET', `/cases/${c.id}`, { token: T.pros2 });
  views = await audits(T, 'case.identity_view');
  check('a refused read shows nothing and writes no identity view', r.status === 403 && views.length === before + 2);
  r = await api('POST', '/cases', { token: T.pros1, body: { ...base, case_no: 'ID-NONE' } });
  const bare = r.json;
  r = await api('GET', `/cases/${bare.id}`, { token: T.pros1 });
  views = await audits(T, 'case.identity_view');
  check('a case with neither contact nor ID number writes no identity view', r.status === 200 &&
    r.json.id_number === '' && r.json.contact === '' && views.length === before + 2, JSON.stringify(r.json));

  r = await api('PATCH', `/cases/${bare.id}`, { token: T.pros1, body: { id_number: '440524188001010014' } });
  check('PATCH /cases/{id} sets an ID number (reply masked)', r.status === 200 && r.json.id_number === '440524********0014' &&
    r.json.masked === true, show(r));
  r = await api('PATCH', `/cases/${bare.id}`, { token: T.pros1, body: { id_number: '440524188001010015' } });
  check('PATCH with a wrong check digit is 400 naming the field', r.status === 400 && errMsg(r).includes('"id_number"'), show(r));
  r = await api('PATCH', `/cases/${bare.id}`, { token: T.viewer, body: { id_number: '' } });
  check('PATCH id_number needs case.update', r.status === 403);
  r = await api('PATCH', `/cases/${bare.id}`, { token: T.pros1, body: { id_number: '' } });
  check('PATCH id_number "" removes it', r.status === 200 && r.json.id_number === '', show(r));
  return c;
}

// ---- 2. the case search and the legal moves ----
async function search(T) {
  const mk = async (no, petitioner, token = T.pros1) => (await api('POST', '/cases', { token, body: { case_no: no,
    type: 'accusation', channel: 'visit', petitioner } })).json;
  const a = await mk('京检控〔2024〕12号', '王小明');
  const b = await mk('S_1', '王小红');
  const c = await mk('S%2', '李雷');
  const d = await mk('京检控〔2024〕99号', '王小明', T.pros2);
  const ids = (r) => (r.json && r.json.items ? r.json.items.map((x) => x.id) : []).sort((x, y) => x - y);
  const q = (text, token = T.viewer, extra = '') => api('GET', `/cases?q=${encodeURIComponent(text)}${extra}`, { token });
  let r = await q('12号');
  check('GET /cases?q= finds a case number by a substring', r.status === 200 && ids(r).join() === `${a.id}`, show(r));
  r = await q('王小');
  check('… and a petitioner by part of the name', ids(r).join() === [a.id, b.id, d.id].join(), JSON.stringify(ids(r)));
  r = await q('_');
  check('… where _ is a plain character', ids(r).join() === `${b.id}`, JSON.stringify(ids(r)));
  r = await q('%');
  check('… and so is %', ids(r).join() === `${c.id}`, JSON.stringify(ids(r)));
  r = await q('s_');
  check('… ASCII letters in either case', ids(r).join() === `${b.id}`, JSON.stringify(ids(r)));
  r = await q('王小明', T.pros1);
  check('a prosecutor\'s search stays within their own cases', ids(r).join() === `${a.id}`, JSON.stringify(ids(r)));
  r = await q('王小', T.viewer, '&limit=1');
  const page2 = await q('王小', T.viewer, `&limit=1&cursor=${r.json.next_cursor}`);
  check('a search pages by cursor', r.json.items.length === 1 && page2.json.items.length === 1 &&
    page2.json.items[0].id > r.json.items[0].id, show(page2));
  r = await q('王小', T.viewer, '&stage=review');
  check('a search combines with the other filters', r.status === 200 && r.json.items.length === 0, show(r));
  r = await q('x'.repeat(65));
  check('q longer than 64 characters is 400 naming it', r.status === 400 && /\bq\b/.test(errMsg(r)), show(r));
  r = await q('x'.repeat(64));
  check('… 64 are fine', r.status === 200 && r.json.items.length === 0, show(r));

  r = await api('GET', `/cases/${a.id}`, { token: T.pros1 });
  check('a case says its legal next stages with labels', JSON.stringify(r.json.next_stages) ===
    '[{"stage":"review","label":"审查"}]', JSON.stringify(r.json.next_stages));
  r = await api('POST', `/cases/${a.id}/transition`, { token: T.pros1, body: { to: 'review' } });
  check('… which change with the stage (审查: 分流/交办 or 终结)', JSON.stringify(r.json.next_stages) ===
    '[{"stage":"assign","label":"分流/交办"},{"stage":"closed","label":"终结"}]', JSON.stringify(r.json.next_stages));
  for (const m of r.json.next_stages.slice(0, 1)) {
    const moved = await api('POST', `/cases/${a.id}/transition`, { token: T.pros1, body: { to: m.stage } });
    check(`… and each is a move the server accepts (${m.label})`, moved.status === 200 && moved.json.stage === m.stage, show(moved));
  }
  r = await api('POST', `/cases/${c.id}/transition`, { token: T.pros1, body: { to: 'review' } });
  r = await api('POST', `/cases/${c.id}/transition`, { token: T.pros1, body: { to: 'closed' } });
  check('a closed case has no next stages', r.status === 200 && JSON.stringify(r.json.next_stages) === '[]', show(r));
  r = await api('GET', '/cases?limit=200', { token: T.viewer });
  check('listed cases carry next_stages too', r.json.items.every((x) => Array.isArray(x.next_stages)));
}

// ---- 3. the 督办 ledger ----
const cstToday = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
const addDays = (date, n) => new Date(Date.parse(`${date}T00:00:00Z`) + n * 86400e3).toISOString().slice(0, 10);
const daysBetween = (a, b) => Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86400e3);

async function ledger(T) {
  const today = cstToday();
  const mk = async (no, received, token = T.pros1) => (await api('POST', '/cases', { token, body: { case_no: no,
    type: 'appeal', channel: 'letter', petitioner: '孙八', contact: '13912345678', received } })).json;
  const late = await mk('DUE-LATE', addDays(today, -8));        // reply due yesterday: 1 day over
  const soon = await mk('DUE-SOON', addDays(today, -6));        // reply due tomorrow
  const later = await mk('DUE-LATER', addDays(today, -4));      // reply due in 3 days
  const moved = await mk('DUE-MOVED', addDays(today, -8));      // past 审查: its reply deadline no longer counts
  const old = await mk('DUE-OLD', '2020-01-02');                // result overdue for years
  const shut = await mk('DUE-SHUT', '2020-01-02');              // closed: never on the ledger
  const other = await mk('DUE-OTHER', addDays(today, -9), T.pros2);
  for (const to of ['review', 'assign']) await api('POST', `/cases/${moved.id}/transition`, { token: T.pros1, body: { to } });
  for (const to of ['review', 'closed']) await api('POST', `/cases/${shut.id}/transition`, { token: T.pros1, body: { to } });
  const mine = [late, soon, later, moved, old, shut, other].map((c) => c.id);
  const lines = (r) => (r.json && r.json.items ? r.json.items.filter((x) => mine.includes(x.id)) : []);

  let r = await api('GET', '/cases/due', { token: T.pros1 });
  const got = lines(r);
  check('GET /cases/due lists overdue and near deadlines, most overdue first', r.status === 200 &&
    got.map((x) => x.case_no).join() === 'DUE-OLD,DUE-LATE,DUE-SOON', JSON.stringify(got.map((x) => [x.case_no, x.days_left])));
  const byNo = Object.fromEntries(got.map((x) => [x.case_no, x]));
  check('… an overdue reply: deadline, due date and negative days left', byNo['DUE-LATE'] &&
    byNo['DUE-LATE'].deadline === 'reply' && byNo['DUE-LATE'].due === late.reply_due && byNo['DUE-LATE'].days_left === -1,
  JSON.stringify(byNo['DUE-LATE']));
  check('… a reply due tomorrow: 1 day left', byNo['DUE-SOON'] && byNo['DUE-SOON'].deadline === 'reply' &&
    byNo['DUE-SOON'].days_left === 1, JSON.stringify(byNo['DUE-SOON']));
  check('… a case overdue on both: the result deadline, counted from it', byNo['DUE-OLD'] &&
    byNo['DUE-OLD'].deadline === 'result' && byNo['DUE-OLD'].due === '2020-04-02' &&
    byNo['DUE-OLD'].days_left === -daysBetween('2020-04-02', today), JSON.stringify(byNo['DUE-OLD']));
  r = await api('GET', `/cases/${old.id}`, { token: T.pros1 });
  check('… and GET /cases/{id} counts days_overdue from that same deadline', r.json.overdue_deadline === 'result' &&
    r.json.days_overdue === daysBetween('2020-04-02', today), JSON.stringify([r.json.overdue_deadline, r.json.days_overdue]));
  check('… items are masked cases with their deadlines', got.every((x) => x.masked === true && x.contact === '139****5678' &&
    x.reply_due && Array.isArray(x.next_stages)));
  r = await api('GET', '/cases/due', { token: T.pros1 });
  check('… with today and the window said', r.json.today === today && r.json.within_days === 2 && r.json.truncated === false,
    show(r));
  r = await api('GET', '/cases/due?within_days=3', { token: T.pros1 });
  check('within_days=3 adds the reply due in 3 days', lines(r).map((x) => x.case_no).join() === 'DUE-OLD,DUE-LATE,DUE-SOON,DUE-LATER',
    JSON.stringify(lines(r).map((x) => x.case_no)));
  r = await api('GET', '/cases/due?within_days=0', { token: T.pros1 });
  check('within_days=0 keeps only what is past or due today', lines(r).map((x) => x.case_no).join() === 'DUE-OLD,DUE-LATE',
    JSON.stringify(lines(r).map((x) => x.case_no)));
  for (const bad of ['31', '-1', 'two', '']) {
    r = await api('GET', `/cases/due?within_days=${bad}`, { token: T.pros1 });
    check(`within_days=${bad} is 400 naming it`, r.status === 400 && errMsg(r).includes('within_days'), show(r));
  }
  r = await api('GET', '/cases/due?within_days=30', { token: T.viewer });
  check('a viewer sees every prosecutor\'s lines; a prosecutor only their own', lines(r).some((x) => x.id === other.id));
  r = await api('GET', '/cases/due', { token: T.aid });
  check('aid staff see only 司法救助 cases', r.status === 200 && r.json.items.every((x) => x.type === 'judicial_aid'), show(r));
  r = await api('GET', '/cases/due', { inv: 'A'.repeat(43) });
  check('an unknown invitation token is 401', r.status === 401);
  r = await api('GET', '/cases/due', {});
  check('no credentials: 401', r.status === 401);
  r = await api('POST', '/cases/due', { token: T.pros1, body: {} });
  check('POST /cases/due is 405, not a case', r.status === 405, show(r));
  r = await api('GET', '/cases/due2', { token: T.pros1 });
  check('/cases/due2 is 404', r.status === 404, show(r));
  r = await api('GET', `/cases/${late.id}`, { token: T.pros1 });
  check('/cases/{id} still reaches a case', r.status === 200 && r.json.id === late.id);
}

// ---- 4. what an appointment is for ----
const inHours = (h) => new Date(Date.now() + h * 3600e3).toISOString();
const schedule = (T, caseId, body, token = T.pros1) => api('POST', `/cases/${caseId}/appointments`, { token,
  body: { starts_at: inHours(1), invitees: [{ name: '张三', role: 'petitioner' }], ...body } });

async function kinds(T) {
  const kase = (await api('POST', '/cases', { token: T.pros1, body: { case_no: 'KIND-1', type: 'appeal', channel: 'video',
    petitioner: '张三' } })).json;
  let r = await schedule(T, kase.id, { kind: '检察听证' });
  check('an appointment takes its kind as a Chinese label and answers code and label', r.status === 201 &&
    r.json.appointment.kind === 'public_hearing' && r.json.appointment.kind_label === '检察听证', show(r));
  const hearingAppt = r.json.appointment;
  r = await api('GET', `/appointments/${hearingAppt.id}`, { token: T.pros1 });
  check('GET /appointments/{id} shows the kind', r.json.kind === 'public_hearing' && r.json.kind_label === '检察听证');
  r = await schedule(T, kase.id, {});
  check('the default kind is reception (接访)', r.status === 201 && r.json.appointment.kind === 'reception' &&
    r.json.appointment.kind_label === '接访', show(r));
  const plain = r.json.appointment;
  r = await schedule(T, kase.id, { kind: 'aid' });
  check('… and the code works as well', r.status === 201 && r.json.appointment.kind_label === '司法救助');
  r = await schedule(T, kase.id, { kind: 'party' });
  check('an unknown kind is 400 naming the field and the allowed values', r.status === 400 &&
    errMsg(r).startsWith('kind:') && errMsg(r).includes('public_hearing (检察听证)'), show(r));
  const aidCase = (await api('POST', '/cases', { token: T.aid, body: { case_no: 'KIND-AID', type: '司法救助',
    channel: 'online', petitioner: '周九' } })).json;
  r = await schedule(T, aidCase.id, {}, T.aid);
  check('a 司法救助 case\'s appointment is an aid one unless told', r.status === 201 && r.json.appointment.kind === 'aid', show(r));
  const aidAppt = r.json.appointment;
  r = await api('POST', `/appointments/${hearingAppt.id}/hearings`, { token: T.pros1, body: {} });
  check('a hearing started from a 检察听证 appointment is a public hearing', r.status === 201 && r.json.kind === 'public_hearing',
    show(r));
  r = await api('POST', `/appointments/${aidAppt.id}/hearings`, { token: T.aid, body: {} });
  check('… from an aid appointment an aid disbursement', r.status === 201 && r.json.kind === 'aid_disbursement', show(r));
  r = await api('POST', `/appointments/${plain.id}/hearings`, { token: T.pros1, body: { kind: 'public_hearing' } });
  check('… and a kind in the body still wins', r.status === 201 && r.json.kind === 'public_hearing', show(r));
  for (const a of [hearingAppt, aidAppt, plain]) {
    const hs = await api('GET', `/cases/${a.case_id}/hearings`, { token: a === aidAppt ? T.aid : T.pros1 });
    for (const h of hs.json.items.filter((x) => x.appointment_id === a.id && !x.ended_at)) {
      await api('POST', `/hearings/${h.id}/end`, { token: a === aidAppt ? T.aid : T.pros1, body: {} });
    }
  }
}

// ---- 5. when an invitation link was first opened ----
async function opened(T) {
  const kase = (await api('POST', '/cases', { token: T.pros1, body: { case_no: 'OPEN-1', type: 'appeal', channel: 'video',
    petitioner: '张三' } })).json;
  let r = await schedule(T, kase.id, { invitees: [{ name: '张三', role: 'petitioner' }, { name: '赵律师', role: 'agent' },
    { name: '钱证人', role: 'witness' }] });
  const appt = r.json.appointment;
  const [pet, agent, witness] = r.json.invitations;
  const invitee = async (id) => (await api('GET', `/appointments/${appt.id}`, { token: T.pros1 })).json.invitees
    .find((x) => x.id === id);
  check('a new invitee has opened_at null', (await invitee(pet.id)).opened_at === null);
  const before = (await audits(T, 'invitation.open')).length;
  const t0 = Date.now() - 1000;
  r = await api('GET', '/invitation', { inv: pet.token });
  const first = (await invitee(pet.id)).opened_at;
  check('GET /invitation sets opened_at', r.status === 200 && first && Date.parse(first) >= t0 &&
    Date.parse(first) <= Date.now() + 1000, String(first));
  await new Promise((res) => setTimeout(res, 1100));
  await api('GET', `/invitation?t=${pet.token}`);
  await api('POST', '/invitation/room-token', { inv: pet.token });
  check('… once: later views and room tokens keep the first time', (await invitee(pet.id)).opened_at === first);
  r = await api('POST', '/invitation/room-token', { inv: agent.token });
  check('a room token sets opened_at too', r.status === 200 && (await invitee(agent.id)).opened_at !== null, show(r));
  // A character changed a few from the end: the last one of a base64url
  // string carries padding bits, and changing only those leaves the bytes
  // (and the token) as they were.
  const k = witness.token.length - 5, wrong = witness.token[k] === 'A' ? 'B' : 'A';
  r = await api('GET', '/invitation', { inv: `${witness.token.slice(0, k)}${wrong}${witness.token.slice(k + 1)}` });
  check('a wrong token opens nothing', r.status === 401 && (await invitee(witness.id)).opened_at === null);
  const opens = await audits(T, 'invitation.open');
  check('each first use is one invitation.open entry by the invitee', opens.length === before + 2 &&
    opens.at(-2).actor === `invitee:${pet.id}` && opens.at(-2).object === `invitee:${pet.id}`, JSON.stringify(opens.slice(-2)));
}

// ---- 6. the day's appointments ----
async function agenda(T, ids) {
  const tomorrow = addDays(cstToday(), 1);
  const at = (date, hm) => `${date}T${hm}:00+08:00`;
  const mk = async (no, token, extra = {}) => (await api('POST', '/cases', { token, body: { case_no: no, type: 'appeal',
    channel: 'video', petitioner: '吴十', contact: '13712345678', id_number: ID, ...extra } })).json;
  const c1 = await mk('DAY-1', T.pros1);
  const c2 = await mk('DAY-2', T.pros2);
  const c3 = await mk('DAY-3', T.aid, { type: 'judicial_aid' });
  const sched = async (c, token, startsAt, body = {}) => (await api('POST', `/cases/${c.id}/appointments`, { token,
    body: { starts_at: startsAt, invitees: [{ name: '吴十', role: 'petitioner' }, { name: '郑律师', role: 'agent' }],
      ...body } })).json;
  const late = await sched(c1, T.pros1, at(tomorrow, '14:00'), { title: '下午接访' });
  const early = await sched(c1, T.pros1, at(tomorrow, '09:00'), { kind: '检察听证' });
  const hosted = await sched(c2, T.pros2, at(tomorrow, '10:00'), { host: ids.pros1 });   // pros2's case, pros1 hosts
  const theirs = await sched(c2, T.pros2, at(tomorrow, '11:00'));
  const aidAppt = await sched(c3, T.aid, at(tomorrow, '23:59'));
  const nextDay = await sched(c1, T.pros1, at(addDays(tomorrow, 1), '00:00'));
  const todays = await sched(c1, T.pros1, at(cstToday(), '12:00'));
  const mine = [late, early, hosted, theirs, aidAppt, nextDay, todays].map((x) => x.appointment.id);
  const day = async (token, q = `?date=${tomorrow}`) => {
    const r = await api('GET', `/appointments${q}`, { token });
    return { r, items: r.json && r.json.items ? r.json.items.filter((x) => mine.includes(x.id)) : [] };
  };
  let { r, items } = await day(T.viewer);
  check('GET /appointments?date= lists that day\'s appointments by start time', r.status === 200 && r.json.date === tomorrow &&
    items.map((x) => x.id).join() === [early, hosted, theirs, late, aidAppt].map((x) => x.appointment.id).join(),
  JSON.stringify(items.map((x) => [x.id, x.starts_at])));
  const e = items[0];
  check('… each with the case number and the petitioner masked', e && e.case.case_no === 'DAY-1' &&
    e.case.petitioner === '吴十' && e.case.contact === '137****5678' && e.case.id_number === '110105********002X' &&
    e.case.masked === true && e.case_id === c1.id && !r.raw.toString().includes(ID), JSON.stringify(e && e.case));
  check('… its kind, host and room', e && e.kind === 'public_hearing' && e.kind_label === '检察听证' &&
    e.host_id === ids.pros1 && e.host_name === 'pros1 名' && e.room === `appt-${e.id}` && e.starts_at.endsWith('Z'),
  JSON.stringify(e));
  const pet = e && e.invitees[0];
  check('… the invitees with role labels, opened and admitted times, revocation', e && e.invitees.length === 2 &&
    pet.name === '吴十' && pet.role === 'petitioner' && pet.role_label === '信访人' && pet.opened_at === null &&
    pet.admitted_at === null && pet.revoked === false && e.invitees[1].role_label === '代理人' && !('contact' in pet) &&
    !('token' in pet), JSON.stringify(e && e.invitees));
  check('… and no hearing yet', e && e.hearing === null);

  ({ items } = await day(T.pros1));
  check('a prosecutor sees their cases\' appointments and those they host', items.map((x) => x.id).join() ===
    [early, hosted, late].map((x) => x.appointment.id).join(), JSON.stringify(items.map((x) => x.id)));
  r = await api('GET', `/appointments/${hosted.appointment.id}`, { token: T.pros1 });
  check('… and may open the one they host', r.status === 200 && r.json.host_id === ids.pros1, show(r));
  r = await api('GET', `/cases/${c2.id}`, { token: T.pros1 });
  check('… but not the other prosecutor\'s case itself', r.status === 403);
  ({ items } = await day(T.pros2));
  check('the case\'s prosecutor sees both of theirs', items.map((x) => x.id).join() ===
    [hosted, theirs].map((x) => x.appointment.id).join(), JSON.stringify(items.map((x) => x.id)));
  ({ items } = await day(T.aid));
  check('aid staff see the 司法救助 one', items.map((x) => x.id).join() === `${aidAppt.appointment.id}`);
  ({ r, items } = await day(T.admin));
  check('an administrator sees them all', r.status === 200 && items.length === 5);
  ({ r, items } = await day(T.clerk));
  check('a clerk sees none before taking part in a hearing', r.status === 200 && items.length === 0, show(r));

  r = await api('POST', `/appointments/${early.appointment.id}/hearings`, { token: T.pros1, body: {} });
  const h = r.json;
  await api('POST', `/hearings/${h.id}/participants`, { token: T.pros1, body: { staff_id: ids.clerk } });
  await api('GET', '/invitation', { inv: early.invitations[0].token });
  ({ items } = await day(T.clerk));
  check('… and then the appointments of that case', items.map((x) => x.id).join() ===
    [early, late].map((x) => x.appointment.id).join(), JSON.stringify(items.map((x) => x.id)));
  ({ items } = await day(T.pros1));
  let it = items.find((x) => x.id === early.appointment.id);
  check('a running hearing shows with its start and no end', it && it.hearing && it.hearing.id === h.id &&
    it.hearing.started_at && it.hearing.ended_at === null, JSON.stringify(it && it.hearing));
  check('an opened link shows its time', it && it.invitees[0].opened_at !== null && it.invitees[1].opened_at === null);
  await api('POST', `/hearings/${h.id}/end`, { token: T.pros1, body: {} });
  ({ items } = await day(T.pros1));
  it = items.find((x) => x.id === early.appointment.id);
  check('an ended one shows its end', it && it.hearing.id === h.id && it.hearing.ended_at !== null);

  ({ r, items } = await day(T.pros1, ''));
  check('without a date: today in China Standard Time', r.status === 200 && r.json.date === cstToday() &&
    items.map((x) => x.id).join() === `${todays.appointment.id}`, JSON.stringify(items.map((x) => x.id)));
  ({ items } = await day(T.pros1, `?date=${addDays(tomorrow, 1)}`));
  check('00:00 of the next day belongs to the next day', items.map((x) => x.id).join() === `${nextDay.appointment.id}`);
  for (const bad of ['2024-02-30', '03/05/2024', 'tomorrow']) {
    r = await api('GET', `/appointments?date=${bad}`, { token: T.pros1 });
    check(`date=${bad} is 400 naming it`, r.status === 400 && errMsg(r).includes('date'), show(r));
  }
  r = await api('GET', '/appointments', {});
  check('no credentials: 401', r.status === 401);
  r = await api('GET', '/appointments', { inv: early.invitations[1].token });
  check('an invitee may not list appointments', r.status === 403, show(r));
  return { c1, late, hosted, tomorrow };
}

// ---- 7. rescheduling, cancelling, revoking and reissuing ----
async function changes(T, ids) {
  const kase = (await api('POST', '/cases', { token: T.pros1, body: { case_no: 'CHG-1', type: 'appeal', channel: 'video',
    petitioner: '张三' } })).json;
  const start = inHours(30);
  let r = await schedule(T, kase.id, { starts_at: start, title: '接访', invitees: [{ name: '张三', role: 'petitioner' },
    { name: '赵律师', role: 'agent' }] });
  const appt = r.json.appointment;
  const [pet, agent] = r.json.invitations;
  r = await schedule(T, kase.id, { starts_at: start, expires_at: inHours(100) });
  const custom = r.json.appointment;
  const get = async (id) => (await api('GET', `/appointments/${id}`, { token: T.pros1 })).json;

  // -- PATCH --
  const newStart = new Date(Date.parse(start) + 2 * 86400e3);
  r = await api('PATCH', `/appointments/${appt.id}`, { token: T.pros1, body: { starts_at: newStart.toISOString(),
    title: '接访（改期）', host: ids.pros2, kind: '检察听证' } });
  check('PATCH /appointments/{id} reschedules, renames, changes host and kind', r.status === 200 &&
    Date.parse(r.json.starts_at) === Math.floor(newStart.getTime() / 1000) * 1000 && r.json.title === '接访（改期）' &&
    r.json.host_id === ids.pros2 && r.json.kind === 'public_hearing' && r.json.kind_label === '检察听证', show(r));
  check('… and the invitations\' default expiry moves with the start', r.json.invitees.every((x) =>
    Date.parse(x.expires_at) === Date.parse(r.json.starts_at) + 86400e3), JSON.stringify(r.json.invitees));
  const before = (await get(custom.id)).invitees[0].expires_at;
  r = await api('PATCH', `/appointments/${custom.id}`, { token: T.pros1, body: { starts_at: newStart.toISOString() } });
  check('… but an expiry chosen by hand stays', r.status === 200 && r.json.invitees[0].expires_at === before, show(r));
  r = await api('GET', '/invitation', { inv: pet.token });
  check('the petitioner\'s link shows the new time at once', r.status === 200 &&
    Date.parse(r.json.appointment.starts_at) === Date.parse((await get(appt.id)).starts_at) &&
    Date.parse(r.json.invitee.expires_at) === Date.parse((await get(appt.id)).starts_at) + 86400e3, show(r));
  const upd = await audits(T, 'appointment.update');
  check('a reschedule is audited with its fields and the invitations moved', upd.some((x) =>
    x.object === `appointment:${appt.id}` && x.detail.includes('fields=starts_at,title,host,kind,') &&
    x.detail.includes('invitations_moved=2')), JSON.stringify(upd.slice(-2)));
  for (const [body, says] of [[{}, 'nothing to change'], [{ start: 'x' }, 'unknown field'],
    [{ starts_at: 'tomorrow' }, '"starts_at"'], [{ starts_at: '2020-01-01T00:00:00Z' }, 'expired'],
    [{ host: 99999 }, '"host"'], [{ kind: 'party' }, 'kind:'], [{ title: 'x'.repeat(201) }, '"title"']]) {
    r = await api('PATCH', `/appointments/${appt.id}`, { token: T.pros1, body });
    check(`PATCH ${JSON.stringify(body).slice(0, 40)} is 400 (${says})`, r.status === 400 && errCode(r) === 'bad_request' &&
      errMsg(r).includes(says), show(r));
  }
  const roles = [['pros2', 403], ['viewer', 403], ['clerk', 403], ['aid', 403], ['admin', 403]];
  for (const [who, want] of roles) {
    r = await api('PATCH', `/appointments/${appt.id}`, { token: T[who], body: { title: 'x' } });
    check(`PATCH as ${who} → ${want} (appointment.manage: the case's own prosecutor)`, r.status === want &&
      errCode(r) === 'forbidden', show(r));
  }
  r = await api('PATCH', `/appointments/${appt.id}`, { inv: pet.token, body: { title: 'x' } });
  check('PATCH with an invitation → 403', r.status === 403, show(r));
  r = await api('PATCH', '/appointments/999999', { token: T.pros1, body: { title: 'x' } });
  check('PATCH an unknown appointment → 404', r.status === 404, show(r));
  const refused = await audits(T, 'api.refused');
  check('refusals name appointment.manage', refused.some((x) => x.detail === 'appointment.manage'));

  // -- revoke one invitation --
  r = await api('POST', `/invitations/${agent.id}/revoke`, { token: T.pros1 });
  check('POST /invitations/{id}/revoke → the invitee, revoked', r.status === 200 && r.json.id === agent.id &&
    r.json.revoked === true && r.json.name === '赵律师', show(r));
  r = await api('GET', '/invitation', { inv: agent.token });
  check('a revoked link is refused by GET /invitation at once', r.status === 401 && errCode(r) === 'unauthorized', show(r));
  r = await api('POST', '/invitation/room-token', { inv: agent.token });
  check('… and by POST /invitation/room-token', r.status === 401, show(r));
  r = await api('GET', `/invitation?t=${agent.token}`);
  check('… and as ?t=', r.status === 401, show(r));
  r = await api('POST', `/invitations/${agent.id}/revoke`, { token: T.pros1, body: {} });
  check('a second revocation is 409', r.status === 409 && errCode(r) === 'conflict' && errMsg(r).includes('already revoked'),
    show(r));
  r = await api('POST', `/invitations/${pet.id}/revoke`, { token: T.pros2 });
  check('revoking on another prosecutor\'s case is 403', r.status === 403, show(r));
  r = await api('POST', `/invitations/${pet.id}/revoke?t=${pet.token}`);
  check('an invitation token in ?t= does not reach /invitations/{id}', r.status === 401, show(r));
  r = await api('POST', `/invitations/${pet.id}/revoke`, { token: T.pros1, body: { why: 'x' } });
  check('a body with fields is 400', r.status === 400, show(r));
  r = await api('POST', '/invitations/999999/revoke', { token: T.pros1 });
  check('an unknown invitation is 404', r.status === 404, show(r));

  // -- reissue --
  await api('GET', '/invitation', { inv: pet.token });
  r = await api('POST', `/invitations/${pet.id}/reissue`, { token: T.pros1, body: {} });
  const fresh = r.json;
  check('POST /invitations/{id}/reissue → a new link for the same person', r.status === 201 && fresh.id !== pet.id &&
    fresh.replaces === pet.id && fresh.name === '张三' && fresh.role === 'petitioner' && /^[\w-]{43}$/.test(fresh.token) &&
    fresh.join_url === `https://127.0.0.1:${port}/join.html?t=${fresh.token}` && fresh.expires_at, show(r));
  r = await api('GET', '/invitation', { inv: pet.token });
  check('the lost link is refused at once', r.status === 401, show(r));
  r = await api('GET', '/invitation', { inv: fresh.token });
  check('the new one works', r.status === 200 && r.json.appointment.id === appt.id && r.json.invitee.name === '张三', show(r));
  const listed = (await get(appt.id)).invitees;
  const old = listed.find((x) => x.id === pet.id);
  const neu = listed.find((x) => x.id === fresh.id);
  check('the old invitee shows revoked and replaced_by the new one', old && old.revoked && old.replaced_by === fresh.id &&
    old.opened_at !== null, JSON.stringify(old));
  check('the new one has its own opened_at and no admission', neu && !neu.revoked && neu.replaced_by === null &&
    neu.opened_at !== null && neu.admitted_at === null && neu.expires_at === old.expires_at, JSON.stringify(neu));
  r = await api('POST', `/invitations/${pet.id}/reissue`, { token: T.pros1 });
  check('reissuing the old one again is 409', r.status === 409 && errMsg(r).includes('already reissued'), show(r));
  r = await api('POST', `/invitations/${agent.id}/reissue`, { token: T.pros1 });
  check('a revoked (not replaced) invitation can be reissued', r.status === 201 && r.json.replaces === agent.id, show(r));
  const agent2 = r.json;
  r = await api('POST', `/invitations/${fresh.id}/reissue`, { token: T.viewer });
  check('a viewer may not reissue', r.status === 403, show(r));
  const iss = await audits(T, 'invitation.issue');
  check('a reissue is audited as the old one revoked and the new one issued', iss.some((x) =>
    x.object === `invitee:${fresh.id}` && x.detail.includes(`reissue_of=invitee:${pet.id}`)) &&
    (await audits(T, 'invitation.revoke')).some((x) => x.object === `invitee:${pet.id}` &&
      x.detail === `reissued as invitee:${fresh.id}`));

  // -- cancel --
  r = await api('POST', `/appointments/${appt.id}/cancel`, { token: T.pros1, body: {} });
  check('cancel without a reason is 400 naming it', r.status === 400 && errMsg(r).includes('"reason"'), show(r));
  r = await api('POST', `/appointments/${appt.id}/cancel`, { token: T.pros1, body: { reason: 'x'.repeat(501) } });
  check('… and with one over 500 characters', r.status === 400 && errMsg(r).includes('"reason"'), show(r));
  r = await api('POST', `/appointments/${appt.id}/cancel`, { token: T.pros2, body: { reason: '改期' } });
  check('cancelling another prosecutor\'s appointment is 403, even as its host', r.status === 403, show(r));
  const h = (await api('POST', `/appointments/${appt.id}/hearings`, { token: T.pros1, body: {} })).json;
  r = await api('PATCH', `/appointments/${appt.id}`, { token: T.pros1, body: { title: '开始后' } });
  check('PATCH once the hearing has started is 409', r.status === 409 && errCode(r) === 'conflict', show(r));
  r = await api('POST', `/appointments/${appt.id}/cancel`, { token: T.pros1, body: { reason: '改期' } });
  check('cancel while its hearing runs is 409', r.status === 409 && errMsg(r).includes('running'), show(r));
  await api('POST', `/hearings/${h.id}/end`, { token: T.pros1, body: {} });
  r = await api('PATCH', `/appointments/${appt.id}`, { token: T.pros1, body: { title: '结束后' } });
  check('… and once it has ended, still 409', r.status === 409, show(r));
  r = await api('POST', `/appointments/${custom.id}/cancel`, { token: T.pros1, body: { reason: '信访人申请改期' } });
  check('POST /appointments/{id}/cancel → cancelled, with when and why', r.status === 200 && r.json.cancelled === true &&
    r.json.cancel_reason === '信访人申请改期' && r.json.cancelled_at, show(r));
  check('… every invitation revoked', r.json.invitees.length > 0 && r.json.invitees.every((x) => x.revoked));
  const customTok = (await api('POST', `/invitations/${r.json.invitees[0].id}/reissue`, { token: T.pros1 }));
  check('… none can be reissued', customTok.status === 409 && errMsg(customTok).includes('cancelled'), show(customTok));
  r = await api('POST', `/appointments/${custom.id}/cancel`, { token: T.pros1, body: { reason: '再次' } });
  check('a second cancellation is 409', r.status === 409 && errMsg(r).includes('already cancelled'), show(r));
  r = await api('PATCH', `/appointments/${custom.id}`, { token: T.pros1, body: { title: 'x' } });
  check('PATCH after a cancellation is 409', r.status === 409, show(r));
  r = await api('POST', `/appointments/${custom.id}/room-token`, { token: T.pros1 });
  check('a cancelled appointment gives no staff room token', r.status === 409, show(r));
  const canc = await audits(T, 'appointment.cancel');
  check('a cancellation is audited with its reason', canc.some((x) => x.object === `appointment:${custom.id}` &&
    x.detail.includes('reason=信访人申请改期') && x.detail.includes('invitations_revoked=1')), JSON.stringify(canc));

  // the live invitations of a cancelled appointment stop working
  const cancelMe = (await schedule(T, kase.id, { starts_at: inHours(2) })).json;
  r = await api('GET', '/invitation', { inv: cancelMe.invitations[0].token });
  check('(a live link before the cancellation)', r.status === 200);
  await api('POST', `/appointments/${cancelMe.appointment.id}/cancel`, { token: T.pros1, body: { reason: '取消' } });
  r = await api('GET', '/invitation', { inv: cancelMe.invitations[0].token });
  check('a cancellation refuses its links at once', r.status === 401, show(r));
  r = await api('GET', `/appointments?date=${cstToday()}`, { token: T.pros1 });
  check('… and takes it off the day\'s list', r.status === 200 && !r.json.items.some((x) => x.id === cancelMe.appointment.id));
  return agent2;
}

let child = null;
try {
  const started = await startWithAdmin(bin, webDir, tmp, serverLog);
  child = started.server;
  port = started.port;
  const T = { admin: started.admin };
  const ids = {};
  await makeStaff(T, ids);
  check('the staff accounts sign in', Object.keys(T).length === 6 && Object.values(T).every(Boolean));

  await identity(T);
  await search(T);
  await ledger(T);
  await kinds(T);
  await opened(T);
  await agenda(T, ids);
  await changes(T, ids);

  const stopped = await stopServer(child);
  const log = fs.readFileSync(path.join(tmp, 'server.log'), 'utf8');
  child = null;
  check('the server stops cleanly', stopped.code === 0, `${JSON.stringify(stopped)}\n${log}`);
  check('the server logged no error or sanitizer report', !/ERROR|Sanitizer|runtime error/.test(log), log);
  check('the log holds no full ID number', !log.includes(ID) && !log.includes('440524188001010014'));
  const verify = spawnSync(bin, ['audit', 'verify', '--data-dir', started.dataDir], { encoding: 'utf8' });
  check('yuanfang audit verify passes at the end', verify.status === 0, verify.stdout + verify.stderr);
} catch (e) {
  check('api_console test ran to the end', false, e.stack || String(e));
  console.log(serverLog.slice(-60).join('\n'));
} finally {
  await stopServer(child);
  fs.rmSync(tmp, { recursive: true, force: true });
}
finish('api_console');

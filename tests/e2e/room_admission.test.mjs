// room_admission.test.mjs -- who may come into a hearing room, against the
// real server over its websocket: before the hearing starts nobody does
// (not_started; the page asks again); a participant the host removed is
// refused when the room has emptied and after a restart, with the same room
// token; an invitee whose invitation was withdrawn is refused although their
// room token is still within its 4 hours; a staff room token dies with the
// sign-in it came from (logout) and with the account (disabled). Each refusal
// is `forbidden` with a sentence saying why, and others still get in. Uses
// Node's own WebSocket (the test starts itself again with
// --experimental-websocket when it has none). Run by CTest with YF_SERVER_BIN
// and YF_WEB_DIR set.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiRequest, check, createUser, finish, freePort, sleep, startServerReady, stopServer, tempDirs } from './lib.mjs';

if (typeof WebSocket === 'undefined') {
  const r = spawnSync(process.execPath, ['--experimental-websocket', '--no-warnings', fileURLToPath(import.meta.url)],
    { stdio: 'inherit', env: { ...process.env, NODE_TLS_REJECT_UNAUTHORIZED: '0' } });
  process.exit(r.status === null ? 1 : r.status);
}
const bin = process.env.YF_SERVER_BIN;
const webDir = process.env.YF_WEB_DIR;
if (!bin || !webDir) {
  console.error('room_admission.test: YF_SERVER_BIN and YF_WEB_DIR must be set');
  process.exit(2);
}
if (process.env.NODE_TLS_REJECT_UNAUTHORIZED !== '0') {   // the server's certificate is self-signed
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)],
    { stdio: 'inherit', env: { ...process.env, NODE_TLS_REJECT_UNAUTHORIZED: '0' } });
  process.exit(r.status === null ? 1 : r.status);
}

let port = 0;
const api = (method, pathname, opts) => apiRequest(port, method, pathname, opts);
const show = (r) => `${r.status} ${r.raw.toString('utf8').slice(0, 300)}`;

/** A signaling client: hello, then requests with replies matched by id. */
async function connect() {
  const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, 'yuanfang.v1');
  const waiting = new Map();
  const events = [];
  let next = 1;
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.type === 'reply' && waiting.has(msg.id)) { waiting.get(msg.id)(msg); waiting.delete(msg.id); }
    else if (msg.type === 'event') events.push(msg);
  };
  await new Promise((res, rej) => { ws.onopen = res; ws.onerror = () => rej(new Error('websocket failed')); });
  const req = (type, params = {}) => new Promise((res, rej) => {
    const id = next++;
    waiting.set(id, res);
    ws.send(JSON.stringify({ v: 1, id, type, ...params }));
    setTimeout(() => rej(new Error(`${type}: no reply`)), 10000);
  });
  await req('hello', { client: 'room_admission.test' });
  return { ws, req, events, close: () => ws.close() };
}

async function join(token) {
  const c = await connect();
  const r = await c.req('room.join', { token });
  return { c, r, code: r.ok ? 'ok' : r.error.code, msg: r.ok ? '' : r.error.message };
}

const { tmp, dataDir } = tempDirs('yf-room-admission-');
let server = null;
const log = [];
const conf = path.join(tmp, 'yuanfang.conf');
fs.writeFileSync(conf, '[room]\ngrace_s = 1\n');   // an emptied room closes after 1 s
const start = async () => startServerReady(bin, { dataDir, port, webDir, logPath: path.join(tmp, 'server.log'), log,
  extra: ['--config', conf] });
try {
  port = await freePort();
  createUser(bin, dataDir, { username: 'admin', role: 'admin', password: 'admin-password-1' });
  server = await start();
  let r = await api('POST', '/auth/login', { body: { username: 'admin', password: 'admin-password-1' } });
  const admin = r.json.token;
  const ids = {};
  for (const [u, role] of [['wang', 'prosecutor'], ['clerk', 'clerk']]) {
    r = await api('POST', '/staff', { token: admin, body: { username: u, display_name: u, role, password: `${u}-Password-9` } });
    ids[u] = r.json.id;
  }
  const login = async (u) => (await api('POST', '/auth/login', { body: { username: u, password: `${u}-Password-9` } })).json.token;
  const wang = await login('wang');
  r = await api('POST', '/cases', { token: wang, body: { case_no: 'RA-1', type: 'appeal', channel: 'video', petitioner: '张三' } });
  const kase = r.json;
  r = await api('POST', `/cases/${kase.id}/appointments`, { token: wang, body: {
    starts_at: new Date(Date.now() + 600e3).toISOString(),
    invitees: [{ name: '张三', role: 'petitioner' }, { name: '赵律师', role: 'agent' }] } });
  const appt = r.json.appointment;
  const [pet, lawyer] = r.json.invitations;
  // ---- before the hearing starts, nobody meets in its room ----
  const early = await (async () => {
    const t = (await api('POST', '/invitation/room-token', { inv: pet.token, body: {} })).json.token;
    return join(t);
  })();
  check('before the hearing starts a join is refused with not_started (the page waits)',
    early.code === 'not_started' && /not started/.test(early.msg), `${early.code} ${early.msg}`);
  r = await early.c.req('room.join', { token: (await api('POST', '/invitation/room-token', { inv: pet.token, body: {} })).json.token });
  check('… and asking again on the same connection is answered the same way', !r.ok && r.error.code === 'not_started',
    JSON.stringify(r));
  r = await api('POST', `/appointments/${appt.id}/hearings`, { token: wang, body: {} });
  check('test setup: the hearing runs', r.status === 201, show(r));
  const H = r.json;
  r = await early.c.req('room.join', { token: (await api('POST', '/invitation/room-token', { inv: pet.token, body: {} })).json.token });
  check('once it runs, the same connection\'s next join gets in', r.ok, JSON.stringify(r));
  early.c.close();
  await sleep(300);
  r = await api('POST', `/hearings/${H.id}/participants`, { token: wang, body: { staff_id: ids.clerk } });
  const roomToken = async (inv) => (await api('POST', '/invitation/room-token', { inv, body: {} })).json.token;
  const staffRoomToken = async (t) => (await api('POST', `/appointments/${appt.id}/room-token`, { token: t, body: {} })).json.token;
  const hostTok = await staffRoomToken(wang);
  const petTok = await roomToken(pet.token);
  const lawTok = await roomToken(lawyer.token);

  // ---- a removal holds beyond the room's memory ----
  let host = await join(hostTok);
  let p = await join(petTok);
  check('host and petitioner join', host.code === 'ok' && p.code === 'ok', `${host.msg} ${p.msg}`);
  r = await host.c.req('room.remove', { participant: p.r.result.self.id });
  check('the host removes the petitioner', r.ok, JSON.stringify(r));
  host.c.close();
  p.c.close();
  await sleep(2500);   // the emptied room closes after its 1 s grace period
  p = await join(petTok);
  check('the removed petitioner is refused after the room emptied, same token', p.code === 'forbidden' &&
    /removed/.test(p.msg), `${p.code} ${p.msg}`);
  p.c.close();
  await stopServer(server);
  server = await start();
  p = await join(petTok);
  check('… and after a restart', p.code === 'forbidden' && /removed/.test(p.msg), `${p.code} ${p.msg}`);
  p.c.close();
  const l = await join(lawTok);
  check('the lawyer still gets in after the restart', l.code === 'ok', `${l.code} ${l.msg}`);
  l.c.close();

  // ---- a withdrawn invitation keeps its room token out ----
  r = await api('POST', `/invitations/${lawyer.id}/revoke`, { token: await login('wang'), body: {} });
  check('test setup: the prosecutor withdraws the lawyer\'s invitation', r.status === 200, show(r));
  const l2 = await join(lawTok);
  check('the withdrawn invitee is refused with a room token still in its 4 hours', l2.code === 'forbidden' &&
    /withdrawn/.test(l2.msg), `${l2.code} ${l2.msg}`);
  l2.c.close();

  // ---- staff room tokens die with the sign-in and the account ----
  const wang2 = await login('wang');
  const hostTok2 = await staffRoomToken(wang2);
  r = await api('POST', '/auth/logout', { token: wang2, body: {} });
  host = await join(hostTok2);
  check('a staff room token is refused once its sign-in has ended (logout)', host.code === 'forbidden' &&
    /sign in again/.test(host.msg), `${host.code} ${host.msg}`);
  host.c.close();
  host = await join(hostTok);
  check('the same person\'s token from a live sign-in still works', host.code === 'ok', `${host.code} ${host.msg}`);
  host.c.close();
  const clerkTok = await staffRoomToken(await login('clerk'));
  r = await api('PATCH', `/staff/${ids.clerk}`, { token: admin, body: { disabled: true } });
  const cl = await join(clerkTok);
  check('a disabled account\'s room token is refused', cl.code === 'forbidden' && /disabled/.test(cl.msg),
    `${cl.code} ${cl.msg}`);
  cl.c.close();
  r = await api('GET', '/audit?action=room.remove', { token: admin });
  check('the removal is in the audit log once', r.status === 200 && r.json.items.length === 1, show(r));
} catch (e) {
  check('no exception', false, `${e.stack}\n${log.slice(-40).join('\n')}`);
} finally {
  await stopServer(server);
  fs.rmSync(tmp, { recursive: true, force: true });
}
finish('room_admission');

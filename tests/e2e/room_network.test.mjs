// room_network.test.mjs -- the room features the three-person room test does
// not reach, in one headless Chromium against the real yuanfang server:
//  1. ICE restart without the websocket dropping: a prosecutor and a clerk
//     (CLI room tokens) decode each other; the prosecutor's page restarts ICE
//     on its publish connection (new offer, new ufrag) and the clerk's page on
//     its subscribe connection (subscribe.restart, the server's new offer) --
//     through the page's own network-change path: the connection is made to
//     report ICE "failed" / "disconnected" and its iceconnectionstatechange
//     handler does the rest -- and media keeps flowing on the same websocket.
//  2. Who is speaking: the fake microphones play a voice-like WAV; one turns
//     their microphone off, and each page gets room.speaking and
//     room.active_speaker naming the other and highlights that tile.
//  3. The petitioner's real entry path: staff, case and appointment through the
//     REST API, the invitation's join link (join.html?t=...) with the
//     recording notice, the waiting room, the prosecutor's API room token, the
//     admission, and both decoding each other.
// Run by CTest with YF_SERVER_BIN and YF_WEB_DIR set. Ends "room_network: N
// passed, M failed"; exit 77 when a prerequisite is missing. YF_E2E_KEEP=1
// keeps the temp dir (server log).

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { CHROMIUM, browserTestPrerequisites, CHROMIUM_ARGS as BASE_ARGS, check, finish, freePort, sleep, startServer,
  createUser, stopServer, tempDirs, waitHealthy, wrapUp } from './lib.mjs';

const CHROMIUM_ARGS = [...BASE_ARGS, '--autoplay-policy=no-user-gesture-required'];
const PHONE = { width: 360, height: 740 };
const MEDIA_TIMEOUT_MS = 30000;
const ROOM = 'network-e2e';
const NOTICE = '本次接访全程录音录像';

const serverLog = [];
const pageLog = [];
const pageErrors = [];   // uncaught exceptions in any page
let port = 0;

// ---- REST API (as in api.test.mjs) ---------------------------------------------

function api(method, pathname, opts = {}) {
  return new Promise((resolve, reject) => {
    const headers = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let payload = null;
    if (opts.body !== undefined) {
      payload = Buffer.from(JSON.stringify(opts.body));
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    const req = https.request({ host: '127.0.0.1', port, method, path: `/api/v1${pathname}`, headers,
      rejectUnauthorized: false, timeout: 15000, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = JSON.parse(raw); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, json, raw });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (payload) req.end(payload); else req.end();
  });
}

const createUserCli = (bin, dataDir, username, role, password) => createUser(bin, dataDir, { username, role, password });

function mintToken(bin, dataDir, name, role, pid) {
  return execFileSync(bin, ['token', '--data-dir', dataDir, '--room', ROOM, '--name', name, '--role', role,
    '--ttl', '2h', '--participant', pid], { encoding: 'utf8' }).trim();
}

// ---- pages ------------------------------------------------------------------------

const ufragOf = (sdp) => (/^a=ice-ufrag:(\S+)/m.exec(sdp || '') || [])[1] || null;

/** A page in its own context; `wire` records what its websockets carried:
 *  how many were opened, the server's publish answers and subscribe offers
 *  (with their ice-ufrag), and the active-speaker events. */
async function newPage(browser, label) {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true, viewport: PHONE, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN',
  });
  const page = await context.newPage();
  const wire = { sockets: 0, answers: [], subOffers: [], activeSpeaker: {}, speaking: 0 };
  page.on('console', (m) => { pageLog.push(`[${label}] ${m.type()}: ${m.text()}`); if (pageLog.length > 300) pageLog.shift(); });
  page.on('pageerror', (e) => { pageLog.push(`[${label}] pageerror: ${e.message}`); pageErrors.push(`[${label}] ${e.message}`); });
  page.on('dialog', (d) => d.accept().catch(() => {}));
  page.on('websocket', (ws) => {
    wire.sockets++;
    const sent = new Map();   // request id -> type
    ws.on('framesent', (f) => {
      try { const m = JSON.parse(f.payload); if (m.id != null) sent.set(m.id, m.type); } catch { /* not ours */ }
    });
    ws.on('framereceived', (f) => {
      let m;
      try { m = JSON.parse(f.payload); } catch { return; }
      if (m.type === 'reply' && m.ok && sent.get(m.id) === 'publish.offer') wire.answers.push(ufragOf(m.result.sdp));
      if (m.type !== 'event') return;
      if (m.event === 'subscribe.offer') wire.subOffers.push({ revision: m.data.revision, ufrag: ufragOf(m.data.sdp) });
      if (m.event === 'room.active_speaker') {
        const id = m.data.participant;
        wire.activeSpeaker[id] = (wire.activeSpeaker[id] || 0) + 1;
      }
      if (m.event === 'room.speaking') wire.speaking++;
    });
  });
  return { context, page, label, wire };
}

async function openRoom(browser, base, token, label) {
  const x = await newPage(browser, label);
  await x.page.goto(`${base}/room.html?token=${encodeURIComponent(token)}`);
  await x.page.click('#notice-continue');
  return x;
}

const roomState = (page) => page.evaluate(() => window.yfRoom && window.yfRoom.state).catch(() => null);
const selfId = (page) => page.evaluate(() => window.yfRoom && window.yfRoom.self && window.yfRoom.self.id).catch(() => null);
const roomStats = (page) => page.evaluate(() => window.yfRoom.stats()).catch(() => null);
const iceInfo = (page, kind) => page.evaluate((k) => window.yfRoom.ice(k), kind).catch((e) => ({ error: e.message }));

async function waitState(page, want, timeoutMs = 15000) {
  await page.waitForFunction((w) => window.yfRoom && window.yfRoom.state === w, want,
    { timeout: timeoutMs, polling: 200 }).catch(() => {});
  return roomState(page);
}

/** Polls until every remote in ids decodes > minFrames more video frames than
 *  in `since` (and, with audio, receives more audio packets). */
async function waitDecoding(page, ids, timeoutMs, since = null, minFrames = 30) {
  const deadline = Date.now() + timeoutMs;
  let s = null;
  const ok = (st) => ids.every((id) => {
    const p = st.participants[id];
    const b = since && since.participants[id] ? since.participants[id] : { framesDecoded: 0, audioPacketsReceived: 0 };
    return p && p.framesDecoded - b.framesDecoded > minFrames && p.audioPacketsReceived - b.audioPacketsReceived > 0;
  });
  while (Date.now() < deadline) {
    s = await roomStats(page);
    if (s && ok(s)) return { ok: true, s };
    await sleep(400);
  }
  return { ok: false, s };
}

const brief = (s, ids, since = null) => (s ? ids.map((id) => {
  const p = s.participants[id];
  const b = since && since.participants[id];
  return `${id}: frames=${b ? `${b.framesDecoded}->` : ''}${p ? p.framesDecoded : '-'} audioPackets=${b ? `${b.audioPacketsReceived}->` : ''}${p ? p.audioPacketsReceived : '-'}`;
}).join(', ') : 'no stats');

/** Polls one connection until its local ufrag differs from `old` and ICE is
 *  connected again over the new credentials. */
async function waitRestarted(page, kind, old, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let info = null;
  while (Date.now() < deadline) {
    info = await iceInfo(page, kind);
    if (info && info.local && info.local !== old.local && info.remote !== old.remote &&
        /connected|completed/.test(info.iceConnectionState) && info.transport &&
        info.transport.iceLocalUsernameFragment === info.local && info.transport.iceState === 'connected') break;
    await sleep(250);
  }
  return info;
}

let logPath = null;
/** Lines of the whole server log file (the in-memory tail may have rolled). */
const countLog = (re) => {
  try { return readFileSync(logPath, 'utf8').split('\n').filter((l) => re.test(l)).length; } catch { return -1; }
};

// ---- 1 and 2: two staff pages, who is speaking, ICE restarts ---------------------

/** A 48 kHz mono WAV for the fake microphone: a voiced sound (150 Hz and its
 *  harmonics) with a syllable-like 4 Hz envelope, peaks near -6 dBFS. Chromium's
 *  built-in beep is too short and quiet: averaged over the router's 500 ms
 *  interval it sits at levels 66..79, around the router's "nobody speaks"
 *  threshold (70), so whether an active speaker is ever named varies by run. */
function voiceWav(path) {
  const rate = 48000, secs = 4, n = rate * secs;
  const buf = Buffer.alloc(44 + n * 2);
  buf.write('RIFF', 0); buf.writeUInt32LE(36 + n * 2, 4); buf.write('WAVE', 8);
  buf.write('fmt ', 12); buf.writeUInt32LE(16, 16); buf.writeUInt16LE(1, 20); buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24); buf.writeUInt32LE(rate * 2, 28); buf.writeUInt16LE(2, 32); buf.writeUInt16LE(16, 34);
  buf.write('data', 36); buf.writeUInt32LE(n * 2, 40);
  let seed = 1;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    let v = 0;
    for (let h = 1; h <= 12; h++) v += Math.sin(2 * Math.PI * 150 * h * t + h) / h;
    const env = 0.35 + 0.65 * Math.abs(Math.sin(2 * Math.PI * 2 * t));
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const noise = (seed / 0x7fffffff - 0.5) * 0.05;
    buf.writeInt16LE(Math.max(-32767, Math.min(32767, Math.round((0.3 * v * env + noise) * 32767))), 44 + i * 2);
  }
  writeFileSync(path, buf);
}

/** Both fake microphones play the voice file. The prosecutor turns their
 *  microphone off with the page's own button: the clerk must become the active
 *  speaker on both pages; then the other way round. */
async function speakingChecks(pros, clerk, ids) {
  // record every tile that gains the .speaking class from now on
  for (const x of [pros, clerk]) {
    await x.page.evaluate(() => {
      window.yfTestSpoke = new Set();
      const grid = document.getElementById('grid');
      const note = () => grid.querySelectorAll('.tile.speaking').forEach((t) => window.yfTestSpoke.add(t.dataset.participant));
      note();
      new MutationObserver(note).observe(grid, { subtree: true, attributes: true, attributeFilter: ['class'] });
    });
  }
  const seen = (x) => x.page.evaluate(() => ({
    speaking: window.yfRoom.speaking, activeSpeaker: window.yfRoom.activeSpeaker, highlighted: [...window.yfTestSpoke],
    now: [...document.querySelectorAll('#grid .tile.speaking')].map((t) => t.dataset.participant),
  })).catch((e) => ({ error: e.message }));
  const waitActive = async (want, quietId, timeoutMs = 12000) => {
    const deadline = Date.now() + timeoutMs;
    let g = [];
    while (Date.now() < deadline) {
      g = [await seen(pros), await seen(clerk)];
      if (g.every((v) => v.activeSpeaker === want && v.now.length === 1 && v.now[0] === want &&
        v.speaking && v.speaking[quietId] && v.speaking[quietId].level >= 100)) break;
      await sleep(300);
    }
    return g;
  };

  for (const [quiet, loud] of [[pros, clerk], [clerk, pros]]) {
    const loudId = ids[loud === pros ? 'pros' : 'clerk'];
    const quietId = ids[quiet === pros ? 'pros' : 'clerk'];
    await quiet.page.click('#mic');
    const g = await waitActive(loudId, quietId);
    const watcher = loud === pros ? clerk : pros;   // the page that must name the other participant
    const gw = g[watcher === pros ? 0 : 1] || {};
    const sp = (gw.speaking || {})[loudId];
    check(`${watcher.label}: room.speaking names ${loudId} (${loud.label}) with a speaking level (< 70)`,
      sp && sp.count > 0 && sp.min < 70, JSON.stringify(gw.speaking));
    const spq = (gw.speaking || {})[quietId];
    check(`${watcher.label}: room.speaking shows ${quietId} (${quiet.label}) silent (>= 100) after their 关闭麦克风`,
      spq && spq.level >= 100, JSON.stringify(spq));
    check(`${watcher.label}: room.active_speaker named ${loudId} (${loud.label}) on the wire and in the page`,
      watcher.wire.activeSpeaker[loudId] > 0 && gw.activeSpeaker === loudId,
      `wire ${JSON.stringify(watcher.wire.activeSpeaker)}, page ${gw.activeSpeaker}`);
    check(`${watcher.label}: ${loudId}'s tile is highlighted (.tile.speaking), and only it`,
      Array.isArray(gw.now) && gw.now.length === 1 && gw.now[0] === loudId && gw.highlighted.includes(loudId),
      `now ${JSON.stringify(gw.now)}, ever ${JSON.stringify(gw.highlighted)}`);
    const gl = g[loud === pros ? 0 : 1] || {};
    check(`${loud.label}: their own tile is highlighted as the active speaker too`,
      gl.activeSpeaker === loudId && Array.isArray(gl.now) && gl.now[0] === loudId, `now ${JSON.stringify(gl.now)}, page ${gl.activeSpeaker}`);
    await quiet.page.click('#mic');   // on again
  }
}

/** Makes one of the page's connections report an ICE state (as when the
 *  network changes) and fires its iceconnectionstatechange: the page's own
 *  handler must restart ICE. The pretended state holds until the page sends
 *  `request` on its websocket (then the real state shows again), or 8 s.
 *  Resolves with the ms until that request, or null. */
async function networkChange(page, kind, state, request) {
  return page.evaluate(([k, st, req]) => new Promise((resolve) => {
    const pc = window.yfRoom.pc(k);
    const send = WebSocket.prototype.send;
    const t0 = performance.now();
    const end = (ok) => {
      delete pc.iceConnectionState;
      WebSocket.prototype.send = send;
      clearTimeout(timer);
      resolve(ok ? Math.round(performance.now() - t0) : null);
    };
    const timer = setTimeout(() => end(false), 8000);
    WebSocket.prototype.send = function (data) {
      let type = null;
      try { type = JSON.parse(data).type; } catch { /* not JSON */ }
      if (type === req) end(true);
      return send.call(this, data);
    };
    Object.defineProperty(pc, 'iceConnectionState', { configurable: true, get: () => st });
    pc.dispatchEvent(new Event('iceconnectionstatechange'));
  }), [kind, state, request]).catch((e) => `error: ${e.message}`);
}

async function publishRestart(pros, clerk, ids) {
  const before = await iceInfo(pros.page, 'publish');
  const answersBefore = pros.wire.answers.length;
  const logBefore = countLog(/publisher offer \(ice restart/);
  const newConnBefore = countLog(/publisher offer \(new connection/);
  const res = await networkChange(pros.page, 'publish', 'failed', 'publish.offer');
  check('prosecutor: publish PC reports ICE "failed" -> the page sends a new publish.offer at once (< 1 s)',
    typeof res === 'number' && res < 1000, `${res} ms`);
  const after = await waitRestarted(pros.page, 'publish', before);
  const t0 = await roomStats(clerk.page);
  console.log(`# publish ICE: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
  check('prosecutor: publish local ice-ufrag changed', after && after.local && before && after.local !== before.local,
    `${before && before.local} -> ${after && after.local}`);
  const wireAnswer = pros.wire.answers[pros.wire.answers.length - 1];
  check('server\'s publish answer carries new ICE credentials (on the wire and applied)',
    pros.wire.answers.length === answersBefore + 1 && wireAnswer && wireAnswer !== before.remote && after.remote === wireAnswer,
    `answers ${JSON.stringify(pros.wire.answers)}, remote ${before && before.remote} -> ${after && after.remote}`);
  check('prosecutor: publish ICE connected again over the new credentials',
    after && after.transport && after.transport.iceState === 'connected' && after.transport.iceLocalUsernameFragment === after.local &&
    after.transport.dtlsState === 'connected', JSON.stringify(after && after.transport));
  check('server log: the second publish offer was an ICE restart, not a new connection',
    countLog(/publisher offer \(ice restart/) === logBefore + 1 && countLog(/publisher offer \(new connection/) === newConnBefore,
    `ice restart lines ${logBefore} -> ${countLog(/publisher offer \(ice restart/)}`);
  const dec = await waitDecoding(clerk.page, [ids.pros], MEDIA_TIMEOUT_MS, t0);
  check('clerk keeps decoding the prosecutor after the publish ICE restart (> 30 more frames, more audio)', dec.ok,
    brief(dec.s, [ids.pros], t0));
}

async function subscribeRestart(pros, clerk, ids) {
  const before = await iceInfo(clerk.page, 'subscribe');
  const offersBefore = clerk.wire.subOffers.length;
  const lastRev = offersBefore ? clerk.wire.subOffers[offersBefore - 1].revision : 0;
  const res = await networkChange(clerk.page, 'subscribe', 'disconnected', 'subscribe.restart');
  check('clerk: subscribe PC reports ICE "disconnected" -> the page sends subscribe.restart after its 2 s grace',
    typeof res === 'number' && res >= 1900 && res < 4000, `${res} ms`);
  const after = await waitRestarted(clerk.page, 'subscribe', before);
  const t0 = await roomStats(clerk.page);
  console.log(`# subscribe ICE: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
  const offer = clerk.wire.subOffers[clerk.wire.subOffers.length - 1];
  check('server sent a new subscribe.offer (higher revision) with a new ice-ufrag',
    clerk.wire.subOffers.length === offersBefore + 1 && offer.revision > lastRev && offer.ufrag && offer.ufrag !== before.remote &&
    after.remote === offer.ufrag, `offers ${JSON.stringify(clerk.wire.subOffers)}, remote ${before && before.remote} -> ${after && after.remote}`);
  check('clerk: subscribe answer has a new local ice-ufrag', after && before && after.local && after.local !== before.local,
    `${before && before.local} -> ${after && after.local}`);
  check('clerk: subscribe ICE connected again over the new credentials',
    after && after.transport && after.transport.iceState === 'connected' && after.transport.iceLocalUsernameFragment === after.local,
    JSON.stringify(after && after.transport));
  const dec = await waitDecoding(clerk.page, [ids.pros], MEDIA_TIMEOUT_MS, t0);
  check('clerk keeps decoding the prosecutor after the subscribe ICE restart (> 30 more frames, more audio)', dec.ok,
    brief(dec.s, [ids.pros], t0));
  const t1 = await roomStats(pros.page);
  const dec2 = await waitDecoding(pros.page, [ids.clerk], MEDIA_TIMEOUT_MS, t1);
  check('prosecutor still decodes the clerk after both restarts', dec2.ok, brief(dec2.s, [ids.clerk], t1));
}

async function staffScenario(browser, base, tokens) {
  const pros = await openRoom(browser, base, tokens.pros, 'prosecutor');
  const clerk = await openRoom(browser, base, tokens.clerk, 'clerk');
  try {
    const states = [await waitState(pros.page, 'admitted'), await waitState(clerk.page, 'admitted')];
    if (!check('prosecutor and clerk enter the room', states.every((s) => s === 'admitted'), states.join(' '))) return;
    const ids = { pros: await selfId(pros.page), clerk: await selfId(clerk.page) };
    console.log(`# ids: ${JSON.stringify(ids)}`);
    const dec = await Promise.all([waitDecoding(pros.page, [ids.clerk], MEDIA_TIMEOUT_MS),
      waitDecoding(clerk.page, [ids.pros], MEDIA_TIMEOUT_MS)]);
    check('prosecutor decodes the clerk', dec[0].ok, brief(dec[0].s, [ids.clerk]));
    if (!check('clerk decodes the prosecutor', dec[1].ok, brief(dec[1].s, [ids.pros]))) return;

    await speakingChecks(pros, clerk, ids);

    const t = Date.now();
    await publishRestart(pros, clerk, ids);
    await subscribeRestart(pros, clerk, ids);
    console.log(`# both ICE restarts: ${Date.now() - t} ms`);
    for (const x of [pros, clerk]) {
      const st = await roomStats(x.page);
      check(`${x.label}: same websocket throughout (1 opened, no rejoin, still admitted)`,
        x.wire.sockets === 1 && await x.page.evaluate(() => window.yfRoom.connects) === 1 && await roomState(x.page) === 'admitted' && !!st,
        `sockets=${x.wire.sockets} connects=${await x.page.evaluate(() => window.yfRoom.connects).catch(() => '?')} state=${await roomState(x.page)}`);
    }
  } finally {
    for (const x of [pros, clerk]) await x.context.close().catch(() => {});
  }
}

// ---- 3: the petitioner's join link ------------------------------------------------

async function petitionerScenario(browser, base) {
  let r = await api('POST', '/auth/login', { body: { username: 'admin', password: 'admin-password-1' } });
  if (!check('API: the admin signs in', r.status === 200 && r.json.token, r.raw)) return;
  const admin = r.json.token;
  r = await api('POST', '/staff', { token: admin, body: { username: 'wang.jc', display_name: '王检察官', role: 'prosecutor',
    password: 'wang-password-1' } });
  if (!check('API: the admin creates a prosecutor', r.status === 201, r.raw)) return;
  r = await api('POST', '/auth/login', { body: { username: 'wang.jc', password: 'wang-password-1' } });
  const pt = r.json && r.json.token;
  r = await api('POST', '/cases', { token: pt, body: { case_no: '京检控〔2024〕99号', type: 'accusation', channel: 'video',
    petitioner: '张三', summary: '网络测试' } });
  if (!check('API: the prosecutor registers a case', r.status === 201, r.raw)) return;
  const caseId = r.json.id;
  r = await api('POST', `/cases/${caseId}/appointments`, { token: pt, body: {
    starts_at: new Date(Date.now() + 600e3).toISOString(), title: '视频接访',
    invitees: [{ name: '张三', role: 'petitioner', contact: '13800000000' }] } });
  const joinUrl = r.json && r.json.invitations && r.json.invitations[0] && r.json.invitations[0].join_url;
  if (!check('API: an appointment with a petitioner join link', r.status === 201 &&
    new RegExp(`^${base.replace(/\./g, '\\.')}/join\\.html\\?t=[A-Za-z0-9_-]{43}$`).test(joinUrl || ''), r.raw)) return;
  const appt = r.json.appointment;

  const pet = await newPage(browser, 'petitioner');
  let pros = null;
  try {
    const tokenReply = pet.page.waitForResponse((res) => res.url().endsWith('/api/v1/invitation/room-token'),
      { timeout: 15000 }).then((res) => res.json()).catch((e) => ({ error: e.message }));
    await pet.page.goto(joinUrl);
    const notice = pet.page.locator('#notice');
    await notice.waitFor({ state: 'visible', timeout: 10000 }).catch(() => {});
    const text = await pet.page.locator('#notice .notice-text').textContent().catch(() => '');
    const petRoom = await tokenReply;
    check('petitioner: the join link shows the recording notice before joining', await notice.isVisible() &&
      text.includes(NOTICE) && /\/join\.html\?t=/.test(pet.page.url()) && pet.wire.sockets === 0,
      `visible=${await notice.isVisible()} text=${text} url=${pet.page.url()} sockets=${pet.wire.sockets}`);
    check('petitioner: the join page traded the invitation for a room token of the appointment\'s room',
      petRoom.room === appt.room && petRoom.role === 'petitioner' && !!petRoom.token, JSON.stringify({ ...petRoom, token: !!petRoom.token }));
    await pet.page.click('#continue');
    await pet.page.waitForURL(/\/room\.html\?token=/, { timeout: 10000 }).catch(() => {});
    // Early: the hearing has not started, so the page says so and waits.
    const early = await waitState(pet.page, 'notStarted');
    const earlyText = await pet.page.innerText('body').catch(() => '');
    check('petitioner: before the prosecutor starts, the page says the hearing has not started and waits',
      early === 'notStarted' && earlyText.includes('检察官还没有开始本次接访'), `state=${early} text=${earlyText.slice(0, 200)}`);
    r = await api('POST', `/appointments/${appt.id}/hearings`, { token: pt, body: {} });
    check('API: the prosecutor starts the hearing', r.status === 201, r.raw);
    const st = await waitState(pet.page, 'waiting');
    const waitText = await pet.page.locator('#waiting .waiting-text').textContent().catch(() => '');
    check('petitioner: accepting the notice lands in the room\'s waiting room (no second notice)',
      st === 'waiting' && waitText.includes('请稍候') && await pet.page.locator('#room').getAttribute('data-screen') === 'waiting',
      `state=${st} url=${pet.page.url()} text=${waitText}`);

    r = await api('POST', `/appointments/${appt.id}/room-token`, { token: pt });
    check('API: the prosecutor\'s room token names the same room as the petitioner\'s',
      r.status === 200 && r.json.role === 'prosecutor' && r.json.room === petRoom.room && r.json.room === `appt-${appt.id}`,
      `${r.status} room=${r.json && r.json.room} role=${r.json && r.json.role}; petitioner room=${petRoom.room}`);
    if (r.status !== 200) return;
    pros = await openRoom(browser, base, r.json.token, 'host');
    if (!check('prosecutor (API token) enters directly', await waitState(pros.page, 'admitted') === 'admitted')) return;
    const petId = await selfId(pet.page);
    const prosId = await selfId(pros.page);
    const admit = pros.page.locator(`#waiting-list li[data-participant="${petId}"] .admit`);
    await admit.waitFor({ timeout: 10000 }).catch(() => {});
    const who = await pros.page.locator(`#waiting-list li[data-participant="${petId}"] .waiting-who`).textContent().catch(() => '');
    check('prosecutor sees the petitioner (张三) in the waiting list', who.includes('张三') && await admit.count() === 1, who);
    await admit.click().catch((e) => console.log(`# admit click: ${e.message}`));
    if (!check('petitioner admitted after 准许进入', await waitState(pet.page, 'admitted') === 'admitted')) return;
    const dec = await Promise.all([waitDecoding(pros.page, [petId], MEDIA_TIMEOUT_MS),
      waitDecoding(pet.page, [prosId], MEDIA_TIMEOUT_MS)]);
    check('prosecutor decodes the petitioner (video and audio)', dec[0].ok, brief(dec[0].s, [petId]));
    check('petitioner decodes the prosecutor (video and audio)', dec[1].ok, brief(dec[1].s, [prosId]));
  } finally {
    for (const x of [pet, pros]) if (x) await x.context.close().catch(() => {});
  }
}

// ---- main --------------------------------------------------------------------------

async function main() {
  const { bin, webDir, chromium } = await browserTestPrerequisites();
  const { tmp, dataDir } = tempDirs('yf-e2e-net-');
  let server = null;
  let browser = null;
  const t0 = Date.now();
  try {
    const tokens = {
      pros: mintToken(bin, dataDir, '王检察官', 'prosecutor', 'cli:host'),
      clerk: mintToken(bin, dataDir, '李书记员', 'clerk', 'cli:clerk'),
    };
    const made = createUserCli(bin, dataDir, 'admin', 'admin', 'admin-password-1');
    if (!check('the CLI creates the admin', made.status === 0, made.stderr)) return;
    port = await freePort();
    const base = `https://127.0.0.1:${port}`;
    logPath = join(tmp, 'server.log');
    server = startServer(bin, { dataDir, port, webDir, logPath, log: serverLog });
    try { await waitHealthy(server, base); } catch (e) { check('server answers /healthz', false, e.message); return; }
    voiceWav(join(tmp, 'voice.wav'));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
      args: [...CHROMIUM_ARGS, `--use-file-for-fake-audio-capture=${join(tmp, 'voice.wav')}`] });
    await staffScenario(browser, base, tokens);
    console.log(`# staff part done after ${Date.now() - t0} ms`);
    await petitionerScenario(browser, base);
    check('server is still running', !server.exitInfo, JSON.stringify(server.exitInfo));
    check('no uncaught exception in any page', pageErrors.length === 0, pageErrors.join(' | '));
  } catch (e) {
    check('test ran to the end', false, e.stack || e.message);
  } finally {
    if (browser) await browser.close().catch(() => {});
    await wrapUp({ server, tmp, pageLog, serverLog });
    console.log(`# took ${Date.now() - t0} ms`);
  }
}

await main();
finish('room_network');

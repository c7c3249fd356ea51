// public_hearing.test.mjs -- a 检察听证 with its deliberation, in Chromium
// through the real server: six participants (the presiding prosecutor at
// 1366×768, the clerk, the petitioner on a phone at 390×844, two 听证员 and
// an observer on a phone), one browser with a context each and a 160×120
// camera so it fits two cores. The host moves the seven-step agenda with
// 下一项 and everyone sees the current step; the speaking timer runs for all;
// at 休会评议 the 听证员's pages move into the deliberation room (captured on
// its own), the others are told 听证员正在评议 and are refused from it, by
// role, on the server; when the host resumes they come back; the observer is
// receive-only (no camera asked, a publish refused on the wire); every step
// change is a 【系统】 section of the notes.
// Run by CTest with YF_SERVER_BIN and YF_WEB_DIR set; YF_E2E_KEEP=1 keeps the shots.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiRequest, browserTestPrerequisites, check, CHROMIUM, CHROMIUM_ARGS, createUser, finish, freePort, sleep,
  startServerReady, wrapUp } from './lib.mjs';
import { makeProsecutor, pageLog, waitProcessed, waitState } from './hearing.mjs';
import { wsConnect } from './wsraw.mjs';

const serverLog = [];
const { bin, webDir, chromium } = await browserTestPrerequisites();
const tmp = mkdtempSync(join(tmpdir(), 'yf-public-hearing-'));
const shots = join(tmp, 'shots');
mkdirSync(shots, { recursive: true });
let server = null;
let browser = null;

const PHONE = { width: 390, height: 844 };
const SMALL = { width: 480, height: 600 };

async function openPage(base, token, label, viewport) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport, locale: 'zh-CN' });
  // Counts the page's camera/microphone requests (an observer's page must make none).
  await context.addInitScript(() => {
    window.__gumCalls = 0;
    const md = navigator.mediaDevices;
    if (!md) return;
    const orig = md.getUserMedia.bind(md);
    md.getUserMedia = (...a) => { window.__gumCalls++; return orig(...a); };
  });
  const page = await context.newPage();
  page.on('console', (m) => { pageLog.push(`[${label}] ${m.type()}: ${m.text()}`); if (pageLog.length > 400) pageLog.shift(); });
  page.on('pageerror', (e) => pageLog.push(`[${label}] pageerror: ${e.message}`));
  page.setDefaultTimeout(90000);   // a loaded 2-core machine runs six pages here
  await page.goto(`${base}/room.html?token=${encodeURIComponent(token)}`, { waitUntil: 'domcontentloaded' });
  await page.click('#notice-continue');
  return page;
}

const text = (page, sel) => page.locator(sel).textContent().then((s) => s.trim()).catch(() => '');
const agendaStep = (page) => page.evaluate(() => (window.yfRoom && window.yfRoom.agenda ? window.yfRoom.agenda.step : null))
  .catch(() => null);

/** Waits until every page's agenda is at step n. */
async function allAt(pages, n, timeoutMs = 30000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const steps = await Promise.all(pages.map(agendaStep));
    if (steps.every((s) => s === n) || Date.now() > end) return steps;
    await sleep(200);
  }
}

/** A raw signaling session that joins with token (and params); resolves the join reply. */
async function rawJoin(port, token, extra = {}) {
  const ws = await wsConnect(port);
  if (ws.refused) throw new Error(`websocket refused: ${ws.refused}`);
  ws.send({ v: 1, id: 1, type: 'hello', client: 'test/public-hearing' });
  await ws.reply(1);
  ws.send({ v: 1, id: 2, type: 'room.join', token, ...extra });
  return { ws, reply: await ws.reply(2, 8000) };
}

/** The host's agenda buttons are worked from the keyboard (focus, Enter):
 * that they can be is part of the test, and a busy page need not paint
 * first as a mouse click waits for. */
async function press(page, sel) {
  await page.focus(sel);
  await page.keyboard.press('Enter');
}

/** A screenshot into the kept directory; a loaded machine may take long to paint six pages. */
const shot = (page, name) => page.screenshot({ path: join(shots, name), timeout: 240000 });

/** The room page's participant names, from its own client state. */
const names = (page) => page.evaluate(() => (window.yfRoom.participants || []).map((p) => p.name)).catch(() => []);

try {
  const port = await freePort();
  const base = `https://127.0.0.1:${port}`;
  const dataDir = join(tmp, 'data');
  makeProsecutor(bin, dataDir);
  const cr = createUser(bin, dataDir, { username: 'clerk', role: 'clerk', password: 'clerk-password-12', name: '李书记员' });
  if (cr.status !== 0) throw new Error(`create clerk: ${cr.stderr}`);
  // A small, quiet camera and microphone for everyone: six pages on two cores.
  const video = join(tmp, 'cam.y4m'), audio = join(tmp, 'mic.wav');
  execFileSync('gst-launch-1.0', ['-q', 'videotestsrc', 'pattern=smpte', 'num-buffers=600', '!',
    'video/x-raw,format=I420,width=160,height=120,framerate=5/1', '!', 'y4menc', '!', 'filesink', `location=${video}`]);
  execFileSync('gst-launch-1.0', ['-q', 'audiotestsrc', 'wave=sine', 'volume=0.05', 'num-buffers=6000', 'samplesperbuffer=960', '!',
    'audio/x-raw,format=S16LE,rate=48000,channels=1', '!', 'wavenc', '!', 'filesink', `location=${audio}`]);
  server = await startServerReady(bin, { dataDir, port, webDir, logPath: join(tmp, 'server.log'), log: serverLog });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS,
    '--autoplay-policy=no-user-gesture-required', `--use-file-for-fake-video-capture=${video}`,
    `--use-file-for-fake-audio-capture=${audio}`] });

  // The case, the public hearing's appointment with its invitees, the hearing started, the clerk invited.
  const api = (m, p, o) => apiRequest(port, m, p, o);
  let r = await api('POST', '/auth/login', { body: { username: 'pros', password: 'prosecutor-password-1' } });
  const token = r.json.token;
  r = await api('POST', '/cases', { token, body: { case_no: '京检控〔2024〕30号', type: 'appeal', channel: 'video',
    petitioner: '张三', contact: '13800000000', summary: '申诉：不服不起诉决定，申请公开听证' } });
  const kase = r.json;
  r = await api('POST', `/cases/${kase.id}/appointments`, { token, body: { starts_at: new Date().toISOString(),
    title: '公开听证', kind: 'public_hearing', invitees: [
      { name: '张三', role: 'petitioner' }, { name: '赵听证员', role: 'hearing_member' },
      { name: '钱听证员', role: 'hearing_member' }, { name: '孙旁听', role: 'other' }] } });
  if (r.status !== 201) throw new Error(`appointment: ${r.status} ${r.raw}`);
  const appt = r.json.appointment;
  const inv = Object.fromEntries(r.json.invitations.map((i) => [i.name, i.token]));
  r = await api('POST', `/appointments/${appt.id}/hearings`, { token, body: {} });
  const hearing = r.json;
  check('the appointment starts a public hearing', hearing.kind === 'public_hearing', JSON.stringify(hearing));
  r = await api('GET', `/hearings/${hearing.id}/invitable`, { token });
  const clerkId = (r.json.items || []).find((s) => s.role === 'clerk')?.id;
  r = await api('POST', `/hearings/${hearing.id}/participants`, { token, body: { staff_id: clerkId } });
  r = await api('POST', '/auth/login', { body: { username: 'clerk', password: 'clerk-password-12' } });
  const clerkToken = r.json.token;
  const roomToken = async (who) => {
    const res = who.staff ? await api('POST', `/appointments/${appt.id}/room-token`, { token: who.staff, body: {} })
      : await api('POST', '/invitation/room-token', { inv: who.inv, body: {} });
    if (res.status !== 200) throw new Error(`room token: ${res.status} ${res.raw}`);
    return res.json.token;
  };
  const tok = {
    host: await roomToken({ staff: token }), clerk: await roomToken({ staff: clerkToken }),
    pet: await roomToken({ inv: inv['张三'] }), ho1: await roomToken({ inv: inv['赵听证员'] }),
    ho2: await roomToken({ inv: inv['钱听证员'] }), obs: await roomToken({ inv: inv['孙旁听'] }),
  };

  // Everyone enters; the petitioner and the observer wait for the host.
  const host = await openPage(base, tok.host, 'host', { width: 1366, height: 768 });
  check('the host enters', await waitState(host, 'admitted', 60000) === 'admitted');
  const [clerk, ho1, ho2, pet, obs] = await Promise.all([openPage(base, tok.clerk, 'clerk', SMALL),
    openPage(base, tok.ho1, 'ho1', SMALL), openPage(base, tok.ho2, 'ho2', SMALL),
    openPage(base, tok.pet, 'petitioner', PHONE), openPage(base, tok.obs, 'observer', PHONE)]);
  for (const p of [clerk, ho1, ho2]) await waitState(p, 'admitted', 60000);
  await waitState(pet, 'waiting', 60000);
  await waitState(obs, 'waiting', 60000);
  for (let i = 0; i < 2; i++) {
    const admit = host.locator('#waiting-list .admit').first();
    await admit.waitFor({ timeout: 15000 });
    await admit.click();
    await sleep(800);
  }
  check('the petitioner and the observer are admitted', await waitState(pet, 'admitted', 60000) === 'admitted' &&
    await waitState(obs, 'admitted', 60000) === 'admitted');
  const all = [host, clerk, pet, ho1, ho2, obs];

  // The agenda shows for everyone, not begun; the host alone has the buttons.
  let steps = await allAt(all, 0);
  check('everyone sees the agenda, not begun yet', steps.every((s) => s === 0), JSON.stringify(steps));
  check('the host has 下一项 / 上一项; the petitioner has not',
    await host.locator('#agenda-next').isVisible() && await host.locator('#agenda-prev').isVisible() &&
    await pet.locator('#agenda-next').count() === 0);
  const obsLook = { mic: await obs.locator('#mic').isVisible(), cam: await obs.locator('#cam').isVisible(),
    note: await text(obs, '#observer-note'), pub: await obs.evaluate(() => !!window.yfRoom.pc('publish')),
    gum: await obs.evaluate(() => window.__gumCalls), petGum: await pet.evaluate(() => window.__gumCalls) };
  check('the observer has no microphone or camera button, is told so, and publishes nothing',
    !obsLook.mic && !obsLook.cam && obsLook.note.includes('旁听') && !obsLook.pub && obsLook.gum === 0 &&
    obsLook.petGum === 1, JSON.stringify(obsLook));
  // The observer still sees and hears the others.
  const obsStats = await obs.waitForFunction(async () => {
    const s = await window.yfRoom.stats();
    return Object.values(s.participants).some((p) => p.framesDecoded > 0 && p.audioPacketsReceived > 0);
  }, null, { timeout: 90000, polling: 1000 }).then(() => true).catch(() => false);
  check('the observer receives pictures and sound', obsStats);

  // 开始第一项, 下一项: every page follows; the clerk's page too.
  await press(host, '#agenda-next');
  steps = await allAt(all, 1);
  check('开始第一项: everyone at step 1', steps.every((s) => s === 1), JSON.stringify(steps));
  await press(host, '#agenda-next');
  steps = await allAt(all, 2);
  check('下一项: everyone at step 2 (当事人陈述)', steps.every((s) => s === 2), JSON.stringify(steps));
  const petNow = await text(pet, '#agenda-now');
  check('the petitioner reads the current step in plain words', petNow === '现在进行：第二项 当事人陈述', petNow);
  // The speaking timer: the host starts it with a 3-minute limit; everyone sees it run.
  await host.selectOption('#agenda-limit-select', '180');
  await press(host, '#agenda-start');
  const secs = (c) => { const m = /^(\d\d):(\d\d)$/.exec(c); return m ? Number(m[1]) * 60 + Number(m[2]) : -1; };
  await pet.waitForFunction(() => document.querySelector('#agenda-clock.running'), null, { timeout: 30000 }).catch(() => {});
  const c1 = { pet: await text(pet, '#agenda-clock'), obs: await text(obs, '#agenda-clock') };
  await sleep(2500);
  const clocks = { pet: await text(pet, '#agenda-clock'), obs: await text(obs, '#agenda-clock'),
    limit: await text(pet, '#agenda-limit'), before: c1 };
  check('the speaking timer runs for everyone with its limit', secs(clocks.pet) > secs(c1.pet) && secs(c1.pet) >= 0 &&
    secs(clocks.obs) > secs(c1.obs) && secs(c1.obs) >= 0 && clocks.limit === '限时 3 分钟', JSON.stringify(clocks));
  await shot(host, 'host-agenda-1366.png');
  await shot(pet, 'petitioner-agenda-390.png');
  await press(host, '#agenda-stop');
  await pet.waitForFunction(() => !document.querySelector('#agenda-clock.running'), null, { timeout: 30000 }).catch(() => {});
  const stopped = await text(pet, '#agenda-clock');
  await sleep(1500);
  const later = await text(pet, '#agenda-clock');
  check('stopped, the timer holds still for everyone', stopped === later && secs(stopped) > 0 &&
    await text(pet, '#agenda-limit') === '限时 3 分钟', `${stopped} ${later}`);

  // A petitioner's agenda.step is refused on the wire, before deliberation is open.
  let raw = await rawJoin(port, tok.ho1, { part: 'deliberation' });
  check('the deliberation room is shut before 休会评议', raw.reply && raw.reply.ok === false &&
    raw.reply.error.code === 'forbidden', JSON.stringify(raw.reply));
  raw.ws.close();

  // 听证员提问, then 休会评议: the 听证员 go to their room.
  await press(host, '#agenda-next');
  await allAt(all, 3);
  await press(host, '#agenda-next');
  const inDelib = async (p) => p.waitForFunction(() => window.yfRoom && window.yfRoom.part === 'deliberation' &&
    window.yfRoom.state === 'admitted', null, { timeout: 30000 }).then(() => true).catch(() => false);
  check('at 休会评议 both 听证员 are in the deliberation room', await inDelib(ho1) && await inDelib(ho2));
  await sleep(1500);
  const delibNames = await names(ho1);
  check('the deliberation room holds the two 听证员 only', delibNames.length === 2 &&
    delibNames.includes('赵听证员') && delibNames.includes('钱听证员'), JSON.stringify(delibNames));
  const ho1Room = await ho1.evaluate(() => window.yfRoom.self && window.yfRoom.participants.length);
  const hostNames = await names(host);
  check('the hearing room no longer has the 听证员', !hostNames.includes('赵听证员') && !hostNames.includes('钱听证员') &&
    hostNames.includes('张三'), JSON.stringify(hostNames) + ` ${ho1Room}`);
  const notices = { host: await text(host, '#agenda-notice'), pet: await text(pet, '#agenda-notice'),
    obs: await text(obs, '#agenda-notice'), ho1: await text(ho1, '#agenda-notice') };
  check('the others are told 听证员正在评议', notices.host.includes('听证员正在评议室评议') &&
    notices.pet.includes('听证员正在评议室评议') && notices.obs.includes('听证员正在评议室评议'), JSON.stringify(notices));
  check('the 听证员 are told where they are', notices.ho1.includes('只有听证员'), notices.ho1);
  const ho1Bar = await text(ho1, '#hb-case');
  check('the deliberation room shows the hearing\'s case number', ho1Bar === '京检控〔2024〕30号', ho1Bar);
  const delibHear = await ho1.waitForFunction(async () => {
    const s = await window.yfRoom.stats();
    return Object.values(s.participants).some((p) => p.framesDecoded > 0);
  }, null, { timeout: 30000 }).then(() => true).catch(() => false);
  check('the 听证员 see each other in the deliberation room', delibHear);
  // Nobody else gets in: refused on the server by role, whatever the page.
  for (const [who, t] of [['the petitioner', tok.pet], ['the host', tok.host], ['the observer', tok.obs], ['the clerk', tok.clerk]]) {
    raw = await rawJoin(port, t, { part: 'deliberation' });
    check(`${who} is refused from the deliberation room`, raw.reply && raw.reply.ok === false &&
      raw.reply.error.code === 'forbidden' && /听证员/.test(raw.reply.error.message), JSON.stringify(raw.reply));
    raw.ws.close();
  }
  await sleep(500);
  check('the refused tries left the petitioner in the hearing room', await waitState(pet, 'admitted', 3000) === 'admitted');
  await shot(host, 'host-deliberating-1366.png');
  await shot(pet, 'petitioner-deliberating-390.png');
  await ho1.setViewportSize(PHONE);
  await shot(ho1, 'officer-deliberation-390.png');
  await ho1.setViewportSize(SMALL);
  const hid = hearing.id;
  const delibDir = join(dataDir, 'recordings', `h${hid}`, 'd1');
  const delibCaps = existsSync(delibDir) ? readdirSync(delibDir).filter((f) => /\.ycap/.test(f)) : [];
  const delibRoster = existsSync(join(delibDir, 'roster.json')) ? JSON.parse(readFileSync(join(delibDir, 'roster.json'), 'utf8')) : [];
  check('the deliberation is captured on its own, with the 听证员 only', delibCaps.length >= 2 && delibRoster.length === 2 &&
    delibRoster.every((e) => e.role === 'hearing_officer'), `${delibCaps.join(',')} ${JSON.stringify(delibRoster)}`);

  // The host resumes: the 听证员 come back to the hearing room.
  const resumeLabel = await text(host, '#agenda-next');
  check('the host resumes with 评议结束，继续听证', resumeLabel === '评议结束，继续听证', resumeLabel);
  await press(host, '#agenda-next');
  const back = async (p) => p.waitForFunction(() => window.yfRoom && !window.yfRoom.part && window.yfRoom.state === 'admitted',
    null, { timeout: 30000 }).then(() => true).catch(() => false);
  check('the 听证员 are back in the hearing room', await back(ho1) && await back(ho2));
  steps = await allAt(all, 5);
  check('everyone at step 5 (听证员发表意见)', steps.every((s) => s === 5), JSON.stringify(steps));
  await sleep(1000);
  const hostNames2 = await names(host);
  check('the host sees the 听证员 again', hostNames2.includes('赵听证员') && hostNames2.includes('钱听证员'),
    JSON.stringify(hostNames2));
  raw = await rawJoin(port, tok.ho1, { part: 'deliberation' });
  check('the deliberation room is shut again', raw.reply && raw.reply.ok === false && /not open/.test(raw.reply.error.message),
    JSON.stringify(raw.reply));
  raw.ws.close();
  const delibCapsAfter = existsSync(delibDir) ? readdirSync(delibDir) : [];
  await sleep(1500);
  await press(host, '#agenda-next');
  await allAt(all, 6);
  await press(host, '#agenda-next');
  steps = await allAt(all, 7);
  check('the agenda reaches 主持人总结', steps.every((s) => s === 7), JSON.stringify(steps));
  check('下一项 stops at the last step', await host.locator('#agenda-next').isDisabled());
  await shot(host, 'host-last-step-1366.png');
  await shot(obs, 'observer-390.png');

  // The notes: a 【系统】 section per step change, and the deliberation's own lines.
  r = await api('GET', `/hearings/${hid}/notes`, { token });
  const noteText = r.json && r.json.text || '';
  const sections = ['【第一项】介绍与宣布纪律', '【第二项】当事人陈述', '【第三项】听证员提问', '【第四项】休会评议',
    '【第五项】听证员发表意见', '【第六项】最后陈述', '【第七项】主持人总结'];
  const missing = sections.filter((s) => !noteText.includes(`【系统】${s}`));
  check('every step starts a 【系统】 section of the notes', missing.length === 0, missing.join(' '));
  check('the notes say the deliberation was recorded apart and ended',
    noteText.includes('听证员进入评议室') && noteText.includes('评议结束'), noteText.slice(0, 600));
  const order = sections.map((s) => noteText.indexOf(s));
  check('the sections are in order', order.every((v, i) => i === 0 || v > order[i - 1]), JSON.stringify(order));

  // The observer's own token: a publish is refused on the wire (its page is replaced, so this comes last).
  raw = await rawJoin(port, tok.obs);
  raw.ws.send({ v: 1, id: 3, type: 'publish.offer', sdp: 'v=0\r\n' });
  const pubReply = await raw.ws.reply(3, 8000);
  check('an observer\'s publish.offer is refused', pubReply && pubReply.ok === false && pubReply.error.code === 'forbidden',
    JSON.stringify(pubReply));
  raw.ws.close();
  r = await api('POST', `/hearings/${hid}/end`, { token, body: {} });
  check('the hearing ends', r.status === 200, `${r.status} ${r.raw}`);
  check('the deliberation capture files were finished', delibCapsAfter.filter((f) => /\.ycap$/.test(f)).length >= 2,
    delibCapsAfter.join(','));
  await browser.close().catch(() => {});
  browser = null;

  // After the hearing: the deliberation is recorded to evidence grade on its
  // own (its files, hashed in the case file, in the signed package), and the
  // hearing's composite is made without it.
  const list = await waitProcessed(port, token, hid, 600000);
  check('the recording is processed and attached', list && list.recording && list.recording.state === 'done',
    JSON.stringify(list && list.recording));
  const recs = (list && list.items) || [];
  const delibRecs = recs.filter((x) => x.room === 'deliberation');
  const hearingRecs = recs.filter((x) => x.room === 'hearing');
  const delibPeople = delibRecs.filter((x) => x.kind === 'participant').map((x) => x.participant && x.participant.name).sort();
  check('the deliberation has its own composite and a file per 听证员', delibRecs.filter((x) => x.kind === 'composite').length === 1 &&
    delibPeople.length === 2 && delibPeople.every((n) => /听证员$/.test(n)) && delibRecs.every((x) => /^[0-9a-f]{64}$/.test(x.sha256)),
    JSON.stringify(recs.map((x) => [x.room, x.kind, x.participant && x.participant.name])));
  check('the hearing room has its own composite beside it', hearingRecs.filter((x) => x.kind === 'composite').length === 1,
    JSON.stringify(recs.map((x) => [x.room, x.kind])));
  const dc = delibRecs.find((x) => x.kind === 'composite');
  if (dc) {
    const got = await apiRequest(port, 'GET', `/recordings/${dc.id}/download`, { token, timeoutMs: 60000 });
    const sha = (await import('node:crypto')).createHash('sha256').update(got.raw).digest('hex');
    check('the deliberation\'s composite downloads with the hash the case file states', got.status === 200 &&
      sha === dc.sha256 && got.raw.length === dc.size_bytes, `${got.status} ${got.raw.length}/${dc.size_bytes}`);
  }
  const ev = await apiRequest(port, 'GET', `/hearings/${hid}/evidence`, { token, timeoutMs: 60000 });
  const tar = join(tmp, 'evidence.tar');
  writeFileSync(tar, ev.raw);
  const v = spawnSync(bin, ['verify', tar, '--pubkey', join(dataDir, 'signing-key.pub.pem')], { encoding: 'utf8' });
  const packed = ev.status === 200 ? execFileSync('tar', ['-tf', tar], { encoding: 'utf8' }).split('\n') : [];
  check('the evidence package verifies and holds the deliberation\'s captures and media',
    v.status === 0 && packed.some((n) => /^capture\/d1\/.+\.ycap$/.test(n)) && packed.some((n) => /^capture\/d1\/roster\.json$/.test(n)) &&
    packed.some((n) => /^media\/d1\/composite\.webm$/.test(n)) && packed.some((n) => /^media\/composite\.webm$/.test(n)),
    `${ev.status} ${v.stdout}${v.stderr} ${packed.filter((n) => /d1|composite/.test(n)).join(' ')}`.slice(0, 600));

  // The prosecutor's hearing page: the hearing's composite plays first, the
  // deliberation's files are there by name.
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  const cons = await ctx.newPage();
  await cons.goto(`${base}/console/`);
  await cons.waitForSelector('#login-user');
  await cons.fill('#login-user', 'pros');
  await cons.fill('#login-pass', 'prosecutor-password-1');
  await cons.press('#login-pass', 'Enter');
  await cons.waitForSelector('#nav, nav', { timeout: 15000 }).catch(() => {});
  await cons.goto(`${base}/console/#/hearings/${hid}`);
  const opts = await cons.waitForFunction(() => {
    const o = [...document.querySelectorAll('select option')].map((x) => x.textContent);
    return o.some((x) => x.includes('评议室')) ? o : null;
  }, null, { timeout: 20000 }).then((x) => x.jsonValue()).catch(() => []);
  const chosen = await cons.evaluate(() => { const s = document.querySelector('select'); return s ? s.selectedOptions[0].textContent : ''; });
  check('the hearing page lists the deliberation\'s files by name and plays the hearing\'s composite first',
    opts.some((x) => /^评议室合成画面（听证员评议，约 \d+ 分钟）$/.test(x)) && opts.some((x) => /^赵听证员 在评议室的画面/.test(x)) &&
    /^合成画面（全体/.test(chosen), JSON.stringify({ opts, chosen }));
  await shot(cons, 'console-hearing-files-1366.png');
} catch (e) {
  check('public hearing test ran without an exception', false, e && e.stack || String(e));
} finally {
  if (browser) await browser.close().catch(() => {});
  await wrapUp({ server, tmp, pageLog, serverLog });
}
finish('public hearing');

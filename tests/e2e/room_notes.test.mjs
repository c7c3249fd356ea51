// room_notes.test.mjs -- the clerk's notes panel in the hearing room: a
// prosecutor, a clerk and a petitioner in one room. The clerk's panel asks for
// a console sign-in until there is one, shows the recorder's start line, takes
// entries with a speaker from the roster and a quick phrase (Ctrl+Enter and the
// button); an entry whose POST the server stored but whose answer was lost is
// not stored twice; the server is killed (SIGKILL) mid-hearing while the clerk
// writes one more entry, and restarted on the same data dir: that entry is
// stored once, with the moment it was written, next to all earlier ones, and
// the panel shows them; a reload keeps a half-written draft. The host reads the
// panel, the petitioner has none. Screenshots at 1366×768 and 390×844.
// Run by CTest with YF_SERVER_BIN and YF_WEB_DIR set; YF_E2E_KEEP=1 keeps the shots.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { apiRequest, browserTestPrerequisites, check, CHROMIUM, CHROMIUM_ARGS, createUser, finish, freePort, sleep,
  startServerReady, tempDirs, wrapUp } from './lib.mjs';
import { makeProsecutor, pageLog, waitState } from './hearing.mjs';
import { signIn, waitSignedIn } from './console_lib.mjs';

const serverLog = [];
const { bin, webDir, chromium } = await browserTestPrerequisites();
const { tmp, dataDir } = tempDirs('yf-room-notes-');
const shots = join(tmp, 'shots');
mkdirSync(shots, { recursive: true });
let server = null;
let browser = null;

const DESK = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };
const STAMP = /^\d\d:\d\d:\d\d · \d\d:\d\d:\d\d$/;

async function newPage(context, label) {
  const page = await context.newPage();
  page.setDefaultTimeout(45000);   // a shared 2-core machine can be very slow at times
  page.setDefaultNavigationTimeout(60000);
  page.on('console', (m) => { pageLog.push(`[${label}] ${m.type()}: ${m.text()}`); if (pageLog.length > 300) pageLog.shift(); });
  page.on('pageerror', (e) => pageLog.push(`[${label}] pageerror: ${e.message}`));
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`) });
  console.log(`# screenshot: ${join(shots, `${name}.png`)}`);
}

/** The panel's entries as shown: [{at, who, text, system, pending}]. */
const shown = (page) => page.evaluate(() => [...document.querySelectorAll('#notes .notes-entries li.notes-entry')].map((li) => ({
  at: (li.querySelector('.notes-at') || {}).textContent || '', who: (li.querySelector('.notes-who') || {}).textContent || '',
  text: li.querySelector('.notes-text').textContent, system: li.classList.contains('system'),
  pending: li.classList.contains('pending') })));

const status = (page) => page.locator('#notes .notes-status').textContent().catch(() => '');

async function waitFor(fn, timeoutMs = 15000, stepMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let v;
  while (Date.now() < deadline) {
    v = await fn().catch(() => null);
    if (v) return v;
    await sleep(stepMs);
  }
  return v;
}

/** The whole panel is in the window and its add button inside it (not cut off). */
const fits = (page) => page.evaluate(() => {
  const p = document.getElementById('notes').getBoundingClientRect();
  const b = document.querySelector('#notes .notes-add').getBoundingClientRect();
  const l = document.querySelector('#notes .notes-entries').getBoundingClientRect();
  return { ok: p.bottom <= innerHeight && b.bottom <= p.bottom && b.top >= p.top && l.height >= 100,
    panel: [p.top, p.bottom], add: [b.top, b.bottom], list: l.height };
});

/** Nothing raw in the panel: no ISO time, JSON, participant id or milliseconds. */
async function checkPanelPlain(page, label) {
  const txt = await page.locator('#notes').innerText();
  const bad = [/\d{4}-\d\d-\d\dT\d\d:/, /[{[]\s*"/, /\bp\d+\b/, /\b\d{5,}\b/, /\bundefined\b|\bnull\b|\bNaN\b/, /notes\.[a-z]/,
    /offset_ms|hearing_id/].filter((re) => re.test(txt));
  check(`${label}: nothing raw in the notes panel`, !bad.length, bad.map((re) => `${re}: ${(txt.match(re) || [''])[0]}`).join('; '));
}

async function startAt(port) {
  return startServerReady(bin, { dataDir, port, webDir, logPath: join(tmp, `server-${Date.now()}.log`), log: serverLog });
}

try {
  makeProsecutor(bin, dataDir);
  const made = createUser(bin, dataDir, { username: 'clerk', role: 'clerk', password: 'clerk-password-1', name: '李书记员' });
  if (made.status !== 0) throw new Error(`create-user clerk: ${made.stderr}`);
  const port = await freePort();
  const base = `https://127.0.0.1:${port}`;
  server = await startAt(port);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
    args: [...CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required'] });

  // A case, an appointment with a petitioner, the hearing, the clerk invited.
  const api = (m, p, o) => apiRequest(port, m, p, o);
  let r = await api('POST', '/auth/login', { body: { username: 'pros', password: 'prosecutor-password-1' } });
  const token = r.json.token;
  r = await api('POST', '/cases', { token, body: { case_no: '京检控〔2024〕31号', type: 'appeal', channel: 'video',
    petitioner: '张三', contact: '13800000000', summary: '申诉：不服不起诉决定' } });
  const kase = r.json;
  r = await api('POST', `/cases/${kase.id}/appointments`, { token, body: { starts_at: new Date().toISOString(),
    title: '视频接访', invitees: [{ name: '张三', role: 'petitioner', contact: '13800000000' }] } });
  if (r.status !== 201) throw new Error(`appointment: ${r.status} ${r.raw}`);
  const appt = r.json.appointment;
  const inv = r.json.invitations[0].token;
  r = await api('POST', `/appointments/${appt.id}/hearings`, { token, body: {} });
  const hearing = r.json;
  const startedAt = Date.parse(hearing.started_at);
  r = await api('GET', `/hearings/${hearing.id}/invitable`, { token });
  const clerkAcct = (r.json.items || []).find((s) => s.role === 'clerk');
  r = await api('POST', `/hearings/${hearing.id}/participants`, { token, body: { staff_id: clerkAcct.id } });
  if (r.status !== 201) throw new Error(`invite clerk: ${r.status} ${r.raw}`);

  // The host signs in to the console and enters the room from there (cookie session).
  const hostCtx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: DESK, locale: 'zh-CN' });
  const host = await newPage(hostCtx, 'host');
  await host.goto(`${base}/console/`);
  await signIn(host, 'pros', 'prosecutor-password-1');
  await waitSignedIn(host);
  const hostToken = await host.evaluate(async (id) => {
    const me = await (await fetch('/api/v1/me')).json();
    const res = await fetch(`/api/v1/appointments/${id}/room-token`, { method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Auth-Token': me.csrf }, body: '{}' });
    return (await res.json()).token;
  }, appt.id);
  await host.goto(`${base}/room.html?token=${encodeURIComponent(hostToken)}`);
  await host.click('#notice-continue');
  check('the host enters the room', await waitState(host, 'admitted') === 'admitted');

  // The clerk's room token, taken outside this browser: the room has no
  // console session to write notes with, and says so.
  r = await api('POST', '/auth/login', { body: { username: 'clerk', password: 'clerk-password-1' } });
  r = await api('POST', `/appointments/${appt.id}/room-token`, { token: r.json.token, body: {} });
  if (r.status !== 200) throw new Error(`clerk room token: ${r.status} ${r.raw}`);
  const clerkCtx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: DESK, locale: 'zh-CN' });
  const clerk = await newPage(clerkCtx, 'clerk');
  await clerk.goto(`${base}/room.html?token=${encodeURIComponent(r.json.token)}`);
  await clerk.click('#notice-continue');
  check('the clerk enters the room', await waitState(clerk, 'admitted') === 'admitted');
  const unsigned = await waitFor(async () => { const s = await status(clerk); return s.includes('登录') && s; });
  const link = await clerk.locator('#notes .notes-status a').getAttribute('href').catch(() => null);
  check('without a console session the panel says so, with a link to sign in', !!unsigned && link === '/console/',
    `${unsigned} ${link}`);
  await shot(clerk, 'clerk-signin-1366');

  // Signing in to the console in another tab: the panel carries on by itself.
  const console2 = await newPage(clerkCtx, 'clerk-console');
  await console2.goto(`${base}/console/`);
  await signIn(console2, 'clerk', 'clerk-password-1');
  await waitSignedIn(console2);
  await console2.close();
  await clerk.bringToFront();
  const form = await waitFor(async () => await clerk.locator('#notes-text').isVisible() &&
    !(await status(clerk)).includes('登录'), 15000);
  check('after the console sign-in the panel carries on by itself, with the entry form', !!form, await status(clerk));

  // The petitioner, on a phone, through the invitation; the host admits them.
  r = await api('POST', '/invitation/room-token', { inv, body: {} });
  const petCtx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: PHONE, locale: 'zh-CN' });
  const pet = await newPage(petCtx, 'petitioner');
  await pet.goto(`${base}/room.html?token=${encodeURIComponent(r.json.token)}`);
  await pet.click('#notice-continue');
  await waitState(pet, 'waiting', 15000);
  await host.locator('#waiting-list .admit').click({ timeout: 15000 });
  check('the petitioner is admitted', await waitState(pet, 'admitted') === 'admitted');

  // The recorder's start line appears in the panel as it happens.
  const start = await waitFor(async () => (await shown(clerk)).find((e) => e.system && e.text.includes('录音录像开始')), 20000);
  check('the 【系统】 start line appears in the clerk\'s panel', !!start && start.text.startsWith('【系统】') &&
    STAMP.test(start.at), JSON.stringify(start));

  // Entry 1: a speaker from the roster, a quick phrase, Ctrl+Enter.
  const options = await clerk.locator('#notes-speaker option').allTextContents();
  check('the speaker list names the people by name and role', options.includes('张三（信访人）') &&
    options.includes('王检察官（检察官）') && options.includes('李书记员（书记员）') && !options.some((o) => /\bp\d/.test(o)),
    options.join(' | '));
  await clerk.selectOption('#notes-speaker', '张三（信访人）');
  await clerk.click('#notes .notes-quick button:has-text("陈述：")');
  await clerk.locator('#notes-text').press('End');
  await clerk.keyboard.type('不服不起诉决定，请求复查。');
  const t1 = Date.now();
  await clerk.locator('#notes-text').press('Control+Enter');
  const e1text = '张三（信访人）：陈述：不服不起诉决定，请求复查。';
  const e1 = await waitFor(async () => (await shown(clerk)).find((e) => e.text === e1text && !e.pending), 30000);
  check('entry 1 (speaker, quick phrase, Ctrl+Enter) is shown with its stamp and author', !!e1 && STAMP.test(e1.at) &&
    e1.who === '李书记员（书记员）', JSON.stringify(e1 || { shown: await shown(clerk), status: await status(clerk) }));
  console.log(`# entry 1 shown ${Date.now() - t1} ms after Ctrl+Enter`);
  check('the box is empty again after adding', await clerk.locator('#notes-text').inputValue() === '');

  // Entry 2: the button, another speaker; its POST is stored by the server
  // but the answer never reaches the page (as when a network drops at that
  // moment): the panel must find it, not send it again.
  await clerk.route('**/api/v1/hearings/*/notes', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    await route.fetch().catch(() => {});   // the server stores it
    return route.abort('connectionreset');   // the page hears nothing
  });
  await clerk.selectOption('#notes-speaker', '王检察官（检察官）');
  await clerk.click('#notes .notes-quick button:has-text("问：")');
  await clerk.locator('#notes-text').press('End');
  await clerk.keyboard.type('对不起诉决定有什么意见？');
  await clerk.click('#notes .notes-add');
  const e2text = '王检察官（检察官）：问：对不起诉决定有什么意见？';
  await sleep(1500);
  await clerk.unroute('**/api/v1/hearings/*/notes');
  const e2 = await waitFor(async () => (await shown(clerk)).find((e) => e.text === e2text && !e.pending), 20000);
  r = await api('GET', `/hearings/${hearing.id}/notes`, { token });
  const twice = (r.json.entries || []).filter((e) => e.text === e2text).length;
  check('an entry stored while its answer was lost is stored once and shown', !!e2 && twice === 1, `stored ${twice}×`);

  // The host reads the notes (no form); the petitioner sees no panel.
  await shot(host, 'host-folded-1366');
  await host.locator('#notes .notes-toggle').click({ timeout: 10000 });
  const hostSees = await waitFor(async () => (await shown(host)).some((e) => e.text === e2text));
  check('the host reads the clerk\'s entries, without an entry form', !!hostSees && await host.locator('#notes-text').count() === 0);
  check('the petitioner has no notes panel', !(await pet.locator('#notes').isVisible()));

  // Layout at 1366×768: the panel beside the tiles, covering none, nor the controls.
  await clerk.waitForFunction(() => [...document.querySelectorAll('#grid video')].length >= 3, null, { timeout: 15000 }).catch(() => {});
  for (const [label, page] of [['clerk', clerk], ['host', host]]) {
    const lay = await page.evaluate(() => {
      const r = (el) => el.getBoundingClientRect().toJSON();
      const panel = r(document.getElementById('notes'));
      const tiles = [...document.querySelectorAll('#grid .tile')].map(r);
      const over = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
      return { panel, tiles: tiles.length, covered: tiles.filter((t) => over(t, panel)).length,
        controls: over(r(document.getElementById('controls')), panel), width: innerWidth, height: innerHeight,
        scrollW: document.documentElement.scrollWidth };
    });
    check(`${label} at 1366×768: the notes panel is beside the tiles and covers neither them nor the controls`,
      lay.tiles === 3 && lay.covered === 0 && !lay.controls && lay.panel.right <= lay.width && lay.panel.bottom <= lay.height &&
      lay.panel.width > 300 && lay.scrollW <= lay.width, JSON.stringify(lay));
  }
  let fit = await fits(clerk);
  check('clerk at 1366×768: the whole form is inside the panel, with room for the entries', fit.ok, JSON.stringify(fit));
  await checkPanelPlain(clerk, 'clerk');
  await checkPanelPlain(host, 'host');
  const unlabelled = await clerk.evaluate(() => [...document.querySelectorAll('#notes input, #notes select, #notes textarea')]
    .filter((el) => !(el.labels && el.labels.length)).map((el) => el.id));
  check('every field of the panel has a label', !unlabelled.length, unlabelled.join(','));
  // Keyboard: from the speaker list, Tab reaches the quick phrases, the box and the button, each with a visible focus.
  await clerk.focus('#notes-speaker');
  const reached = [];
  for (let i = 0; i < 10; i++) {
    await clerk.keyboard.press('Tab');
    const f = await clerk.evaluate(() => {
      const a = document.activeElement;
      const cs = getComputedStyle(a);
      return { id: a.id || a.className, outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2 };
    });
    reached.push(f);
    if (f.id.includes('notes-add')) break;
  }
  check('Tab reaches the entry box and the add button, each with a visible focus',
    reached.some((f) => f.id === 'notes-text' && f.outline) && reached.some((f) => f.id.includes('notes-add') && f.outline),
    JSON.stringify(reached));
  await clerk.evaluate(() => document.activeElement.blur());
  await shot(clerk, 'clerk-1366');
  await shot(host, 'host-1366');
  await shot(pet, 'petitioner-390');

  // The server dies mid-hearing (SIGKILL); the clerk writes on.
  console.log(`# killing the server (pid ${server.pid})`);
  process.kill(server.pid, 'SIGKILL');
  await server.exited;
  await clerk.selectOption('#notes-speaker', '张三（信访人）');
  await clerk.click('#notes .notes-quick button:has-text("答：")');
  await clerk.locator('#notes-text').press('End');
  await clerk.keyboard.type('我要求重新审查，补充了新的证据。');
  const t3 = Date.now();
  await clerk.click('#notes .notes-add');
  const e3text = '张三（信访人）：答：我要求重新审查，补充了新的证据。';
  const held = await waitFor(async () => {
    const p = (await shown(clerk)).find((e) => e.text === e3text);
    const s = await status(clerk);
    return p && p.pending && s.includes('不会丢失') && { p, s };
  }, 15000);
  check('while the server is down the entry is kept, marked unsent, and the panel says it will be sent', !!held,
    JSON.stringify(held));
  await checkPanelPlain(clerk, 'clerk, server down');
  fit = await fits(clerk);
  check('clerk at 1366×768, server down: the whole form is inside the panel', fit.ok, JSON.stringify(fit));
  const inView = await clerk.evaluate(() => {
    const l = document.querySelector('#notes .notes-entries').getBoundingClientRect();
    const p = document.querySelector('#notes .notes-entries li.pending').getBoundingClientRect();
    return p.top >= l.top - 1 && p.bottom <= l.bottom + 1;
  });
  check('the unsent entry is in view at the end of the list', inView);
  await shot(clerk, 'clerk-offline-1366');
  await sleep(6000);   // down long enough that the time of sending is not the time of writing

  // The server comes back on the same data dir.
  const restartAt = Date.now();
  server = await startAt(port);
  const e3 = await waitFor(async () => (await shown(clerk)).find((e) => e.text === e3text && !e.pending), 30000);
  check('after the restart the entry written while it was down is shown as stored', !!e3 && STAMP.test(e3.at),
    JSON.stringify(e3));
  r = await api('POST', '/auth/login', { body: { username: 'pros', password: 'prosecutor-password-1' } });
  const token2 = r.json.token;
  r = await api('GET', `/hearings/${hearing.id}/notes`, { token: token2 });
  const stored = r.json.entries || [];
  const count = (txt) => stored.filter((e) => e.text === txt).length;
  check('after the restart every entry is stored exactly once', count(e1text) === 1 && count(e2text) === 1 &&
    count(e3text) === 1, JSON.stringify([count(e1text), count(e2text), count(e3text)]));
  const s3 = stored.find((e) => e.text === e3text);
  const s1 = stored.find((e) => e.text === e1text);
  check('an entry sent late carries the moment it was written, not the moment it was sent',
    s3 && Math.abs(s3.offset_ms - (t3 - startedAt)) < 3000 && (restartAt - startedAt) - s3.offset_ms > 4000,
    `offset ${s3 && s3.offset_ms} ms; written at ${t3 - startedAt}, restart at ${restartAt - startedAt}`);
  // The server's stamp is when the POST arrives: on a loaded machine that can lag the key press by a few seconds.
  check('an entry sent at once is stamped by the server at its moment', s1 && s1.offset_ms - (t1 - startedAt) > -2000 &&
    s1.offset_ms - (t1 - startedAt) < 8000,
    `offset ${s1 && s1.offset_ms} vs ${t1 - startedAt}`);
  check('the clerk\'s entries carry the clerk as author', [s1, s3].every((e) => e && e.author && e.author.name === '李书记员'));
  const panelNow = await waitFor(async () => {
    const list = await shown(clerk);
    return list.length >= stored.length && list.every((e) => !e.pending) && list;
  }, 15000);
  check('the panel shows every stored entry, the 【系统】 lines included', !!panelNow &&
    stored.every((s) => panelNow.some((e) => e.text === s.text)), `${panelNow && panelNow.length} shown, ${stored.length} stored`);
  const gap = await waitFor(async () => (await shown(clerk)).find((e) => e.system && /中断|恢复/.test(e.text)), 30000);
  check('the 【系统】 line about the interruption appears in the panel', !!gap, JSON.stringify(gap));
  check('the clerk is back in the room after the restart', await waitState(clerk, 'admitted', 30000) === 'admitted');
  await checkPanelPlain(clerk, 'clerk, after the restart');
  await shot(clerk, 'clerk-after-restart-1366');

  // A reload keeps a half-written draft and the chosen speaker.
  const speakers = await waitFor(async () => {
    const o = await clerk.locator('#notes-speaker option').allTextContents();
    return o.includes('王检察官（检察官）') && o;
  }, 15000);
  check('after the restart the speaker list still names everyone', !!speakers,
    JSON.stringify(await clerk.locator('#notes-speaker option').allTextContents()));
  await clerk.selectOption('#notes-speaker', '王检察官（检察官）');
  await clerk.fill('#notes-text', '问：还有什么补充？');
  await clerk.reload();
  const back = await waitFor(() => clerk.locator('#notes-text').isVisible(), 30000);
  const draft = back && { text: await clerk.locator('#notes-text').inputValue(), who: await clerk.locator('#notes-speaker').inputValue() };
  check('a reload keeps the draft and the speaker', !!draft && draft.text === '问：还有什么补充？' &&
    draft.who === '王检察官（检察官）', JSON.stringify(draft));
  r = await api('GET', `/hearings/${hearing.id}/notes`, { token: token2 });
  check('the draft was not sent', !(r.json.entries || []).some((e) => e.text.includes('还有什么补充')));

  // The phone: the panel, collapsible, does not break the page.
  await clerk.setViewportSize(PHONE);
  await sleep(500);
  const phone = await clerk.evaluate(() => ({ scrollW: document.documentElement.scrollWidth, w: innerWidth,
    panel: document.getElementById('notes').getBoundingClientRect().toJSON(),
    grid: document.getElementById('grid').getBoundingClientRect().toJSON() }));
  check('390×844: the page does not overflow sideways and the panel sits under the tiles',
    phone.scrollW <= phone.w && phone.panel.top >= phone.grid.bottom - 1 && phone.panel.width <= phone.w, JSON.stringify(phone));
  await shot(clerk, 'clerk-390-top');
  await clerk.locator('#notes').scrollIntoViewIfNeeded();
  await shot(clerk, 'clerk-390-panel');
  await clerk.locator('#notes .notes-toggle').click();
  const collapsed = await clerk.evaluate(() => ({ body: document.getElementById('notes-body').hidden,
    h: document.getElementById('notes').getBoundingClientRect().height, label: document.querySelector('#notes .notes-toggle').textContent }));
  check('390×844: the panel collapses to its heading', collapsed.body && collapsed.h < 120 && collapsed.label === '展开笔录',
    JSON.stringify(collapsed));
  await shot(clerk, 'clerk-390-collapsed');
  console.log(`# screenshots in ${shots} (kept with YF_E2E_KEEP=1)`);
} catch (e) {
  check('room notes test ran to the end', false, e.stack || String(e));
} finally {
  if (browser) await browser.close().catch(() => {});
  await wrapUp({ server, tmp, pageLog, serverLog });
}
finish('room_notes');

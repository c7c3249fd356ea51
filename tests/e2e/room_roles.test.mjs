// room_roles.test.mjs -- the hearing room for each role. The petitioner, on a
// phone (390×844): the invitation's device test comes back to the same
// invitation link; the waiting screen names the appointment time, the host and
// the case number while the hearing has not started; once admitted the
// prosecutor is large and they are small, name strips under the pictures, the
// controls at the bottom; the hearing bar shows the case number, the kind, the
// elapsed time (counting) and that it is recorded. The prosecutor, at
// 1366×768: 准许进入 and 移出 look different; a petitioner's room.end is
// refused and changes nothing; the host's 结束接访 asks first, then ends the
// hearing for everyone, and the store says it ended.
// Run by CTest with YF_SERVER_BIN and YF_WEB_DIR set; YF_E2E_KEEP=1 keeps the shots.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiRequest, browserTestPrerequisites, check, CHROMIUM, CHROMIUM_ARGS, finish, freePort, sleep, startServer,
  waitHealthy, wrapUp } from './lib.mjs';
import { makeProsecutor, pageLog, waitState } from './hearing.mjs';

const serverLog = [];
const { bin, webDir, chromium } = await browserTestPrerequisites();
const tmp = mkdtempSync(join(tmpdir(), 'yf-room-roles-'));
const shots = join(tmp, 'shots');
mkdirSync(shots, { recursive: true });
let server = null;
let browser = null;

async function newPage(base, label, viewport) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport, locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('console', (m) => { pageLog.push(`[${label}] ${m.type()}: ${m.text()}`); if (pageLog.length > 300) pageLog.shift(); });
  page.on('pageerror', (e) => pageLog.push(`[${label}] pageerror: ${e.message}`));
  return page;
}

const text = (page, sel) => page.locator(sel).textContent().then((s) => s.trim()).catch(() => '');
const box = (page, sel) => page.locator(sel).first().boundingBox().catch(() => null);

try {
  const port = await freePort();
  const base = `https://127.0.0.1:${port}`;
  const dataDir = join(tmp, 'data');
  makeProsecutor(bin, dataDir);
  server = startServer(bin, { dataDir, port, webDir, logPath: join(tmp, 'server.log'), log: serverLog });
  await waitHealthy(server, base);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
    args: [...CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required'] });

  // A case and an appointment whose hearing has not started yet.
  const api = (m, p, o) => apiRequest(port, m, p, o);
  let r = await api('POST', '/auth/login', { body: { username: 'pros', password: 'prosecutor-password-1' } });
  const token = r.json.token;
  r = await api('POST', '/cases', { token, body: { case_no: '京检控〔2024〕12号', type: 'appeal', channel: 'video',
    petitioner: '张三', contact: '13800000000', summary: '申诉：不服不起诉决定' } });
  const kase = r.json;
  const startsAt = new Date(Date.now() + 10 * 60 * 1000);
  r = await api('POST', `/cases/${kase.id}/appointments`, { token, body: { starts_at: startsAt.toISOString(),
    title: '视频接访', invitees: [{ name: '张三', role: 'petitioner', contact: '13800000000' }] } });
  if (r.status !== 201) throw new Error(`appointment: ${r.status} ${r.raw}`);
  const appt = r.json.appointment;
  const inv = r.json.invitations[0].token;

  // The petitioner's invitation link, the device test and back.
  const pet = await newPage(base, 'petitioner', { width: 390, height: 844 });
  const joinLink = `/join.html?t=${encodeURIComponent(inv)}`;
  await pet.goto(`${base}${joinLink}`);
  await pet.locator('#notice').waitFor({ state: 'visible', timeout: 15000 });
  await pet.click('#devtest');
  await pet.waitForURL(/devtest\.html/, { timeout: 10000 });
  const back = pet.locator('#back');
  check('the device test from an invitation offers 返回接访', await back.isVisible() &&
    (await back.textContent()).includes('返回接访'), await back.textContent().catch(() => ''));
  await pet.screenshot({ path: join(shots, 'devtest-back-390.png') });
  await back.click();
  await pet.waitForURL(/join\.html/, { timeout: 10000 });
  const u = new URL(pet.url());
  check('返回接访 returns to the same invitation link', u.pathname + u.search === joinLink, pet.url());
  // Another site, or another page, is never a way back.
  for (const bad of ['https://example.org/join.html?t=x', '//example.org/join.html', '/console/index.html',
    'javascript:alert(1)']) {
    const p = await newPage(base, 'devtest', { width: 390, height: 844 });
    await p.goto(`${base}/devtest.html?back=${encodeURIComponent(bad)}`);
    check(`devtest ignores back=${bad}`, !(await p.locator('#back').isVisible()));
    await p.context().close();
  }

  // The recording notice, then the waiting screen before the hearing starts.
  await pet.locator('#notice').waitFor({ state: 'visible', timeout: 15000 });
  await pet.click('#continue');
  await pet.waitForURL(/room\.html/, { timeout: 10000 });
  await waitState(pet, 'notStarted', 15000);
  await pet.locator('#waiting-facts').waitFor({ state: 'visible', timeout: 10000 }).catch(() => {});
  const facts = { time: await text(pet, '#wf-time'), host: await text(pet, '#wf-host'), kase: await text(pet, '#wf-case') };
  const cst = new Date(startsAt.getTime() + 8 * 3600 * 1000);
  const hhmm = `${cst.getUTCHours()}:${String(cst.getUTCMinutes()).padStart(2, '0')}`;
  check('the waiting screen shows the appointment time, the host and the case number',
    facts.time.includes(hhmm) && facts.host === '王检察官' && facts.kase === '京检控〔2024〕12号', JSON.stringify(facts));
  const wdt = await pet.locator('#waiting-devtest').getAttribute('href');
  check('the waiting screen offers the device test, coming back to the room', /devtest\.html\?back=.*room\.html/.test(wdt), wdt);
  await pet.screenshot({ path: join(shots, 'waiting-390.png') });

  // The prosecutor starts the hearing and enters at 1366×768.
  r = await api('POST', `/appointments/${appt.id}/hearings`, { token, body: {} });
  const hearing = r.json;
  r = await api('POST', `/appointments/${appt.id}/room-token`, { token, body: {} });
  const host = await newPage(base, 'host', { width: 1366, height: 768 });
  await host.goto(`${base}/room.html?token=${encodeURIComponent(r.json.token)}`);
  await host.click('#notice-continue');
  check('the host enters the room', await waitState(host, 'admitted') === 'admitted');
  check('the petitioner waits for admission once the hearing started', await waitState(pet, 'waiting', 15000) === 'waiting');
  const admitBtn = host.locator('#waiting-list .admit');
  await admitBtn.waitFor({ timeout: 15000 });
  const looks = await host.evaluate(() => {
    const s = (sel) => { const c = getComputedStyle(document.querySelector(sel)); return `${c.backgroundColor}|${c.color}`; };
    return { admit: s('#waiting-list .admit'), remove: s('#waiting-list .remove') };
  });
  check('准许进入 and 移出 look different', looks.admit.split('|')[0] !== looks.remove.split('|')[0] &&
    looks.admit !== looks.remove, JSON.stringify(looks));
  await host.screenshot({ path: join(shots, 'host-waiting-1366.png') });
  await admitBtn.click();
  check('the petitioner is admitted', await waitState(pet, 'admitted') === 'admitted');
  await sleep(2500);

  // The hearing bar, on both pages; the elapsed time counts.
  for (const [label, page] of [['petitioner', pet], ['host', host]]) {
    const bar = { kase: await text(page, '#hb-case'), kind: await text(page, '#hb-kind'),
      elapsed: await text(page, '#hb-elapsed'), rec: await text(page, '#hb-rec') };
    check(`${label}: the header shows the case number, the kind, the elapsed time and the recording`,
      bar.kase === '京检控〔2024〕12号' && bar.kind === '视频接访' && /^已进行 \d+分\d\d秒$/.test(bar.elapsed) &&
      bar.rec.includes('正在录音录像'), JSON.stringify(bar));
  }
  const e1 = await text(pet, '#hb-elapsed');
  await sleep(2200);
  const e2 = await text(pet, '#hb-elapsed');
  check('the elapsed time moves on', e1 !== e2, `${e1} -> ${e2}`);

  // The phone layout: the host large, oneself small, strips under pictures, controls at the bottom.
  await pet.waitForFunction(() => [...document.querySelectorAll('#grid video')].every((v) => v.videoWidth > 0),
    null, { timeout: 15000 }).catch(() => {});
  const layout = await pet.evaluate(() => {
    const g = document.getElementById('grid');
    const r = (el) => el && el.getBoundingClientRect().toJSON();
    const main = g.querySelector('.tile-main'), self = g.querySelector('.tile-self');
    return { layout: g.dataset.layout, main: r(main), self: r(self), mainRole: main && main.querySelector('.tile-role').textContent,
      mainVideo: r(main && main.querySelector('video')), mainCap: r(main && main.querySelector('.tile-cap')),
      controls: r(document.getElementById('controls')), end: !document.getElementById('end').hidden };
  });
  check('phone: the prosecutor is large and the petitioner small', layout.layout === 'focus' &&
    layout.mainRole === '承办检察官' && layout.main.width > 350 && layout.self.width < layout.main.width / 2,
    JSON.stringify(layout));
  check('phone: the name strip is under the picture, not over it', layout.mainCap.top >= layout.mainVideo.bottom - 1,
    JSON.stringify(layout));
  check('phone: the controls are at the bottom, within reach', layout.controls.bottom <= 844 && layout.controls.top > 844 - 120,
    JSON.stringify(layout.controls));
  check('the petitioner has no 结束接访', !layout.end);
  await pet.screenshot({ path: join(shots, 'room-petitioner-390.png') });
  await host.screenshot({ path: join(shots, 'room-host-1366.png') });

  // Someone who is not the host cannot end the hearing.
  const refused = await pet.evaluate(() => window.yfRoom.endHearing());
  check('room.end from the petitioner is refused (forbidden)', refused && refused.code === 'forbidden', JSON.stringify(refused));
  r = await api('GET', `/hearings/${hearing.id}`, { token });
  check('after the refusal the hearing still runs, the petitioner still in the room',
    r.json && !r.json.ended_at && await pet.evaluate(() => window.yfRoom.state) === 'admitted', JSON.stringify(r.json && r.json.ended_at));

  // The host ends it: a confirmation first, then everyone's page says so.
  await host.click('#end');
  await host.locator('#end-dialog').waitFor({ state: 'visible', timeout: 5000 });
  await host.screenshot({ path: join(shots, 'end-confirm-1366.png') });
  await host.click('#end-cancel');
  check('cancelling the confirmation ends nothing', await host.evaluate(() => window.yfRoom.state) === 'admitted' &&
    !(await host.locator('#end-dialog').isVisible()));
  await host.click('#end');
  await host.click('#end-confirm');
  for (const [label, page] of [['host', host], ['petitioner', pet]]) {
    const st = await waitState(page, 'ended', 10000);
    const said = await text(page, '#status');
    check(`${label}: the page shows the hearing ended`, st === 'ended' && said.includes('已经结束'), `${st}: ${said}`);
  }
  r = await api('GET', `/hearings/${hearing.id}`, { token });
  check('the store says the hearing ended', r.status === 200 && !!r.json.ended_at, JSON.stringify(r.json));
  await pet.screenshot({ path: join(shots, 'ended-petitioner-390.png') });
  console.log(`# screenshots in ${shots} (kept with YF_E2E_KEEP=1)`);
} catch (e) {
  check('room roles test ran to the end', false, e.stack || String(e));
} finally {
  if (browser) await browser.close().catch(() => {});
  await wrapUp({ server, tmp, pageLog, serverLog });
}
finish('room_roles');

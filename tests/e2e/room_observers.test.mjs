// room_observers.test.mjs -- a hearing followed by several observers (旁听),
// through the real server in one headless Chromium: the host (1366×768)
// sees the observers waiting and admits them all with one button; they then
// appear in the host's list of observers, not as tiles; each observer (a
// phone, 390×844) sees and hears the host, has no tile of their own and never
// learns who else is watching (the roster others get leaves observers out).
// Then the host opens the gallery (旁听席) with one button: a late observer
// comes straight in without waiting; closed again, the next one waits.
// Screenshots: host-observers-1366.png, observer-390.png,
// host-gallery-open-1366.png. Ends
// "room_observers: N passed, M failed"; exit 77 when a prerequisite is
// missing. YF_E2E_KEEP=1 keeps the temp dir.

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CHROMIUM, browserTestPrerequisites, CHROMIUM_ARGS as BASE_ARGS, check, finish, freePort, sleep,
  startServerReady, tempDirs, wrapUp } from './lib.mjs';

const CHROMIUM_ARGS = [...BASE_ARGS, '--autoplay-policy=no-user-gesture-required'];
const ROOM = 'observers-e2e';
const N_OBS = 3;
const DESK = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };
const serverLog = [];
const pageLog = [];

function mintToken(bin, dataDir, name, role, pid) {
  return execFileSync(bin, ['token', '--data-dir', dataDir, '--room', ROOM, '--name', name, '--role', role,
    '--ttl', '2h', '--participant', pid], { encoding: 'utf8' }).trim();
}

async function openRoom(browser, base, token, label, viewport) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport, deviceScaleFactor: 1, locale: 'zh-CN',
    isMobile: viewport === PHONE, hasTouch: viewport === PHONE });
  const page = await context.newPage();
  page.on('console', (m) => { pageLog.push(`[${label}] ${m.type()}: ${m.text()}`); if (pageLog.length > 200) pageLog.shift(); });
  page.on('dialog', (d) => d.accept().catch(() => {}));
  await page.goto(`${base}/room.html?token=${encodeURIComponent(token)}`);
  await page.click('#notice-continue');
  return { context, page, label };
}

async function waitState(page, want, timeoutMs = 20000) {
  await page.waitForFunction((w) => window.yfRoom && window.yfRoom.state === w, want, { timeout: timeoutMs, polling: 200 })
    .catch(() => {});
  return page.evaluate(() => window.yfRoom && window.yfRoom.state).catch(() => null);
}

async function decodes(page, id, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const s = await page.evaluate(() => window.yfRoom.stats()).catch(() => null);
    const p = s && s.participants[id];
    if (p && p.framesDecoded > 30 && p.audioPacketsReceived > 0) return true;
    await sleep(500);
  }
  return false;
}

async function scenario(browser, base, tokens, tmp) {
  const host = await openRoom(browser, base, tokens.host, 'host', DESK);
  if (!check('the host enters directly', await waitState(host.page, 'admitted') === 'admitted')) return;
  const hostId = await host.page.evaluate(() => window.yfRoom.self.id);
  const obs = [];
  for (let i = 0; i < N_OBS; i++) obs.push(await openRoom(browser, base, tokens.obs[i], `observer ${i + 1}`, PHONE));
  for (const o of obs) check(`${o.label} waits`, await waitState(o.page, 'waiting') === 'waiting');

  const button = host.page.locator('#admit-observers');
  await host.page.waitForFunction((n) => {
    const b = document.getElementById('admit-observers');
    return b && !b.hidden && b.textContent.includes(String(n));
  }, N_OBS, { timeout: 10000, polling: 200 }).catch(() => {});
  const label = await button.textContent().catch(() => '');
  check('the host is offered to admit all the observers at once', label === `准许全部 ${N_OBS} 名旁听人员进入`, label);
  await button.focus();
  const focused = await host.page.evaluate(() => document.activeElement && document.activeElement.id);
  check('that button takes the keyboard focus', focused === 'admit-observers', focused);
  await host.page.keyboard.press('Enter');
  for (const o of obs) check(`${o.label} is admitted`, await waitState(o.page, 'admitted') === 'admitted');

  await host.page.waitForFunction((n) => document.querySelectorAll('#observer-list li').length === n, N_OBS,
    { timeout: 10000, polling: 200 }).catch(() => {});
  const hostView = await host.page.evaluate(() => ({
    summary: document.getElementById('observers-summary').textContent,
    listed: document.querySelectorAll('#observer-list li').length,
    tiles: [...document.querySelectorAll('#grid .tile')].map((x) => x.dataset.participant),
    admitHidden: document.getElementById('admit-observers').hidden,
  }));
  check('the host lists the observers under the waiting room', hostView.summary === `旁听人员 ${N_OBS} 人` &&
    hostView.listed === N_OBS, JSON.stringify(hostView));
  check('the host has no tiles for observers', hostView.tiles.length === 1 && hostView.tiles[0] === hostId,
    JSON.stringify(hostView.tiles));
  check('the admit-all button is gone once nobody waits', hostView.admitHidden);

  for (const o of obs) {
    check(`${o.label} sees and hears the host`, await decodes(o.page, hostId, 40000));
    const seen = await o.page.evaluate(() => ({ ids: window.yfRoom.participants.map((p) => p.role),
      tiles: document.querySelectorAll('#grid .tile').length, self: window.yfRoom.self.id }));
    check(`${o.label} is told of the host only, and has no tile of their own`,
      seen.ids.length === 1 && seen.ids[0] === 'prosecutor' && seen.tiles === 1, JSON.stringify(seen));
  }
  await host.page.evaluate(() => { document.getElementById('observers').open = true; });
  await host.page.screenshot({ path: join(tmp, 'host-observers-1366.png') });
  await obs[0].page.screenshot({ path: join(tmp, 'observer-390.png') });
  const box = await obs[0].page.locator('#grid .tile').boundingBox().catch(() => null);
  check('the observer\'s phone shows the host\'s picture within the screen width', box && box.width > 200 &&
    box.x >= 0 && box.x + box.width <= PHONE.width + 1, JSON.stringify(box));

  // The gallery: open, a latecomer comes straight in; closed, the next waits.
  const galleryText = () => host.page.evaluate(() => ({
    shown: !document.getElementById('gallery').hidden,
    state: document.getElementById('gallery-state').textContent,
    button: document.getElementById('gallery-toggle').textContent,
  }));
  let g = await galleryText();
  check('the host is told the gallery is closed and offered to open it', g.shown &&
    g.state.startsWith('旁听席未开放') && g.button === '开放旁听席', JSON.stringify(g));
  await host.page.click('#gallery-toggle');
  await host.page.waitForFunction(() => document.getElementById('gallery').dataset.open === 'true',
    null, { timeout: 10000, polling: 200 }).catch(() => {});
  g = await galleryText();
  check('once opened, the host reads that observers come in as they arrive', g.state.startsWith('旁听席已开放') &&
    g.button === '关闭旁听席', JSON.stringify(g));
  const late = await openRoom(browser, base, tokens.late[0], 'late observer', PHONE);
  check('a latecomer comes straight in while the gallery is open', await waitState(late.page, 'admitted') === 'admitted');
  const entered = serverLog.filter((l) => /\(observer\) joined, /.test(l)).pop() || '';
  check('... without waiting: the server admitted them on arrival', /joined, admitted \(the gallery is open\)/.test(entered),
    entered);
  check('the latecomer sees and hears the host', await decodes(late.page, hostId, 40000));
  await host.page.waitForFunction((n) => document.querySelectorAll('#observer-list li').length === n, N_OBS + 1,
    { timeout: 10000, polling: 200 }).catch(() => {});
  check('the host lists the latecomer among the observers',
    await host.page.evaluate(() => document.querySelectorAll('#observer-list li').length) === N_OBS + 1);
  await host.page.screenshot({ path: join(tmp, 'host-gallery-open-1366.png') });
  await host.page.click('#gallery-toggle');
  await host.page.waitForFunction(() => document.getElementById('gallery').dataset.open === 'false',
    null, { timeout: 10000, polling: 200 }).catch(() => {});
  const next = await openRoom(browser, base, tokens.late[1], 'next observer', PHONE);
  check('closed again, the next observer waits', await waitState(next.page, 'waiting') === 'waiting');
  await host.page.waitForFunction(() => [...document.querySelectorAll('#waiting-list li')].length === 1,
    null, { timeout: 10000, polling: 200 }).catch(() => {});
  check('... in the host\'s waiting list', await host.page.evaluate(() =>
    document.querySelectorAll('#waiting-list li').length) === 1);

  for (const x of [host, ...obs, late, next]) await x.context.close().catch(() => {});
}

async function main() {
  const { bin, webDir, chromium } = await browserTestPrerequisites();
  const { tmp, dataDir } = tempDirs('yf-e2e-observers-');
  let server = null;
  let browser = null;
  try {
    const tokens = { host: mintToken(bin, dataDir, '王检察官', 'prosecutor', 'cli:host'), obs: [] };
    for (let i = 0; i < N_OBS; i++) tokens.obs.push(mintToken(bin, dataDir, `旁听人${i + 1}`, 'observer', `cli:obs${i + 1}`));
    tokens.late = [mintToken(bin, dataDir, '迟到旁听人', 'observer', 'cli:late1'),
      mintToken(bin, dataDir, '后来旁听人', 'observer', 'cli:late2')];
    const port = await freePort();
    server = await startServerReady(bin, { dataDir, port, webDir, logPath: join(tmp, 'server.log'), log: serverLog });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    await scenario(browser, `https://127.0.0.1:${port}`, tokens, tmp);
    check('server is still running', !server.exitInfo, JSON.stringify(server.exitInfo));
  } catch (e) {
    check('test ran to the end', false, e.stack || e.message);
  } finally {
    if (browser) await browser.close().catch(() => {});
    await wrapUp({ server, tmp, pageLog, serverLog });
  }
}

await main();
finish('room_observers');

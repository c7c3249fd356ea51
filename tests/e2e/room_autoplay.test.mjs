// room_autoplay.test.mjs -- a browser that will not start a video with sound
// by itself (WeChat's built-in browser, iOS Safari; here Chromium with
// --autoplay-policy=document-user-activation-required, before any tap): the
// room's grid (web/js/grid.js) shows one large 点击这里，开始播放画面和声音
// button over the tiles instead of a still, silent picture, and one tap plays
// every tile. The grid is driven on the real room page with a stream made in
// the page (a canvas and an oscillator), so no hearing is needed.
// Run by CTest with YF_SERVER_BIN and YF_WEB_DIR set; YF_E2E_KEEP=1 keeps the shots.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { browserTestPrerequisites, check, CHROMIUM, CHROMIUM_ARGS, finish, freePort, startServerReady,
  wrapUp } from './lib.mjs';

const serverLog = [];
const pageLog = [];
const { bin, webDir, chromium } = await browserTestPrerequisites();
const tmp = mkdtempSync(join(tmpdir(), 'yf-autoplay-'));
const shots = join(tmp, 'shots');
mkdirSync(shots, { recursive: true });
let server = null;
let browser = null;

try {
  const port = await freePort();
  const base = `https://127.0.0.1:${port}`;
  server = await startServerReady(bin, { dataDir: join(tmp, 'data'), port, webDir,
    logPath: join(tmp, 'server.log'), log: serverLog });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
    args: [...CHROMIUM_ARGS, '--autoplay-policy=document-user-activation-required'] });
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 390, height: 844 },
    locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('console', (m) => pageLog.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => pageLog.push(`pageerror: ${e.message}`));
  // The room page without a token shows its own message; the grid is shown
  // and filled here as room.js does once a participant is admitted. This runs
  // as an init script and reports on the console: anything the test evaluates
  // in the page counts as a user gesture and would let the video start.
  const events = [];
  page.on('console', (m) => { if (m.text().startsWith('yf-test ')) events.push(m.text().slice(8)); });
  await page.addInitScript(() => {
    addEventListener('DOMContentLoaded', async () => {
      const { Grid } = await import('/js/grid.js');
      document.getElementById('room').dataset.screen = 'room';
      const grid = new Grid(document.getElementById('grid'), { mute() {}, remove() {} });
      grid.selfId = 'me';
      grid.update([{ id: 'me', name: '张三', role: 'petitioner' }, { id: 'p1', name: '王检察官', role: 'prosecutor' }]);
      const canvas = Object.assign(document.createElement('canvas'), { width: 160, height: 120 });
      const g = canvas.getContext('2d');
      setInterval(() => { g.fillStyle = `hsl(${Date.now() / 10 % 360} 70% 50%)`; g.fillRect(0, 0, 160, 120); }, 50);
      const audio = new AudioContext();
      const osc = audio.createOscillator();
      const dest = audio.createMediaStreamDestination();
      osc.connect(dest);
      osc.start();
      const stream = new MediaStream([...canvas.captureStream(20).getVideoTracks(), ...dest.stream.getAudioTracks()]);
      const video = document.querySelector('[data-participant="p1"] video');
      video.addEventListener('playing', () => console.log(`yf-test playing muted=${video.muted}`));
      grid.attach('p1', stream);
      setTimeout(() => console.log(`yf-test after 2s paused=${video.paused} button=${!!document.querySelector('#grid .tap-play')}`), 2000);
    });
  });
  await page.goto(`${base}/room.html`);
  const t0 = Date.now();
  while (!events.some((e) => e.startsWith('after 2s')) && Date.now() - t0 < 15000) await new Promise((r) => setTimeout(r, 100));
  const button = page.locator('#grid .tap-play');
  check('a video the browser will not start shows one large button to tap',
    events.includes('after 2s paused=true button=true'), events.join(' | '));
  check('the button says what to do, in Chinese', (await button.textContent().catch(() => '')) ===
    '点击这里，开始播放画面和声音');
  const b = await button.boundingBox().catch(() => null);
  check('the button is large enough for a thumb and inside the screen',
    b && b.height >= 44 && b.x >= 0 && b.x + b.width <= 390, JSON.stringify(b));
  await page.screenshot({ path: join(shots, 'tap-to-play-390.png') });
  await button.click();
  const t1 = Date.now();
  while (!events.some((e) => e.startsWith('playing')) && Date.now() - t1 < 10000) await new Promise((r) => setTimeout(r, 100));
  check('one tap plays the tile, with its sound', events.includes('playing muted=false'), events.join(' | '));
  check('the button is gone after the tap', await button.count() === 0);
} catch (e) {
  check('test ran to the end', false, e.stack || e.message);
} finally {
  if (browser) await browser.close().catch(() => {});
  await wrapUp({ server, tmp, pageLog, serverLog });
}
finish('room_autoplay');

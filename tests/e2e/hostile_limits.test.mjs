// hostile_limits.test.mjs -- the limits per client address against the real
// server (docs/api.md "Limits", docs/protocol.md "Limits"): the connection
// after [server] max_connections_per_address from one address is closed at
// once while another address (127.0.0.2: loopback covers 127.0.0.0/8) is
// served, and a closed connection gives its place back; the websocket after
// max_websockets_per_address gets close 1013 with a reason; device tests
// need no credential, so they are capped per address and in total (a share
// of [media] max_sessions) while a hearing room still gets its media; the
// device-test page says so in Chinese (screenshots at 390x844 and
// 1366x768), and tests again once a place is free. Refusals are logged,
// rate-limited. YF_E2E_KEEP=1 keeps the temp dir with the screenshots.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { CHROMIUM, CHROMIUM_ARGS, browserTestPrerequisites, check, finish, freePort, sleep, startServerReady,
  tempDirs, wrapUp } from './lib.mjs';
import { wsConnect } from './wsraw.mjs';

const CONNS = 8, WEBSOCKETS = 4, DEVTEST_PER_ADDRESS = 2, MAX_SESSIONS = 12;   // share 25 %: 3 device tests
const { bin, webDir, chromium } = await browserTestPrerequisites();
const sdpDir = path.join(process.env.YF_SOURCE_DIR || path.join(webDir, '..'), 'tests', 'data', 'sdp');
const offer = fs.readFileSync(path.join(sdpDir, 'chrome_av.sdp'), 'utf8');
const { tmp, dataDir } = tempDirs('yf-hostile-limits-');
const serverLog = [], pageLog = [];
let server = null, port = 0, context = null;

/** A TLS connection from localAddress: {ok, sock} once the handshake is done, {ok:false, why} if refused. */
function tlsOpen(localAddress) {
  return new Promise((resolve) => {
    const sock = tls.connect({ host: '127.0.0.1', port, localAddress, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] },
      () => resolve({ ok: true, sock }));
    sock.on('error', (e) => resolve({ ok: false, why: e.code || e.message }));
    sock.on('close', () => resolve({ ok: false, why: 'closed' }));
  });
}

/** GET /healthz from localAddress: the status, or the error's code. */
function healthz(localAddress) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const req = https.get({ host: '127.0.0.1', port, path: '/healthz', localAddress, rejectUnauthorized: false, agent: false, timeout: 5000 },
      (res) => { res.resume(); res.on('end', () => resolve({ status: res.statusCode, ms: Date.now() - t0 })); });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: e.code || e.message, ms: Date.now() - t0 }));
  });
}

/** A signaling session after hello, from localAddress (or {refused}). */
async function session(localAddress) {
  const c = await wsConnect(port, { localAddress });
  if (c.refused) return c;
  c.send({ v: 1, id: 1, type: 'hello', client: 'hostile-limits' });
  const r = await c.reply(1);
  return r && r.ok ? c : { refused: `hello: ${JSON.stringify(r)}`, closed: c.closed };
}

/** echo.offer on a session; the reply. */
async function deviceTest(c, id = 2) {
  c.send({ v: 1, id, type: 'echo.offer', sdp: offer });
  return c.reply(id, 10000);
}

const logCount = (re) => serverLog.filter((l) => re.test(l)).length;

async function connections() {
  https.globalAgent.destroy();   // the start's /healthz left a kept-alive connection: closed, so the count starts at 0
  await sleep(300);
  const held = [];
  for (let i = 0; i < CONNS; i++) held.push(await tlsOpen('127.0.0.1'));
  check(`${CONNS} connections from 127.0.0.1 are served`, held.every((c) => c.ok), held.map((c) => c.ok || c.why).join(','));
  const extra = await tlsOpen('127.0.0.1');
  check(`connection ${CONNS + 1} from 127.0.0.1 is refused at once`, !extra.ok, extra.ok ? 'served' : extra.why);
  const other = await healthz('127.0.0.2');
  check('127.0.0.2 is still served meanwhile (/healthz 200)', other.status === 200, `${other.status} in ${other.ms} ms`);
  for (let i = 0; i < 30; i++) await tlsOpen('127.0.0.1');
  await sleep(200);
  const lines = logCount(/refused a connection: its address already holds/);
  check('the refusals are logged, at most one line per 10 s', lines >= 1 && lines <= 2, `${lines} lines for 31 refusals`);
  check('the log line names no address (personal data)', !serverLog.some((l) => /WARN.*refused a connection.*127\.0\.0\.1/.test(l)));
  held[0].sock.destroy();
  await sleep(300);
  const again = await healthz('127.0.0.1');
  check('a closed connection gives its place back (/healthz from 127.0.0.1 is 200)', again.status === 200, `${again.status}`);
  for (const c of held) if (c.ok) c.sock.destroy();
  await sleep(300);
}

async function websockets() {
  const ws = [];
  for (let i = 0; i < WEBSOCKETS; i++) ws.push(await session('127.0.0.1'));
  check(`${WEBSOCKETS} signaling sessions from 127.0.0.1 are served`, ws.every((c) => !c.refused), ws.map((c) => c.refused || 'ok').join(','));
  const extra = await wsConnect(port, { localAddress: '127.0.0.1' });
  const end = extra.refused ? { code: null, reason: extra.refused } : await Promise.race([extra.closed, sleep(5000).then(() => ({ code: 'open' }))]);
  check(`websocket ${WEBSOCKETS + 1} from 127.0.0.1 is closed with 1013 and a reason`,
    end.code === 1013 && /too many connections/.test(end.reason), JSON.stringify(end));
  const other = await session('127.0.0.2');
  check('127.0.0.2 still gets a signaling session', !other.refused, other.refused);
  check('the refusal is logged', logCount(/refused: its address already holds \d+ websockets/) >= 1);
  // The room page from that address meanwhile: it says the server cannot
  // take another connection from its network (not that its network is
  // down), keeps trying, and enters once places come back.
  const room = await context.newPage();
  room.on('console', (m) => pageLog.push(`[room] ${m.type()}: ${m.text()}`));
  await room.setViewportSize({ width: 390, height: 844 });
  await room.goto(`https://127.0.0.1:${port}/room.html?token=${encodeURIComponent(roomToken('limits-busy', '张三', 'petitioner'))}`);
  await room.click('#notice-continue');
  const said = await room.waitForFunction(() => /连接的人太多/.test(document.querySelector('#status').textContent), null,
    { timeout: 20000, polling: 250 }).then(() => true).catch(() => false);
  const status = (await room.textContent('#status')).trim();
  check('the room page from that address says its network holds too many connections and that it keeps trying',
    said && /正在自动重试/.test(status) && !/网络中断/.test(status), status);
  await room.screenshot({ path: path.join(tmp, 'room-busy-phone.png') });
  for (const c of [...ws, other]) if (!c.refused) c.close();
  await sleep(500);
  const entered = await room.waitForFunction(() => window.yfRoom && window.yfRoom.state === 'waiting', null,
    { timeout: 30000, polling: 250 }).then(() => true).catch(() => false);
  check('once places come back, the room page gets in by itself (waits to be admitted)', entered,
    await room.evaluate(() => window.yfRoom && window.yfRoom.state).catch(() => '?'));
  await room.close();
  await sleep(800);
  const back = await session('127.0.0.1');
  check('closed sessions give their places back', !back.refused, back.refused);
  if (!back.refused) back.close();
}

/** Room token for a room outside any appointment, from the command line. */
function roomToken(room, name, role) {
  const r = spawnSync(bin, ['token', '--data-dir', dataDir, '--room', room, '--name', name, '--role', role], { encoding: 'utf8' });
  return r.stdout.trim();
}

async function deviceTests() {
  const mine = [await session('127.0.0.1'), await session('127.0.0.1'), await session('127.0.0.1')];
  const r1 = await deviceTest(mine[0]), r2 = await deviceTest(mine[1]), r3 = await deviceTest(mine[2]);
  check(`${DEVTEST_PER_ADDRESS} device tests from 127.0.0.1 start`, r1 && r1.ok && r2 && r2.ok, `${JSON.stringify(r1).slice(0, 80)} ${JSON.stringify(r2).slice(0, 80)}`);
  check('the next from 127.0.0.1 gets busy: too many from your network', r3 && !r3.ok && r3.error.code === 'busy' &&
    /from your network/.test(r3.error.message), JSON.stringify(r3));
  const b = await session('127.0.0.2');
  const rb = await deviceTest(b);
  check('one from 127.0.0.2 starts (3 of 3 device tests now)', rb && rb.ok, JSON.stringify(rb).slice(0, 120));
  const c = await session('127.0.0.3');
  const rc = await deviceTest(c);
  check('one from 127.0.0.3 gets busy: the device tests\' share is used up', rc && !rc.ok && rc.error.code === 'busy' &&
    /device tests at once/.test(rc.error.message), JSON.stringify(rc));
  check('the refusals are logged', logCount(/refused a device test/) >= 1);

  // A hearing still has room: the rest of the media sessions is theirs.
  const clerk = await session('127.0.0.3');
  clerk.send({ v: 1, id: 5, type: 'room.join', token: roomToken('limits-room', '书记员', 'clerk') });
  const j = await clerk.reply(5);
  check('a hearing participant still enters the media while device tests are at their cap',
    j && j.ok && j.result.state === 'admitted', JSON.stringify(j).slice(0, 200));

  // The device-test page from 127.0.0.1 (still holding its 2), on a phone and a desk.
  const page = context.pages()[0] || await context.newPage();
  page.on('console', (m) => pageLog.push(`${m.type()}: ${m.text()}`));
  for (const [w, h, name] of [[390, 844, 'phone'], [1366, 768, 'desk']]) {
    await page.setViewportSize({ width: w, height: h });
    await page.goto(`https://127.0.0.1:${port}/devtest.html`);
    await page.click('#start');
    await page.waitForFunction(() => ['done', 'failed'].includes(window.yfDevtest.state) ||
      document.querySelector('#verdict-network').dataset.status === 'bad', null, { timeout: 20000, polling: 250 }).catch(() => {});
    const net = (await page.textContent('#verdict-network .verdict-value')).trim();
    const status = (await page.textContent('#status')).trim();
    check(`the device-test page (${w}x${h}) says at the top, in Chinese, that many people are testing`,
      /设备检测的人较多/.test(status), status);
    check('… and under 网络 what to do', /设备检测的人较多.*重新检测/.test(net), net);
    const mic = (await page.textContent('#verdict-microphone .verdict-value')).trim();
    check('… and does not blame the microphone for a test that did not run', !/没有听到声音/.test(mic), mic);
    const shot = path.join(tmp, `devtest-busy-${name}.png`);
    await page.screenshot({ path: shot });
    await page.locator('#verdict-network').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(tmp, `devtest-busy-${name}-verdict.png`) });
    console.log(`# screenshots: ${shot} and -verdict.png`);
  }

  // Places come back: the page tests again and its media flows.
  for (const s of [...mine, b, c]) if (!s.refused) s.close();
  await sleep(800);
  await page.click('#retry');
  await page.waitForFunction(() => window.yfDevtest.state === 'done', null, { timeout: 30000, polling: 250 }).catch(() => {});
  const net = (await page.textContent('#verdict-network .verdict-value')).trim();
  check('once the other device tests end, the page tests again and the network is fine (正常：直接连接)', net === '正常：直接连接到服务器。', net);
  clerk.close();
}

try {
  port = await freePort();
  const ini = path.join(tmp, 'limits.ini');
  // HTTP/2 on: the browser's websockets are then streams of one connection,
  // the case where the websocket limit is a limit of its own.
  fs.writeFileSync(ini, `[server]\nhttp2 = true\nmax_connections_per_address = ${CONNS}\nmax_websockets_per_address = ${WEBSOCKETS}\n` +
    `[media]\nmax_sessions = ${MAX_SESSIONS}\ndevtest_share = 25\ndevtest_per_address = ${DEVTEST_PER_ADDRESS}\n`);
  server = await startServerReady(bin, { dataDir, port, webDir, logPath: path.join(tmp, 'server.log'), log: serverLog,
    extra: ['--config', ini], logLevel: 'info' });
  context = await chromium.launchPersistentContext(path.join(tmp, 'chromium'), {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, ignoreHTTPSErrors: true, locale: 'zh-CN',
  });
  await connections();
  await websockets();
  await deviceTests();
  check('the server is still running', !server.exitInfo, JSON.stringify(server.exitInfo));
  // The browser spoke HTTP/2 (its websockets are streams of one connection):
  // once it is gone, every place is free again, none counted twice or lost.
  await context.close();
  context = null;
  await sleep(500);
  const again = [];
  for (let i = 0; i < CONNS; i++) again.push(await tlsOpen('127.0.0.1'));
  check(`after the browser left, ${CONNS} connections from 127.0.0.1 are served again (no place lost)`,
    again.every((c) => c.ok), again.map((c) => c.ok || c.why).join(','));
  const over = await tlsOpen('127.0.0.1');
  check(`… and connection ${CONNS + 1} is still refused (none counted twice)`, !over.ok, over.ok ? 'served' : over.why);
  again.forEach((c) => c.ok && c.sock.destroy());
} catch (e) {
  check('no exception', false, e.stack);
} finally {
  if (context) await context.close().catch(() => {});
  await wrapUp({ server, tmp, pageLog, serverLog });
}
finish('hostile_limits');

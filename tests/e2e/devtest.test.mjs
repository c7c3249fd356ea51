// devtest.test.mjs -- end-to-end test of the device-test page: real headless
// Chromium (fake camera and microphone) through the real yuanfang server's echo.
// Run by CTest as `node tests/e2e/devtest.test.mjs` with YF_SERVER_BIN, YF_WEB_DIR
// and YF_SOURCE_DIR set; needs `npm ci` in tests/e2e (playwright-core) and
// /usr/bin/chromium. Prints one line per check, ends "devtest: N passed, M failed",
// exits non-zero on any failure (77 when a prerequisite is missing).
// YF_E2E_KEEP=1 keeps the temp dir (screenshots, server log); YF_CHROMIUM overrides the browser.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM, browserTestPrerequisites, CHROMIUM_ARGS as BASE_ARGS, check, finish, freePort, httpsGetJson, sleep, startServer, stopServer, waitHealthy, wrapUp } from './lib.mjs';

const CHROMIUM_ARGS = [...BASE_ARGS];
const PHONE = { width: 360, height: 740 };
const MEDIA_TIMEOUT_MS = 20000;

const serverLog = [];   // the server's output lines, the last few hundred
const pageLog = [];     // the page's console, for failures

// ---- page helpers ----------------------------------------------------------------

const stats = (page) => page.evaluate(() => window.yfDevtest.stats());

/** Polls stats until pred(stats) or timeout; returns the last stats. */
async function waitStats(page, pred, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let s = null;
  while (Date.now() < deadline) {
    s = await stats(page).catch(() => null);
    if (s && pred(s)) return s;
    await sleep(500);
  }
  return s;
}

const flowing = (s) => s.videoFramesDecoded > 30 && s.audioPacketsReceived > 50;
const brief = (s) => (s ? `framesDecoded=${s.videoFramesDecoded} audioPackets=${s.audioPacketsReceived} ` +
  `pc=${s.connectionState} dtls=${s.dtlsState} srtp=${s.srtpCipher} rtt=${s.rtt}` : 'no stats');

async function waitVerdict(page, timeoutMs) {
  await page.waitForFunction(() => ['done', 'failed'].includes(window.yfDevtest.state), null,
    { timeout: timeoutMs, polling: 250 }).catch(() => {});
  return page.evaluate(() => {
    const read = (k) => document.querySelector(`#verdict-${k} .verdict-value`).textContent.trim();
    return { state: window.yfDevtest.state, camera: read('camera'), microphone: read('microphone'), network: read('network') };
  });
}

/** Runs each raw websocket message through /ws in the page; returns {openMs, replies}. */
function rawExchange(page, messages) {
  return page.evaluate(async (msgs) => {
    const t0 = performance.now();
    const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/ws`, 'yuanfang.v1');
    const inbox = [];
    let wake = null;
    let closed = null;
    ws.onmessage = (e) => { inbox.push(e.data); if (wake) wake(); };
    ws.onclose = (e) => { closed = `closed ${e.code}`; if (wake) wake(); };
    await new Promise((ok, bad) => { ws.onopen = ok; ws.onerror = () => bad(new Error('websocket error')); });
    const openMs = Math.round(performance.now() - t0);
    const nextReply = async () => {
      const deadline = Date.now() + 5000;
      for (;;) {
        while (inbox.length) {
          const text = inbox.shift();
          let m; try { m = JSON.parse(text); } catch { return { unparsable: text }; }
          if (m.type === 'reply') return m;
        }
        if (closed) return { closed };
        const left = deadline - Date.now();
        if (left <= 0) return { timeout: true };
        await new Promise((r) => { wake = r; setTimeout(r, left); });
        wake = null;
      }
    };
    const replies = [];
    for (const m of msgs) {
      if (closed) { replies.push({ closed }); continue; }
      ws.send(m);
      replies.push(await nextReply());
    }
    ws.close();
    return { openMs, replies };
  }, messages);
}

// ---- scenarios -----------------------------------------------------------------

async function scenarioEcho(page, base, tmp) {
  page.on('console', (m) => pageLog.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => pageLog.push(`pageerror: ${e.message}`));
  await page.goto(`${base}/devtest.html`);
  const start = page.locator('#start');
  if (await start.isVisible()) await start.click();

  const s = await waitStats(page, flowing, MEDIA_TIMEOUT_MS);
  check('media comes back through the server (framesDecoded > 30, audio packets > 50)', s && flowing(s), brief(s));
  // Chromium 156 reports the IANA profile name, SRTP_AEAD_AES_128_GCM; older ones AEAD_AES_128_GCM.
  check('SRTP cipher is AEAD_AES_128_GCM', s && /^(SRTP_)?AEAD_AES_128_GCM$/.test(s.srtpCipher || ''),
    `srtpCipher=${s && s.srtpCipher} dtlsState=${s && s.dtlsState}`);

  const v = await waitVerdict(page, 15000);
  for (const [k, name] of [['camera', '摄像头'], ['microphone', '麦克风'], ['network', '网络']]) {
    // The network says how it connected: straight to the server here.
    const want = k === 'network' ? '正常：直接连接到服务器。' : '正常';
    check(`verdict ${name} ${want}`, v[k] === want, `state=${v.state} ${name}=${v[k]}`);
  }
  const shot = join(tmp, 'devtest-phone.png');
  await page.screenshot({ path: shot });
  await page.screenshot({ path: join(tmp, 'devtest-phone-full.png'), fullPage: true });
  console.log(`# screenshot (${PHONE.width}x${PHONE.height}): ${shot}`);
}

const BAD_INPUT = [
  // [raw message, expected error code, what it is]
  ['{"v":1,"id":"a1","type":"echo.offer","sdp":"v=0"}', 'not_ready', 'a request before hello'],
  ['this is not json', 'bad_json', 'non-JSON'],
  ['{"v":1,"id":"h","type":"hello","client":"e2e-bad-input \\u001b[31mred\\u001b[0m"}', null, 'hello (a client string with escape sequences)'],
  ['{"v":1,"id":"u","type":"no.such.thing"}', 'unknown_type', 'an unknown type'],
  ['{"v":1,"id":"f","type":"x\\n2026-01-01T00:00:00.000Z INFO  yuanfang: FORGED-LOG-LINE"}', 'unknown_type',
    'a type with a newline and a forged log line in it'],
  ['{"v":2,"id":"v2","type":"hello"}', 'unsupported_version', 'protocol version 2'],
  ['{"v":1,"id":"e1","type":"echo.offer"}', 'bad_request', 'echo.offer without sdp'],
  ['{"v":1,"id":"e2","type":"echo.offer","sdp":"this is not an SDP\\r\\nm=garbage\\r\\n"}', 'bad_sdp', 'echo.offer with garbage sdp'],
  ['{"v":1,"id":"e3","type":"echo.offer","sdp":42}', 'bad_request', 'echo.offer with a number for sdp'],
  [`{"v":1,"id":"big","type":"hello","client":"${'x'.repeat(70 * 1024)}"}`, 'too_large', 'a 70 KiB message'],
];

async function scenarioBadInput(context, page, base) {
  const before = await stats(page).catch(() => null);
  const raw = await context.newPage();
  await raw.goto(`${base}/index.html`);
  const { openMs, replies } = await rawExchange(raw, BAD_INPUT.map((b) => b[0]))
    .catch((e) => ({ openMs: null, replies: [{ error: e.message }] }));
  // A petitioner waits for this on every visit: Chromium tries WebSocket over HTTP/2
  // (RFC 8441) first when the server speaks h2 ([server] http2), and falls back slowly if it is refused.
  check('websocket to /ws opens within 2 s', openMs !== null && openMs < 2000, `opened after ${openMs} ms`);
  BAD_INPUT.forEach(([, code, what], i) => {
    const r = replies[i] || {};
    const got = r.ok === false ? r.error && r.error.code : (r.ok ? 'ok' : JSON.stringify(r).slice(0, 120));
    check(`bad input: ${what} -> ${code || 'ok'}`, got === (code || 'ok'), `reply ${JSON.stringify(r).slice(0, 200)}`);
  });
  await raw.close();
  // What a client sent reaches the log escaped: one line per message, no
  // terminal escape sequence (the server logs at debug here, so both were logged).
  await sleep(200);
  check('a newline in a request cannot forge a log line',
    serverLog.some((l) => l.includes('\\nFORGED-LOG-LINE') || l.includes('\\n2026-01-01')) &&
    !serverLog.some((l) => /^2026-01-01T00:00:00\.000Z/.test(l)),
    serverLog.filter((l) => l.includes('FORGED')).join(' | '));
  check('escape sequences from a client never reach the log raw',
    serverLog.some((l) => l.includes('e2e-bad-input \\x1b[31m')) && !serverLog.some((l) => l.includes('\x1b')),
    serverLog.filter((l) => l.includes('e2e-bad-input')).join(' | '));

  let health = null;
  try { health = await httpsGetJson(`${base}/healthz`); } catch (e) { health = { error: e.message }; }
  check('server still answers /healthz after bad input', health.status === 200 && health.json.status === 'ok',
    JSON.stringify(health.json || health));
  await sleep(2000);
  const after = await stats(page).catch(() => null);
  check('the first page\'s media still flows (framesDecoded keeps increasing)',
    before && after && after.videoFramesDecoded > before.videoFramesDecoded + 20,
    `framesDecoded ${before && before.videoFramesDecoded} -> ${after && after.videoFramesDecoded}`);
}

async function scenarioRetryAndLeave(page) {
  const oldPc = await page.evaluateHandle(() => window.yfDevtest.pc);
  await page.click('#retry');
  const s = await waitStats(page, flowing, MEDIA_TIMEOUT_MS);
  const fresh = await page.evaluate((old) => window.yfDevtest.pc !== old && old.connectionState === 'closed', oldPc);
  check('重新检测: a new connection, media comes back again', fresh && s && flowing(s), `${brief(s)} newPc=${fresh}`);
  const v = await waitVerdict(page, 15000);
  check('重新检测: verdict 正常 again', v.camera === '正常' && v.microphone === '正常' && v.network === '正常：直接连接到服务器。',
    JSON.stringify(v));
  await page.click('#leave');
  await sleep(500);
  const left = await page.evaluate(() => ({ state: window.yfDevtest.state, pc: window.yfDevtest.pc && window.yfDevtest.pc.connectionState }));
  check('离开 closes the connection', left.state === 'left' && left.pc === 'closed', JSON.stringify(left));
}

async function scenarioShutdown(page, server) {
  await page.click('#start');
  const s = await waitStats(page, flowing, MEDIA_TIMEOUT_MS);
  check('开始检测 after 离开: media comes back', s && flowing(s), brief(s));
  const exit = await stopServer(server);
  check('server exits cleanly on SIGTERM within 5 s', exit && exit.code === 0 && !exit.killed, JSON.stringify(exit));
  const v = await waitVerdict(page, 5000);
  check('the page tells of server.shutdown (服务器正在维护)', v.network.includes('服务器正在维护'), `网络=${v.network}`);
}

// ---- main --------------------------------------------------------------------------

async function main() {
  const { bin, webDir, chromium } = await browserTestPrerequisites();

  const tmp = mkdtempSync(join(tmpdir(), 'yf-e2e-devtest-'));
  let server = null;
  let context = null;
  try {
    const port = await freePort();
    const base = `https://127.0.0.1:${port}`;
    server = startServer(bin, { dataDir: join(tmp, 'data'), port, webDir, logPath: join(tmp, 'server.log'), log: serverLog });
    let health = null;
    try { health = await waitHealthy(server, base); } catch (e) { check('server answers /healthz', false, e.message); return; }
    check('server answers /healthz', health.status === 'ok' && typeof health.version === 'string' &&
      typeof health.uptime_s === 'number', JSON.stringify(health));

    context = await chromium.launchPersistentContext(join(tmp, 'chromium'), {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS,
      ignoreHTTPSErrors: true, viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
      locale: 'zh-CN',
    });
    const page = context.pages()[0] || await context.newPage();
    await scenarioEcho(page, base, tmp);
    await scenarioBadInput(context, page, base);
    await scenarioRetryAndLeave(page);
    if (server.exitInfo) check('server is still running', false, JSON.stringify(server.exitInfo));
    await scenarioShutdown(page, server);
  } catch (e) {
    check('test ran to the end', false, e.stack || e.message);
  } finally {
    if (context) await context.close().catch(() => {});
    await wrapUp({ server, tmp, pageLog, serverLog });
  }
}

await main();
finish('devtest');

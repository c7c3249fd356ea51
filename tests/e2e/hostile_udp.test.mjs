// hostile_udp.test.mjs -- the hostile-client suite's media half: while a real
// browser's media flows through the server (the device test's echo: headless
// Chromium, fake camera and microphone), every UDP port of the server's media
// range gets garbage from two other addresses -- random bytes, empty
// datagrams, truncated and malformed STUN, STUN requests with a bad
// integrity, DTLS records that belong to no handshake, RTP with a valid-looking
// header and a stranger's SSRC, malformed RTCP -- thousands a second for
// several seconds. The browser's media must keep flowing during and after,
// the server must stay alive and answer /healthz within its usual latency,
// a second browser page must still connect, and the audit chain verify.
// YF_E2E_KEEP=1 keeps the temp dir (server log, screenshot).
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS, browserTestPrerequisites, check, createUser, finish, freePort, sleep, startServerReady,
  stopServer, tempDirs, wrapUp } from './lib.mjs';

const { bin, webDir, chromium } = await browserTestPrerequisites();
const PORT_MIN = 41000 + Math.floor(Math.random() * 200) * 20, PORT_MAX = PORT_MIN + 19;
const SPRAY_S = 6;
const { tmp, dataDir } = tempDirs('yf-hostile-udp-');
const serverLog = [], pageLog = [];
let server = null, context = null, port = 0;

function healthzMs() {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = https.get({ host: '127.0.0.1', port, path: '/healthz', rejectUnauthorized: false, agent: false, timeout: 5000 },
      (res) => { res.resume(); res.on('end', () => resolve(res.statusCode === 200 ? Number(process.hrtime.bigint() - t0) / 1e6 : Infinity)); });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(Infinity));
  });
}
async function medianHealthz(n = 9) {
  const t = [];
  for (let i = 0; i < n; i++) t.push(await healthzMs());
  return t.sort((a, b) => a - b)[n >> 1];
}

// ---- the garbage ------------------------------------------------------------------

const rnd = (n) => crypto.randomBytes(n);
const u16 = (v) => { const b = Buffer.alloc(2); b.writeUInt16BE(v & 0xffff); return b; };
const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32BE(v >>> 0); return b; };
const COOKIE = u32(0x2112a442);
/** A STUN message: type, attributes (already encoded), with a header length of `len` (default: right). */
const stun = (type, attrs, len = attrs.length) => Buffer.concat([u16(type), u16(len), COOKIE, rnd(12), attrs]);
const attr = (t, v) => Buffer.concat([u16(t), u16(v.length), v, Buffer.alloc((4 - (v.length % 4)) % 4)]);
let seq = 0;
const KINDS = {
  'random bytes': () => rnd(1 + Math.floor(Math.random() * 1400)),
  'empty datagram': () => Buffer.alloc(0),
  'one byte': () => rnd(1),
  'truncated STUN header': () => stun(0x0001, Buffer.alloc(0)).subarray(0, 11),
  'STUN claiming more than it carries': () => stun(0x0001, Buffer.alloc(0), 800),
  'STUN binding request with a bad integrity': () => stun(0x0001, Buffer.concat([
    attr(0x0006, Buffer.from('nobody:nothing')), attr(0x0024, u32(0x6e7f1eff)), attr(0x0008, rnd(20)), attr(0x8028, rnd(4))])),
  'STUN with an attribute past its end': () => stun(0x0001, Buffer.concat([u16(0x0006), u16(4000), rnd(8)])),
  'STUN binding response nobody asked for': () => stun(0x0101, attr(0x0020, Buffer.concat([u16(1), u16(0x1234), rnd(4)]))),
  'DTLS ClientHello of garbage': () => Buffer.concat([Buffer.from([22, 0xfe, 0xfd]), u16(0), rnd(6), u16(200), Buffer.from([1]), rnd(199)]),
  'DTLS record claiming 16 KiB': () => Buffer.concat([Buffer.from([22, 0xfe, 0xfd]), u16(0), rnd(6), u16(16384), rnd(40)]),
  'DTLS application data, epoch 1': () => Buffer.concat([Buffer.from([23, 0xfe, 0xfd]), u16(1), rnd(6), u16(100), rnd(100)]),
  'DTLS alert': () => Buffer.concat([Buffer.from([21, 0xfe, 0xfd]), u16(0), rnd(6), u16(2), Buffer.from([2, 40])]),
  'RTP, Opus, a stranger\'s SSRC': () => Buffer.concat([Buffer.from([0x80, 111]), u16(seq++), u32(seq * 960), rnd(4), rnd(80)]),
  'RTP, VP8 with marker, a stranger\'s SSRC': () => Buffer.concat([Buffer.from([0x80, 0x80 | 96]), u16(seq++), u32(seq * 3000), rnd(4), rnd(1000)]),
  'RTP with a header extension longer than the packet': () => Buffer.concat([Buffer.from([0x90, 96]), u16(seq++), u32(0), rnd(4), u16(0xbede), u16(0xffff), rnd(8)]),
  'RTP with 15 CSRCs and no room for them': () => Buffer.concat([Buffer.from([0x8f, 96]), u16(seq++), u32(0), rnd(4), rnd(12)]),
  'RTCP sender report with a wrong length': () => Buffer.concat([Buffer.from([0x80, 200]), u16(500), rnd(24)]),
  'RTCP NACK and PLI, compound': () => Buffer.concat([Buffer.from([0x81, 205]), u16(3), rnd(12), Buffer.from([0x81, 206]), u16(2), rnd(8)]),
};

/** Sends every kind, round robin, to every port of the range, from sockets on two addresses, for seconds. */
async function spray(seconds) {
  const socks = await Promise.all(['127.0.0.1', '127.0.0.2'].map((a) => new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.on('error', () => {});
    s.bind(0, a, () => resolve(s));
  })));
  const kinds = Object.values(KINDS);
  let sent = 0;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    for (let i = 0; i < 200; i++) {
      const s = socks[sent & 1];
      const p = PORT_MIN + (sent % (PORT_MAX - PORT_MIN + 1));
      s.send(kinds[sent % kinds.length](), p, '127.0.0.1');
      sent++;
    }
    await sleep(20);
  }
  await sleep(200);
  socks.forEach((s) => s.close());
  return sent;
}

const stats = (page) => page.evaluate(() => window.yfDevtest.stats()).catch(() => null);
async function flowingPage(label) {
  const page = await context.newPage();
  page.on('console', (m) => pageLog.push(`${label} ${m.type()}: ${m.text()}`));
  await page.goto(`https://127.0.0.1:${port}/devtest.html`);
  await page.click('#start');
  const deadline = Date.now() + 25000;
  let s = null;
  while (Date.now() < deadline) {
    s = await stats(page);
    if (s && s.videoFramesDecoded > 30 && s.audioPacketsReceived > 50) break;
    await sleep(500);
  }
  return { page, s };
}

try {
  port = await freePort();
  createUser(bin, dataDir, { username: 'admin', role: 'admin', password: 'admin-password-1' });
  const ini = path.join(tmp, 'udp.ini');
  fs.writeFileSync(ini, `[media]\nport_min = ${PORT_MIN}\nport_max = ${PORT_MAX}\n`);
  server = await startServerReady(bin, { dataDir, port, webDir, logPath: path.join(tmp, 'server.log'), log: serverLog,
    extra: ['--config', ini], logLevel: 'info' });
  https.globalAgent.destroy();
  await medianHealthz(5);
  const baseline = await medianHealthz(15);
  console.log(`# /healthz usual latency: ${baseline.toFixed(1)} ms; media ports ${PORT_MIN}..${PORT_MAX}`);
  context = await chromium.launchPersistentContext(path.join(tmp, 'chromium'), {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, ignoreHTTPSErrors: true, locale: 'zh-CN',
    viewport: { width: 390, height: 844 },
  });
  const { page, s: s0 } = await flowingPage('first');
  check('test setup: a browser\'s media flows through the server', s0 && s0.videoFramesDecoded > 30, JSON.stringify(s0));

  const before = await stats(page);
  const sprayed = spray(SPRAY_S);
  await sleep(SPRAY_S * 500);
  const mid = await stats(page);
  const midHealth = await healthzMs();
  const sent = await sprayed;
  const after = await stats(page);
  await sleep(2000);
  const later = await stats(page);
  const fps = (a, b, s) => ((b.videoFramesDecoded - a.videoFramesDecoded) / s).toFixed(1);
  console.log(`# sprayed ${sent} datagrams of ${Object.keys(KINDS).length} kinds over ${SPRAY_S} s at ports ${PORT_MIN}..${PORT_MAX}`);
  console.log(`# frames decoded: ${before.videoFramesDecoded} before, ${mid.videoFramesDecoded} midway, ${after.videoFramesDecoded} at the end, ${later.videoFramesDecoded} 2 s later`);
  check(`the browser's video keeps coming back during the garbage (${fps(before, after, SPRAY_S)} frames/s)`,
    mid.videoFramesDecoded > before.videoFramesDecoded && after.videoFramesDecoded > mid.videoFramesDecoded + 10,
    `${before.videoFramesDecoded} -> ${mid.videoFramesDecoded} -> ${after.videoFramesDecoded}`);
  check('… and its audio too', after.audioPacketsReceived > before.audioPacketsReceived + 50,
    `${before.audioPacketsReceived} -> ${after.audioPacketsReceived}`);
  check('… and after it', later.videoFramesDecoded > after.videoFramesDecoded + 10 && later.connectionState === 'connected',
    `${after.videoFramesDecoded} -> ${later.videoFramesDecoded} ${later.connectionState}`);
  check('/healthz answered during the garbage', Number.isFinite(midHealth), `${midHealth}`);
  const ms = await medianHealthz();
  check(`after: the server is alive and /healthz within its usual latency (${ms.toFixed(1)} ms, usual ${baseline.toFixed(1)})`,
    !server.exitInfo && ms <= baseline * 3 + 25, JSON.stringify(server.exitInfo));
  await page.screenshot({ path: path.join(tmp, 'udp-garbage-phone.png') });

  const second = await flowingPage('second');
  check('a second browser still connects and its media flows', second.s && second.s.videoFramesDecoded > 30, JSON.stringify(second.s));
  await page.close();
  await second.page.close();
  await sleep(1500);   // the sessions end and log their counters
  const counters = serverLog.filter((l) => /session \d+: rtp in/.test(l));
  console.log(`# ${counters.join('\n# ')}`);
  // libnice hands on only datagrams of checked candidate pairs, so none of the
  // strangers' packets reaches a session: nothing failed SRTP authentication,
  // and every RTP packet that came in went out again (the echo's).
  const clean = (l) => { const m = /rtp in (\d+) out (\d+).*garbage (\d+) auth (\d+)/.exec(l); return m && m[1] === m[2] && m[4] === '0'; };
  check('no stranger\'s datagram reached a media session (no SRTP failures; RTP in = RTP out for both)',
    counters.length === 2 && counters.every(clean), counters.join(' | '));
  await stopServer(server);
  check('the server stops cleanly', server.exitInfo && server.exitInfo.code === 0, JSON.stringify(server.exitInfo));
  const v = spawnSync(bin, ['audit', 'verify', '--data-dir', dataDir], { encoding: 'utf8' });
  check('the audit chain verifies afterwards', v.status === 0, `${v.stdout}${v.stderr}`);
} catch (e) {
  check('no exception', false, e.stack);
} finally {
  if (context) await context.close().catch(() => {});
  await wrapUp({ server, tmp, pageLog, serverLog });
}
finish('hostile_udp');

// room_blocked_udp.test.mjs -- a petitioner whose network blocks UDP still
// joins, on real links: the test makes two network namespaces joined by a veth
// pair, runs yuanfang (and coturn) in one and headless Chromium in the other,
// and drops every UDP packet of the browser's namespace with nftables.
//  a. [media] ice_tcp on, no TURN: two staff pages decode each other over the
//     server's passive ICE-TCP candidates (selected pair: TCP, host or
//     peer-reflexive, no relay).
//  b. ice_tcp off, the browser's network letting out only TCP to ports 443 and
//     the web server's (a network that passes only web traffic): through
//     Debian's coturn (`turnserver` in the foreground with this test's config
//     file and self-signed certificate) over TLS on 443, with the TURN REST
//     credential yuanfang minted for each participant (selected pair: relay,
//     relayProtocol tls).
//  c. ice_tcp off and no TURN: nothing gets through.
// Each prints the time from opening the second page to its first decoded frame
// of the first; in each the device test page names the path it found (直接连接,
// 通过中转连接, 被阻断; screenshots at 390x844 and 1366x768). Every process (server, coturn, browser) is stopped by its PID
// and both namespaces removed, also on failure. Needs root (network
// namespaces), ip, nsenter, nft, turnserver, openssl and curl: exit 77 without them,
// except under CI=true. Ends "room_blocked_udp: N passed, M failed".
// YF_E2E_KEEP=1 keeps the temp dir (server and coturn logs).

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, writeFileSync, chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM, browserTestPrerequisites, CHROMIUM_ARGS as BASE_ARGS, check, finish, sleep, stopServer,
  tempDirs, wrapUp } from './lib.mjs';
import { atExit, chromiumIn, inNs, nsArgs, needNamespaces, run, vethLink } from './netns.mjs';

const NAME = 'room_blocked_udp';
const ROOM = 'blocked-udp-e2e';
const MEDIA_TIMEOUT_MS = 45000;
const HTTPS_PORT = 8443;
const TURN_TLS_PORT = 443;
const TURN_PORT = 3478;
const SECRET = 'yf-e2e-turn-secret-not-for-production';

// ---- prerequisites -------------------------------------------------------------

const { bin, webDir, chromium } = await browserTestPrerequisites();
needNamespaces(['nft', 'turnserver', 'openssl', 'curl']);

// ---- namespaces ------------------------------------------------------------------

// The server's namespace is the near end, the browser's the far one.
const link = vethLink({ prefix: 'yfb', subnet: 231, nearNs: true });
const NS_SRV = link.NEAR_NS, NS_CLI = link.NS;
const SRV_IP = link.NEAR_IP, CLI_IP = link.FAR_IP;

/** The browser's firewall: every UDP packet dropped both ways; with
 *  webOnly, TCP out only to 443 and the web server's port. */
function block({ webOnly }) {
  const rules = [
    'flush ruleset',
    'table inet yfblock {',
    '  chain out { type filter hook output priority 0; policy accept;',
    '    meta l4proto udp counter drop',
    webOnly ? `    oif "${link.FAR_IF}" tcp dport != { ${TURN_TLS_PORT}, ${HTTPS_PORT} } counter drop` : '',
    '  }',
    '  chain in { type filter hook input priority 0; policy accept;',
    '    meta l4proto udp counter drop',
    '  }',
    '}',
  ].join('\n');
  const file = join(tmp, 'block.nft');
  writeFileSync(file, rules);
  inNs(NS_CLI, 'nft', ['-f', file]);
}

/** UDP packets the browser's firewall dropped on the way out. */
function droppedUdp() {
  try {
    const out = inNs(NS_CLI, 'nft', ['list', 'chain', 'inet', 'yfblock', 'out']);
    return Number((/udp counter packets (\d+)/.exec(out) || [])[1] || 0);
  } catch { return -1; }
}

// ---- processes -------------------------------------------------------------------

const { tmp, dataDir } = tempDirs('yf-blocked-udp-');
const serverLog = [], pageLog = [];
const children = new Set();
const credentials = new Set();   // every TURN credential the pages were handed

/** A process in a namespace (nsenter execs it: the PID is its own). */
function spawnIn(ns, cmd, args, logName, log = null) {
  const child = spawn('nsenter', nsArgs(ns, cmd, args), { stdio: ['ignore', 'pipe', 'pipe'] });
  const file = createWriteStream(join(tmp, logName));
  const keep = (chunk) => {
    file.write(chunk);
    if (log) {
      for (const line of chunk.toString().split('\n')) if (line) log.push(line);
      if (log.length > 400) log.splice(0, log.length - 400);
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.exitInfo = null;
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => {
    child.exitInfo = { code, signal };
    children.delete(child);
    file.end();
    resolve(child.exitInfo);
  }));
  children.add(child);
  return child;
}

function killAll() {
  for (const c of children) { try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ } }
}
atExit(killAll);

async function waitHealthy(child) {
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline && !child.exitInfo) {
    const r = spawnSync('nsenter', nsArgs(NS_SRV, 'curl', ['-sk', '--max-time', '2',
      `https://${SRV_IP}:${HTTPS_PORT}/healthz`]), { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.includes('"ok"')) return true;
    await sleep(300);
  }
  return false;
}

async function startYuanfang(label, ini) {
  const conf = join(tmp, `${label}.ini`);
  writeFileSync(conf, ini);
  const args = ['--config', conf, '--data-dir', dataDir, '--listen', SRV_IP, '--port', String(HTTPS_PORT),
    '--web-dir', webDir, '--media-address', SRV_IP, '--workers', '1', '--log-level', 'debug'];
  console.log(`# server (${NS_SRV}): ${bin} ${args.join(' ')}`);
  const child = spawnIn(NS_SRV, bin, args, `server-${label}.log`, serverLog);
  if (!(await waitHealthy(child))) throw new Error(`the server did not answer /healthz: ${serverLog.slice(-10).join(' | ')}`);
  return child;
}

function startCoturn() {
  const cert = join(tmp, 'turn-cert.pem'), key = join(tmp, 'turn-key.pem');
  run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=turn.yuanfang.test',
    '-addext', `subjectAltName=IP:${SRV_IP}`]);
  const conf = join(tmp, 'turnserver.conf');
  writeFileSync(conf, [
    `listening-ip=${SRV_IP}`, `relay-ip=${SRV_IP}`, `listening-port=${TURN_PORT}`,
    `tls-listening-port=${TURN_TLS_PORT}`, `cert=${cert}`, `pkey=${key}`, 'no-dtls',
    'use-auth-secret', `static-auth-secret=${SECRET}`, 'realm=yuanfang.test', 'fingerprint',
    'min-port=49160', 'max-port=49200', 'no-cli', `log-file=${join(tmp, 'turnserver-file.log')}`, 'simple-log',
    'verbose', `userdb=${join(tmp, 'turndb')}`,
    `pidfile=${join(tmp, 'turnserver.pid')}`, 'no-multicast-peers', '',
  ].join('\n'));
  chmodSync(conf, 0o600);
  const child = spawnIn(NS_SRV, 'turnserver', ['-c', conf], 'turnserver.log');
  return child;
}

async function stopChild(child) {
  if (!child || child.exitInfo) return child && child.exitInfo;
  return stopServer(child);   // SIGTERM by PID, SIGKILL after 5 s
}

// ---- pages -----------------------------------------------------------------------

function mintToken(name, role, pid) {
  return execFileSync(bin, ['token', '--data-dir', dataDir, '--room', ROOM, '--name', name, '--role', role,
    '--ttl', '2h', '--participant', pid], { encoding: 'utf8' }).trim();
}

async function openRoom(browser, token, label) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const seen = { joinedAt: null };
  // When the room.join reply arrives (its result names "self"): the start
  // of the media part of the time to first frame.
  page.on('websocket', (ws) => ws.on('framereceived', (f) => {
    try {
      const m = JSON.parse(f.payload);
      if (m.type === 'reply' && m.ok && m.result && m.result.self && !seen.joinedAt) seen.joinedAt = Date.now();
      for (const ice of (m.type === 'reply' && m.ok && m.result && m.result.ice_servers) || [])
        if (ice.credential) credentials.add(ice.credential);
    } catch { /* not JSON */ }
  }));
  page.on('console', (m) => { pageLog.push(`[${label}] ${m.type()}: ${m.text()}`); if (pageLog.length > 300) pageLog.shift(); });
  page.on('pageerror', (e) => pageLog.push(`[${label}] pageerror: ${e.message}`));
  await page.goto(`https://${SRV_IP}:${HTTPS_PORT}/room.html?token=${encodeURIComponent(token)}`);
  await page.click('#notice-continue');
  return { context, page, label, seen };
}

const selfId = (page) => page.evaluate(() => window.yfRoom && window.yfRoom.self && window.yfRoom.self.id).catch(() => null);

/** When page first decodes a video frame of participant id (Date.now()), or null. */
async function firstFrame(page, id) {
  const deadline = Date.now() + MEDIA_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const s = await page.evaluate(() => window.yfRoom.stats()).catch(() => null);
    const p = s && s.participants[id];
    if (p && p.framesDecoded > 0) return Date.now();
    await sleep(50);
  }
  return null;
}

/** The selected pair of one of the page's connections: its local and remote
 *  candidate's type and protocol, and the relay's protocol. */
function selectedPair(page, kind) {
  return page.evaluate(async (k) => {
    const pc = window.yfRoom.pc(k);
    if (!pc) return null;
    const report = await pc.getStats();
    for (const s of report.values()) {
      if (s.type !== 'transport' || !s.selectedCandidatePairId) continue;
      const pair = report.get(s.selectedCandidatePairId);
      const l = report.get(pair.localCandidateId), r = report.get(pair.remoteCandidateId);
      return { local: { type: l.candidateType, protocol: l.protocol, relayProtocol: l.relayProtocol || null },
        remote: { type: r.candidateType, protocol: r.protocol, address: r.address } };
    }
    return null;
  }, kind).catch((e) => ({ error: e.message }));
}

const pairText = (p) => (p && p.local ? `local ${p.local.type}/${p.local.protocol}${p.local.relayProtocol ? `/${p.local.relayProtocol}` : ''}` +
  ` -> remote ${p.remote.type}/${p.remote.protocol}` : JSON.stringify(p));

/** One scenario: a prosecutor's page, then a clerk's, in one blocked browser;
 *  both must decode each other. Returns the clerk's time to first frame from
 *  its room.join reply (ICE, DTLS, the subscription, the first keyframe) and
 *  from opening the page (the page's loading over the same link besides). */
async function scenario(label, browser, want) {
  const a = await openRoom(browser, mintToken('检察官', 'prosecutor', `${label}-pros`), `${label}/prosecutor`);
  const t0 = Date.now();
  const b = await openRoom(browser, mintToken('书记员', 'clerk', `${label}-clerk`), `${label}/clerk`);
  let aId = null, bId = null;
  for (let i = 0; i < 100 && !(aId && bId); i++) {
    aId = aId || await selfId(a.page);
    bId = bId || await selfId(b.page);
    if (!(aId && bId)) await sleep(200);
  }
  check(`${label}: both pages joined`, aId && bId, `${aId} ${bId}`);
  const at = aId ? await firstFrame(b.page, aId) : null;
  const ttff = at && b.seen.joinedAt ? { join: at - b.seen.joinedAt, open: at - t0 } : null;
  check(`${label}: the second page decodes the first (time to first frame)`, ttff !== null,
    ttff ? `${ttff.join} ms from joining, ${ttff.open} ms from opening the page` : 'no frame');
  const back = bId ? await firstFrame(a.page, bId) : null;
  check(`${label}: the first page decodes the second`, back !== null, back !== null ? `${back - (at || back)} ms later` : 'no frame');
  for (const [who, x] of [['prosecutor', a], ['clerk', b]]) {
    for (const kind of ['publish', 'subscribe']) {
      const p = await selectedPair(x.page, kind);
      check(`${label}: ${who}'s ${kind} connection ${want.text}`, p && p.local && want.ok(p), pairText(p));
    }
  }
  console.log(`# ${label}: time to first frame ${ttff ? `${ttff.join} ms after joining (${ttff.open} ms after opening the page)` : 'none'}`);
  await a.context.close().catch(() => {});
  await b.context.close().catch(() => {});
  return ttff;
}

/** The device test in the blocked browser: its network verdict (the text
 *  shown), with screenshots at a phone's and a desktop's size. */
async function deviceTest(browser, label) {
  const out = {};
  for (const [size, viewport] of [['phone', { width: 390, height: 844 }], ['desktop', { width: 1366, height: 768 }]]) {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport, locale: 'zh-CN' });
    const page = await context.newPage();
    page.on('console', (m) => { pageLog.push(`[${label}/devtest] ${m.type()}: ${m.text()}`); if (pageLog.length > 300) pageLog.shift(); });
    await page.goto(`https://${SRV_IP}:${HTTPS_PORT}/devtest.html`);
    const start = page.locator('#start');
    if (await start.isVisible()) await start.click();
    await page.waitForFunction(() => window.yfDevtest && ['done', 'failed'].includes(window.yfDevtest.state), null,
      { timeout: 40000, polling: 250 }).catch(() => {});
    out[size] = await page.evaluate(() => document.querySelector('#verdict-network .verdict-value').textContent.trim());
    const shot = join(tmp, `devtest-${label}-${size}.png`);
    // As the petitioner sees it once they scroll to the verdict.
    await page.locator('#verdict-network').scrollIntoViewIfNeeded().catch(() => {});
    await page.screenshot({ path: shot });
    console.log(`# screenshot: ${shot}`);
    await context.close().catch(() => {});
  }
  return out;
}

async function launchBrowser(chromium) {
  // Chromium runs in the browser's namespace through a wrapper that playwright
  // starts as the browser: nsenter execs it, so its PID is Chromium's.
  const wrapper = join(tmp, 'chromium-in-ns.sh');
  writeFileSync(wrapper, chromiumIn(NS_CLI, CHROMIUM));
  chmodSync(wrapper, 0o700);
  // The TURN server's certificate is this test's own, self-signed.
  return chromium.launch({ executablePath: wrapper, headless: true,
    args: [...BASE_ARGS, '--autoplay-policy=no-user-gesture-required', '--ignore-certificate-errors'] });
}

// ---- the run ---------------------------------------------------------------------

let server = null, coturn = null, browser = null;
const times = {};
try {
  link.make();
  console.log(`# namespaces: ${NS_SRV} ${SRV_IP} <-> ${NS_CLI} ${CLI_IP}`);
  browser = await launchBrowser(chromium);

  // a. ICE-TCP, UDP blocked.
  block({ webOnly: false });
  server = await startYuanfang('ice-tcp', '[media]\nice_tcp = true\n');
  const before = droppedUdp();
  times.iceTcp = await scenario('ice-tcp', browser, {
    text: 'runs over TCP to the server, no relay',
    ok: (p) => p.local.protocol === 'tcp' && p.remote.protocol === 'tcp' && p.local.type !== 'relay' && p.remote.type !== 'relay',
  });
  const dtA = await deviceTest(browser, 'ice-tcp');
  check('ice-tcp: the device test says 直接连接', dtA.phone.startsWith('正常：直接连接') && dtA.desktop === dtA.phone, dtA.phone);
  const dropped = droppedUdp() - before;
  check('ice-tcp: the browser did try UDP, and the firewall dropped it', dropped > 0, `${dropped} UDP packets dropped`);
  const info = await stopChild(server);
  server = null;
  check('ice-tcp: the server stops cleanly on SIGTERM', info && info.code === 0 && !info.killed, JSON.stringify(info));

  // b. TURN over TLS, ICE-TCP off, only web ports open.
  block({ webOnly: true });
  coturn = startCoturn();
  const secretFile = join(tmp, 'turn-secret');
  writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
  server = await startYuanfang('turn-tls', `[media]\nice_tcp = false\n[turn]\nurls = turn:${SRV_IP}:${TURN_PORT}?transport=udp, ` +
    `turn:${SRV_IP}:${TURN_PORT}?transport=tcp, turns:${SRV_IP}:${TURN_TLS_PORT}?transport=tcp\nsecret_file = ${secretFile}\nlifetime = 600\n`);
  times.turnTls = await scenario('turn-tls', browser, {
    text: 'runs through the TURN relay over TLS',
    ok: (p) => p.local.type === 'relay' && p.local.relayProtocol === 'tls',
  });
  const dtB = await deviceTest(browser, 'turn-tls');
  check('turn-tls: the device test says 通过中转连接, with a suggestion', dtB.phone.startsWith('正常：通过中转连接') &&
    dtB.phone.includes('手机流量') && dtB.desktop === dtB.phone, dtB.phone);
  const log = readFileSync(join(tmp, 'server-turn-tls.log'), 'utf8');
  const leaked = [...credentials].filter((c) => log.includes(c));
  check('turn-tls: the pages got TURN credentials, and neither they nor the secret are in the server log (at debug)',
    credentials.size >= 4 && !leaked.length && !log.includes(SECRET), `${credentials.size} credentials, ${leaked.length} in the log`);
  const turnLog = readFileSync(join(tmp, 'turnserver-file.log'), 'utf8');
  check('turn-tls: coturn saw the participants\' credentials (EXPIRY:participant id)',
    /user <\d+:p\d+>/.test(turnLog), [...new Set(turnLog.match(/user <[^>]+>/g) || ['no username in its log'])].join(' '));
  // c. Neither: ICE-TCP off and no TURN. The device test must say blocked.
  await stopChild(server);
  server = await startYuanfang('blocked', '[media]\nice_tcp = false\n');
  const dtC = await deviceTest(browser, 'blocked');
  check('blocked: the device test says 被阻断, with what to do', dtC.phone.startsWith('被阻断') && dtC.phone.includes('换一个网络') &&
    dtC.desktop === dtC.phone, dtC.phone);
  const txt = (t) => (t ? `${t.join} ms after joining (${t.open} ms after opening the page)` : 'none');
  console.log(`# time to first frame with UDP blocked: ICE-TCP ${txt(times.iceTcp)}; TURN over TLS ${txt(times.turnTls)}`);
} catch (e) {
  check('run', false, e.stack || e.message);
} finally {
  if (browser) await browser.close().catch(() => {});
  await stopChild(server).catch(() => {});
  const tinfo = await stopChild(coturn).catch(() => null);
  if (coturn) check('coturn stopped by its PID', tinfo !== null && !existsSync(`/proc/${coturn.pid}`), JSON.stringify(tinfo));
  killAll();
  link.remove();
  const { ok, left } = link.gone();
  check('namespaces removed', ok, left);
  await wrapUp({ server: null, tmp, pageLog, serverLog });
}
finish(NAME);

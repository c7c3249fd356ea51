// metrics.test.mjs -- /metrics end to end: the server with a [metrics]
// listener of its own, a short two-browser hearing (a host and a clerk, both
// entering directly, in one headless Chromium; then an observer the host
// admits, who publishes nothing), and the listener scraped
// before, twice during and after it. Each scrape is parsed by a strict parser
// of the Prometheus text format 0.0.4 (below) and the counters must agree
// with what happened: one room, two publishers and one observer during it, RTP
// forwarded and UDP sent and growing, never more RTP than datagrams, CPU as
// the server's /proc/PID/stat reports it, a refused sign-in counted, and
// nothing left after it. /metrics must not exist on the public HTTPS
// listener. Ends "metrics: N passed, M failed"; exit 77 when a prerequisite
// is missing. YF_E2E_KEEP=1 keeps the temp dir.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { CHROMIUM, browserTestPrerequisites, CHROMIUM_ARGS as BASE_ARGS, apiRequest, check, finish, freePort, sleep,
  startServerReady, tempDirs, wrapUp } from './lib.mjs';

const CHROMIUM_ARGS = [...BASE_ARGS, '--autoplay-policy=no-user-gesture-required'];
const ROOM = 'metrics-e2e';
const serverLog = [];
const pageLog = [];

// ---- a strict parser of the text exposition format, version 0.0.4 ----------------

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** Parses `text` into { families: Map name -> {type, help, samples: [{labels, value}]} };
 * throws on anything the format does not allow. */
export function parseExposition(text) {
  if (!text.endsWith('\n')) throw new Error('the text does not end with a line feed');
  const families = new Map();
  const seen = new Set();
  const family = (name) => {
    if (!families.has(name)) families.set(name, { type: null, help: null, samples: [] });
    return families.get(name);
  };
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, i) => {
    const where = `line ${i + 1} (${JSON.stringify(line.slice(0, 80))})`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
      if (!m) {
        if (/^# (HELP|TYPE)\b/.test(line)) throw new Error(`${where}: a malformed ${line.split(' ')[1]} line`);
        return; // a comment
      }
      const [, kind, name, rest] = m;
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name`);
      const f = family(name);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type`);
        if (f.type || f.samples.length) throw new Error(`${where}: TYPE after samples or twice`);
        f.type = rest;
      } else {
        if (f.help !== null) throw new Error(`${where}: HELP twice`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) throw new Error(`${where}: bad escape in HELP`);
        f.help = rest;
      }
      return;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? ([^ ]+)( -?[0-9]+)?$/.exec(line);
    if (!m) throw new Error(`${where}: not a sample`);
    const [, name, , body, valueText] = m;
    const labels = {};
    if (body !== undefined && body !== '') {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
      let at = 0;
      while (at < body.length) {
        re.lastIndex = at;
        const l = re.exec(body);
        if (!l || !LABEL.test(l[1]) || l[1].startsWith('__')) throw new Error(`${where}: bad label set`);
        if (l[1] in labels) throw new Error(`${where}: label ${l[1]} twice`);
        labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
        at = re.lastIndex;
        if (l[3] === '' && at !== body.length) throw new Error(`${where}: bad label set`);
      }
    }
    if (!/^(NaN|[+-]Inf|[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$/.test(valueText)) throw new Error(`${where}: bad value`);
    const value = Number(valueText.replace('Inf', 'Infinity'));
    // A histogram's samples are <name>_bucket{le=...}, <name>_sum, <name>_count.
    const hist = /^(.*)_(bucket|sum|count)$/.exec(name);
    const base = hist && families.has(hist[1]) && families.get(hist[1]).type === 'histogram' ? hist[1] : null;
    const f = base ? families.get(base) : family(name);
    if (!f.type) throw new Error(`${where}: a sample before its TYPE`);
    if (f.type === 'histogram' && !base) throw new Error(`${where}: a histogram sample not named _bucket, _sum or _count`);
    if (base && hist[2] === 'bucket') {
      if (!('le' in labels)) throw new Error(`${where}: a bucket without le`);
      const prev = f.samples.filter((x) => x.name === name && 'le' in x.labels).pop();
      if (prev && (Number(prev.labels.le.replace('Inf', 'Infinity')) >= Number(labels.le.replace('Inf', 'Infinity')) ||
        prev.value > value)) throw new Error(`${where}: buckets not in order or not cumulative`);
    }
    if (base && hist[2] === 'count') {
      const inf = f.samples.find((x) => x.name === `${base}_bucket` && x.labels.le === '+Inf');
      if (!inf || inf.value !== value) throw new Error(`${where}: _count is not the +Inf bucket`);
    }
    if (f.type === 'counter' && !name.endsWith('_total')) throw new Error(`${where}: a counter not named *_total`);
    if (f.type === 'counter' && !(value >= 0)) throw new Error(`${where}: a negative counter`);
    const key = name + JSON.stringify(Object.entries(labels).sort());
    if (seen.has(key)) throw new Error(`${where}: the same series twice`);
    seen.add(key);
    f.samples.push({ name, labels, value });
  });
  for (const [name, f] of families) {
    if (!f.help || !f.type) throw new Error(`${name}: no HELP or no TYPE`);
    if (!f.samples.length) throw new Error(`${name}: no sample`);
  }
  return { families };
}

/** The value of name{labels} in a parsed scrape (undefined if absent). */
function val(scrape, name, labels = {}) {
  const hist = /^(.*)_(bucket|sum|count)$/.exec(name);
  const f = scrape.families.get(name) || (hist && scrape.families.get(hist[1]));
  const s = f && f.samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s ? s.value : undefined;
}

// ---- helpers ----------------------------------------------------------------------

function get(url, opts = {}) {
  const lib = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method: opts.method || 'GET', rejectUnauthorized: false, timeout: 5000, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'] || '', body }));
      });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function scrape(mport, label) {
  const r = await get(`http://127.0.0.1:${mport}/metrics`);
  check(`${label}: /metrics answers 200 as text/plain; version=0.0.4`,
    r.status === 200 && r.type === 'text/plain; version=0.0.4; charset=utf-8', `${r.status} ${r.type}`);
  try {
    return parseExposition(r.body);
  } catch (e) {
    check(`${label}: the text parses`, false, e.message);
    return null;
  }
}

/** The server's CPU seconds from /proc/PID/stat (utime + stime, fields 14 and 15). */
function procCpu(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return (Number(f[11]) + Number(f[12])) / hz;
}

function mintToken(bin, dataDir, name, role, pid) {
  return execFileSync(bin, ['token', '--data-dir', dataDir, '--room', ROOM, '--name', name, '--role', role,
    '--ttl', '2h', '--participant', pid], { encoding: 'utf8' }).trim();
}

async function openRoom(browser, base, token, label, state = 'admitted') {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 640, height: 480 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('console', (m) => { pageLog.push(`[${label}] ${m.type()}: ${m.text()}`); if (pageLog.length > 200) pageLog.shift(); });
  await page.goto(`${base}/room.html?token=${encodeURIComponent(token)}`);
  await page.click('#notice-continue');
  await page.waitForFunction((w) => window.yfRoom && window.yfRoom.state === w, state, { timeout: 20000, polling: 200 })
    .catch(() => {});
  return { context, page };
}

/** Until the page decodes more than 30 frames of someone. */
async function waitDecoding(page, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const s = await page.evaluate(() => window.yfRoom.stats()).catch(() => null);
    if (s && Object.values(s.participants).some((p) => p.framesDecoded > 30)) return true;
    await sleep(500);
  }
  return false;
}

// ---- the scenario -----------------------------------------------------------------

function consistent(s, label) {
  const dIn = val(s, 'yuanfang_udp_datagrams_total', { direction: 'in' });
  const dOut = val(s, 'yuanfang_udp_datagrams_total', { direction: 'out' });
  const bOut = val(s, 'yuanfang_udp_bytes_total', { direction: 'out' });
  const fwd = val(s, 'yuanfang_rtp_packets_forwarded_total');
  const rin = val(s, 'yuanfang_rtp_packets_received_total');
  const rtx = val(s, 'yuanfang_rtp_packets_retransmitted_total');
  check(`${label}: RTP forwarded <= datagrams sent, RTP received <= datagrams received, retransmitted <= forwarded`,
    fwd <= dOut && rin <= dIn && rtx <= fwd, JSON.stringify({ dIn, dOut, fwd, rin, rtx }));
  check(`${label}: bytes sent at least 12 per datagram (an RTP header)`, bOut >= 12 * dOut, `${bOut} / ${dOut}`);
}

async function scenario(ctx) {
  const { browser, base, mport, port, tokens, server } = ctx;
  const s0 = await scrape(mport, 'before');
  if (!s0) return;
  check('before: no rooms, no participants', val(s0, 'yuanfang_rooms') === 0 &&
    val(s0, 'yuanfang_room_participants', { kind: 'publisher' }) === 0 &&
    val(s0, 'yuanfang_room_participants', { kind: 'observer' }) === 0);
  for (const name of ['yuanfang_nack_received_total', 'yuanfang_nack_sent_total', 'yuanfang_keyframe_requests_received_total',
    'yuanfang_keyframe_requests_sent_total', 'yuanfang_rtp_packets_lost_total', 'yuanfang_capture_queue_bytes',
    'yuanfang_capture_records_dropped_total', 'yuanfang_postprocess_jobs_failed_total', 'process_resident_memory_bytes'])
    check(`before: ${name} is there`, val(s0, name) !== undefined);
  check('before: post-processing jobs queued and running are there',
    val(s0, 'yuanfang_postprocess_jobs', { state: 'queued' }) === 0 && val(s0, 'yuanfang_postprocess_jobs', { state: 'running' }) === 0);

  // A refused sign-in is counted.
  const failed0 = val(s0, 'yuanfang_signin_failures_total', { reason: 'credentials' });
  const bad = await apiRequest(port, 'POST', '/auth/login', { body: { username: 'nobody', password: 'wrong-password-1' } });
  check('a sign-in with a wrong password is refused', bad.status === 401, String(bad.status));
  const s0b = await scrape(mport, 'after a refused sign-in');
  check('the refused sign-in is counted', s0b && val(s0b, 'yuanfang_signin_failures_total', { reason: 'credentials' }) === failed0 + 1,
    `${failed0} -> ${s0b && val(s0b, 'yuanfang_signin_failures_total', { reason: 'credentials' })}`);

  const host = await openRoom(browser, base, tokens.host, 'host');
  const clerk = await openRoom(browser, base, tokens.clerk, 'clerk');
  const flowing = (await Promise.all([waitDecoding(host.page, 40000), waitDecoding(clerk.page, 40000)])).every(Boolean);
  check('the host and the clerk decode each other', flowing);
  // An observer (旁听) waits, counts nowhere, and once admitted counts as one.
  const obs = await openRoom(browser, base, tokens.observer, 'observer', 'waiting');
  const sw = await scrape(mport, 'an observer waiting');
  check('an observer waiting is in nobody\'s media', sw && val(sw, 'yuanfang_room_participants', { kind: 'observer' }) === 0 &&
    val(sw, 'yuanfang_room_participants', { kind: 'publisher' }) === 2);
  await host.page.locator('#waiting-list .admit').click({ timeout: 10000 }).catch((e) => console.log(`# admit: ${e.message}`));
  check('the observer is admitted and sees the others', await obs.page.waitForFunction(() => window.yfRoom.state === 'admitted',
    null, { timeout: 15000, polling: 200 }).then(() => waitDecoding(obs.page, 40000)).catch(() => false));

  const cpuBefore = procCpu(server.pid);
  const s1 = await scrape(mport, 'during');
  const cpuAfter = procCpu(server.pid);
  if (!s1) return;
  check('during: one room, two publishers, one observer', val(s1, 'yuanfang_rooms') === 1 &&
    val(s1, 'yuanfang_room_participants', { kind: 'publisher' }) === 2 &&
    val(s1, 'yuanfang_room_participants', { kind: 'observer' }) === 1,
    `${val(s1, 'yuanfang_rooms')} ${val(s1, 'yuanfang_room_participants', { kind: 'publisher' })}`);
  const fwdCount = val(s1, 'yuanfang_forward_seconds_count');
  check('during: the forwarding time histogram counts the publishers\' packets (each once, no more than arrived)',
    fwdCount > 0 && fwdCount <= val(s1, 'yuanfang_udp_datagrams_total', { direction: 'in' }) &&
    val(s1, 'yuanfang_forward_seconds_bucket', { le: '+Inf' }) === fwdCount && val(s1, 'yuanfang_forward_seconds_sum') > 0,
    `${fwdCount} packets, ${val(s1, 'yuanfang_forward_seconds_sum')} s`);
  check('during: RTP forwarded > 0 and datagrams sent > 0', val(s1, 'yuanfang_rtp_packets_forwarded_total') > 0 &&
    val(s1, 'yuanfang_udp_datagrams_total', { direction: 'out' }) > 0, String(val(s1, 'yuanfang_rtp_packets_forwarded_total')));
  consistent(s1, 'during');
  const cpu = val(s1, 'process_cpu_seconds_total');
  check('during: process_cpu_seconds_total agrees with /proc/PID/stat read just before and after',
    cpu >= cpuBefore - 1e-9 && cpu <= cpuAfter + 1e-9 && cpu > 0, `${cpuBefore} <= ${cpu} <= ${cpuAfter}`);

  await sleep(2000);
  const s2 = await scrape(mport, 'two seconds later');
  if (!s2) return;
  for (const [name, labels] of [['yuanfang_rtp_packets_forwarded_total', {}], ['yuanfang_rtp_packets_received_total', {}],
    ['yuanfang_udp_datagrams_total', { direction: 'out' }], ['yuanfang_udp_bytes_total', { direction: 'in' }]])
    check(`two seconds later: ${name}${JSON.stringify(labels)} grew`, val(s2, name, labels) > val(s1, name, labels),
      `${val(s1, name, labels)} -> ${val(s2, name, labels)}`);
  for (const f of s1.families.keys())
    if (s1.families.get(f).type === 'counter')
      check(`two seconds later: counter ${f} did not go back`, s1.families.get(f).samples.every((x) =>
        val(s2, f, x.labels) >= x.value));
  consistent(s2, 'two seconds later');

  for (const x of [host, clerk, obs]) await x.context.close().catch(() => {});
  // [room] grace_s = 1: the two are removed and the room closed within seconds.
  let s3 = null;
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    s3 = await scrape(mport, 'after the hearing');
    if (!s3 || (val(s3, 'yuanfang_rooms') === 0 && val(s3, 'yuanfang_room_participants', { kind: 'publisher' }) === 0)) break;
    await sleep(1000);
  }
  check('after the hearing: no rooms, no participants', s3 && val(s3, 'yuanfang_rooms') === 0 &&
    val(s3, 'yuanfang_room_participants', { kind: 'publisher' }) === 0 &&
    val(s3, 'yuanfang_room_participants', { kind: 'observer' }) === 0, s3 ? String(val(s3, 'yuanfang_rooms')) : '');
  check('after the hearing: the counters kept what was forwarded', s3 &&
    val(s3, 'yuanfang_rtp_packets_forwarded_total') >= val(s2, 'yuanfang_rtp_packets_forwarded_total'));

  // Not on the public listener, under any path a petitioner might try.
  for (const path of ['/metrics', '/api/v1/metrics', '/metrics/']) {
    const r = await get(`${base}${path}`);
    check(`the public listener has no ${path}`, r.status === 404 && !r.body.includes('yuanfang_rooms'), String(r.status));
  }
  // The metrics listener serves nothing else.
  const other = await get(`http://127.0.0.1:${mport}/api/v1/cases`);
  check('the metrics listener answers 404 for anything but /metrics', other.status === 404, String(other.status));
  const post = await get(`http://127.0.0.1:${mport}/metrics`, { method: 'POST' });
  check('the metrics listener refuses other methods', post.status === 405, String(post.status));
}

async function main() {
  const { bin, webDir, chromium } = await browserTestPrerequisites();
  const { tmp, dataDir } = tempDirs('yf-e2e-metrics-');
  let server = null;
  let browser = null;
  try {
    const [port, mport] = [await freePort(), await freePort()];
    const conf = join(tmp, 'yuanfang.ini');
    writeFileSync(conf, `[room]\ngrace_s = 1\n\n[metrics]\nlisten = 127.0.0.1:${mport}\n`);
    const tokens = { host: mintToken(bin, dataDir, '王检察官', 'prosecutor', 'cli:host'),
      clerk: mintToken(bin, dataDir, '李书记员', 'clerk', 'cli:clerk'),
      observer: mintToken(bin, dataDir, '旁听人', 'observer', 'cli:observer') };
    server = await startServerReady(bin, { dataDir, port, webDir, logPath: join(tmp, 'server.log'), log: serverLog,
      extra: ['--config', conf] });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    await scenario({ browser, base: `https://127.0.0.1:${port}`, mport, port, tokens, server });
    check('server is still running', !server.exitInfo, JSON.stringify(server.exitInfo));
  } catch (e) {
    check('test ran to the end', false, e.stack || e.message);
  } finally {
    if (browser) await browser.close().catch(() => {});
    await wrapUp({ server, tmp, pageLog, serverLog });
  }
}

await main();
finish('metrics');

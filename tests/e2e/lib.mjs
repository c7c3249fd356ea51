// lib.mjs -- what the browser and server tests share: the check counter and
// its summary line, a free loopback port, starting the yuanfang server with a
// kept log (or with a first admin signed in), waiting for /healthz, stopping
// it (SIGTERM, then SIGKILL after 5 s), and headless Chromium's flags (fake
// camera and microphone).
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import https from 'node:https';
import net from 'node:net';
import { join } from 'node:path';

export const CHROMIUM = process.env.YF_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
];

export const results = { passed: 0, failed: 0 };

/** Counts and prints one check; the detail is shown whole on failure and
 * cut to 160 characters on success (measured numbers, not dumps). */
export function check(name, ok, detail = '') {
  if (ok) results.passed++; else results.failed++;
  let d = String(detail || '');
  if (ok && d.length > 160) d = `${d.slice(0, 157)}...`;
  console.log(`${ok ? 'ok  ' : 'FAIL'} - ${name}${d ? `: ${d}` : ''}`);
  return ok;
}

/** Prints "NAME: N passed, M failed" and exits non-zero on any failure. */
export function finish(name) {
  console.log(`${name}: ${results.passed} passed, ${results.failed} failed`);
  process.exit(results.failed ? 1 : 0);
}

/** A test's own temp dir (named from prefix) with an empty data dir, mode
 * 0700 as the server makes its own, inside it. */
export function tempDirs(prefix) {
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  const dataDir = join(tmp, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  return { tmp, dataDir };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Makes a staff account with `yuanfang admin create-user` (the password on
 * stdin); returns spawnSync's result (status, stderr). */
export function createUser(bin, dataDir, { username, role, password, name = '管理员' }) {
  return spawnSync(bin, ['admin', 'create-user', '--data-dir', dataDir, '--username', username,
    '--display-name', name, '--role', role, '--password-stdin'], { input: `${password}\n`, encoding: 'utf8' });
}

/** Starts the server on 127.0.0.1:port; its output goes to logPath and the
 * last 400 lines to the `log` array (with keepText, all of it also to
 * child.logText). The child gets exitInfo and exited. */
export function startServer(bin, { dataDir, port, webDir, logPath, log, extra = [], workers = 2,
  logLevel = 'debug', keepText = false }) {
  const args = ['--data-dir', dataDir, '--listen', '127.0.0.1', '--port', String(port),
    '--web-dir', webDir, '--media-address', '127.0.0.1', '--workers', String(workers), '--log-level', logLevel, ...extra];
  console.log(`# server: ${bin} ${args.join(' ')}`);
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const file = createWriteStream(logPath);
  child.logText = '';
  const keep = (chunk) => {
    file.write(chunk);
    if (keepText) child.logText += chunk;
    for (const line of chunk.toString().split('\n')) if (line) log.push(line);
    if (log.length > 400) log.splice(0, log.length - 400);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.exitInfo = null;
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => {
    child.exitInfo = { code, signal };
    file.end();
    resolve(child.exitInfo);
  }));
  return child;
}

export function httpsGetJson(url, timeoutMs = 3000) {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { rejectUnauthorized: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => {
        try { resolve({ status: res.statusCode, json: JSON.parse(body) }); } catch (e) { reject(new Error(`not JSON: ${body.slice(0, 200)}`)); }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** How long a start may take: 20 s, or YF_E2E_START_S (the sanitizer build's
 * CTest sets it: an AddressSanitizer server starts far slower). */
export const START_MS = Number(process.env.YF_E2E_START_S || 20) * 1000;

/** The server under test is the AddressSanitizer build (its CTest sets
 * YF_E2E_SANITIZED=1): slower everywhere, and its memory is no measure
 * (the quarantine keeps what was freed), so tests wait longer and judge
 * memory only in the ordinary build; ASan judges it there, leaks included. */
export const SANITIZED = process.env.YF_E2E_SANITIZED === '1';

/** check(), or a note that this memory measure is left to ASan. */
export function checkMemory(name, ok, detail) {
  if (SANITIZED) { console.log(`# not judged under ASan (its quarantine holds freed memory): ${name}: ${detail}`); return true; }
  return check(name, ok, detail);
}

export async function waitHealthy(server, base, timeoutMs = START_MS) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  while (Date.now() < deadline) {
    if (server.exitInfo) throw new Error(`server exited (${JSON.stringify(server.exitInfo)}) before answering /healthz`);
    try {
      const r = await httpsGetJson(`${base}/healthz`, 1000);
      if (r.status === 200) return r.json;
      last = `HTTP ${r.status}`;
    } catch (e) { last = e.message; }
    await sleep(200);
  }
  throw new Error(`no answer from ${base}/healthz within ${timeoutMs / 1000} s (last: ${last})`);
}

/** startServer, then waitHealthy: the child once /healthz answers. On failure
 * the server is stopped and the error carries its last log lines. */
export async function startServerReady(bin, opts) {
  const server = startServer(bin, opts);
  try {
    await waitHealthy(server, `https://127.0.0.1:${opts.port}`);
  } catch (e) {
    await stopServer(server);
    throw new Error(`${e.message}\n${opts.log.slice(-40).join('\n')}`);
  }
  return server;
}

/** The start of a REST test: the first admin (admin / admin-password-1,
 * made with the CLI in tmp/data; its creation is a check), the server in
 * production mode on a free port, logging to tmp/server.log and `log`, and
 * the admin signed in once /healthz answers. Resolves { server, port,
 * dataDir, api (apiRequest on that port), admin (the admin's token) }; on
 * failure the server is stopped. */
export async function startWithAdmin(bin, webDir, tmp, log, extra = []) {
  const port = await freePort();
  const dataDir = join(tmp, 'data');
  const made = createUser(bin, dataDir, { username: 'admin', role: 'admin', password: 'admin-password-1' });
  check('test setup: the first admin', made.status === 0, made.stderr);
  const server = await startServerReady(bin, { dataDir, port, webDir, logPath: join(tmp, 'server.log'), log,
    extra: ['--production', ...extra] });
  const api = (method, p, opts) => apiRequest(port, method, p, opts);
  try {
    const r = await api('POST', '/auth/login', { body: { username: 'admin', password: 'admin-password-1' } });
    return { server, port, dataDir, api, admin: r.json.token };
  } catch (e) {
    await stopServer(server);
    throw e;
  }
}

export async function stopServer(server) {
  if (!server || server.exitInfo) return server && server.exitInfo;
  server.kill('SIGTERM');
  const info = await Promise.race([server.exited, sleep(5000).then(() => null)]);
  if (info) return info;
  console.log('# server ignored SIGTERM for 5 s: SIGKILL');
  server.kill('SIGKILL');
  await server.exited;
  return { ...server.exitInfo, killed: true };
}

/** What a browser test needs, or a clear exit: 2 when CTest did not say where
 * the server and web/ are, 77 when Chromium or playwright-core is missing
 * (setup.sh installs both). Returns { bin, webDir, chromium }. */
export async function browserTestPrerequisites() {
  const bin = process.env.YF_SERVER_BIN;
  const webDir = process.env.YF_WEB_DIR || (process.env.YF_SOURCE_DIR && join(process.env.YF_SOURCE_DIR, 'web'));
  if (!bin || !existsSync(bin) || !webDir) {
    console.log(`# YF_SERVER_BIN (${bin}) and YF_WEB_DIR (${webDir}) must name the server binary and web/`);
    process.exit(2);
  }
  if (!existsSync(CHROMIUM)) { console.log(`# ${CHROMIUM} is missing (apt-get install chromium)`); process.exit(77); }
  try {
    return { bin, webDir, chromium: (await import('playwright-core')).chromium };
  } catch (e) {
    console.log(`# playwright-core is missing (${e.code || e.message}): run \`npm ci\` in tests/e2e`);
    process.exit(77);
  }
  return null;
}

/** One REST call to https://127.0.0.1:port/api/v1 + pathname (or a path
 * that already starts with /api/v1/, as the API's own URLs do): opts.token
 * (Bearer), opts.inv (Invitation), opts.body (object, string or Buffer),
 * opts.headers. Resolves { status, headers, raw (Buffer), json (or null) }. */
export function apiRequest(port, method, pathname, opts = {}) {
  return new Promise((resolve, reject) => {
    const headers = { ...(opts.headers || {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.inv) headers.authorization = `Invitation ${opts.inv}`;
    let payload = null;
    if (opts.body !== undefined) {
      payload = typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body);
      payload = Buffer.from(payload);
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    const full = pathname.startsWith('/api/v1/') ? pathname : '/api/v1' + pathname;
    const req = https.request({ host: '127.0.0.1', port, method, path: full, headers,
      rejectUnauthorized: false, timeout: opts.timeoutMs || 15000, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        let json = null;
        try { json = JSON.parse(raw.toString('utf8')); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, raw, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (payload) req.end(payload); else req.end();
  });
}

/** The end of a browser test: stops the server, and on any failure prints
 * the last lines of the page console and of the server log; removes the
 * temp dir unless YF_E2E_KEEP=1. */
export async function wrapUp({ server, tmp, pageLog = [], serverLog = [] }) {
  await stopServer(server).catch(() => {});
  if (results.failed) {
    console.log('# --- page console (last 40) ---');
    for (const l of pageLog.slice(-40)) console.log(`#   ${l}`);
    console.log('# --- server log (last 80 lines) ---');
    for (const l of serverLog.slice(-80)) console.log(`#   ${l}`);
  }
  if (process.env.YF_E2E_KEEP === '1') console.log(`# kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}

// server.test.mjs -- the yuanfang process as an administrator meets it, without a
// browser: --help and --version, a bad configuration refused with a message, the
// first start generating its certificate under the data directory and a restart
// reusing it, /healthz, static files and path escapes, security headers, and a
// clean exit 0 on SIGTERM. Run by CTest with YF_SERVER_BIN and YF_WEB_DIR set.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { check, finish, freePort, startServerReady, stopServer } from './lib.mjs';
import tls from 'node:tls';

const bin = process.env.YF_SERVER_BIN;
const webDir = process.env.YF_WEB_DIR;
if (!bin || !webDir) {
  console.error('server.test: YF_SERVER_BIN and YF_WEB_DIR must be set');
  process.exit(2);
}


function get(port, pathname, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: pathname, method, rejectUnauthorized: false,
      timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** The not-found page of pathname: a true 404 in Chinese with a way back to
 * the start, and every stylesheet it links exists (lws's own page links a
 * /error.css that is not there). */
async function checkNotFoundPage(port, pathname) {
  const r = await get(port, pathname);
  check(`${pathname}: status 404, HTML`, r.status === 404 && /^text\/html/.test(r.headers['content-type'] || ''),
    `${r.status} ${r.headers['content-type']}`);
  check(`${pathname}: says in Chinese that the page does not exist, with a link to the start`,
    /lang="zh-CN"/.test(r.body) && r.body.includes('页面不存在') && /<a [^>]*href="\/"/.test(r.body),
    r.body.slice(0, 300));
  const sheets = [...r.body.matchAll(/<link[^>]*rel="stylesheet"[^>]*>/g)].map((m) => /href="([^"]*)"/.exec(m[0]))
    .filter(Boolean).map((m) => new URL(m[1], `https://127.0.0.1:${port}${pathname}`).pathname);
  check(`${pathname}: links a stylesheet`, sheets.length > 0, r.body.slice(0, 300));
  for (const s of sheets) {
    const css = await get(port, s);
    check(`${pathname}: its stylesheet ${s} exists`, css.status === 200 &&
      /^text\/css/.test(css.headers['content-type'] || ''), `${css.status} ${css.headers['content-type']}`);
  }
}

function certFingerprint(port) {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const der = sock.getPeerCertificate().raw;
      sock.end();
      resolve(createHash('sha256').update(der).digest('hex'));
    });
    sock.on('error', reject);
  });
}

/** Sends text as it is over TLS (HTTP/1.1) and resolves with what comes back
 * until the server closes or 3 s pass. */
function rawHttps(port, text) {
  return new Promise((resolve) => {
    let got = '';
    const sock = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] },
      () => sock.write(text));
    sock.setEncoding('utf8');
    sock.on('data', (d) => { got += d; });
    const done = () => resolve(got);
    sock.on('close', done);
    sock.on('error', done);
    setTimeout(() => { sock.destroy(); done(); }, 3000);
  });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'yf-server-test-'));
const serverLog = [];
const startServer = (dataDir, port) => startServerReady(bin, { dataDir, port, webDir, workers: 1, logLevel: 'info',
  logPath: path.join(tmp, `server-${Date.now()}.log`), log: serverLog });
let child = null;
try {
  const help = spawnSync(bin, ['--help'], { encoding: 'utf8' });
  check('--help exits 0 and lists the options', help.status === 0 && /--data-dir/.test(help.stdout) &&
    /--media-address/.test(help.stdout), help.stderr);
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  check('--version prints the version', version.status === 0 && /^yuanfang \d+\.\d+\.\d+/.test(version.stdout));

  const badIni = path.join(tmp, 'bad.conf');
  fs.writeFileSync(badIni, '[server]\nprot = 8443\n');
  const bad = spawnSync(bin, ['--config', badIni], { encoding: 'utf8' });
  check('a misspelt key is refused with its name', bad.status !== 0 && /unknown key \[server\] prot/.test(bad.stderr),
    bad.stderr);

  const dataDir = path.join(tmp, 'data');
  const port = await freePort();
  child = await startServer(dataDir, port);
  const keyPath = path.join(dataDir, 'tls', 'key.pem');
  check('first start generates the certificate under the data directory',
    fs.existsSync(path.join(dataDir, 'tls', 'cert.pem')) && fs.existsSync(keyPath));
  check('the private key is readable by the owner only', (fs.statSync(keyPath).mode & 0o077) === 0);

  const health = await get(port, '/healthz');
  let hj = null;
  try { hj = JSON.parse(health.body); } catch { /* checked below */ }
  check('/healthz answers JSON with version and uptime', health.status === 200 && hj && hj.status === 'ok' &&
    /^\d+\.\d+\.\d+$/.test(hj.version) && Number.isInteger(hj.uptime_s), health.body);
  check('/healthz is not cached', /no-store/.test(health.headers['cache-control'] || ''));

  const page = await get(port, '/devtest.html');
  check('the device-test page is served', page.status === 200 && /<html/i.test(page.body));
  const csp = page.headers['content-security-policy'] || '';
  check('pages carry a content security policy: own scripts only, own media (the player), no framing',
    /default-src 'none'/.test(csp) && /script-src 'self'(;|$)/.test(csp) && /media-src 'self'(;|$)/.test(csp) &&
    /frame-ancestors 'none'/.test(csp) && page.headers['x-content-type-options'] === 'nosniff' &&
    page.headers['referrer-policy'] === 'no-referrer' && page.headers['x-frame-options'] === 'deny',
    JSON.stringify(page.headers));
  const missingPage = await get(port, '/no-such-page.html');
  const apiPage = await get(port, '/api/v1/me');
  for (const [what, r] of [['a page of web/', page], ['/healthz', health], ['the 404 page', missingPage], ['the API', apiPage]])
    check(`${what} says Strict-Transport-Security`, /max-age=\d{7,}/.test(r.headers['strict-transport-security'] || ''),
      JSON.stringify(r.headers));
  const smuggle = await rawHttps(port, 'POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
    'Content-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
  check('a request with both Content-Length and Transfer-Encoding is refused (400) and not kept alive',
    /^HTTP\/1\.1 400/.test(smuggle) && /connection: close/i.test(smuggle), smuggle.slice(0, 200));
  const index = await get(port, '/');
  check('/ serves index.html', index.status === 200 && /<html/i.test(index.body));
  const missing = await get(port, '/no-such-file.js');
  check('a missing file is 404', missing.status === 404, String(missing.status));
  for (const p of ['/no-such-page.html', '/a/b/deeper/missing', '/healthz/nope', '/api/nope']) {
    await checkNotFoundPage(port, p);
  }
  const head = await get(port, '/no-such-page.html', 'HEAD');
  check('HEAD of a missing page: 404 without a body', head.status === 404 && head.body === '',
    `${head.status} ${head.body.length}`);
  const apiMissing = await get(port, '/api/v1/no-such-thing');
  let aj = null;
  try { aj = JSON.parse(apiMissing.body); } catch { /* checked below */ }
  check('an unknown API path keeps its JSON 404', apiMissing.status === 404 && aj && aj.error,
    `${apiMissing.status} ${apiMissing.body.slice(0, 120)}`);
  for (const p of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/css/../../CMakeLists.txt']) {
    const r = await get(port, p);
    check(`no escape from web/ via ${p}`, r.status >= 400 && !/root:|cmake_minimum_required/.test(r.body),
      `${r.status} ${r.body.slice(0, 80)}`);
  }
  const fp1 = await certFingerprint(port);

  const stopped = await stopServer(child);
  child = null;
  check('SIGTERM stops the server with exit code 0', stopped.code === 0, JSON.stringify(stopped));

  child = await startServer(dataDir, port);
  const fp2 = await certFingerprint(port);
  check('a restart reuses the generated certificate', fp1 === fp2);

  // A data directory an administrator made beforehand, readable by all: the
  // files the server writes into it are still its user's alone.
  const openDir = path.join(tmp, 'data-open');
  fs.mkdirSync(openDir, { mode: 0o755 });
  fs.chmodSync(openDir, 0o755);
  const port2 = await freePort();
  const second = await startServer(openDir, port2);
  await stopServer(second);
  const loose = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if ((fs.statSync(p).mode & 0o077) !== 0) loose.push(`${path.relative(openDir, p)} ${(fs.statSync(p).mode & 0o777).toString(8)}`);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(openDir);
  check('in a world-readable data directory, every file and folder the server made is its user\'s alone',
    loose.length === 0 && fs.existsSync(path.join(openDir, 'yuanfang.db')), loose.join(', '));

  const busy = spawnSync(bin, ['--data-dir', path.join(tmp, 'data2'), '--listen', '127.0.0.1', '--port', String(port),
    '--web-dir', webDir], { encoding: 'utf8', timeout: 10000 });
  check('a port in use is refused with a clear message', busy.status !== 0 && /cannot listen/.test(busy.stderr),
    busy.stderr);
  const stopped2 = await stopServer(child);
  child = null;
  check('the second run also stops cleanly', stopped2.code === 0, JSON.stringify(stopped2));
} catch (e) {
  check('server test ran to the end', false, e.stack || String(e));
} finally {
  await stopServer(child);
  fs.rmSync(tmp, { recursive: true, force: true });
}
finish('server');

// hostile_rate.test.mjs -- HTTP requests per client address: with
// [server] http_requests_per_address = 5 (50 at once), a burst of 120 REST
// requests and then of page files from one address gets 429 past the bucket,
// with Retry-After, the API's JSON error (too_many_requests) and, for a file,
// a page in Chinese; /healthz is never counted; after Retry-After seconds the
// address is served again; the server stays healthy. Run by CTest with
// YF_SERVER_BIN and YF_WEB_DIR set.
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { apiRequest, check, finish, freePort, sleep, startServerReady, stopServer, tempDirs } from './lib.mjs';

const bin = process.env.YF_SERVER_BIN;
const webDir = process.env.YF_WEB_DIR;
if (!bin || !webDir) {
  console.error('hostile_rate.test: YF_SERVER_BIN and YF_WEB_DIR must be set');
  process.exit(2);
}

let port = 0;
function get(pathname) {
  return new Promise((resolve) => {
    const req = https.get({ host: '127.0.0.1', port, path: pathname, rejectUnauthorized: false, agent: false, timeout: 10000 },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, headers: {}, body: '', error: e.message }));
  });
}
const tally = (rs) => JSON.stringify(rs.reduce((m, r) => ({ ...m, [r.status]: (m[r.status] || 0) + 1 }), {}));

const { tmp, dataDir } = tempDirs('yf-hostile-rate-');
let server = null;
const log = [];
try {
  port = await freePort();
  const conf = path.join(tmp, 'yuanfang.ini');
  fs.writeFileSync(conf, '[server]\nhttp_requests_per_address = 5\n');
  server = await startServerReady(bin, { dataDir, port, webDir, logPath: path.join(tmp, 'server.log'), log,
    extra: ['--config', conf] });

  // ---- REST: 120 at once, in batches of 40 connections ----
  // The bucket refills 5 a second while they run: a loaded machine takes
  // seconds for 120 TLS handshakes, so what passes is judged by the time taken.
  const rest = [];
  const t0 = Date.now();
  for (let i = 0; i < 3; i++) rest.push(...await Promise.all(Array.from({ length: 40 }, () => apiRequest(port, 'GET', '/me'))));
  const took = (Date.now() - t0) / 1000;
  const limited = rest.filter((r) => r.status === 429);
  const passed = rest.filter((r) => r.status === 401).length;
  console.log(`# 120 REST requests in ${took.toFixed(1)} s: ${tally(rest)}`);
  check('a burst of 120 REST requests from one address: the first 50 pass (401: no credential)',
    passed >= 45 && passed + limited.length === 120, tally(rest));
  check(`… and no more than the bucket and its refill (50 + 5 a second × ${took.toFixed(1)} s); the rest are 429`,
    passed <= 50 + Math.ceil(5 * took) + 1 && limited.length >= 1, tally(rest));
  const one = limited[0] || { headers: {}, json: null };
  check('a refused REST request says Retry-After and carries the JSON error too_many_requests',
    Number(one.headers['retry-after']) >= 1 && one.json && one.json.error && one.json.error.code === 'too_many_requests',
    `${one.headers['retry-after']} ${one.raw && one.raw.toString().slice(0, 160)}`);

  // ---- /healthz is not counted ----
  const health = await Promise.all(Array.from({ length: 20 }, () => get('/healthz')));
  check('/healthz is answered while the address is over its rate', health.every((r) => r.status === 200), tally(health));

  // ---- files: refused with a page in Chinese ----
  const files = await Promise.all(Array.from({ length: 60 }, () => get('/css/app.css')));
  const page = files.find((r) => r.status === 429);
  console.log(`# 60 file requests right after: ${tally(files)}`);
  check('a file request over the rate is 429 with Retry-After and a page in Chinese',
    page && Number(page.headers['retry-after']) >= 1 && /请稍后再试/.test(page.body) && /text\/html/.test(page.headers['content-type']),
    page ? `${page.headers['retry-after']} ${page.body.slice(0, 120)}` : tally(files));

  // ---- after Retry-After, served again ----
  const wait = Math.max(...[...limited, ...files.filter((r) => r.status === 429)].map((r) => Number(r.headers['retry-after']) || 1));
  await sleep(wait * 1000 + 300);
  const again = await apiRequest(port, 'GET', '/me');
  const file = await get('/css/app.css');
  check(`after Retry-After (${wait} s) the address is served again`, again.status === 401 && file.status === 200,
    `${again.status} ${file.status}`);
  const lines = log.filter((l) => /refused an HTTP request/.test(l)).length;   // at most one per 10 s
  check('the refusals are logged for the operator (a line per 10 s at most, not one per request)', lines >= 1 && lines <= 3, log.filter((l) => /refused an HTTP/.test(l)).join('\n'));
  check('the server is alive', !server.exitInfo);
  await stopServer(server);
  server = null;
} catch (e) {
  check('no exception', false, `${e.stack}\n${log.slice(-40).join('\n')}`);
} finally {
  await stopServer(server);
  fs.rmSync(tmp, { recursive: true, force: true });
}
finish('hostile_rate');

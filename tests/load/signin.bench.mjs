// signin.bench.mjs -- what sign-ins cost everyone else: the latency of
// GET /healthz (answered on the control thread, like all signaling) while
// idle, then while CLIENTS clients sign in with the right password in a loop
// (each sign-in is one scrypt check, ~100 ms of CPU at the default cost).
// The checks run on the API's login threads, so the control thread should
// stay about as quick as when idle. Prints medians, p95s and their ratio;
// asserts only that every sign-in and every health check was answered.
// Full run: tests/e2e/node tests/load/signin.bench.mjs (YF_SERVER_BIN and
// YF_WEB_DIR set, as CTest does); --quick is shorter.
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { apiRequest, check, createUser, finish, freePort, startServerReady, stopServer, tempDirs } from '../e2e/lib.mjs';

const quick = process.argv.includes('--quick');
const SECONDS = quick ? 3 : 15;
const CLIENTS = 4;
const bin = process.env.YF_SERVER_BIN;
const webDir = process.env.YF_WEB_DIR;
if (!bin || !webDir) {
  console.error('signin.bench: YF_SERVER_BIN and YF_WEB_DIR must be set');
  process.exit(2);
}

const agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false });
function healthz(port) {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve) => {
    https.get({ host: '127.0.0.1', port, path: '/healthz', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ok: res.statusCode === 200, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    }).on('error', () => resolve({ ok: false, ms: NaN }));
  });
}
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };

async function sample(port, ms) {
  const out = [];
  const end = Date.now() + ms;
  let failed = 0;
  while (Date.now() < end) {
    const r = await healthz(port);
    if (r.ok) out.push(r.ms); else failed++;
    await new Promise((res) => setTimeout(res, 20));
  }
  return { out, failed };
}

const { tmp, dataDir } = tempDirs('yf-bench-signin-');
let server = null;
const log = [];
try {
  const port = await freePort();
  createUser(bin, dataDir, { username: 'admin', role: 'admin', password: 'admin-password-1' });
  server = await startServerReady(bin, { dataDir, port, webDir, logPath: path.join(tmp, 'server.log'), log,
    logLevel: 'warning' });
  let r = await apiRequest(port, 'POST', '/auth/login', { body: { username: 'admin', password: 'admin-password-1' } });
  const admin = r.json.token;
  for (let i = 0; i < CLIENTS; i++)
    await apiRequest(port, 'POST', '/staff', { token: admin, body: { username: `u${i}`, display_name: `u${i}`,
      role: 'clerk', password: `u${i}-Password-long` } });
  const idle = await sample(port, SECONDS * 1000);
  let stop = false, signins = 0, refused = 0;
  const loops = Array.from({ length: CLIENTS }, async (_, i) => {
    while (!stop) {
      const x = await apiRequest(port, 'POST', '/auth/login', { body: { username: `u${i}`, password: `u${i}-Password-long` } });
      if (x.status === 200) signins++; else refused++;
    }
  });
  const busy = await sample(port, SECONDS * 1000);
  stop = true;
  await Promise.all(loops);
  const m0 = pct(idle.out, 0.5), m1 = pct(busy.out, 0.5), p0 = pct(idle.out, 0.95), p1 = pct(busy.out, 0.95);
  console.log(`# /healthz idle: median ${m0.toFixed(1)} ms, p95 ${p0.toFixed(1)} ms over ${idle.out.length}`);
  console.log(`# /healthz while ${CLIENTS} clients sign in (${signins} sign-ins in ${SECONDS} s, ${(signins / SECONDS).toFixed(1)}/s): ` +
    `median ${m1.toFixed(1)} ms, p95 ${p1.toFixed(1)} ms over ${busy.out.length}`);
  console.log(`# ratio busy/idle: median ${(m1 / m0).toFixed(2)}, p95 ${(p1 / p0).toFixed(2)}`);
  check('every health check was answered', idle.failed === 0 && busy.failed === 0, `${idle.failed} + ${busy.failed}`);
  check('every sign-in was answered (200, or 503 busy when more wait than the queue takes)', signins > 0,
    `${signins} ok, ${refused} refused`);
} catch (e) {
  check('no exception', false, `${e.stack}\n${log.slice(-40).join('\n')}`);
} finally {
  agent.destroy();
  await stopServer(server);
  fs.rmSync(tmp, { recursive: true, force: true });
}
finish('signin');

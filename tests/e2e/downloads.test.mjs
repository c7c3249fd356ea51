// downloads.test.mjs -- a recording of several MB comes back whole over
// HTTP/2 and HTTP/1.1, whole and by Range, with curl and with Chromium's
// fetch; each download's SHA-256 is compared with the one the API states.
// The recording is a file of random bytes attached to a hearing's row in the
// case store (the server's own download path serves it as it would a
// processed WebM; making a real one is the recording tests' job).
// Run by CTest with YF_SERVER_BIN and YF_WEB_DIR set; needs curl and sqlite3.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS, browserTestPrerequisites, check, finish, startWithAdmin, wrapUp } from './lib.mjs';

// Not a multiple of 16 KiB or of the TLS record size, so the last frame is short.
const SIZE = 6090079;
const sha = (buf) => createHash('sha256').update(buf).digest('hex');

const { bin, webDir, chromium } = await browserTestPrerequisites();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'yf-downloads-'));
const log = [];
let server = null;
let browser = null;
try {
  // HTTP/2 is offered only when [server] http2 is on (docs/config.md).
  const started = await startWithAdmin(bin, webDir, tmp, log, ['--http2']);
  const { api, port, dataDir, admin } = started;
  server = started.server;
  await api('POST', '/staff', { token: admin, body: { username: 'pros', display_name: '检察官', role: 'prosecutor',
    password: 'pros-password-1' } });
  let r = await api('POST', '/auth/login', { body: { username: 'pros', password: 'pros-password-1' } });
  const token = r.json.token;
  r = await api('POST', '/cases', { token, body: { case_no: 'D-1', type: 'accusation', channel: 'visit', petitioner: '张三' } });
  const caseId = r.json.id;
  r = await api('POST', `/cases/${caseId}/appointments`, { token, body: {
    starts_at: new Date(Date.now() + 3600e3).toISOString(), invitees: [{ name: '张三', role: 'petitioner' }] } });
  r = await api('POST', `/appointments/${r.json.appointment.id}/hearings`, { token, body: {} });
  check('test setup: a hearing', r.status === 201, `${r.status}`);
  const hearingId = r.json.id;

  const body = randomBytes(SIZE);
  const file = path.join(tmp, 'p1.webm');
  fs.writeFileSync(file, body);
  const want = sha(body);
  const ins = spawnSync('sqlite3', [path.join(dataDir, 'yuanfang.db'), 'INSERT INTO recordings(hearing_id, path, ' +
    `size_bytes, duration_ms, sha256, created_ms) VALUES (${hearingId}, '${file}', ${SIZE}, 20000, X'${want}', ` +
    `${Date.now()});`], { encoding: 'utf8' });
  check('test setup: a recording attached to the hearing', ins.status === 0, ins.stderr);
  r = await api('GET', `/hearings/${hearingId}/recordings`, { token });
  const rec = r.json && r.json.items && r.json.items[0];
  check('the API lists the recording with its size and SHA-256', rec && rec.size_bytes === SIZE && rec.sha256 === want,
    JSON.stringify(rec));
  const url = `https://127.0.0.1:${port}${rec.download_url}`;

  // ---- curl: HTTP/2 and HTTP/1.1, whole, a middle range, a range to the end ----
  const ranges = [[null, body], ['1000-3000999', body.subarray(1000, 3001000)], ['6000000-', body.subarray(6000000)]];
  for (const proto of ['--http2', '--http1.1']) {
    for (const [range, part] of ranges) {
      const out = path.join(tmp, 'out.bin');
      fs.rmSync(out, { force: true });
      const args = ['-sk', proto, '-o', out, '-w', '%{http_code} %{http_version}', '-H', `authorization: Bearer ${token}`];
      if (range) args.push('-r', range);
      const c = spawnSync('curl', [...args, url], { encoding: 'utf8' });
      const got = fs.existsSync(out) ? fs.readFileSync(out) : Buffer.alloc(0);
      const [code, version] = c.stdout.split(' ');
      check(`curl ${proto} ${range ? `Range ${range}` : 'whole'}: ${range ? 206 : 200} over HTTP/${proto === '--http2' ? 2 : 1.1}, ` +
        `${part.length} bytes, SHA-256 matches`, c.status === 0 && code === String(range ? 206 : 200) &&
        version === (proto === '--http2' ? '2' : '1.1') && got.length === part.length && sha(got) === sha(part),
      `curl exit ${c.status}, ${c.stdout}, ${got.length} bytes`);
    }
  }

  // ---- Chromium's fetch (HTTP/2 through ALPN), whole and by Range ----
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
  await page.goto(`https://127.0.0.1:${port}/`);
  for (const [range, part] of ranges) {
    const got = await page.evaluate(async ({ u, t, rg }) => {
      const headers = { authorization: `Bearer ${t}` };
      if (rg) headers.range = `bytes=${rg}`;
      try {
        const res = await fetch(u, { headers, cache: 'no-store' });
        const buf = await res.arrayBuffer();
        const d = new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
        const proto = performance.getEntriesByType('resource').filter((e) => e.name === u).pop();
        return { status: res.status, len: buf.byteLength, sha: [...d].map((b) => b.toString(16).padStart(2, '0')).join(''),
          proto: proto ? proto.nextHopProtocol : '' };
      } catch (e) {
        return { error: String(e) };
      }
    }, { u: url, t: token, rg: range });
    check(`Chromium fetch ${range ? `Range ${range}` : 'whole'} over ${got.proto || '?'}: ${part.length} bytes, SHA-256 matches`,
      !got.error && got.status === (range ? 206 : 200) && got.len === part.length && got.sha === sha(part) &&
      got.proto === 'h2', JSON.stringify(got));
  }
} catch (e) {
  check('downloads test ran to the end', false, e.stack || String(e));
} finally {
  if (browser) await browser.close().catch(() => {});
  await wrapUp({ server, tmp, serverLog: log });
}
finish('downloads');

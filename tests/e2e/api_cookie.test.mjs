// api_cookie.test.mjs -- the staff console's session over the REST API,
// against the real server, over HTTP/1.1 and HTTP/2 (what browsers speak to
// it): sign-in with {"cookie": true} sets an HttpOnly, Secure, SameSite=Strict
// cookie limited to /api/v1 and gives the CSRF token instead of a bearer
// token; GET /me gives the token again (after a reload); a change without the
// token, with a wrong one or from another site's page is 403 and changes
// nothing; logout revokes the session and clears the cookie; a dead cookie is
// 401 and cleared; Bearer clients are not affected. Run by CTest with
// YF_SERVER_BIN and YF_WEB_DIR set.
import fs from 'node:fs';
import http2 from 'node:http2';
import path from 'node:path';
import { apiRequest, check, createUser, finish, freePort, startServerReady, stopServer, tempDirs } from './lib.mjs';

const bin = process.env.YF_SERVER_BIN;
const webDir = process.env.YF_WEB_DIR;
if (!bin || !webDir) {
  console.error('api_cookie.test: YF_SERVER_BIN and YF_WEB_DIR must be set');
  process.exit(2);
}

let port = 0;
const api = (method, pathname, opts) => apiRequest(port, method, pathname, opts);
const errCode = (r) => r.json && r.json.error && r.json.error.code;
const show = (r) => `${r.status} ${r.raw.toString('utf8').slice(0, 300)}`;
const cookieOf = (r) => [].concat(r.headers['set-cookie'] || []).join('\n');
const sessionIn = (setCookie) => (/yf_session=([^;]*)/.exec(setCookie) || [])[1];

/** One request over HTTP/2, like a browser's fetch (which always states the
 * body's Content-Length). */
function h2Request(method, pathname, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const client = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
    client.on('error', reject);
    const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const req = client.request({ ':method': method, ':path': `/api/v1${pathname}`, ...headers,
      ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) });
    const chunks = [];
    let head = {};
    req.on('response', (h) => { head = h; });
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      client.close();
      const raw = Buffer.concat(chunks);
      let json = null;
      try { json = JSON.parse(raw.toString('utf8')); } catch { /* not JSON */ }
      resolve({ status: head[':status'], headers: head, raw, json });
    });
    req.on('error', reject);
    if (payload) req.end(payload); else req.end();
  });
}

const { tmp, dataDir } = tempDirs('yf-api-cookie-');
let server = null;
const log = [];
try {
  port = await freePort();
  const made = createUser(bin, dataDir, { username: 'admin', role: 'admin', password: 'admin-password-1' });
  check('test setup: the first admin', made.status === 0, made.stderr);
  server = await startServerReady(bin, { dataDir, port, webDir, logPath: path.join(tmp, 'server.log'), log,
    extra: ['--http2'] });   // HTTP/2 only when [server] http2 is on (docs/config.md)
  const origin = `https://127.0.0.1:${port}`;
  const login = { username: 'admin', password: 'admin-password-1', cookie: true };

  let r = await api('POST', '/auth/login', { body: login, headers: { origin } });
  const set = cookieOf(r);
  const sid = sessionIn(set);
  check('sign-in with cookie:true sets the session cookie', r.status === 200 && sid && sid.length === 43, show(r));
  check('… HttpOnly, Secure, SameSite=Strict, only for /api/v1, for the 12-hour session',
    /HttpOnly/.test(set) && /Secure/.test(set) && /SameSite=Strict/.test(set) && /Path=\/api\/v1;/.test(set) &&
    /Max-Age=43200/.test(set), set);
  check('… and gives the CSRF token, not the session token, in the body', r.json && /^[0-9a-f]{64}$/.test(r.json.csrf) &&
    !('token' in r.json) && !r.raw.toString().includes(sid), show(r));
  const csrf = r.json.csrf;
  const cookie = `theme=dark; yf_session=${sid}`;

  r = await api('GET', '/me', { headers: { cookie } });
  check('GET /me with the cookie names the account and gives the same CSRF token', r.status === 200 &&
    r.json.staff.username === 'admin' && r.json.csrf === csrf, show(r));
  r = await h2Request('GET', '/me', { headers: { cookie } });
  check('… over HTTP/2 too', r.status === 200 && r.json.csrf === csrf, show(r));

  const staff = (n) => ({ username: n, display_name: '书记员', role: 'clerk', password: `${n}-Password-9` });
  r = await api('POST', '/staff', { headers: { cookie }, body: staff('c1') });
  check('a change without X-Auth-Token is 403 csrf', r.status === 403 && errCode(r) === 'csrf', show(r));
  r = await api('POST', '/staff', { headers: { cookie, 'x-auth-token': csrf.replace(/.$/, (c) => (c === '0' ? '1' : '0')) },
    body: staff('c1') });
  check('… with a wrong token is 403 csrf', r.status === 403 && errCode(r) === 'csrf', show(r));
  r = await api('POST', '/staff', { headers: { cookie, 'x-auth-token': csrf, origin: 'https://evil.example' }, body: staff('c1') });
  check('… from another site\'s page (Origin) is 403, even with the token', r.status === 403 && errCode(r) === 'forbidden', show(r));
  r = await api('GET', '/staff', { headers: { cookie } });
  check('… and none of them made an account', r.status === 200 && r.json.items.length === 1, show(r));
  r = await api('POST', '/staff', { headers: { cookie, 'x-auth-token': csrf, origin }, body: staff('c1') });
  check('with the token over HTTP/1.1 the change is made', r.status === 201, show(r));
  r = await h2Request('POST', '/staff', { headers: { cookie, 'x-auth-token': csrf, origin }, body: staff('c2') });
  check('with the token over HTTP/2 the change is made', r.status === 201, show(r));
  r = await h2Request('POST', '/staff', { headers: { cookie }, body: staff('c3') });
  check('… and without it over HTTP/2 it is 403 csrf', r.status === 403 && errCode(r) === 'csrf', show(r));

  r = await api('POST', '/auth/login', { body: login, headers: { origin: 'https://evil.example' } });
  check('a cookie sign-in from another site\'s page is 403 and sets no cookie', r.status === 403 && !cookieOf(r), show(r));

  r = await api('POST', '/auth/login', { body: { username: 'admin', password: 'admin-password-1' } });
  const bearer = r.json && r.json.token;
  check('sign-in without cookie still gives a bearer token and sets no cookie', r.status === 200 && bearer && !cookieOf(r), show(r));
  r = await api('POST', '/staff', { token: bearer, body: staff('c4') });
  check('a Bearer client needs no CSRF token', r.status === 201, show(r));
  r = await api('GET', '/me', { headers: { cookie, authorization: 'Bearer not-a-session' } });
  check('an Authorization header wins over the cookie', r.status === 401, show(r));

  r = await api('POST', '/auth/logout', { headers: { cookie }, body: {} });
  check('logout with the cookie needs the CSRF token too', r.status === 403 && errCode(r) === 'csrf', show(r));
  r = await api('POST', '/auth/logout', { headers: { cookie, 'x-auth-token': csrf, origin }, body: {} });
  check('logout ends the session and clears the cookie', r.status === 200 && /yf_session=;.*Max-Age=0/.test(cookieOf(r)), show(r));
  r = await api('GET', '/me', { headers: { cookie } });
  check('the old cookie is 401 afterwards, and cleared again', r.status === 401 && /Max-Age=0/.test(cookieOf(r)), show(r));
  r = await api('GET', '/me', { token: bearer });
  check('the bearer session of the same account lives on', r.status === 200, show(r));
  r = await api('GET', '/me', { headers: { cookie: `yf_session=${'a'.repeat(300)}` } });
  check('an over-long cookie is no session (401)', r.status === 401, show(r));
} catch (e) {
  check('no exception', false, `${e.stack}\n${log.slice(-40).join('\n')}`);
} finally {
  await stopServer(server);
  fs.rmSync(tmp, { recursive: true, force: true });
}
finish('api_cookie');

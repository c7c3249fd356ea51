// api_slip.test.mjs -- the printable invitation slip over the REST API,
// against the real server: right after scheduling, the prosecutor gets each
// invitee's slip as a PDF (POST /invitations/{id}/slip with the token the
// appointment's reply gave); its text names the invitee and the case, and its
// QR code, read by zbarimg as a phone would, is the join link exactly. A
// wrong or revoked token, another invitee's token, a prosecutor of another
// case and an invitee are refused; each slip is in the audit log. Run by CTest
// with YF_SERVER_BIN and YF_WEB_DIR set; exit 77 without poppler-utils or
// zbar-tools (setup.sh installs both).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { apiRequest, check, createUser, finish, freePort, startServerReady, stopServer, tempDirs } from './lib.mjs';

const bin = process.env.YF_SERVER_BIN;
const webDir = process.env.YF_WEB_DIR;
if (!bin || !webDir) {
  console.error('api_slip.test: YF_SERVER_BIN and YF_WEB_DIR must be set');
  process.exit(2);
}
for (const tool of ['pdftotext', 'pdftoppm', 'zbarimg']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.log(`# ${tool} is missing (scripts/setup.sh installs it): skipped`);
    process.exit(77);
  }
}

let port = 0;
const api = (method, pathname, opts) => apiRequest(port, method, pathname, opts);
const errCode = (r) => r.json && r.json.error && r.json.error.code;
const show = (r) => `${r.status} ${r.raw.toString('utf8').slice(0, 300)}`;

const { tmp, dataDir } = tempDirs('yf-api-slip-');
let server = null;
const log = [];
try {
  port = await freePort();
  createUser(bin, dataDir, { username: 'admin', role: 'admin', password: 'admin-password-1' });
  server = await startServerReady(bin, { dataDir, port, webDir, logPath: path.join(tmp, 'server.log'), log });
  let r = await api('POST', '/auth/login', { body: { username: 'admin', password: 'admin-password-1' } });
  const T = { admin: r.json.token };
  for (const name of ['wang', 'li']) {
    await api('POST', '/staff', { token: T.admin, body: { username: name, display_name: `${name === 'wang' ? '王' : '李'}检察官`,
      role: 'prosecutor', password: `${name}-Password-9` } });
    r = await api('POST', '/auth/login', { body: { username: name, password: `${name}-Password-9` } });
    T[name] = r.json.token;
  }
  r = await api('POST', '/cases', { token: T.wang, body: { case_no: '京检控〔2026〕7号', type: 'accusation',
    channel: 'video', petitioner: '张三' } });
  const kase = r.json;
  r = await api('POST', `/cases/${kase.id}/appointments`, { token: T.wang, body: {
    starts_at: '2026-12-08T09:30:00+08:00', kind: 'public_hearing', invitees: [{ name: '张三', role: 'petitioner' }, { name: '赵律师', role: 'agent' }] } });
  check('test setup: an appointment with two invitees', r.status === 201, show(r));
  const [pet, lawyer] = r.json.invitations;

  r = await api('POST', `/invitations/${pet.id}/slip`, { token: T.wang, body: { token: pet.token } });
  check('the prosecutor gets the petitioner\'s slip as a PDF', r.status === 200 &&
    r.headers['content-type'] === 'application/pdf' && r.raw.subarray(0, 5).toString() === '%PDF-' &&
    /attachment; filename="invitation-\d+\.pdf"/.test(r.headers['content-disposition'] || ''), show(r));
  const pdf = path.join(tmp, 'slip.pdf');
  fs.writeFileSync(pdf, r.raw);
  const text = spawnSync('pdftotext', ['-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' }).stdout || '';
  check('the slip names the invitee, the role, the case, the time, the host and what the appointment is for',
    ['张三（信访人）', '京检控〔2026〕7号', '2026年12月8日（星期二）09:30', '王检察官', '远程视频检察听证邀请函']
      .every((s) => text.includes(s)), text);
  spawnSync('pdftoppm', ['-png', '-r', '150', '-singlefile', pdf, path.join(tmp, 'slip')]);
  const qr = spawnSync('zbarimg', ['--quiet', '--raw', path.join(tmp, 'slip.png')], { encoding: 'utf8' });
  check('its QR code is the join link exactly', qr.stdout.trim() === pet.join_url, `${qr.stdout} vs ${pet.join_url}`);

  r = await api('POST', `/invitations/${pet.id}/qr`, { token: T.wang, body: { token: pet.token } });
  check('the QR code alone is a PNG', r.status === 200 && r.headers['content-type'] === 'image/png' &&
    r.raw.subarray(1, 4).toString() === 'PNG', show(r));
  fs.writeFileSync(path.join(tmp, 'qr.png'), r.raw);
  const qr2 = spawnSync('zbarimg', ['--quiet', '--raw', path.join(tmp, 'qr.png')], { encoding: 'utf8' });
  check('… that reads as the join link', qr2.stdout.trim() === pet.join_url, qr2.stdout);
  r = await api('POST', `/invitations/${pet.id}/qr`, { token: T.li, body: { token: pet.token } });
  check('… and not for a prosecutor of another case (403)', r.status === 403, show(r));
  r = await api('POST', `/invitations/${pet.id}/slip`, { token: T.wang, body: { token: lawyer.token } });
  check('another invitee\'s token is refused (400)', r.status === 400 && errCode(r) === 'bad_request', show(r));
  r = await api('POST', `/invitations/${pet.id}/slip`, { token: T.wang, body: { token: 'x'.repeat(43) } });
  check('an unknown token is refused (400)', r.status === 400, show(r));
  r = await api('POST', `/invitations/${pet.id}/slip`, { token: T.li, body: { token: pet.token } });
  check('a prosecutor of another case is refused (403)', r.status === 403, show(r));
  r = await api('POST', `/invitations/${pet.id}/slip`, { inv: pet.token, body: { token: pet.token } });
  check('an invitee cannot make slips (403)', r.status === 403, show(r));
  r = await api('POST', `/invitations/${pet.id}/slip`, { token: T.wang, body: { token: pet.token, extra: 1 } });
  check('an unknown field is 400', r.status === 400, show(r));
  r = await api('GET', '/audit?action=invitation.slip', { token: T.admin });
  check('the slip is in the audit log, once', r.status === 200 && r.json.items.length === 1, show(r));
} catch (e) {
  check('no exception', false, `${e.stack}\n${log.slice(-40).join('\n')}`);
} finally {
  await stopServer(server);
  fs.rmSync(tmp, { recursive: true, force: true });
}
finish('api_slip');

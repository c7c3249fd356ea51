// hostile_files.test.mjs -- what the static files of web_dir can no longer
// hand out: a symbolic link under web_dir that leads out of it (relative by
// "..", absolute, to a directory outside, to /etc/passwd) is answered 404 like
// a missing file and its target's bytes never leave; a FIFO under web_dir is
// refused without stalling the server. Links that stay inside web_dir are
// served, and web_dir may itself be a link. Run by CTest with YF_SERVER_BIN
// and YF_WEB_DIR set.
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { check, finish, freePort, startServerReady, stopServer, tempDirs } from './lib.mjs';

const bin = process.env.YF_SERVER_BIN;
const webDir = process.env.YF_WEB_DIR;
if (!bin || !webDir) {
  console.error('hostile_files.test: YF_SERVER_BIN and YF_WEB_DIR must be set');
  process.exit(2);
}

let port = 0;
/** GET pathname from the server: { status, body } or { error } after timeoutMs. */
function get(pathname, timeoutMs = 5000) {
  return new Promise((resolve) => {
    const req = https.get({ host: '127.0.0.1', port, path: pathname, rejectUnauthorized: false, agent: false,
      timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: '', error: e.message }));
  });
}

const { tmp, dataDir } = tempDirs('yf-hostile-files-');
let server = null;
const log = [];
try {
  // The site: a real folder, named to the server through a link.
  const real = path.join(tmp, 'site-real');
  const site = path.join(tmp, 'site');
  fs.mkdirSync(path.join(real, 'css'), { recursive: true });
  fs.mkdirSync(path.join(real, 'sub'));
  fs.copyFileSync(path.join(webDir, 'index.html'), path.join(real, 'index.html'));
  fs.copyFileSync(path.join(webDir, 'css', 'app.css'), path.join(real, 'css', 'app.css'));
  fs.symlinkSync(real, site);
  // What lies outside.
  const SECRET = 'SECRET-OUTSIDE-WEB-DIR';
  fs.writeFileSync(path.join(tmp, 'secret.txt'), SECRET);
  fs.mkdirSync(path.join(tmp, 'secretdir'));
  fs.writeFileSync(path.join(tmp, 'secretdir', 'secret.txt'), SECRET);
  fs.writeFileSync(path.join(dataDir, 'planted.txt'), SECRET);
  // Links that stay inside, and links that lead out.
  fs.symlinkSync('index.html', path.join(real, 'inside.html'));
  fs.symlinkSync('../index.html', path.join(real, 'sub', 'up.html'));
  fs.symlinkSync('../secret.txt', path.join(real, 'out.txt'));
  fs.symlinkSync('../../secret.txt', path.join(real, 'sub', 'out2.txt'));
  fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(real, 'abs.txt'));
  fs.symlinkSync('../secretdir', path.join(real, 'outdir'));
  fs.symlinkSync('../data', path.join(real, 'data'));
  fs.symlinkSync('/etc/passwd', path.join(real, 'passwd.txt'));
  fs.symlinkSync(path.join(real, 'index.html'), path.join(real, 'abs-inside.html'));
  const fifo = spawnSync('mkfifo', [path.join(real, 'pipe.txt')]);
  check('test setup: a FIFO under web_dir', fifo.status === 0, String(fifo.stderr));

  port = await freePort();
  server = await startServerReady(bin, { dataDir, port, webDir: site, logPath: path.join(tmp, 'server.log'), log });
  const index = fs.readFileSync(path.join(real, 'index.html'), 'utf8');

  const root = await get('/');
  check('web_dir given as a link: / is served', root.status === 200 && root.body === index, `${root.status}`);
  for (const p of ['/inside.html', '/sub/up.html']) {
    const r = await get(p);
    check(`a link that stays inside web_dir is served: ${p}`, r.status === 200 && r.body === index, `${r.status} ${r.error || ''}`);
  }
  for (const p of ['/out.txt', '/sub/out2.txt', '/abs.txt', '/outdir/secret.txt', '/data/planted.txt', '/passwd.txt',
    '/abs-inside.html']) {
    const r = await get(p);
    check(`a link that leads out of web_dir (or is absolute) is 404: ${p}`,
      r.status === 404 && !r.body.includes(SECRET) && !r.body.includes('root:') && r.body.includes('页面不存在'),
      `${r.status} ${r.error || ''} ${r.body.slice(0, 80)}`);
  }
  const t0 = Date.now();
  const pipe = await get('/pipe.txt', 4000);
  check('a FIFO under web_dir is refused at once (404), not waited on', pipe.status === 404 && Date.now() - t0 < 3000,
    `${pipe.status} ${pipe.error || ''} after ${Date.now() - t0} ms`);
  const health = await get('/healthz');
  check('the server still answers /healthz afterwards', health.status === 200 && !server.exitInfo, `${health.status} ${health.error || ''}`);
  check('the refusal is logged for the operator', log.some((l) => /refused to serve .* leads out of web_dir/.test(l)),
    log.slice(-10).join('\n'));
  await stopServer(server);
  server = null;
} catch (e) {
  check('no exception', false, `${e.stack}\n${log.slice(-40).join('\n')}`);
} finally {
  await stopServer(server);
  fs.rmSync(tmp, { recursive: true, force: true });
}
finish('hostile_files');

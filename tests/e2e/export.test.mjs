// export.test.mjs -- a recording's watermarked export for someone outside the
// case, against the real server: a hearing ends and its files are filed (a
// VP8/Opus composite and an audio-only participant file, made here
// with GStreamer and put in the store as the recorder does); over the REST API
// the roles that may not export are refused (clerk, viewer, admin), bad bodies
// get 400, the prosecutor's export runs as a job (202, queued → processing →
// done with progress), its download is the file whose hash the export reports
// and plays with a picture and the input's length, the original's hash is
// unchanged, the audit log has the request, the result with its hash and the
// download, the audio-only file gets a picture (the card), the queue cap says
// 503 with Retry-After, an export a server stop cut short is made again after
// the start. Then in the console at 1366×768: 导出给他人 → the form →
// the progress bar → 下载副本 → the list of copies; a viewer sees the list and
// no export button. Screenshots in the temp dir (YF_E2E_KEEP=1 keeps it).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS, apiRequest, browserTestPrerequisites, check, createUser, finish, freePort, sleep,
  startServerReady, stopServer, tempDirs, wrapUp } from './lib.mjs';

const VIEW = { width: 1366, height: 768 };
const PASS = { admin: 'admin-password-1', pros: 'spring-river-2024', clerk: 'autumn-moon-2024', viewer: 'quiet-lake-2024' };
const serverLog = [];
const pageLog = [];
const shots = [];
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
const errCode = (r) => r.json && r.json.error && r.json.error.code;
const show = (r) => `${r.status} ${r.raw.toString('utf8').slice(0, 300)}`;

let tmp = '';
let port = 0;

function gst(args) {
  const r = spawnSync('gst-launch-1.0', ['-q', ...args], { encoding: 'utf8', timeout: 120000 });
  return r.status === 0 ? '' : `${r.stderr}${r.stdout}`;
}

/** A composite like the recorder's (VP8 25 fps + Opus; 960×540 rather than
 * 1280×720, to spare a shared 2-core machine), seconds long. */
function makeComposite(path, seconds) {
  return gst(['videotestsrc', `num-buffers=${seconds * 25}`, 'pattern=smpte', '!',
    'video/x-raw,width=960,height=540,framerate=25/1', '!', 'vp8enc', 'deadline=1', 'cpu-used=16', 'threads=2',
    'target-bitrate=1500000', '!', 'webmmux', 'name=m', '!', 'filesink', `location=${path}`,
    'audiotestsrc', `num-buffers=${seconds * 50}`, 'samplesperbuffer=960', '!', 'audio/x-raw,rate=48000,channels=2', '!',
    'opusenc', '!', 'm.']);
}

function makeAudioOnly(path, seconds) {
  return gst(['audiotestsrc', `num-buffers=${seconds * 50}`, 'samplesperbuffer=960', '!',
    'audio/x-raw,rate=48000,channels=1', '!', 'opusenc', '!', 'webmmux', '!', 'filesink', `location=${path}`]);
}

function discover(path) {
  const out = spawnSync('gst-discoverer-1.0', ['-v', path], { encoding: 'utf8', timeout: 60000 });
  const text = `${out.stdout}${out.stderr}`;
  const d = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(text);
  return { ok: out.status === 0, seconds: d ? Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]) : -1,
    vp8: /video\/x-vp8|VP8/.test(text), opus: /audio\/x-opus|Opus/.test(text) };
}

async function shot(page, name) {
  const path = join(tmp, `export-${name}.png`);
  await page.screenshot({ path });
  shots.push(path);
  console.log(`# screenshot: ${path}`);
}

/** What a person must never see: ISO timestamps, JSON, ids, codes, i18n keys. */
async function checkPlain(page, screen) {
  const text = await page.locator('body').innerText();
  const bad = [/\d{4}-\d{2}-\d{2}T\d{2}:/, /[{[]\s*"/, /\bstaff:\d+/, /\brecording:\d+/, /\.\d{3}Z/, /\bundefined\b/,
    /\bnull\b/, /\bNaN\b/, /\b(bad_request|unauthorized|forbidden|not_found|conflict|busy)\b/, /\b[0-9a-f]{64}\b/,
    /\b(exp|part|rec|case|act|common|err)\.[a-zA-Z]+/].filter((re) => re.test(text));
  check(`${screen}: nothing raw on screen`, !bad.length, bad.map((re) => `${re} in: ${(text.match(re) || [''])[0]}`).join('; '));
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('main input, main select, main textarea')]
    .filter((el) => el.type !== 'hidden' && !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
    .map((el) => el.name || el.id));
  check(`${screen}: every field has a label`, !unlabelled.length, unlabelled.join(', '));
}

async function waitExport(api, token, id, timeoutMs = 240000) {
  const seen = [];
  const until = Date.now() + timeoutMs;
  let r;
  do {
    r = await api('GET', `/exports/${id}`, { token });
    if (r.status !== 200) return { r, seen };
    seen.push(`${r.json.state}:${r.json.progress}`);
    if (r.json.state === 'done' || r.json.state === 'failed') return { r, seen };
    await sleep(200);
  } while (Date.now() < until);
  return { r, seen };
}

// ---- set-up: accounts, a case, a hearing that ended, its files -------------------

async function setUp(api, dataDir) {
  const T = {};
  const ids = {};
  let r = await api('POST', '/auth/login', { body: { username: 'admin', password: PASS.admin } });
  T.admin = r.json.token;
  for (const [u, role, name] of [['wang.jc', 'prosecutor', '王检察官'], ['li.sj', 'clerk', '李书记员'],
    ['zhao.cy', 'viewer', '赵查阅']]) {
    const key = { prosecutor: 'pros', clerk: 'clerk', viewer: 'viewer' }[role];
    r = await api('POST', '/staff', { token: T.admin, body: { username: u, display_name: name, role, password: PASS[key] } });
    ids[key] = r.json && r.json.id;
    r = await api('POST', '/auth/login', { body: { username: u, password: PASS[key] } });
    T[key] = r.json && r.json.token;
  }
  check('set-up: prosecutor, clerk and viewer signed in', T.pros && T.clerk && T.viewer);
  r = await api('POST', '/cases', { token: T.pros, body: { case_no: '京检控〔2026〕88号', type: 'appeal', channel: 'visit',
    petitioner: '张三' } });
  const kase = r.json;
  r = await api('POST', `/cases/${kase.id}/appointments`, { token: T.pros, body: {
    starts_at: new Date(Date.now() + 3600e3).toISOString(), invitees: [{ name: '张三', role: 'petitioner' }] } });
  const appt = r.json.appointment;
  r = await api('POST', `/appointments/${appt.id}/hearings`, { token: T.pros, body: {} });
  const H = r.json;
  await api('POST', `/hearings/${H.id}/participants`, { token: T.pros, body: { staff_id: ids.clerk } });
  r = await api('POST', `/hearings/${H.id}/end`, { token: T.pros, body: {} });
  check('set-up: a hearing started and ended', r.status === 200, show(r));
  r = await api('GET', `/hearings/${H.id}`, { token: T.pros });
  const prosPid = r.json.participants.find((p) => p.staff_id === ids.pros).id;

  const out = join(dataDir, 'recordings', `h${H.id}`, 'out');
  fs.mkdirSync(out, { recursive: true });
  const comp = join(out, 'composite.webm');
  const audio = join(out, 'p1.webm');
  const e1 = makeComposite(comp, 20);
  const e2 = makeAudioOnly(audio, 6);
  check('set-up: GStreamer made the composite and an audio-only file', !e1 && !e2, e1 + e2);
  const sql = [];
  for (const [file, pid] of [[comp, 'NULL'], [audio, prosPid]]) {
    const bytes = fs.readFileSync(file);
    sql.push(`INSERT INTO recordings (hearing_id, participant_id, path, size_bytes, duration_ms, sha256, created_ms)
      VALUES (${H.id}, ${pid}, '${file.slice(dataDir.length + 1)}', ${bytes.length}, ${file === comp ? 20000 : 6000},
      X'${sha256(bytes)}', ${Date.now()});`);
  }
  const ins = spawnSync('sqlite3', [join(dataDir, 'yuanfang.db'), sql.join('\n')], { encoding: 'utf8' });
  check('set-up: the files are filed as the recorder files them', ins.status === 0, ins.stderr);
  r = await api('GET', `/hearings/${H.id}/recordings`, { token: T.pros });
  const recs = r.json.items;
  return { T, ids, kase, H, comp, audio, compId: recs.find((x) => x.kind === 'composite').id,
    audioId: recs.find((x) => x.kind === 'participant').id };
}

// ---- the API -----------------------------------------------------------------------

async function apiPart(api, dataDir, s) {
  const { T } = s;
  const compHash = sha256(fs.readFileSync(s.comp));
  const body = { recipient: '李律师', organisation: '某某律师事务所', purpose: '申诉代理阅卷' };
  let r;
  for (const who of ['clerk', 'viewer', 'admin']) {
    r = await api('POST', `/recordings/${s.compId}/exports`, { token: T[who], body });
    check(`${who} may not export (403)`, r.status === 403 && errCode(r) === 'forbidden', show(r));
  }
  for (const [what, b] of [['no recipient', { purpose: 'x' }], ['a blank recipient', { recipient: '   ' }],
    ['a recipient of 101 characters', { recipient: '李'.repeat(101) }], ['a line break', { recipient: '李律师\n伪造' }],
    ['an unknown field', { recipient: '李律师', to: 'x' }]]) {
    r = await api('POST', `/recordings/${s.compId}/exports`, { token: T.pros, body: b });
    check(`${what}: 400 bad_request`, r.status === 400 && errCode(r) === 'bad_request', show(r));
  }
  r = await api('POST', '/recordings/99999/exports', { token: T.pros, body });
  check('an unknown recording: 404', r.status === 404, show(r));

  r = await api('POST', `/recordings/${s.compId}/exports`, { token: T.pros, body });
  const x = r.json || {};
  check('the prosecutor asks for an export: 202 with the item', r.status === 202 && ['queued', 'processing'].includes(x.state) &&
    x.recipient === '李律师' && x.organisation === '某某律师事务所' && x.purpose === '申诉代理阅卷' &&
    x.recording_id === s.compId && x.hearing_id === s.H.id && x.requested_by_name === '王检察官' &&
    !Number.isNaN(Date.parse(x.created_at)) && x.sha256 === null && x.download_url === null, show(r));
  r = await api('GET', `/exports/${x.id}/download`, { token: T.pros });
  check('downloading before it is done: 409 not_ready', r.status === 409 && errCode(r) === 'not_ready', show(r));
  const { r: done, seen } = await waitExport(api, T.pros, x.id);
  console.log(`# export progress seen: ${seen.join(' ')}`);
  const e = done.json || {};
  check('the export ends done with its size and hash', e.state === 'done' && e.progress === 1 &&
    /^[0-9a-f]{64}$/.test(e.sha256) && e.size_bytes > 0 && !Number.isNaN(Date.parse(e.finished_at)) &&
    e.download_url === `/api/v1/exports/${x.id}/download`, show(done));
  const mid = seen.filter((v) => v.startsWith('processing:')).map((v) => Number(v.split(':')[1]));
  check('progress was reported between 0 and 1 while it ran, never going back', mid.length > 0 &&
    mid.every((p, i) => p >= 0 && p <= 1 && (i === 0 || p >= mid[i - 1])) && mid.some((p) => p > 0 && p < 1), seen.join(' '));

  r = await api('GET', `/exports/${x.id}/download`, { token: T.pros });
  check('the download is the file the export names by hash', r.status === 200 &&
    /attachment; filename="export-\d+\.webm"/.test(r.headers['content-disposition'] || '') &&
    r.headers['content-type'] === 'video/webm' && sha256(r.raw) === e.sha256 && r.raw.length === e.size_bytes,
  `${r.status} ${r.headers['content-disposition']} ${r.raw.length}`);
  const got = join(tmp, 'downloaded.webm');
  fs.writeFileSync(got, r.raw);
  const d = discover(got);
  check('the export plays: VP8 video and Opus audio, the input\'s 20 s (±0.3 s)', d.ok && d.vp8 && d.opus &&
    Math.abs(d.seconds - 20) <= 0.3, JSON.stringify({ ...d }));
  r = await api('GET', `/exports/${x.id}/download`, { token: T.pros, headers: { range: 'bytes=0-99' } });
  check('the download takes a range (206)', r.status === 206 && r.raw.length === 100,
    `${r.status} ${r.raw.length} bytes, ${r.headers['content-range']}`);
  check('the original recording is unchanged (same SHA-256)', sha256(fs.readFileSync(s.comp)) === compHash);
  const onDisk = join(dataDir, 'recordings', `h${s.H.id}`, 'exports', `export-${x.id}.webm`);
  const st = fs.existsSync(onDisk) ? fs.statSync(onDisk) : null;
  check('the export lies under the hearing\'s exports/, mode 0600, no .part left', st && (st.mode & 0o777) === 0o600 &&
    !fs.existsSync(`${onDisk}.part`), st ? (st.mode & 0o777).toString(8) : 'missing');

  r = await api('GET', `/exports/${x.id}/download`, { token: T.viewer });
  check('a viewer may not download an export (403)', r.status === 403, show(r));
  r = await api('GET', `/exports/${x.id}`, { token: T.viewer });
  check('a viewer sees the export (recording.read)', r.status === 200 && r.json.recipient === '李律师', show(r));
  r = await api('GET', `/recordings/${s.compId}/exports`, { token: T.clerk });
  check('the clerk of the hearing lists the exports', r.status === 200 && r.json.items.length === 1 &&
    r.json.items[0].id === x.id, show(r));
  r = await api('GET', `/exports/${x.id}`, { token: T.admin });
  check('an admin does not see exports (no recording.read)', r.status === 403, show(r));

  r = await api('GET', '/audit?action=recording.export&limit=1000', { token: T.admin });
  const rows = (r.json && r.json.items) || [];
  const rowOf = (a) => rows.find((row) => row.action === a && row.detail.includes(`export=${x.id}`));
  const req = rowOf('recording.export'); const fin = rowOf('recording.export_done'); const dl = rowOf('recording.export_download');
  check('audit: the request with the recipient, by the prosecutor', req && req.detail.includes('recipient=李律师') &&
    req.actor === `staff:${s.ids.pros}` && req.object === `recording:${s.compId}`, JSON.stringify(rows));
  check('audit: the result with the export\'s own SHA-256', fin && fin.detail.includes(`sha256=${e.sha256}`), JSON.stringify(fin));
  check('audit: each download', dl && dl.actor === `staff:${s.ids.pros}` &&
    rows.filter((row) => row.action === 'recording.export_download').length === 2, JSON.stringify(rows.map((x2) => x2.action)));

  // A file without a picture gets one: the card with the marks.
  r = await api('POST', `/recordings/${s.audioId}/exports`, { token: T.pros, body: { recipient: '复查人员 周某' } });
  const a = await waitExport(api, T.pros, r.json.id);
  const aFile = join(tmp, 'audio-export.webm');
  const ad = await api('GET', `/exports/${r.json.id}/download`, { token: T.pros });
  fs.writeFileSync(aFile, ad.raw);
  const dA = discover(aFile);
  check('an audio-only file is exported with a picture (the card) and its sound, 6 s', a.r.json.state === 'done' &&
    dA.vp8 && dA.opus && Math.abs(dA.seconds - 6) <= 0.3, JSON.stringify({ state: a.r.json.state, ...dA }));

  // The queue: four waiting or being made, the fifth is turned away with a
  // sentence (of the short sound file, so the four are soon made).
  const ids = [];
  let refused = null;
  for (let i = 0; i < 5; i++) {
    r = await api('POST', `/recordings/${s.audioId}/exports`, { token: T.pros, body: { recipient: `律师${i + 1}` } });
    if (r.status === 202) ids.push(r.json.id); else refused = r;
  }
  check('a fifth export while four wait is refused: 503 busy with Retry-After and a sentence', ids.length === 4 &&
    refused && refused.status === 503 && errCode(refused) === 'busy' && Number(refused.headers['retry-after']) > 0 &&
    /exports are already waiting/.test(refused.json.error.message), refused ? show(refused) : `${ids.length} accepted`);
  for (const id of ids) await waitExport(api, T.pros, id, 180000);
  return { first: x.id };
}

// ---- a stop in the middle of an export -------------------------------------------

async function restartPart(api, dataDir, s, server, start) {
  let r = await api('POST', `/recordings/${s.compId}/exports`, { token: s.T.pros, body: { recipient: '吴律师' } });
  const id = r.json && r.json.id;
  const until = Date.now() + 60000;
  do {
    r = await api('GET', `/exports/${id}`, { token: s.T.pros });
    if (r.json && (r.json.progress > 0.05 || r.json.state === 'done')) break;
    await sleep(100);
  } while (Date.now() < until);
  const midway = r.json && r.json.state === 'processing';
  await stopServer(server);
  const next = await start();
  const { r: done } = await waitExport(api, s.T.pros, id);
  const file = join(dataDir, 'recordings', `h${s.H.id}`, 'exports', `export-${id}.webm`);
  r = await api('GET', '/audit?action=recording.export_done&limit=1000', { token: s.T.admin });
  const rows = ((r.json && r.json.items) || []).filter((row) => row.detail.includes(`export=${id} `));
  check('an export a stop cut short runs again after the start and ends done once', midway && done.json &&
    done.json.state === 'done' && fs.existsSync(file) && !fs.existsSync(`${file}.part`) && rows.length === 1 &&
    sha256(fs.readFileSync(file)) === done.json.sha256, `${midway} ${show(done)} ${rows.length}`);
  return next;
}

// ---- the console --------------------------------------------------------------------

async function signIn(page, base, username, password) {
  await page.goto(`${base}/console/`);
  await page.waitForSelector('#login-user');
  await page.fill('#login-user', username);
  await page.fill('#login-pass', password);
  await page.press('#login-pass', 'Enter');
  await page.waitForSelector('#who:not([hidden])', { timeout: 10000 });
}

async function consolePart(browser, base, s) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: VIEW, locale: 'zh-CN', acceptDownloads: true });
  const page = await context.newPage();
  page.on('console', (m) => pageLog.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => { pageLog.push(`pageerror: ${e.message}`); check('no script error on the page', false, e.message); });
  await signIn(page, base, 'wang.jc', PASS.pros);
  await page.evaluate((id) => { location.hash = `#/cases/${id}`; }, s.kase.id);
  await page.waitForSelector('.rec-file .export-items', { timeout: 15000 });
  const button = page.locator('.rec-file', { hasText: '合成录像' }).getByRole('button', { name: '导出给他人' });
  await button.scrollIntoViewIfNeeded();
  check('the case page lists the hearing\'s recordings with 导出给他人', await button.isVisible() &&
    (await page.locator('.rec-file').count()) === 2);
  check('the copies already made are listed with recipient, time and state',
    /李律师（某某律师事务所）[\s\S]*由 王检察官 导出[\s\S]*已完成/.test(await page.locator('.rec-file').first().innerText()));
  await checkPlain(page, 'case page with recordings');
  await shot(page, '1-recordings');

  await button.click();
  await page.waitForSelector('.export-form');
  await page.getByLabel('接收人姓名').fill('孙律师');
  await page.getByLabel('接收人单位').fill('某某律师事务所');
  await page.getByLabel('用途').fill('复查阅卷');
  await checkPlain(page, 'export form');
  await shot(page, '2-form');
  const focusRing = await page.evaluate(() => {
    const el = document.querySelector('.export-form input[name=recipient]');
    el.focus();
    return getComputedStyle(el).outlineStyle !== 'none' || getComputedStyle(el).boxShadow !== 'none';
  });
  check('the form\'s fields show where focus is', focusRing);
  await page.getByRole('button', { name: '开始导出' }).click();
  await page.waitForSelector('.export-progress progress', { timeout: 10000 });
  await page.locator('.export-progress').scrollIntoViewIfNeeded();
  check('a progress bar with words shows while the copy is made', /孙律师/.test(await page.locator('.export-progress').innerText()));
  // The bar moves: photographed once it shows a share done (unless the copy is ready first).
  await page.waitForFunction(() => (document.querySelector('.export-progress progress')?.value || 0) >= 5 ||
    document.querySelector('.export-progress a.btn'), null, { timeout: 120000 });
  await shot(page, '3-progress');
  await page.waitForSelector('.export-progress a.btn', { timeout: 120000 });
  await checkPlain(page, 'export done');
  await shot(page, '4-done');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '下载副本' }).click()]);
  const dlPath = join(tmp, 'console-download.webm');
  await download.saveAs(dlPath);
  const items = (await apiRequest(port, 'GET', `/recordings/${s.compId}/exports`, { token: s.T.pros })).json.items;
  const mine = items.find((x) => x.recipient === '孙律师');
  check('the console downloads the copy the server made (same SHA-256, export-N.webm)', mine &&
    sha256(fs.readFileSync(dlPath)) === mine.sha256 && /^export-\d+\.webm$/.test(download.suggestedFilename()),
  download.suggestedFilename());
  await page.waitForFunction(() => /孙律师/.test(document.querySelector('.rec-file .export-items')?.innerText || ''));
  check('the new copy joins the list', /孙律师（某某律师事务所）/.test(await page.locator('.rec-file').first().innerText()));
  await shot(page, '5-list');

  // Empty recipient: the error stands beside the field.
  await button.click();
  await page.getByRole('button', { name: '开始导出' }).click();
  check('an empty recipient is refused beside the field', await page.locator('.export-form .field-error', { hasText: '请填写接收人姓名' }).isVisible());
  await shot(page, '6-error');
  await context.close();

  const vctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: VIEW, locale: 'zh-CN' });
  const vpage = await vctx.newPage();
  vpage.on('pageerror', (e) => check('no script error on the viewer\'s page', false, e.message));
  await signIn(vpage, base, 'zhao.cy', PASS.viewer);
  await vpage.evaluate((id) => { location.hash = `#/cases/${id}`; }, s.kase.id);
  await vpage.waitForSelector('.rec-file .export-items', { timeout: 15000 });
  check('a viewer sees the copies but no 导出给他人 and no download', (await vpage.getByRole('button', { name: '导出给他人' }).count()) === 0 &&
    (await vpage.locator('.exp-download').count()) === 0 && /李律师/.test(await vpage.locator('.rec-file').first().innerText()));
  await checkPlain(vpage, 'viewer');
  await vpage.locator('.rec-files').first().scrollIntoViewIfNeeded();
  await shot(vpage, '7-viewer');
  await vctx.close();
}

async function main() {
  const { bin, webDir, chromium } = await browserTestPrerequisites();
  const dirs = tempDirs('yf-export-');
  tmp = dirs.tmp;
  let server = null;
  let browser = null;
  try {
    const made = createUser(bin, dirs.dataDir, { username: 'admin', role: 'admin', password: PASS.admin, name: '系统管理员' });
    check('the CLI makes the first administrator', made.status === 0, made.stderr);
    port = await freePort();
    const base = `https://127.0.0.1:${port}`;
    server = await startServerReady(bin, { dataDir: dirs.dataDir, port, webDir, workers: 1, logLevel: 'info',
      logPath: join(tmp, 'server.log'), log: serverLog });
    const api = (method, p, opts) => apiRequest(port, method, p, opts);
    const start = () => startServerReady(bin, { dataDir: dirs.dataDir, port, webDir, workers: 1, logLevel: 'info',
      logPath: join(tmp, `server-${Date.now()}.log`), log: serverLog });
    const s = await setUp(api, dirs.dataDir);
    // The recorder knows a finished hearing by its directory (attached, the
    // package) when the server starts: restart, as after a real hearing.
    const hdir = join(dirs.dataDir, 'recordings', `h${s.H.id}`);
    fs.writeFileSync(join(hdir, 'attached'), '');
    fs.writeFileSync(join(hdir, 'evidence.tar'), '');
    await stopServer(server);
    server = await start();
    const st = await api('GET', `/hearings/${s.H.id}/recordings`, { token: s.T.pros });
    check('set-up: the hearing\'s recording is done', st.json && st.json.recording.state === 'done', show(st));
    await apiPart(api, dirs.dataDir, s);
    server = await restartPart(api, dirs.dataDir, s, server, start);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, '--lang=zh-CN'] });
    await consolePart(browser, base, s);
    check('server is still running', !server.exitInfo, JSON.stringify(server.exitInfo));
  } catch (e) {
    check('test ran to the end', false, e.stack || e.message);
  } finally {
    if (browser) await browser.close().catch(() => {});
    console.log(`# ${shots.length} screenshots in ${tmp}`);
    await wrapUp({ server, tmp, pageLog, serverLog });
  }
}

await main();
finish('export');

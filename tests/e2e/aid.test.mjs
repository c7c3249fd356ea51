// aid.test.mjs -- 司法救助 disbursed on video, end to end in Chromium: aid
// staff (signed in to the console, in the room with a staff room token) and
// the applicant (through their invitation link, on a phone-sized screen) in
// an aid hearing. The staff open the disbursement in the room's panel, take
// the identity still (decoded by the server from its own capture of the
// applicant's fake camera: a JPEG of the camera's size), upload the decision
// as a PDF and show it (the applicant's page shows it), ask for the
// confirmation (the applicant clicks 确认领取); the hearing ends, the
// recording is processed, the receipt is made by itself and read back with
// pdftotext for its amount (figures and capitals) and the composite's
// SHA-256; the evidence package lists the still, the decision and the
// receipt with their hashes and verifies offline; the notes hold the three
// 【系统】 lines; who else may not touch it. Screenshots: the staff at
// 1366×768, the applicant at 390×844 (YF_E2E_KEEP=1 keeps them).
// Run by CTest with YF_SERVER_BIN, YF_AVSYNC_BIN and YF_WEB_DIR set.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiRequest, check, createUser, sleep, startServerReady } from './lib.mjs';
import { admit, launchWith, pageLog, runRecordedHearing, sha256hex, waitProcessed, waitState } from './hearing.mjs';

const serverLog = [];
const STAFF = { username: 'aid1', password: 'aid-staff-password-1', name: '刘救助员' };
const AMOUNT = { fen: 1234567, figures: '12,345.67', caps: '壹万贰仟叁佰肆拾伍元陆角柒分' };

/** Width and height of a baseline or progressive JPEG (its SOF marker). */
function jpegSize(buf) {
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) return null;
  for (let i = 2; i + 9 < buf.length;) {
    if (buf[i] !== 0xff) return null;
    const marker = buf[i + 1], len = buf.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc2) return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
    i += 2 + len;
  }
  return null;
}

/** Shares of dark (< 40) and bright (> 200) pixels of a JPEG, decoded to grey by GStreamer. */
function pictureSpread(jpeg, tmp) {
  const src = join(tmp, 'still.jpg'), raw = join(tmp, 'still.gray');
  writeFileSync(src, jpeg);
  const r = spawnSync('gst-launch-1.0', ['-q', 'filesrc', `location=${src}`, '!', 'jpegdec', '!', 'videoconvert', '!',
    'video/x-raw,format=GRAY8', '!', 'filesink', `location=${raw}`], { encoding: 'utf8' });
  if (r.status !== 0) return { error: r.stderr };
  const px = readFileSync(raw);
  let dark = 0, bright = 0;
  for (const v of px) { if (v < 40) dark++; else if (v > 200) bright++; }
  return { dark: dark / px.length, bright: bright / px.length, pixels: px.length };
}

/** The decision document: a page Chromium prints to PDF. */
async function decisionPdf(browser, path) {
  const page = await browser.newPage();
  await page.setContent(`<!doctype html><meta charset="utf-8"><body style="font-family:sans-serif;padding:40px">
    <h1 style="text-align:center">国家司法救助决定书</h1><p>京检救决〔2026〕7号</p>
    <p>申请人张三，因案件遭受损失，生活困难。经审查，决定给予国家司法救助金人民币壹万贰仟叁佰肆拾伍元陆角柒分。</p>
    <p style="text-align:right">某某人民检察院<br>2026年12月6日</p>
    <div style="page-break-before:always"><h2>救助金的发放</h2><p>救助金由检察院转入申请人本人的银行账户。</p></div></body>`);
  writeFileSync(path, await page.pdf({ format: 'A4' }));
  await page.close();
}

async function shot(page, tmp, name) {
  const dir = join(tmp, 'shots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
  console.log(`# screenshot ${join(dir, `${name}.png`)}`);
}

/** Polls fn until it returns something truthy, or null at the timeout. */
async function until(fn, timeoutMs, stepMs = 1000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn().catch(() => null);
    if (v) return v;
    await sleep(stepMs);
  }
  return null;
}

/** The staff's set-up through the API: a 司法救助 case, an aid appointment
 * with the applicant, the hearing started. */
async function setUp(port) {
  const api = (m, p, o) => apiRequest(port, m, p, o);
  let r = await api('POST', '/auth/login', { body: { username: STAFF.username, password: STAFF.password } });
  const token = r.json.token;
  r = await api('POST', '/cases', { token, body: { case_no: '京检救〔2026〕7号', type: '司法救助', channel: 'video',
    petitioner: '张三', contact: '13800000000', summary: '申请国家司法救助' } });
  if (r.status !== 201) throw new Error(`case: ${r.status} ${r.raw}`);
  const kase = r.json;
  r = await api('POST', `/cases/${kase.id}/appointments`, { token, body: { starts_at: new Date().toISOString(),
    title: '司法救助金发放', kind: 'aid', invitees: [{ name: '张三', role: 'petitioner' }] } });
  if (r.status !== 201) throw new Error(`appointment: ${r.status} ${r.raw}`);
  const appt = r.json.appointment, inv = r.json.invitations[0].token;
  r = await api('POST', `/appointments/${appt.id}/hearings`, { token, body: {} });
  check('an aid appointment holds an aid_disbursement hearing', r.status === 201 && r.json.kind === 'aid_disbursement',
    r.raw.toString());
  const hearing = r.json;
  r = await api('POST', `/appointments/${appt.id}/room-token`, { token, body: {} });
  return { api, token, kase, appt, inv, hearing, roomToken: r.json.token };
}

async function staffInRoom(browser, base, roomToken) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1366, height: 768 },
    locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('console', (m) => pageLog.push(`[staff] ${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => pageLog.push(`[staff] pageerror: ${e.message}`));
  await page.goto(`${base}/console/`);
  const login = await page.evaluate(async (s) => (await fetch('/api/v1/auth/login', { method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: s.username, password: s.password, cookie: true }) })).status, STAFF);
  check('the aid staff sign in to the console (cookie session)', login === 200, String(login));
  await page.goto(`${base}/room.html?token=${encodeURIComponent(roomToken)}`);
  await page.click('#notice-continue');
  check('the aid staff enter the room', await waitState(page, 'admitted') === 'admitted');
  return page;
}

async function applicantInRoom(browser, base, inv) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 390, height: 844 },
    locale: 'zh-CN', isMobile: true, hasTouch: true });
  const page = await context.newPage();
  page.on('console', (m) => pageLog.push(`[applicant] ${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => pageLog.push(`[applicant] pageerror: ${e.message}`));
  await page.goto(`${base}/join.html?t=${encodeURIComponent(inv)}`);
  await page.waitForSelector('#continue', { state: 'visible', timeout: 15000 });
  await page.click('#continue');
  await page.waitForURL(/room\.html/, { timeout: 15000 });
  check('the applicant waits to be admitted', await waitState(page, 'waiting') === 'waiting');
  return page;
}

async function stepOne(t, s, staff) {
  await staff.fill('#aid-decision-no', '京检救决〔2026〕7号');
  await staff.fill('#aid-amount', '12345.67');
  await staff.fill('#aid-payee', '张三');
  await staff.fill('#aid-bank', '中国工商银行北京西城支行');
  await staff.fill('#aid-account', '6222 0202 0011 2233 445');
  await staff.click('#aid-open');
  await staff.waitForSelector('.aid-step.current[data-step="1"]', { timeout: 15000 });
  const aid = (await s.api('GET', `/hearings/${s.hearing.id}/aid`, { token: s.token })).json;
  check('the disbursement is open with the amount in figures and capitals', aid && aid.amount_fen === AMOUNT.fen &&
    aid.amount === AMOUNT.figures && aid.amount_caps === AMOUNT.caps && aid.account_masked === '6222 **** **** 3445' && aid.step === 1, JSON.stringify(aid));
  await sleep(3000);   // the applicant's camera has been captured for a while
  await staff.click('#aid-still');
  const img = await staff.waitForSelector('img.aid-still', { timeout: 60000 }).catch(() => null);
  check('the identity still appears in the staff\'s panel', !!img);
  const still = await s.api('GET', `/aid/${aid.id}/still`, { token: s.token });
  const size = jpegSize(still.raw);
  check('the still is a JPEG decoded from the server\'s capture of the applicant\'s camera (320×240, not trivial)',
    still.status === 200 && still.headers['content-type'] === 'image/jpeg' && size && size.width === 320 &&
    size.height === 240 && still.raw.length > 1000, `${still.status} ${JSON.stringify(size)} ${still.raw.length} bytes`);
  const spread = pictureSpread(still.raw, t.tmp);
  check('the still shows the camera\'s picture (the test pattern\'s ball on black), not a blank frame',
    spread.dark > 0.5 && spread.bright > 0.005, JSON.stringify(spread));
  const after = (await s.api('GET', `/hearings/${s.hearing.id}/aid`, { token: s.token })).json;
  check('the still is kept with its SHA-256 and moment', after.still && after.still.sha256 === sha256hex(still.raw) &&
    after.still.taken_at && after.step === 2, JSON.stringify(after.still));
  await shot(staff, t.tmp, 'staff-1-identity');
  return aid;
}

async function stepsTwoToFour(t, s, staff, applicant, aid) {
  const pdf = join(t.tmp, 'decision.pdf');
  await decisionPdf(t.browsers[0], pdf);
  await staff.setInputFiles('#aid-doc', pdf);
  await staff.click('#aid-upload');
  await staff.waitForSelector('#aid-show', { timeout: 15000 });
  const bad = await s.api('PUT', `/aid/${aid.id}/decision`, { token: s.token, body: 'not a pdf at all' });
  check('a decision that is not a PDF or an image is refused', bad.status === 400, `${bad.status} ${bad.raw}`);
  await staff.click('#aid-show');
  const page1 = await applicant.waitForSelector('#aid-applicant .aid-a-doc img', { timeout: 20000 }).catch(() => null);
  check('the decision appears on the applicant\'s screen when shown', !!page1);
  const seen = await applicant.evaluate(async () => {
    const img = document.querySelector('#aid-applicant .aid-a-doc img');
    if (!img) return null;
    await img.decode().catch(() => {});
    return { w: img.naturalWidth, h: img.naturalHeight, shown: img.getBoundingClientRect().height };
  });
  check('the applicant sees the uploaded PDF drawn as an A4 page', seen && seen.h > seen.w * 1.3 && seen.w > 500 &&
    seen.shown > 200, JSON.stringify(seen));
  await shot(applicant, t.tmp, 'applicant-2-decision');
  await shot(staff, t.tmp, 'staff-2-decision');
  // the pages are drawn one after another: the applicant's sheet shows them as they come
  const nPages = await until(() => applicant.evaluate(() => document.querySelectorAll('#aid-applicant .aid-a-doc img').length >= 2
    && document.querySelectorAll('#aid-applicant .aid-a-doc img').length), 20000, 500) || 1;
  const pageViews = await until(async () => {
    const rows = spawnSync('sqlite3', [join(t.dataDir, 'yuanfang.db'),
      `SELECT detail FROM audit_log WHERE action = 'aid.file_view' AND object = 'aid:${aid.id}' AND actor LIKE 'invitee:%'`],
    { encoding: 'utf8' }).stdout || '';
    return /page=1\b/.test(rows) && /page=2\b/.test(rows) ? rows : null;
  }, 15000).catch(() => null);
  check('each page of the decision the applicant is shown is audited', nPages === 2 && !!pageViews,
    `${nPages} pages; ${pageViews}`);
  // Replaced after it was read out, before the applicant is asked: the old
  // one leaves the applicant's screen, and the new one shows only once read out.
  const swapShown = await s.api('PUT', `/aid/${aid.id}/decision`, { token: s.token, body: readFileSync(pdf),
    headers: { 'Content-Type': 'application/pdf' } });
  const gone = await applicant.waitForSelector('#aid-applicant .aid-a-doc img', { state: 'hidden', timeout: 15000 })
    .then(() => true).catch(() => false);
  const back = swapShown.json || {};
  check('a decision replaced after it was shown leaves the applicant\'s screen until it is read out again',
    swapShown.status === 201 && gone && back.shown_at === null && back.step === 2,
    `${swapShown.status} ${gone} ${back.shown_at} ${back.step}`);
  await staff.waitForSelector('#aid-show', { timeout: 15000 });
  await staff.click('#aid-show');
  const again = await applicant.waitForSelector('#aid-applicant .aid-a-doc img', { timeout: 20000 }).catch(() => null);
  check('the new decision appears once it is read out', !!again);
  await staff.waitForSelector('#aid-ask', { timeout: 15000 });
  await staff.click('#aid-ask');
  const button = await applicant.waitForSelector('#aid-confirm', { timeout: 15000 }).catch(() => null);
  check('the applicant gets a 确认领取 button with the amount and the masked account', !!button &&
    (await applicant.innerText('#aid-applicant')).includes(`${AMOUNT.figures} 元`) &&
    !(await applicant.innerText('#aid-applicant')).includes('6222020200112233445'));
  await shot(applicant, t.tmp, 'applicant-4-confirm');
  const swap = await s.api('PUT', `/aid/${aid.id}/decision`, { token: s.token, body: readFileSync(pdf),
    headers: { 'Content-Type': 'application/pdf' } });
  check('the decision cannot be replaced once the applicant is asked to confirm it', swap.status === 409,
    `${swap.status} ${swap.raw}`);
  const early = await s.api('POST', `/aid/${aid.id}/receipt`, { token: s.token, body: {} });
  check('no receipt before the confirmation and the end', early.status === 409, `${early.status} ${early.raw}`);
  await applicant.click('#aid-confirm');
  await applicant.waitForSelector('.aid-a-thanks', { timeout: 15000 }).catch(() => null);
  check('the applicant is thanked for confirming', (await applicant.innerText('#aid-applicant')).includes('您已于'));
  await staff.waitForSelector('.aid-step.current[data-step="5"]', { timeout: 15000 }).catch(() => null);
  const a = (await s.api('GET', `/hearings/${s.hearing.id}/aid`, { token: s.token })).json;
  check('the confirmation is stamped with its moment in the hearing', a.confirmed_at && a.confirm_offset_ms > 0 &&
    a.step === 5, JSON.stringify({ at: a.confirmed_at, off: a.confirm_offset_ms, step: a.step }));
  await shot(staff, t.tmp, 'staff-5-receipt-pending');
  await shot(applicant, t.tmp, 'applicant-5-thanks');
}

/** Who may not: the applicant may not run a step, another staff role may not read it. */
async function refusals(t, s, aid) {
  const asApplicant = await s.api('POST', `/aid/${aid.id}/show`, { inv: s.inv, body: {} });
  check('the applicant may not run a step', asApplicant.status === 403 || asApplicant.status === 401,
    String(asApplicant.status));
  createUser(t.bin, t.dataDir, { username: 'viewer1', role: 'viewer', password: 'viewer-password-1', name: '赵查阅' });
  const v = await s.api('POST', '/auth/login', { body: { username: 'viewer1', password: 'viewer-password-1' } });
  const asViewer = await s.api('GET', `/hearings/${s.hearing.id}/aid`, { token: v.json && v.json.token });
  check('a viewer may not see the disbursement (aid staff and the case\'s prosecutor only)', asViewer.status === 403,
    String(asViewer.status));
  const twice = await s.api('POST', '/invitation/aid/confirm', { inv: s.inv, body: {} });
  check('a second confirmation is refused', twice.status === 409, `${twice.status} ${twice.raw}`);
}

async function afterTheEnd(t, s, staff, aid) {
  const end = await s.api('POST', `/hearings/${s.hearing.id}/end`, { token: s.token, body: {} });
  check('the hearing ends', end.status === 200, String(end.status));
  const rec = await waitProcessed(t.port, s.token, s.hearing.id, 480000);   // a loaded 2-core machine is slow
  check('the recording is processed', rec && rec.recording.state === 'done', JSON.stringify(rec && rec.recording));
  const composite = rec && rec.items.find((i) => i.kind === 'composite');
  const a = await until(async () => {
    const r = (await s.api('GET', `/hearings/${s.hearing.id}/aid`, { token: s.token })).json;
    return r && r.receipt ? r : null;
  }, 30000);
  check('the receipt is made by itself once the recording\'s hash exists', a && a.step === 6, JSON.stringify(a && a.receipt));
  const pdf = await s.api('GET', `/aid/${aid.id}/receipt`, { token: s.token });
  const path = join(t.tmp, 'receipt.pdf');
  writeFileSync(path, pdf.raw);
  const text = spawnSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
  const flat = (text.stdout || '').replace(/\s+/g, '');
  check('the receipt is a PDF attachment', pdf.status === 200 && pdf.headers['content-type'] === 'application/pdf' &&
    /attachment/.test(pdf.headers['content-disposition'] || ''), `${pdf.status} ${pdf.headers['content-type']}`);
  check('pdftotext finds the case number, the amount in figures and in capitals', text.status === 0 &&
    flat.includes('京检救〔2026〕7号') && flat.includes(AMOUNT.figures) && flat.includes(AMOUNT.caps), text.stdout);
  check('pdftotext finds the SHA-256 of the hearing\'s recording', composite && flat.includes(composite.sha256),
    `${composite && composite.sha256}\n${text.stdout}`);
  check('the receipt names the participants', flat.includes('刘救助员') && flat.includes('张三'), text.stdout);
  await evidence(t, s, a);
  const notes = (await s.api('GET', `/hearings/${s.hearing.id}/notes`, { token: s.token })).json;
  const n = notes ? notes.text : '';
  check('the notes hold each step as a 【系统】 line', n.includes('【系统】身份核验：已截取申请人手持身份证画面') &&
    n.includes('【系统】宣读救助决定书') && n.includes(`【系统】申请人确认领取救助金 ${AMOUNT.figures} 元`), n);
  await staff.goto(`${t.base}/console/#/cases/${s.kase.id}`);
  const link = await staff.waitForSelector('.aid-panel a:has-text("下载回执")', { timeout: 15000 }).catch(() => null);
  check('the case page lists the disbursement with its receipt', !!link &&
    (await staff.innerText('.aid-panel')).includes(AMOUNT.caps));
  await link?.scrollIntoViewIfNeeded();
  await shot(staff, t.tmp, 'staff-6-case-page');
}

async function evidence(t, s, a) {
  const ready = await until(async () => {
    const r = await s.api('GET', `/hearings/${s.hearing.id}/evidence`, { token: s.token });
    if (r.status !== 200) return null;
    const tar = join(t.tmp, 'evidence.tar');
    writeFileSync(tar, r.raw);
    const list = spawnSync('tar', ['-xOf', tar, 'manifest.json'], { encoding: 'utf8' });
    const m = JSON.parse(list.stdout || '{}');
    const aid = (m.artifacts || []).filter((x) => /^aid\//.test(x.path));
    return aid.some((x) => x.kind === 'aid-receipt') ? { tar, aid } : null;
  }, 60000, 2000);
  check('the evidence package lists the still, the decision and the receipt', ready &&
    ['aid-still', 'aid-decision', 'aid-receipt'].every((k) => ready.aid.some((x) => x.kind === k)),
    JSON.stringify(ready && ready.aid));
  const receipt = ready && ready.aid.find((x) => x.kind === 'aid-receipt');
  check('the manifest carries the receipt\'s SHA-256', receipt && receipt.sha256 === a.receipt.sha256,
    `${receipt && receipt.sha256} ${a.receipt.sha256}`);
  const v = ready && spawnSync(t.bin, ['verify', ready.tar, '--pubkey', join(t.dataDir, 'signing-key.pub.pem')],
    { encoding: 'utf8' });
  check('yuanfang verify still passes', v && v.status === 0, v ? `${v.stdout}${v.stderr}` : 'no package');
}

await runRecordedHearing('aid', 'yf-aid-', 90, serverLog, async (t) => {
  const made = createUser(t.bin, t.dataDir, { username: STAFF.username, role: 'aid_staff', password: STAFF.password,
    name: STAFF.name });
  if (made.status !== 0) throw new Error(`create-user: ${made.stderr}`);
  t.server = await startServerReady(t.bin, { dataDir: t.dataDir, port: t.port, webDir: t.webDir,
    logPath: join(t.tmp, 'server.log'), log: serverLog });
  const s = await setUp(t.port);
  t.browsers.push(await launchWith(t.chromium, t.media.hostVideo, t.media.hostAudio));
  t.browsers.push(await launchWith(t.chromium, t.media.petVideo, t.media.petAudio));
  const staff = await staffInRoom(t.browsers[0], t.base, s.roomToken);
  const applicant = await applicantInRoom(t.browsers[1], t.base, s.inv);
  check('the staff admit the applicant', await admit({ page: staff }, { page: applicant }) === 'admitted');
  await shot(staff, t.tmp, 'staff-0-open');
  const aid = await stepOne(t, s, staff);
  await stepsTwoToFour(t, s, staff, applicant, aid);
  await refusals(t, s, aid);
  await afterTheEnd(t, s, staff, aid);
});

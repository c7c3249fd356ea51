// sign.test.mjs -- the notes confirmed by those who took part, each on their
// own screen (docs/api.md "Confirming the notes"): a prosecutor, a petitioner
// and the petitioner's agent hold a short recorded hearing; a clerk who did not
// enter the room writes and finalizes the notes; the petitioner, on a phone-
// sized page (390×844), reads them and signs by drawing with the mouse; the
// agent objects with a reason; the prosecutor signs on the console's hearing
// page (1366×768). The evidence package then holds each signature PNG listed
// with its SHA-256, notes.txt says who signed, who objected and when, and
// `yuanfang verify` passes; the case page shows the signature image. Bad
// bodies (no ink, a forged image, a second decision) are refused. Screenshots
// in the temp dir (YF_E2E_KEEP=1). Ends "sign: N passed, M failed".
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS, apiRequest, check, createUser, sleep, startServer, waitHealthy } from './lib.mjs';
import { joinBoth, pageLog, runRecordedHearing, waitProcessed } from './hearing.mjs';
import { wsConnect } from './wsraw.mjs';
import { consoleKit } from './console_lib.mjs';

const HEARING_S = 4;
const serverLog = [];
const sha = (b) => createHash('sha256').update(b).digest('hex');

/** Case, appointment with a petitioner and an agent, the hearing, a clerk. */
async function setUp(bin, dataDir, port) {
  const api = (m, p, o) => apiRequest(port, m, p, o);
  const r0 = createUser(bin, dataDir, { username: 'clerk', role: 'clerk', password: 'clerk-password-123', name: '李书记员' });
  if (r0.status !== 0) throw new Error(`clerk: ${r0.stderr}`);
  let r = await api('POST', '/auth/login', { body: { username: 'pros', password: 'prosecutor-password-1' } });
  const token = r.json.token;
  r = await api('POST', '/cases', { token, body: { case_no: '京检控〔2026〕8号', type: 'accusation', channel: 'video',
    petitioner: '张三', contact: '13800000000', summary: '控告' } });
  const kase = r.json;
  r = await api('POST', `/cases/${kase.id}/appointments`, { token, body: { starts_at: new Date().toISOString(),
    title: '视频接访', invitees: [{ name: '张三', role: 'petitioner', contact: '13800000000' },
      { name: '赵律师', role: 'agent', contact: '13900000000' }] } });
  if (r.status !== 201) throw new Error(`appointment: ${r.status} ${r.raw}`);
  const appt = r.json.appointment;
  const inv = r.json.invitations.find((i) => i.role === 'petitioner').token;
  const invAgent = r.json.invitations.find((i) => i.role === 'agent').token;
  const invId = r.json.invitations.find((i) => i.role === 'petitioner').id;
  r = await api('POST', `/appointments/${appt.id}/hearings`, { token, body: {} });
  const hearing = r.json;
  const staff = await api('GET', `/hearings/${hearing.id}/invitable`, { token });
  const clerkId = (staff.json.items.find((s) => s.role === 'clerk') || {}).id;
  r = await api('POST', `/hearings/${hearing.id}/participants`, { token, body: { staff_id: clerkId } });
  if (r.status !== 201) throw new Error(`clerk participant: ${r.status} ${r.raw}`);
  r = await api('POST', '/auth/login', { body: { username: 'clerk', password: 'clerk-password-123' } });
  return { port, token, clerk: r.json.token, kase, appt, hearing, inv, invId, invAgent, caseNo: kase.case_no };
}

/** The agent enters the room through their own invitation (a lawyer does not
 * wait), from a plain websocket client: entering is what makes them one who
 * must confirm, and a third browser would only load the machine. */
async function agentJoins(h) {
  const r = await apiRequest(h.port, 'POST', '/invitation/room-token', { inv: h.invAgent, body: {} });
  const c = await wsConnect(h.port);
  if (c.refused) throw new Error(`agent websocket: ${c.refused}`);
  c.send({ v: 1, id: 'h', type: 'hello', client: 'sign-test' });
  await c.reply('h');
  c.send({ v: 1, id: 'j', type: 'room.join', token: r.json.token });
  const j = await c.reply('j', 15000);
  check('the agent enters the room', j && j.ok && j.result && j.result.state === 'admitted', JSON.stringify(j));
  return c;
}

async function phonePage(browser, base, inv, label) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 390, height: 844 },
    locale: 'zh-CN', deviceScaleFactor: 2 });
  const page = await context.newPage();
  page.on('console', (m) => pageLog.push(`[${label}] ${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => pageLog.push(`[${label}] pageerror: ${e.message}`));
  await page.goto(`${base}/join.html?t=${encodeURIComponent(inv)}`);
  return page;
}

/** Draws a signature-like scribble on the canvas with the mouse. */
async function scribble(page, selector) {
  const box = await page.locator(selector).boundingBox();
  const pts = [];
  for (let i = 0; i <= 40; i++) pts.push([0.1 + 0.8 * i / 40, 0.5 + 0.3 * Math.sin(i / 3)]);
  await page.mouse.move(box.x + box.width * pts[0][0], box.y + box.height * pts[0][1]);
  await page.mouse.down();
  for (const [x, y] of pts) await page.mouse.move(box.x + box.width * x, box.y + box.height * y, { steps: 2 });
  await page.mouse.up();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.35, box.y + box.height * 0.85, { steps: 8 });
  await page.mouse.up();
}

async function petitionerSigns(h, base, browser, kit) {
  const page = await phonePage(browser, base, h.inv, 'petitioner-sign');
  await page.waitForSelector('#mine-sign', { timeout: 15000 }).catch(() => {});
  const text = await page.locator('#mine-sign').innerText().catch(() => '');
  check('the petitioner\'s page shows the finalized notes to check, in words',
    text.includes('核对笔录') && text.includes('信访人陈述：') && text.includes('李书记员（书记员）'), text.slice(0, 300));
  await kit.checkPlain(page, 'petitioner notes');
  await kit.shot(page, 'phone-notes');
  const size = await page.locator('.sign-notes li').first().evaluate((e) => parseFloat(getComputedStyle(e).fontSize)).catch(() => 0);
  check('the notes are in large type on the phone (≥ 18 px)', size >= 18, String(size));
  await page.click('#sign-confirm');
  await page.waitForSelector('#sign-pad');
  await page.click('#sign-submit');
  const empty = await page.locator('.mine-sign .status').innerText();
  check('submitting with no ink is refused on the page, in words', empty.includes('请先在白框里签名'), empty);
  await page.mouse.move(0, 0);
  const box = await page.locator('#sign-pad').boundingBox();
  await page.mouse.move(box.x + 20, box.y + 20);
  await page.mouse.down();
  await page.mouse.move(box.x + 30, box.y + 24, { steps: 2 });
  await page.mouse.up();
  await page.click('#sign-submit');
  const short = await page.locator('.mine-sign .status').innerText();
  check('a dot is not enough ink', short.includes('签名太短'), short);
  await page.click('#sign-clear');
  await scribble(page, '#sign-pad');
  await kit.checkLabels(page, 'petitioner pad');
  await kit.shot(page, 'phone-pad');
  await page.click('#sign-submit');
  await page.waitForSelector('.sign-done', { timeout: 10000 }).catch(() => {});
  const done = await page.locator('#mine-sign').innerText().catch(() => '');
  check('the petitioner is told they confirmed and signed, and when', /您已于.+确认笔录无误并签名/.test(done), done);
  await kit.checkPlain(page, 'petitioner done');
  await kit.shot(page, 'phone-signed');
  await page.context().close();
}

async function agentObjects(h, base, browser, kit) {
  const page = await phonePage(browser, base, h.invAgent, 'agent-sign');
  await page.waitForSelector('#sign-object', { timeout: 15000 }).catch(() => {});
  await page.click('#sign-object');
  await page.click('#sign-object-submit');
  const err = await page.locator('.mine-sign .error-summary').innerText().catch(() => '');
  check('an objection without a reason is refused with an error summary', err.includes('请写明您的异议理由'), err);
  await kit.shot(page, 'phone-object-error');
  await page.fill('#sign-reason', '第二条记录与我的陈述不一致：我说的是五月，不是三月。');
  await page.click('#sign-object-submit');
  await page.waitForSelector('.sign-done', { timeout: 10000 }).catch(() => {});
  const done = await page.locator('#mine-sign').innerText().catch(() => '');
  check('the agent is told the objection is recorded, with their reason', done.includes('提出异议') && done.includes('不是三月'), done);
  await kit.shot(page, 'phone-objected');
  await page.context().close();
}

async function prosecutorSigns(h, base, browser, kit) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageLog.push(`[console] pageerror: ${e.message}`));
  await page.goto(`${base}/console/`);
  await kit.signIn(page, 'pros', 'prosecutor-password-1');
  await kit.waitSignedIn(page);
  await kit.goHash(page, `#/hearings/${h.hearing.id}`, '.confirmations');
  await page.waitForFunction(() => [...document.querySelectorAll('.signature-img')].some((i) => i.complete && i.naturalWidth > 0),
    null, { timeout: 10000 }).catch(() => {});
  const text = await page.locator('.confirmations').innerText();
  check('the hearing page lists each decision: signed by the petitioner, the agent\'s objection, the prosecutor pending',
    /张三（信访人）\s*确认无误/.test(text) && text.includes('本人在自己的屏幕上提交') && /赵律师（代理人）\s*有异议/.test(text) &&
    text.includes('不是三月') && /王检察官（检察官）\s*待确认/.test(text), text.slice(0, 500));
  await page.locator('#own-sign-confirm').scrollIntoViewIfNeeded();
  await kit.screenCheck(page, 'console-hearing-before');
  await page.click('#own-sign-confirm');
  await scribble(page, '.own-sign .sign-pad');
  await page.click('.own-sign button[type=submit]');
  await page.waitForSelector('.own-sign .check-step');
  await page.click('.own-sign button[type=submit]');
  await page.waitForSelector('.notice.ok', { timeout: 10000 }).catch(() => {});
  await kit.goHash(page, `#/hearings/${h.hearing.id}`, '.confirmations');
  await page.waitForFunction(() => document.querySelectorAll('.signature-img').length >= 2, null, { timeout: 10000 }).catch(() => {});
  const after = await page.locator('.confirmations').innerText();
  check('the prosecutor signs on the console; no one is left to check', after.includes('需要核对的人员都已核对') &&
    /王检察官（检察官）\s*确认无误/.test(after) && !(await page.locator('#own-sign-confirm').count()), after.slice(0, 400));
  await page.locator('.confirmations').scrollIntoViewIfNeeded();
  await kit.screenCheck(page, 'console-hearing-signed');
  await kit.goHash(page, `#/cases/${h.kase.id}`, '.case-signers');
  await page.waitForFunction(() => [...document.querySelectorAll('.case-signers .signature-img')].filter((i) => i.complete && i.naturalWidth > 0).length >= 2,
    null, { timeout: 10000 }).catch(() => {});
  const imgs = await page.locator('.case-signers .signature-img').evaluateAll((l) => l.map((i) => [i.alt, i.naturalWidth]));
  check('the case page shows the signature images', imgs.length === 2 && imgs.every(([alt, w]) => w > 0 && alt.includes('手写签名')),
    JSON.stringify(imgs));
  await page.locator('.case-signers').scrollIntoViewIfNeeded();
  await kit.screenCheck(page, 'console-case');
  await context.close();
}

/** The evidence package holds every signature, listed with its hash, and verifies. */
async function checkPackage(h, tmp, bin, dataDir) {
  // A decision given while the package was being built queues another build:
  // read until the package holds the last decision (the prosecutor's).
  let list = null;
  let ev = null;
  const tar = join(tmp, 'evidence-signed.tar');
  for (let i = 0; i < 10; i++) {
    list = await waitProcessed(h.port, h.token, h.hearing.id, 300000);
    ev = await apiRequest(h.port, 'GET', `/hearings/${h.hearing.id}/evidence`, { token: h.token, timeoutMs: 60000 });
    writeFileSync(tar, ev.raw);
    const n = spawnSync('tar', ['-xOf', tar, 'notes.txt'], { encoding: 'utf8' }).stdout || '';
    if (ev.status === 200 && /王检察官（检察官）于/.test(n)) break;
    await sleep(3000);
  }
  const v = spawnSync(bin, ['verify', tar, '--pubkey', join(dataDir, 'signing-key.pub.pem')], { encoding: 'utf8' });
  check('the evidence package is built again and `yuanfang verify` passes', list && list.recording.state === 'done' &&
    ev.status === 200 && v.status === 0, `${ev.status} ${v.stdout}${v.stderr}`.slice(0, 400));
  const out = join(tmp, 'pkg');
  mkdirSync(out, { recursive: true });
  execFileSync('tar', ['-xf', tar, '-C', out]);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  const hr = await apiRequest(h.port, 'GET', `/hearings/${h.hearing.id}`, { token: h.token });
  const signed = hr.json.notes.signers.filter((s) => s.signature);
  let ok = signed.length === 2;
  for (const s of signed) {
    const path = `signatures/participant-${s.participant_id}.png`;
    const art = (manifest.artifacts || manifest.files || []).find((a) => a.path === path);
    const img = await apiRequest(h.port, 'GET', `/hearings/${h.hearing.id}/notes/signatures/${s.participant_id}`, { token: h.token });
    const file = readFileSync(join(out, path));
    ok = ok && art && art.kind === 'signature' && art.sha256 === sha(file) && img.status === 200 &&
      img.headers['content-type'] === 'image/png' && sha(img.raw) === sha(file) && file.subarray(1, 4).toString() === 'PNG';
  }
  check('each signature PNG is in the package, listed with its SHA-256, the same bytes the case page shows', ok,
    JSON.stringify(manifest.artifacts || manifest.files || []).slice(0, 600));
  const notes = readFileSync(join(out, 'notes.txt'), 'utf8');
  check('notes.txt ends with who signed, who objected and when, in Chinese',
    /^张三（信访人）于 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d 在本人屏幕上确认笔录无误并手写签名，签名图像：signatures\/participant-\d+\.png，SHA-256：[0-9a-f]{64}。$/m.test(notes) &&
    /^赵律师（代理人）于 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d 在本人屏幕上对笔录提出异议，理由：第二条记录与我的陈述不一致/m.test(notes) &&
    /^王检察官（检察官）于 .* 在本人屏幕上确认笔录无误并手写签名/m.test(notes) && !/尚未确认/.test(notes), notes.slice(-700));
  const rows = execFileSync('sqlite3', [join(dataDir, 'yuanfang.db'),
    "SELECT action || ' ' || actor || ' ' || detail FROM audit_log WHERE action LIKE 'note.sign%'"], { encoding: 'utf8' });
  check('audit: each own decision (note.sign, the signature\'s hash) and each view of a signature',
    /note\.sign invitee:\d+ participant=\d+ confirm sha256=[0-9a-f]{64}/.test(rows) && /note\.sign invitee:\d+ participant=\d+ refuse/.test(rows) &&
    /note\.sign staff:\d+ participant=\d+ confirm sha256=/.test(rows) && /note\.signature_view staff:\d+ participant=\d+/.test(rows), rows);
}

/** What the API refuses: a forged image, a second decision, before finalization, an observer. */
async function checkRefusals(h) {
  const api = (m, p, o) => apiRequest(h.port, m, p, o);
  let r = await api('GET', '/invitation/notes', { inv: h.inv });
  check('before finalization the invitee sees no notes, only that they will confirm',
    r.status === 200 && r.json.finalized_at === null && r.json.text === '' && r.json.must_confirm === true, r.raw.toString());
  r = await api('POST', '/invitation/notes/confirm', { inv: h.inv, body: { confirm: false, reason: '太早' } });
  check('a decision before finalization is 409', r.status === 409, r.raw.toString());
  const forged = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10]), Buffer.alloc(200, 7)]).toString('base64');
  r = await api('POST', '/invitation/notes/confirm', { inv: h.inv, body: { confirm: true, signature: forged } });
  check('a forged PNG is 400 with a sentence', r.status === 400 && r.json.error.code === 'bad_request' &&
    /image|PNG/.test(r.json.error.message), r.raw.toString());
  r = await api('POST', '/invitation/notes/confirm', { inv: h.inv, body: { confirm: true } });
  check('a confirmation without a signature is 400', r.status === 400 && /signature/.test(r.json.error.message), r.raw.toString());
  r = await api('GET', '/invitation/notes', { token: h.token });
  const r2 = await api('POST', `/hearings/${h.hearing.id}/notes/sign`, { inv: h.inv, body: { confirm: false, reason: 'x' } });
  check('the invitation\'s routes are not for staff, the staff route not for an invitee (403)',
    r.status === 403 && r2.status === 403, `${r.status} ${r2.status}`);
  r = await api('POST', `/hearings/${h.hearing.id}/notes/sign`, { token: h.clerk, body: { confirm: false, reason: 'x' } });
  check('a clerk who never entered the room does not confirm (403)', r.status === 403, r.raw.toString());
}

async function checkAfter(h) {
  const r = await apiRequest(h.port, 'POST', '/invitation/notes/confirm', { inv: h.inv, body: { confirm: false, reason: '再改' } });
  check('a second decision is 409', r.status === 409, r.raw.toString());
  const s = await apiRequest(h.port, 'POST', `/hearings/${h.hearing.id}/notes/confirm`, { token: h.token,
    body: { participant_id: (await apiRequest(h.port, 'GET', `/hearings/${h.hearing.id}`, { token: h.token })).json.notes.signers[0].participant_id, confirm: false } });
  check('staff cannot overrule an own decision (409)', s.status === 409, s.raw.toString());
  // A link lost after the hearing is reissued: the new one is still the petitioner's.
  const re = await apiRequest(h.port, 'POST', `/invitations/${h.invId}/reissue`, { token: h.token, body: {} });
  const n = re.json && re.json.token ? await apiRequest(h.port, 'GET', '/invitation/notes', { inv: re.json.token }) : null;
  check('a reissued link shows the petitioner\'s own decision', re.status === 201 && n && n.status === 200 &&
    n.json.must_confirm === true && n.json.decision && n.json.decision.decision === 'confirm' && n.json.decision.signature === true,
    `${re.status} ${re.raw} ${n && n.raw}`.slice(0, 400));
}

await runRecordedHearing('sign', 'yf-e2e-sign-', 20, serverLog, async (t) => {
  const { bin, webDir, chromium, tmp, dataDir, media, port, base, browsers } = t;
  t.server = startServer(bin, { dataDir, port, webDir, logPath: join(tmp, 'server.log'), log: serverLog });
  try { await waitHealthy(t.server, base); } catch (e) { check('server answers /healthz', false, e.message); return; }
  const kit = consoleKit(tmp, 'sign');
  const h = await setUp(bin, dataDir, port);
  const joined = await joinBoth(chromium, base, h, media, browsers);
  if (!joined) return;
  const agent = await agentJoins(h);
  await sleep(HEARING_S * 1000);
  for (const line of ['信访人陈述：被控告人于三月在村口殴打本人。', '代理人补充：有两名证人在场。']) {
    const r = await apiRequest(port, 'POST', `/hearings/${h.hearing.id}/notes`, { token: h.clerk, body: { text: line } });
    check(`the clerk writes an entry (${line.slice(0, 6)}…)`, r.status === 201, r.raw.toString());
  }
  const end = await apiRequest(port, 'POST', `/hearings/${h.hearing.id}/end`, { token: h.token, body: {} });
  check('the prosecutor ends the hearing', end.status === 200, end.raw.toString());
  agent.close();
  for (const b of browsers.splice(0)) await b.close().catch(() => {});
  // The decisions do not wait for the recording: it is processed meanwhile,
  // and the package is built (again) with whatever was decided by then.
  await checkRefusals(h);
  const fin = await apiRequest(port, 'POST', `/hearings/${h.hearing.id}/notes/finalize`, { token: h.clerk, body: {} });
  const must = ((fin.json && fin.json.signers) || []).filter((s) => s.must_confirm).map((s) => s.name).sort();
  check('the clerk finalizes; those who entered the room must confirm (not the clerk, who did not)',
    fin.status === 200 && JSON.stringify(must) === JSON.stringify(['张三', '王检察官', '赵律师'].sort()), fin.raw.toString());
  browsers.push(await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS }));
  await petitionerSigns(h, base, browsers[0], kit);
  await agentObjects(h, base, browsers[0], kit);
  await prosecutorSigns(h, base, browsers[0], kit);
  await checkAfter(h);
  await sleep(1500);   /* the last decision's rebuild is queued */
  const list = await waitProcessed(port, h.token, h.hearing.id, 600000);
  check('the recording is processed', list && list.recording.state === 'done', JSON.stringify(list && list.recording));
  await checkPackage(h, tmp, bin, dataDir);
  check('server is still running', !t.server.exitInfo, JSON.stringify(t.server.exitInfo));
});

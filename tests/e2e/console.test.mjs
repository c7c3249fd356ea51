// console.test.mjs -- the staff console (/console/) in headless Chromium at
// 1366×768 against the real server: an administrator (made by the CLI) signs
// in and creates a prosecutor and a clerk; the prosecutor is refused a wrong
// password in plain words, registers a case, finds it, moves it 登记→审查,
// schedules an appointment for today with a petitioner, sees it on 工作台
// with the 督办 ledger, opens the room as host; a reload keeps the session,
// sign-out ends it (the old cookie is 401), page scripts cannot read the
// cookie; the clerk sees no 管理 and the admin screens refuse; a session that
// dies mid-work returns to sign-in. Every screen is checked for labels and for
// raw data (ISO times, JSON, ids) and photographed into the temp dir.
// Run by CTest with YF_SERVER_BIN and YF_WEB_DIR; YF_E2E_KEEP=1 keeps the dir.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS, apiRequest, browserTestPrerequisites, check, createUser, finish, freePort,
  startServerReady, tempDirs, wrapUp } from './lib.mjs';
import { consoleKit, idNumber } from './console_lib.mjs';

const VIEW = { width: 1366, height: 768 };
const PASS = { admin: 'admin-password-1', pros: 'spring-river-2024', clerk: 'autumn-moon-2024' };
const serverLog = [];
const pageLog = [];

const ID = idNumber('11010119900307123');

const cstDate = (daysFromToday = 0) => new Date(Date.now() + 8 * 3600e3 + daysFromToday * 86400e3).toISOString().slice(0, 10);

let tmp = '';
let petitionerLinkFromSlip = '';
let port = 0;
let base = '';

// ---- helpers ---------------------------------------------------------------------

let kit = null;
const mainText = (...a) => kit.mainText(...a);
const screenCheck = (...a) => kit.screenCheck(...a);
const signIn = (...a) => kit.signIn(...a);
const waitSignedIn = (...a) => kit.waitSignedIn(...a);
const goHash = (...a) => kit.goHash(...a);

async function sessionCookie(context) {
  return (await context.cookies(`${base}/api/v1/me`)).find((c) => c.name === 'yf_session') || null;
}

// ---- the administrator ---------------------------------------------------------

async function adminPart(page) {
  await page.goto(`${base}/console/`);
  await page.waitForSelector('#login-user');
  check('without a session the console shows the sign-in form', await page.isVisible('#login-pass'));
  await screenCheck(page, 'login');
  await signIn(page, 'admin', PASS.admin);
  await waitSignedIn(page);
  check('the admin sees 工作台 after signing in, with their name and role', /系统管理员（管理员）/.test(await page.innerText('#who-name')),
    await page.innerText('#who-name'));
  check('the admin sees 管理 in the navigation', await page.isVisible('nav a[href="#/admin/staff"]'));

  await page.click('nav a[href="#/admin/staff"]');
  await page.waitForSelector('table.staff');
  await page.click('button:has-text("新建账号")');
  await page.waitForSelector('form [name=display_name]');
  // A weak password is refused beside the password field, in words.
  await page.fill('[name=display_name]', '王检察官');
  await page.fill('[name=username]', 'wang.jc');
  await page.selectOption('[name=role]', 'prosecutor');
  await page.fill('[name=password]', '1234567890');
  await page.click('form button[type=submit]');
  await page.waitForSelector('.field-error');
  const err = await page.innerText('.has-error .field-error');
  check('a weak password is refused beside its field, in plain Chinese', /密码不能全是数字/.test(err), err);
  check('… with a summary at the top that links to the field', await page.isVisible('.error-summary a[href="#sn-pass"]'));
  await screenCheck(page, 'staff-error');
  await page.fill('[name=password]', PASS.pros);
  await page.click('form button[type=submit]');
  await page.waitForSelector('tr[data-username="wang.jc"]');
  await page.fill('[name=display_name]', '李书记员');
  await page.fill('[name=username]', 'li.sj');
  await page.selectOption('[name=role]', 'clerk');
  await page.fill('[name=password]', PASS.clerk);
  await page.click('form button[type=submit]');
  await page.waitForSelector('tr[data-username="li.sj"]');
  check('the admin created a prosecutor and a clerk', (await page.locator('tr[data-username]').count()) === 3);
  check('… and is told to hand over the password in person', /当面告知/.test(await mainText(page)));
  await screenCheck(page, 'staff');

  await page.click('nav a[href="#/admin/audit"]');
  await page.waitForSelector('table.audit');
  await page.click('text=校验审计链');
  await page.waitForSelector('.verify-slot .notice.ok');
  const verify = await page.innerText('.verify-slot');
  check('校验审计链 says in one sentence that the chain is whole', /校验通过：共 \d+ 条记录/.test(verify), verify);
  const audit = await mainText(page);
  check('the audit log names people, not staff ids', /王检察官/.test(audit) && /开设账号/.test(audit), audit.slice(0, 300));
  await screenCheck(page, 'audit');

  await page.click('#logout');
  await page.waitForSelector('#login-user');
  check('sign-out returns to the sign-in form and says so', /您已退出登录/.test(await mainText(page)));
}

// ---- the prosecutor --------------------------------------------------------------

async function prosecutorPart(page, context) {
  // Five failures lock a user name for a quarter hour: said in minutes.
  let said = '';
  for (let i = 0; i < 6; i++) {
    await page.fill('#login-user', 'zhao.guess');
    await page.fill('#login-pass', `guess-number-${i}`);
    await page.press('#login-pass', 'Enter');
    await page.waitForFunction((n) => document.querySelector('form .notice.bad') && !document.querySelector('form button[disabled]'), i);
    said = await page.innerText('form .notice.bad');
  }
  check('after too many failures sign-in says to wait, in minutes', /^登录失败次数过多，请 1[45] 分钟后再试。$/.test(said), said);
  await signIn(page, 'wang.jc', 'not-the-password');
  await page.waitForSelector('form .notice.bad');
  const wrong = await page.innerText('form .notice.bad');
  check('a wrong password is refused in plain words', wrong.includes('用户名或密码不正确，或账号已停用'), wrong);
  await screenCheck(page, 'login-wrong');
  await page.fill('#login-pass', PASS.pros);
  await page.press('#login-pass', 'Enter');
  await waitSignedIn(page);
  check('the prosecutor has no 管理 in the navigation', await page.isHidden('nav li[data-roles="admin"]'));

  // Register a case received 8 days ago: its 7-day reply is overdue.
  await page.click('nav a[href="#/cases/new"]');
  await page.waitForSelector('[name=case_no]');
  await page.click('form button[type=submit]');
  await page.waitForSelector('.error-summary');
  const errs = await page.locator('.field-error').allInnerTexts();
  check('an empty registration names each missing field beside it', errs.length === 4 && errs.includes('请填写案号。') &&
    errs.includes('请选择来源渠道。'), errs.join(' | '));
  await screenCheck(page, 'case-new-errors');
  const caseNo = `京检控〔2026〕${Date.now() % 100000}号`;
  await page.fill('[name=case_no]', caseNo);
  await page.selectOption('[name=type]', 'accusation');
  await page.check('#cn-ch-visit');
  await page.fill('[name=petitioner]', '张三');
  await page.fill('[name=contact]', '13812345678');
  await page.fill('[name=id_number]', ID);
  await page.fill('[name=received]', cstDate(-8));
  await page.fill('[name=summary]', '反映某派出所对其报案不予立案。');
  await page.click('form button[type=submit]');
  await page.waitForSelector('.case-head h1');
  const caseUrl = page.url();
  const caseId = /#\/cases\/(\d+)/.exec(caseUrl)?.[1];
  check('registering opens the case page with the deadlines', !!caseId && /已登记。程序性答复期限为/.test(await mainText(page)), caseUrl);

  // The same case number again: refused beside the field.
  await goHash(page, '#/cases/new', '[name=case_no]');
  await page.fill('[name=case_no]', caseNo);
  await page.selectOption('[name=type]', 'appeal');
  await page.check('#cn-ch-letter');
  await page.fill('[name=petitioner]', '李四');
  await page.click('form button[type=submit]');
  await page.waitForSelector('.field-error');
  const dup = await page.innerText('.has-error .field-error');
  check('a taken case number is refused beside the case number field', /这个案号已经登记过/.test(dup) &&
    (await page.getAttribute('[name=case_no]', 'aria-invalid')) === 'true', dup);

  // A second case, due tomorrow, through the API (the ledger shows both).
  const login = await apiRequest(port, 'POST', '/auth/login', { body: { username: 'wang.jc', password: PASS.pros } });
  const r = await apiRequest(port, 'POST', '/cases', { token: login.json.token, body: { case_no: `${caseNo}-2`, type: 'appeal',
    channel: 'online', petitioner: '李四', received: cstDate(-6) } });
  check('a second case is registered through the API', r.status === 201, JSON.stringify(r.json));
  const case2 = r.json.id;
  await apiRequest(port, 'POST', `/cases/${case2}/transition`, { token: login.json.token, body: { to: 'review' } });

  // Find it by search.
  await page.click('nav a[href="#/cases"]');
  await page.waitForSelector('form[role=search] [name=q]');
  await page.fill('form[role=search] [name=q]', '张三');
  await page.click('form[role=search] button[type=submit]');
  await page.waitForFunction(() => location.hash.includes('q='));
  await page.waitForSelector('table.cases');
  const rows = await page.locator('table.cases tbody tr').allInnerTexts();
  check('searching for the petitioner finds the case', rows.length === 1 && rows[0].includes(caseNo), rows.join(' | '));
  check('… with the phone and ID number masked in the list', rows.length === 1 && !rows[0].includes('13812345678') &&
    !rows[0].includes(ID), rows.join(' | '));
  await screenCheck(page, 'cases-search');

  // Move it 登记 → 审查.
  await page.click(`table.cases a[href="#/cases/${caseId}"]`);
  await page.waitForSelector('.stepper');
  const full = await mainText(page);
  check('the case page shows the petitioner\'s phone and ID number in full', full.includes('13812345678') && full.includes(ID));
  await page.click('button:has-text("转入审查")');
  await page.fill('.inline-form textarea', '材料齐全，进入审查。');
  await page.click('.inline-form button[type=submit]');
  await page.waitForSelector('.notice.ok');
  const cur = await page.innerText('.step.current .step-name');
  check('moving 登记→审查 marks 审查 as the current stage', cur === '审查', cur);
  const events = await page.innerText('.timeline');
  check('the events timeline names the prosecutor and keeps the note', events.includes('王检察官') &&
    events.includes('登记 → 审查') && events.includes('材料齐全'), events);
  check('the 7-day reply deadline shows as overdue', /已超期 1 天/.test(await page.innerText('.case-aside')));
  // A wrong phone number is corrected on the case page; an emptied name is refused beside it.
  await page.click('.case-aside button:has-text("修改")');
  await page.waitForSelector('.edit-form [name=contact]');
  await page.fill('.edit-form [name=petitioner]', '');
  await page.click('.edit-form button[type=submit]');
  await page.waitForSelector('.edit-form .field-error');
  check('修改信访人信息 refuses an empty name beside the field', /请填写信访人姓名/.test(await page.innerText('.edit-form .field-error')));
  await page.fill('.edit-form [name=petitioner]', '张三');
  await page.fill('.edit-form [name=contact]', '13812345670');
  await screenCheck(page, 'case-edit');
  await page.click('.edit-form button[type=submit]');
  await page.waitForSelector('.notice.ok:has-text("信访人信息已修改")');
  check('… and saves a corrected phone number', (await page.innerText('.case-aside')).includes('13812345670'));
  await page.waitForSelector('#case-audit ~ div table.audit');
  const trail = await page.innerText('#case-audit ~ div table.audit');
  check('本案审计记录 lists, newest first, who changed and who viewed the petitioner\'s details', trail.includes('修改案件信息') &&
    trail.includes('查看信访人联系方式和身份证号') && trail.includes('王检察官') &&
    trail.indexOf('查看信访人联系方式和身份证号') < trail.indexOf('登记案件'), trail.slice(0, 400));
  check('… and the case page says the petitioner has not rated yet', /信访人尚未评价/.test(await page.innerText('.case-aside')));

  // Schedule an appointment for today with the petitioner.
  await page.click('button:has-text("新建预约")');
  await page.waitForSelector('.appt-form');
  const inviteeName = await page.inputValue('.appt-form [name="invitees.0.name"]');
  check('the 预约 form starts with the petitioner as invitee', inviteeName === '张三', inviteeName);
  const now = new Date(Date.now() + 8 * 3600e3 + 10 * 60e3);
  const hhmm = now.toISOString().slice(0, 10) === cstDate() ? now.toISOString().slice(11, 16) : '23:55';
  await page.fill('.appt-form [name=date]', cstDate());
  await page.fill('.appt-form [name=time]', hhmm);
  await screenCheck(page, 'case-appointment-form');
  await page.click('.appt-form button[type=submit]');
  await page.waitForSelector('.links input');
  const link = await page.inputValue('.links input');
  check('after scheduling, the invitee\'s join link is shown to copy', /^https:\/\/.+join\.html\?t=[\w-]{43}$/.test(link), link);
  check('… labelled with the name and role', /张三（信访人）的邀请链接/.test(await page.innerText('.links')));
  await screenCheck(page, 'case-appointment-links');
  await page.click('.links button:has-text("完成")');
  // A lost link is issued again: a new one is shown, the old one is marked replaced.
  await page.click('.appt li:has-text("张三") button:has-text("重新生成链接")');
  await page.waitForSelector('.links input');
  const link2 = await page.inputValue('.links input');
  check('重新生成链接 shows a new join link once', /join\.html\?t=[\w-]{43}$/.test(link2) && link2 !== link, link2);
  check('… and the old one is marked as replaced', /链接已重新生成，旧链接作废/.test(await page.innerText('.appt')));
  // The new link's QR code, read as a phone reads it, and the printable slip.
  await page.waitForFunction(() => { const i = document.querySelector('.links img.qr'); return i && i.naturalWidth > 0; },
    null, { timeout: 10000 }).catch(() => {});
  const qrShot = join(tmp, 'qr-on-page.png');
  await page.locator('.links img.qr').screenshot({ path: qrShot }).catch(() => {});
  const qrRead = spawnSync('zbarimg', ['--quiet', '--raw', qrShot], { encoding: 'utf8' });
  check('beside the link its QR code is shown, and reads as the same link', (qrRead.stdout || '').trim() === link2,
    `${qrRead.stdout}${qrRead.stderr}`);
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15000 }),
    page.click('.links button:has-text("下载邀请函")')]);
  const slipPdf = join(tmp, 'slip.pdf');
  await download.saveAs(slipPdf);
  const slipText = spawnSync('pdftotext', ['-enc', 'UTF-8', slipPdf, '-'], { encoding: 'utf8' }).stdout || '';
  spawnSync('pdftoppm', ['-png', '-r', '150', '-singlefile', slipPdf, join(tmp, 'slip')]);
  const slipQr = spawnSync('zbarimg', ['--quiet', '--raw', join(tmp, 'slip.png')], { encoding: 'utf8' });
  check('下载邀请函 gives a PDF slip naming the invitee, the case and the host', download.suggestedFilename() === '邀请函-张三.pdf' &&
    slipText.includes('张三（信访人）') && slipText.includes('王检察官') && /京检控/.test(slipText),
    `${download.suggestedFilename()} ${slipText.slice(0, 200)}`);
  check('… whose QR code, decoded, is the join link', (slipQr.stdout || '').trim() === link2, slipQr.stdout);
  petitionerLinkFromSlip = (slipQr.stdout || '').trim();
  await screenCheck(page, 'case-appointment-reissued');
  await page.click('.links button:has-text("完成")');
  await screenCheck(page, 'case');

  // 工作台: the appointment, the ledger, my cases.
  await page.click('nav a[href="#/today"]');
  await page.waitForSelector('table.appts tbody tr');
  const appt = await page.innerText('table.appts tbody tr');
  check('工作台 lists today\'s appointment with the case number and the petitioner', appt.includes(caseNo) &&
    appt.includes('张三') && appt.includes(hhmm), appt);
  check('… and whether the invitee has opened the link', appt.includes('未打开链接'), appt);
  await page.waitForSelector('table.ledger tbody tr');
  const ledger = await page.locator('table.ledger tbody tr').allInnerTexts();
  check('the 督办 ledger shows the overdue reply in red with the days', ledger.some((l) => l.includes(caseNo) &&
    l.includes('程序性答复（7日）') && l.includes('已超期 1 天')) &&
    (await page.locator('table.ledger tr.is-overdue .due.bad').count()) >= 1, ledger.join(' | '));
  check('… and the one due tomorrow with the days left', ledger.some((l) => l.includes(`${caseNo}-2`) && l.includes('剩余 1 天')),
    ledger.join(' | '));
  const mine = await page.innerText('table.cases');
  check('工作台 lists the prosecutor\'s own open cases', mine.includes(caseNo) && mine.includes(`${caseNo}-2`), mine);
  await screenCheck(page, 'today');

  // One button into the room as host: starts the hearing, opens room.html.
  const [room] = await Promise.all([
    context.waitForEvent('page', { timeout: 10000 }),
    page.click('table.appts button:has-text("开始接访")'),
  ]);
  await room.waitForURL(/\/room\.html/, { timeout: 10000 }).catch(() => {});
  await room.waitForFunction(() => !location.search.includes('token='), null, { timeout: 10000 }).catch(() => {});
  const roomUrl = room.url();
  check('开始接访 opens the room page in a new tab, the token gone from its address bar', /\/room\.html$/.test(roomUrl), roomUrl);
  const token = await room.evaluate(() => sessionStorage.getItem('yf-room-token')).catch(() => '') || '';
  const claims = token ? JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) : {};
  check('… with a host token for the prosecutor', claims.role === 'prosecutor' && claims.name === '王检察官', JSON.stringify(claims));
  check('… which is never shown on the console', token && !(await page.content()).includes(token));
  await room.close();
  // The petitioner opens the link decoded from the slip's QR code on a phone.
  const phone = await page.context().browser().newContext({ ignoreHTTPSErrors: true, viewport: { width: 390, height: 844 },
    locale: 'zh-CN', isMobile: true, hasTouch: true });
  const pp = await phone.newPage();
  await pp.goto(petitionerLinkFromSlip || 'about:blank');
  await pp.waitForFunction(() => /全程录音录像/.test(document.body.innerText), null, { timeout: 10000 }).catch(() => {});
  const joinText = await pp.innerText('body').catch(() => '');
  check('the link from the slip\'s QR code opens the petitioner\'s page on a phone (the recording notice, then 继续)',
    /本次接访全程录音录像/.test(joinText) && /我已知悉，继续/.test(joinText) && !/undefined|null|\{"/.test(joinText),
    joinText.slice(0, 300));
  await pp.screenshot({ path: join(tmp, 'petitioner-join-phone.png') });
  console.log(`# screenshot: ${join(tmp, 'petitioner-join-phone.png')}`);
  await phone.close();
  await page.waitForSelector('table.appts .state.live', { timeout: 10000 });
  check('工作台 then shows the hearing running with 进入听证室', (await page.locator('table.appts button:has-text("进入听证室")').count()) === 1);
  await screenCheck(page, 'today-running');

  // Closing a case cannot be undone: the reason is asked for and checked first.
  await goHash(page, `#/cases/${case2}`, '.stepper');
  await page.click('button:has-text("终结/销号")');
  await page.click('.inline-form button[type=submit]');
  await page.waitForSelector('.inline-form .field-error');
  check('终结/销号 asks for the reason', (await page.innerText('.inline-form .field-error')) === '请填写终结理由。');
  await page.fill('.inline-form textarea', '信访人撤回申诉。');
  await page.click('.inline-form button[type=submit]');
  await page.waitForSelector('.check-step');
  const checkText = await page.innerText('.check-step');
  check('… and shows what will happen before it is done', /不能再转入其他阶段/.test(checkText) && checkText.includes('信访人撤回申诉'), checkText);
  await screenCheck(page, 'case-close-check');
  await page.click('.inline-form button:has-text("确认终结")');
  await page.waitForSelector('.notice.ok');
  check('after confirming, the case is at 终结 with no moves left', (await page.innerText('.step.current .step-name')) === '终结' &&
    /本案已终结/.test(await mainText(page)));

  // A reload keeps the session; the cookie is out of the page script's reach.
  await page.reload();
  await waitSignedIn(page);
  check('a reload keeps the session', /王检察官/.test(await page.innerText('#who-name')));
  // Keyboard: the first Tab reaches the skip link, which shows, and the next
  // control shows a focus ring.
  await page.keyboard.press('Tab');
  const skip = await page.evaluate(() => ({ id: document.activeElement.id, top: document.activeElement.getBoundingClientRect().top }));
  check('the first Tab reaches the skip link, and it shows', skip.id === 'skip' && skip.top >= 0, JSON.stringify(skip));
  await page.keyboard.press('Enter');
  check('… which moves focus to the content', await page.evaluate(() => document.activeElement.id === 'main'));
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  const ring = await page.evaluate(() => {
    const st = getComputedStyle(document.activeElement);
    return { tag: document.activeElement.tagName, style: st.outlineStyle, width: st.outlineWidth };
  });
  check('a control reached by keyboard shows a visible focus ring', ring.style !== 'none' && parseFloat(ring.width) >= 2, JSON.stringify(ring));
  const docCookie = await page.evaluate(() => document.cookie);
  check('document.cookie has no yf_session', !docCookie.includes('yf_session'), docCookie);
  const cookie = await sessionCookie(context);
  check('the session cookie is HttpOnly, Secure, SameSite=Strict, limited to /api/v1', cookie && cookie.httpOnly &&
    cookie.secure && cookie.sameSite === 'Strict' && cookie.path === '/api/v1', JSON.stringify(cookie && { ...cookie, value: '…' }));
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  check('nothing is kept in localStorage or sessionStorage', stored === '{}{}', stored);
  // After the reload the CSRF token came back from GET /me: a change works.
  await goHash(page, `#/cases/${caseId}`, '.stepper');

  // Sign-out ends the session: the old cookie is refused.
  await page.click('#logout');
  await page.waitForSelector('#login-user');
  const after = await apiRequest(port, 'GET', '/me', { headers: { cookie: `yf_session=${cookie.value}` } });
  check('after sign-out the old cookie is 401', after.status === 401, String(after.status));
  return { caseId, caseNo };
}

// ---- the clerk, and a session that dies -----------------------------------------

async function clerkPart(page, { caseId }) {
  // Signing in by keyboard alone: the user name field has focus.
  await page.waitForSelector('#login-user');
  check('the sign-in form puts focus on the user name', await page.evaluate(() => document.activeElement.id === 'login-user'));
  await page.keyboard.type('li.sj');
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASS.clerk);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await waitSignedIn(page);
  check('the clerk sees no 管理 in the navigation', await page.isHidden('nav li[data-roles="admin"]') &&
    !(await page.isVisible('nav a[href="#/admin/staff"]')));
  check('… and starts at 工作台, not on the last user\'s screen', /#\/today$/.test(page.url()), page.url());
  await page.waitForSelector('#today-ledger');
  await page.waitForLoadState('networkidle').catch(() => {});
  await screenCheck(page, 'clerk-today');
  await goHash(page, '#/admin/staff', 'main h1');
  const refused = await page.innerText('main h1');
  check('the admin screens refuse the clerk', refused === '您的账号没有权限查看这个页面。', refused);
  const apiRefused = await page.evaluate(async () => (await fetch('/api/v1/staff', { credentials: 'same-origin' })).status);
  check('… and so does the API behind them', apiRefused === 403, String(apiRefused));
  await screenCheck(page, 'clerk-refused');
  await goHash(page, '#/admin/audit', 'main h1');
  check('the audit log refuses the clerk too', (await page.innerText('main h1')) === '您的账号没有权限查看这个页面。');

  // The administrator disables the clerk: the next call returns to sign-in.
  const admin = await apiRequest(port, 'POST', '/auth/login', { body: { username: 'admin', password: PASS.admin } });
  const staff = await apiRequest(port, 'GET', '/staff', { token: admin.json.token });
  const clerk = staff.json.items.find((s) => s.username === 'li.sj');
  await apiRequest(port, 'PATCH', `/staff/${clerk.id}`, { token: admin.json.token, body: { disabled: true } });
  await goHash(page, `#/cases/${caseId}`);
  await page.waitForSelector('#login-user', { timeout: 10000 });
  const msg = await mainText(page);
  check('a session that ends mid-work returns to sign-in with 登录已过期，请重新登录', msg.includes('登录已过期，请重新登录'), msg);
  await screenCheck(page, 'login-expired');
}

// ---- the administrator hands the case over ----------------------------------------

async function assignPart(page, { caseId }) {
  const admin = await apiRequest(port, 'POST', '/auth/login', { body: { username: 'admin', password: PASS.admin } });
  const made = await apiRequest(port, 'POST', '/staff', { token: admin.json.token, body: { username: 'zhao.jc',
    display_name: '赵检察官', role: 'prosecutor', password: 'winter-river-2024' } });
  check('a second prosecutor is made', made.status === 201, made.raw.toString());
  await signIn(page, 'admin', PASS.admin);
  await waitSignedIn(page);
  await goHash(page, `#/cases/${caseId}`, '.assign-form select');
  await page.waitForSelector('.assign-form option:has-text("赵检察官")', { state: 'attached' });
  await page.click('.assign-form button[type=submit]');
  await page.waitForSelector('.assign-form .field-error');
  check('改派 without a choice says to choose first, beside the field', /请先选择检察官/.test(await page.innerText('.assign-form')));
  await page.selectOption('.assign-form select', { label: '赵检察官' });
  await screenCheck(page, 'case-assign');
  await page.click('.assign-form button[type=submit]');
  await page.waitForSelector('.notice.ok:has-text("本案已指派给赵检察官承办")');
  check('the administrator hands the case over to another prosecutor', (await page.innerText('.case-aside')).includes('赵检察官'));
}

// ---- main -------------------------------------------------------------------------

async function main() {
  const { bin, webDir, chromium } = await browserTestPrerequisites();
  const dirs = tempDirs('yf-e2e-console-');
  tmp = dirs.tmp;
  kit = consoleKit(tmp);
  let server = null;
  let browser = null;
  try {
    const made = createUser(bin, dirs.dataDir, { username: 'admin', role: 'admin', password: PASS.admin, name: '系统管理员' });
    check('the CLI makes the first administrator', made.status === 0, made.stderr);
    port = await freePort();
    base = `https://127.0.0.1:${port}`;
    server = await startServerReady(bin, { dataDir: dirs.dataDir, port, webDir, workers: 1, logLevel: 'info',
      logPath: join(tmp, 'server.log'), log: serverLog });
    // The console needs the workbench's endpoints (docs/api.md); say so plainly when they are missing.
    const admin = await apiRequest(port, 'POST', '/auth/login', { body: { username: 'admin', password: PASS.admin } });
    for (const path of ['/appointments?date=2024-05-03', '/cases/due']) {
      const r = await apiRequest(port, 'GET', path, { token: admin.json && admin.json.token });
      check(`the server answers GET ${path.split('?')[0]}`, r.status === 200, `${r.status} ${r.raw.toString().slice(0, 120)}`);
    }
    // --lang: an office's browser is in Chinese (date fields read 年/月/日).
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, '--lang=zh-CN'] });
    // A computer set to another time zone still sees China Standard Time.
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: VIEW, locale: 'zh-CN', timezoneId: 'America/New_York' });
    const page = await context.newPage();
    page.on('console', (m) => pageLog.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => { pageLog.push(`pageerror: ${e.message}`); check('no script error on the page', false, e.message); });
    await adminPart(page);
    const made2 = await prosecutorPart(page, context);
    await clerkPart(page, made2);
    await assignPart(page, made2);
    await context.close();
    check('server is still running', !server.exitInfo, JSON.stringify(server.exitInfo));
  } catch (e) {
    check('test ran to the end', false, e.stack || e.message);
  } finally {
    if (browser) await browser.close().catch(() => {});
    console.log(`# ${kit ? kit.shots.length : 0} screenshots in ${tmp}`);
    await wrapUp({ server, tmp, pageLog, serverLog });
  }
}

await main();
finish('console');

// console_stats.test.mjs -- the console's 统计 screen (#/stats) in headless
// Chromium at 1366×768 against the real server, on cases the API registers
// in the last three months (answered in time, late, closed, not yet due):
// the navigation link for every staff role, the default period 近3个月 with
// its headline figures ("x / y 件"), the month columns and type/channel bars
// with a label in words per bar and the same numbers in a table, a share with
// nothing to judge said in words (never 0%), the overdue list linking to each
// case, 导出CSV downloading the period's file through the session cookie,
// the presets and a custom period with its errors beside the fields, a
// keyboard path with a visible focus ring, nothing raw on screen. Screenshots
// go to the temp dir (YF_E2E_KEEP=1 keeps it).
// Run by CTest with YF_SERVER_BIN and YF_WEB_DIR.
import fs from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS, apiRequest, browserTestPrerequisites, check, createUser, finish, freePort,
  startServerReady, tempDirs, wrapUp } from './lib.mjs';

const VIEW = { width: 1366, height: 768 };
const PASS = { admin: 'admin-password-1', pros: 'spring-river-2024', viewer: 'quiet-lake-2024' };
const serverLog = [];
const pageLog = [];
const shots = [];
let tmp = '';
let port = 0;
let base = '';

const now = new Date(Date.now() + 8 * 3600e3);
const pad = (n) => String(n).padStart(2, '0');
const today = now.toISOString().slice(0, 10);
const monthBack = (k) => {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - k, 1));
  return [d.getUTCFullYear(), d.getUTCMonth() + 1];
};
const day = ([y, m], d) => `${y}-${pad(m)}-${pad(d)}`;
const words = ([y, m]) => `${y}年${m}月`;
const M2 = monthBack(2), M1 = monthBack(1), M0 = monthBack(0);

// ---- helpers ---------------------------------------------------------------------

async function shot(page, name, opts = {}) {
  const path = join(tmp, `stats-${name}.png`);
  await page.screenshot({ path, ...opts });
  shots.push(path);
  console.log(`# screenshot: ${path}`);
}

const mainText = (page) => page.locator('main').innerText();

/** What a person must never see: ISO dates and times, JSON, ids, codes, i18n keys. */
async function checkPlain(page, screen) {
  const text = await page.locator('body').innerText();
  const bad = [/\d{4}-\d{2}-\d{2}/, /[{[]\s*"/, /\bcase:\d+/, /\.\d{3}Z/, /\bundefined\b/, /\bnull\b/, /\bNaN\b/, /Infinity/,
    /\b(bad_request|unauthorized|forbidden|not_found|accusation|appeal|judicial_aid|letter|visit|online)\b/,
    /\b(app|nav|stats|cases|today|due|deadline|common|role|stage|type|channel|channelLong)\.[a-zA-Z]+/]
    .filter((re) => re.test(text));
  check(`${screen}: nothing raw on screen (no ISO date, JSON, id, code or i18n key)`, !bad.length,
    bad.map((re) => `${re} in: ${(text.match(re) || [''])[0]}`).join('; '));
}

async function checkLabels(page, screen) {
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('main input, main select, main textarea')]
    .filter((el) => el.type !== 'hidden' && !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
    .map((el) => el.name || el.id));
  check(`${screen}: every field has a label`, !unlabelled.length, unlabelled.join(', '));
}

async function screenCheck(page, name, opts) {
  await checkPlain(page, name);
  await checkLabels(page, name);
  await shot(page, name, opts);
}

async function goHash(page, hash, waitFor) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  if (waitFor) await page.waitForSelector(waitFor, { timeout: 10000 });
  await page.waitForLoadState('networkidle').catch(() => {});
}

async function signIn(page, username, password) {
  await page.goto(`${base}/console/`);
  await page.waitForSelector('#login-user');
  await page.fill('#login-user', username);
  await page.fill('#login-pass', password);
  await page.press('#login-pass', 'Enter');
  await page.waitForSelector('#who:not([hidden])', { timeout: 10000 });
}

/** The aria-labels of the bars of the chart in panel (an element id). */
const barLabels = (page, panel) => page.$$eval(`#${panel} svg [role="img"]`, (els) => els.map((e) => e.getAttribute('aria-label')));

// ---- the data ---------------------------------------------------------------------

async function makeCases(T) {
  const api = (m, p, o) => apiRequest(port, m, p, o);
  const cases = [
    ['TJ-1', 'accusation', 'visit', today, ['review', 'assign']],            // answered today: in time
    ['TJ-2', 'appeal', 'online', today, ['review', 'closed']],              // closed today: both in time
    ['TJ-3', 'accusation', 'letter', day(M2, 10), ['review', 'assign']],    // answered late
    ['TJ-4', 'appeal', 'visit', day(M2, 5), []],                            // never answered: late, overdue
    ['TJ-5', 'report', 'phone', day(M1, 1), []],                            // never answered: late, overdue
    ['TJ-6', 'judicial_aid', 'video', day(M1, 3), ['review', 'assign']],    // answered late
    ['TJ-7', 'state_compensation', 'video', today, []],                     // not due yet: not counted
    ['TJ-8', 'accusation', 'online', day(M2, 20), ['review', 'closed']],    // answered late, closed in time
  ];
  const ids = {};
  for (const [no, type, channel, received, moves] of cases) {
    const r = await api('POST', '/cases', { token: T.pros, body: { case_no: `京检〔统计〕${no}`, type, channel, received,
      petitioner: '张三' } });
    ids[no] = r.json && r.json.id;
    for (const to of moves) await api('POST', `/cases/${ids[no]}/transition`, { token: T.pros, body: { to } });
  }
  check('the test cases are registered and moved', Object.values(ids).every(Boolean), JSON.stringify(ids));
  return ids;
}

// ---- the screen ---------------------------------------------------------------------

async function defaultPeriod(page, ids) {
  check('统计 is in the navigation', await page.isVisible('nav a[href="#/stats"]'));
  await page.click('nav a[href="#/stats"]');
  await page.waitForSelector('.figures');
  await page.waitForSelector('#stats-months svg');
  check('the navigation marks 统计 as the current page',
    (await page.getAttribute('nav a[href="#/stats"]', 'aria-current')) === 'page');
  check('the default period is 近3个月, marked as current', (await page.innerText('.period-presets [aria-current="true"]')) === '近3个月');
  const figures = await page.locator('.figures .figure').allInnerTexts();
  check('headline: cases received', /收案数\s*8 件/.test(figures[0]), figures[0]);
  check('headline: 7日内答复率 with "x / y 件"', /7日内答复率\s*28\.6%\s*2 \/ 7 件/.test(figures[1]), figures[1]);
  check('headline: 3个月内办结率 with "x / y 件"', /3个月内办结率\s*100\.0%\s*2 \/ 2 件/.test(figures[2]), figures[2]);
  const echo = await page.innerText('.period .echo');
  check('the period is said in words', echo === `统计期间：${M2[0]}年${M2[1]}月1日至${now.getUTCFullYear()}年${now.getUTCMonth() + 1}月${now.getUTCDate()}日`, echo);

  const months = await barLabels(page, 'stats-months');
  check('the month chart has two bars a month, each labelled in words', months.length === 6 &&
    months.includes(`${words(M2)}，7日内答复率：0.0%（0 / 3 件）`) &&
    months.includes(`${words(M2)}，3个月内办结率：100.0%（1 / 1 件）`) &&
    months.includes(`${words(M0)}，7日内答复率：100.0%（2 / 2 件）`), months.join(' | '));
  check('… a month with nothing to judge says so, not 0%', months.includes(`${words(M1)}，3个月内办结率：暂无可计算的案件`),
    months.join(' | '));
  const svgText = await page.locator('#stats-months svg').textContent();
  check('… axis labels in Chinese', svgText.includes('按期比率') && svgText.includes('收案月份') && svgText.includes('100%') &&
    svgText.includes(`${M1[1]}月`), svgText.slice(0, 200));

  const types = await barLabels(page, 'stats-types');
  check('bars by type, labelled in words', types.includes('控告，7日内答复率：33.3%（1 / 3 件）') &&
    types.includes('控告，3个月内办结率：100.0%（1 / 1 件）') && types.includes('法律咨询：本期没有收案') &&
    types.includes('国家赔偿，7日内答复率：暂无可计算的案件'), types.join(' | '));
  const chans = await barLabels(page, 'stats-channels');
  check('bars by channel, with the channels\' full names', chans.includes('网上信访，7日内答复率：50.0%（1 / 2 件）') &&
    chans.includes('来信，7日内答复率：0.0%（0 / 1 件）') && chans.includes('视频接访，7日内答复率：0.0%（0 / 1 件）'),
  chans.join(' | '));

  await page.click('#stats-months summary');
  const rows = await page.locator('#stats-months table tbody tr').allInnerTexts();
  check('the month chart\'s numbers are in a table too', rows.length === 3 &&
    rows[1].replace(/\s+/g, ' ').trim() === `${words(M1)} 2 0.0%（0 / 2 件） 暂无可计算的案件`, rows.join(' | '));
  await page.click('#stats-months summary');

  const overdue = await page.locator('#stats-overdue tbody tr').allInnerTexts();
  check('the overdue list holds the two cases never answered', overdue.length === 2 &&
    overdue.some((r) => r.includes('TJ-4')) && overdue.some((r) => r.includes('TJ-5')) &&
    overdue.every((r) => /程序性答复（7日）/.test(r) && /已超期 \d+ 天/.test(r)), overdue.join(' | '));
  await screenCheck(page, 'default');
  await screenCheck(page, 'default-full', { fullPage: true });

  await page.click(`#stats-overdue a[href="#/cases/${ids['TJ-4']}"]`);
  await page.waitForSelector('.case-head h1');
  check('an overdue case links to its page', (await page.innerText('.case-head h1')).includes('TJ-4'));
  await page.goBack();
  await page.waitForSelector('#stats-months svg');
  check('Back returns to the statistics of the same period', /近3个月/.test(await page.innerText('.period-presets [aria-current="true"]')));
}

async function exportCsv(page) {
  const href = await page.getAttribute('.page-head a.btn', 'href');
  check('导出CSV is a plain link to the CSV route with the period', href === `/api/v1/stats.csv?from=${day(M2, 1)}&to=${today}`, href);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=导出CSV')]);
  const file = await download.path();
  const bytes = fs.readFileSync(file);
  const text = bytes.subarray(3).toString('utf8');
  check('the download is named after the period', download.suggestedFilename() === `yuanfang-stats-${day(M2, 1)}-${today}.csv`,
    download.suggestedFilename());
  check('… starts with the UTF-8 BOM and the Chinese header', bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf &&
    text.startsWith('分组,项目,收案（件）,7日内答复（件）,应答复（件）,7日内答复率'), text.slice(0, 80));
  check('… and holds the same numbers as the screen', text.includes(`合计,${M2[0]}年${M2[1]}月1日至`) &&
    text.includes(',8,2,7,28.6%,2,2,100.0%\r\n') && text.includes(`按月,${words(M1)},2,0,2,0.0%,0,0,\r\n`), text.slice(0, 400));
}

async function periods(page) {
  await page.click('.period-presets a:has-text("本月")');
  await page.waitForFunction(() => /本月/.test(document.querySelector('.period-presets [aria-current="true"]')?.textContent || ''));
  await page.waitForSelector('#stats-months svg');
  const f = await page.locator('.figures .figure').allInnerTexts();
  check('本月: only this month\'s cases', /收案数\s*3 件/.test(f[0]) && /100\.0%\s*2 \/ 2 件/.test(f[1]), f.join(' | '));
  check('… one month in the chart', (await barLabels(page, 'stats-months')).length === 2);
  await page.click('.period-presets a:has-text("本年")');
  await page.waitForFunction(() => /本年/.test(document.querySelector('.period-presets [aria-current="true"]')?.textContent || ''));
  await page.waitForSelector('#stats-months svg');
  check('本年 starts on 1 January', page.url().includes(`from=${now.getUTCFullYear()}-01-01`), page.url());
  const yearLabels = await barLabels(page, 'stats-months');
  const missing = [];
  for (let m = 1; m <= now.getUTCMonth() + 1; m++) {
    if (!yearLabels.some((l) => l.startsWith(`${now.getUTCFullYear()}年${m}月`))) missing.push(m);
  }
  check('… every month so far in the chart, a month without cases said so in words', !missing.length &&
    (now.getUTCMonth() < 3 || yearLabels.includes(`${now.getUTCFullYear()}年1月：无收案`)), `missing ${missing}: ${yearLabels.join(' | ')}`);
  await screenCheck(page, 'this-year');

  // A custom period: the last day before the first is refused beside its field.
  await page.fill('[name=from]', day(M1, 15));
  await page.fill('[name=to]', day(M2, 1));
  await page.click('.period button[type=submit]');
  await page.waitForSelector('.period .field-error');
  const err = await page.innerText('.period .has-error .field-error');
  check('a period ending before it starts is refused beside 截止日期', err === '截止日期不能早于起始日期。' &&
    (await page.getAttribute('[name=to]', 'aria-invalid')) === 'true', err);
  check('… with a summary at the top that links to the field', await page.isVisible('.period .error-summary a'));
  await screenCheck(page, 'custom-error');
  await page.fill('[name=from]', '');
  await page.click('.period button[type=submit]');
  await page.waitForSelector('.period .field-error');
  check('an empty first day is asked for', (await page.locator('.period .field-error').allInnerTexts()).includes('请填写起始日期。'));

  await page.fill('[name=from]', day(M2, 1));
  await page.fill('[name=to]', day(M1, 28));
  check('the chosen period is echoed in words', (await page.innerText('.period .echo')) ===
    `统计期间：${M2[0]}年${M2[1]}月1日至${M1[0]}年${M1[1]}月28日`);
  await page.click('.period button[type=submit]');
  await page.waitForFunction((to) => location.hash.includes(`to=${to}`), day(M1, 28));
  await page.waitForSelector('#stats-months svg');
  const f2 = await page.locator('.figures .figure').allInnerTexts();
  check('a custom period counts the cases received in it', /收案数\s*5 件/.test(f2[0]) && /0\.0%\s*0 \/ 5 件/.test(f2[1]), f2.join(' | '));
  check('… no preset is marked', (await page.locator('.period-presets [aria-current]').count()) === 0);
  check('… and the export link follows it', (await page.getAttribute('.page-head a.btn', 'href')).endsWith(`to=${day(M1, 28)}`));

  // A period typed into the address bar that the server would refuse.
  await goHash(page, '#/stats?from=2024-05-01&to=2024-04-01', '.period .field-error');
  check('a reversed period in the address is explained beside the field, nothing fetched',
    (await page.innerText('.period .field-error')) === '截止日期不能早于起始日期。' && !(await page.isVisible('.figures')));
}

async function keyboard(page) {
  await goHash(page, '#/stats', '#stats-months svg');
  // From the heading, Tab reaches 导出CSV and then the presets, each with a visible ring.
  await page.focus('main h1');
  const seen = [];
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Tab');
    seen.push(await page.evaluate(() => {
      const el = document.activeElement;
      const cs = getComputedStyle(el);
      return { text: el.textContent.trim(), ring: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2 };
    }));
  }
  check('Tab from the heading: 导出CSV, then 本月, 近3个月, 本年', seen.map((s) => s.text).join(',') === '导出CSV,本月,近3个月,本年',
    JSON.stringify(seen));
  check('… each with a visible focus ring', seen.every((s) => s.ring), JSON.stringify(seen));
  await shot(page, 'keyboard-focus');
  const summaryFocusable = await page.evaluate(() => document.querySelector('#stats-types summary').tabIndex >= 0);
  check('the tables behind the charts open from the keyboard', summaryFocusable);
}

async function otherRoles(browser, ids) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: VIEW, locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('pageerror', (e) => { pageLog.push(`pageerror: ${e.message}`); check('no script error on the page', false, e.message); });
  await signIn(page, 'viewer', PASS.viewer);
  await page.click('nav a[href="#/stats"]');
  await page.waitForSelector('#stats-months svg');
  const f = await page.locator('.figures .figure').allInnerTexts();
  check('a viewer sees the same statistics', /收案数\s*8 件/.test(f[0]), f[0]);
  await context.close();

  // A narrow window (a tablet held upright): figures stack, charts fit or scroll.
  const narrow = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 800, height: 1000 }, locale: 'zh-CN' });
  const p2 = await narrow.newPage();
  await signIn(p2, 'viewer', PASS.viewer);
  await goHash(p2, '#/stats', '#stats-months svg');
  const overflow = await p2.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  check('at 800 px wide the page does not scroll sideways', !overflow);
  await screenCheck(p2, 'narrow', { fullPage: true });
  await narrow.close();
  check('the cases exist for the other roles too', Boolean(ids['TJ-1']));
}

// ---- main -------------------------------------------------------------------------

async function main() {
  const { bin, webDir, chromium } = await browserTestPrerequisites();
  const dirs = tempDirs('yf-e2e-console-stats-');
  tmp = dirs.tmp;
  let server = null;
  let browser = null;
  try {
    const made = createUser(bin, dirs.dataDir, { username: 'admin', role: 'admin', password: PASS.admin, name: '系统管理员' });
    check('the CLI makes the first administrator', made.status === 0, made.stderr);
    port = await freePort();
    base = `https://127.0.0.1:${port}`;
    server = await startServerReady(bin, { dataDir: dirs.dataDir, port, webDir, workers: 1, logLevel: 'info',
      logPath: join(tmp, 'server.log'), log: serverLog });
    const T = {};
    const admin = await apiRequest(port, 'POST', '/auth/login', { body: { username: 'admin', password: PASS.admin } });
    for (const [username, role, name, password] of [['wang.jc', 'prosecutor', '王检察官', PASS.pros],
      ['viewer', 'viewer', '赵查阅', PASS.viewer]]) {
      await apiRequest(port, 'POST', '/staff', { token: admin.json.token, body: { username, display_name: name, role, password } });
    }
    T.pros = (await apiRequest(port, 'POST', '/auth/login', { body: { username: 'wang.jc', password: PASS.pros } })).json.token;
    const ids = await makeCases(T);

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, '--lang=zh-CN'] });
    // A computer set to another time zone still counts in China Standard Time.
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: VIEW, locale: 'zh-CN',
      timezoneId: 'America/New_York', acceptDownloads: true });
    const page = await context.newPage();
    page.on('console', (m) => pageLog.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => { pageLog.push(`pageerror: ${e.message}`); check('no script error on the page', false, e.message); });
    await signIn(page, 'wang.jc', PASS.pros);
    await defaultPeriod(page, ids);
    await exportCsv(page);
    await periods(page);
    await keyboard(page);
    // (The first GET /me before signing in is a 401 the browser itself logs.)
    const noisy = pageLog.filter((l) => /^(warning|error)/.test(l) && !/status of 401/.test(l));
    check('no warning or error in the page console', !noisy.length, noisy.join('\n'));
    // A session that has ended: 导出CSV returns to sign-in instead of saving the refusal as a file.
    await context.clearCookies();
    let downloaded = false;
    page.once('download', () => { downloaded = true; });
    await page.click('text=导出CSV');
    await page.waitForSelector('#login-user', { timeout: 10000 });
    check('导出CSV after the session ended returns to sign-in, saving nothing', !downloaded &&
      (await mainText(page)).includes('登录已过期，请重新登录'));
    await context.close();
    await otherRoles(browser, ids);
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
finish('console_stats');

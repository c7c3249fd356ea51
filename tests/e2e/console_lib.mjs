// console_lib.mjs -- what the console's browser tests share: screenshots into
// the test's temp dir, the checks every screen gets (nothing raw on screen,
// a label on every field), signing in, and moving between screens.
import { join } from 'node:path';
import { check } from './lib.mjs';

/** The kit of one test: shots are written to tmp under prefix-NAME.png and
 * listed in shots. */
export function consoleKit(tmp, prefix = 'console') {
  const shots = [];

  async function shot(page, name) {
    const path = join(tmp, `${prefix}-${name}.png`);
    await page.screenshot({ path });
    shots.push(path);
    console.log(`# screenshot: ${path}`);
  }

  const mainText = (page) => page.locator('main').innerText();

  /** What a person must never see: ISO timestamps, JSON, internal ids, codes. */
  async function checkPlain(page, screen) {
    const text = await page.locator('body').innerText();
    const bad = [/\d{4}-\d{2}-\d{2}T\d{2}:/, /[{[]\s*"/, /\bstaff:\d+/, /\bcase:\d+/, /\.\d{3}Z/, /\bundefined\b/, /\bnull\b/,
      /\bNaN\b/, /\b(bad_request|unauthorized|forbidden|not_found|conflict)\b/, /\b\d{5,}\s*ms\b/,
      /\b(app|nav|login|today|cases|caseNew|case|appt|staff|audit|err|room|due|deadline|common|role|stage|type|kind|invitee|act|hearing|rec|stats)\.[a-zA-Z]+/]
      .filter((re) => re.test(text));
    check(`${screen}: nothing raw on screen (no ISO time, JSON, id, error code or i18n key)`, !bad.length,
      bad.map((re) => `${re} in: ${(text.match(re) || [''])[0]}`).join('; '));
  }

  /** Every form control has a label (a <label for>, a wrapping label or aria-label). */
  async function checkLabels(page, screen) {
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll('main input, main select, main textarea')]
      .filter((el) => el.type !== 'hidden' && !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
      .map((el) => el.name || el.id || el.outerHTML.slice(0, 60)));
    check(`${screen}: every field has a label`, !unlabelled.length, unlabelled.join(', '));
  }

  async function screenCheck(page, name) {
    await checkPlain(page, name);
    await checkLabels(page, name);
    await shot(page, name);
  }

  async function signIn(page, username, password) {
    await page.waitForSelector('#login-user');
    await page.fill('#login-user', username);
    await page.fill('#login-pass', password);
    await page.press('#login-pass', 'Enter');
  }

  async function waitSignedIn(page) {
    await page.waitForSelector('#who:not([hidden])', { timeout: 10000 });
    await page.waitForSelector('main h1');
  }

  async function goHash(page, hash, waitFor) {
    await page.evaluate((h) => { location.hash = h; }, hash);
    if (waitFor) await page.waitForSelector(waitFor, { timeout: 10000 });
    await page.waitForLoadState('networkidle').catch(() => {});
  }

  return { shots, shot, mainText, checkPlain, checkLabels, screenCheck, signIn, waitSignedIn, goHash };
}

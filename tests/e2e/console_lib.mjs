// console_lib.mjs -- what the staff console's browser tests share: the checks
// every screen must pass (nothing raw on screen, a label on every field),
// signing in through the console's own form, moving between screens,
// screenshots into the test's temp dir (consoleKit), and valid resident ID
// numbers.
import { join } from 'node:path';
import { check } from './lib.mjs';

/** What a person must never see: ISO timestamps, JSON, internal ids, codes. */
export async function checkPlain(page, screen) {
  const text = await page.locator('body').innerText();
  const bad = [/\d{4}-\d{2}-\d{2}T\d{2}:/, /[{[]\s*"/, /\bstaff:\d+/, /\bcase:\d+/, /\.\d{3}Z/, /\bundefined\b/, /\bnull\b/,
    /\bNaN\b/, /\b(bad_request|unauthorized|forbidden|not_found|conflict)\b/, /\b\d{5,}\s*ms\b/,
    /\b(app|nav|login|today|cases|caseNew|case|appt|staff|audit|err|room|due|deadline|common|role|stage|type|kind|invitee|act|hearing|rec|stats|perm|detail)\.[a-zA-Z]+/]
    .filter((re) => re.test(text));
  check(`${screen}: nothing raw on screen (no ISO time, JSON, id, error code or i18n key)`, !bad.length,
    bad.map((re) => `${re} in: ${(text.match(re) || [''])[0]}`).join('; '));
}

/** Every form control has a label (a <label for>, a wrapping label or aria-label). */
export async function checkLabels(page, screen) {
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('main input, main select, main textarea')]
    .filter((el) => el.type !== 'hidden' && !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
    .map((el) => el.name || el.id || el.outerHTML.slice(0, 60)));
  check(`${screen}: every field has a label`, !unlabelled.length, unlabelled.join(', '));
}

/** Fills the sign-in form and sends it with Enter. */
export async function signIn(page, username, password) {
  await page.waitForSelector('#login-user');
  await page.fill('#login-user', username);
  await page.fill('#login-pass', password);
  await page.press('#login-pass', 'Enter');
}

/** Resolves once the shell shows who is signed in and a screen has its heading. */
export async function waitSignedIn(page) {
  await page.waitForSelector('#who:not([hidden])', { timeout: 10000 });
  await page.waitForSelector('main h1');
}

/** Moves to a route by its hash and waits for waitFor (a selector) and the network. */
export async function goHash(page, hash, waitFor) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  if (waitFor) await page.waitForSelector(waitFor, { timeout: 10000 });
  await page.waitForLoadState('networkidle').catch(() => {});
}

export const mainText = (page) => page.locator('main').innerText();

/** A resident ID number with its ISO 7064 MOD 11-2 check character (GB 11643). */
export function idNumber(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * w[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

/** The kit of one test: the helpers above, and screenshots written to tmp
 * as prefix-NAME.png and listed in shots; screenCheck runs both checks and
 * takes the screenshot. */
export function consoleKit(tmp, prefix = 'console') {
  const shots = [];

  async function shot(page, name) {
    const path = join(tmp, `${prefix}-${name}.png`);
    await page.screenshot({ path });
    shots.push(path);
    console.log(`# screenshot: ${path}`);
  }

  async function screenCheck(page, name) {
    await checkPlain(page, name);
    await checkLabels(page, name);
    await shot(page, name);
  }

  return { shots, shot, mainText, checkPlain, checkLabels, screenCheck, signIn, waitSignedIn, goHash };
}

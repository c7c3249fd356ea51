// i18n.js -- the staff console's string table and its one lookup, t().
// Simplified Chinese first (the offices' language), English second (for
// developers). The language follows the rest of the site (../js/i18n.js:
// ?lang=, else the browser's languages, else zh-CN). HTML marks text with
// data-i18n="key" (and data-i18n-placeholder / data-i18n-aria for attributes).
import { lang } from '../js/i18n.js';
import { zh } from './strings_zh.js';
import { en } from './strings_en.js';

const TABLE = { 'zh-CN': zh, en };

export { lang };

/** The text for key in the page's language (zh-CN when the key has no
 * translation), with {name} replaced from vars. */
export function t(key, vars) {
  let s = TABLE[lang]?.[key] ?? TABLE['zh-CN'][key];
  if (s === undefined) {
    console.warn('i18n: missing key', key);
    return key;
  }
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

/** True when the table has key (for labels of codes the server may add later). */
export function has(key) {
  return key in TABLE['zh-CN'];
}

/** Fills [data-i18n], [data-i18n-placeholder] and [data-i18n-aria] under root. */
export function applyI18n(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
}

// format.js -- dates and times as people in the office read them: China
// Standard Time (UTC+8, no daylight saving) whatever the computer's own zone,
// "2024年5月3日 09:00", never an ISO string or milliseconds. The API answers
// times in UTC (RFC 3339) and dates as civil dates YYYY-MM-DD in CST.
import { lang } from './i18n.js';

const CST_MS = 8 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;
const EN_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n) => String(n).padStart(2, '0');

/** The parts of an instant (RFC 3339 string or ms) on the CST wall clock. */
function cst(at) {
  const ms = typeof at === 'number' ? at : Date.parse(at);
  if (!Number.isFinite(ms)) return null;
  const d = new Date(ms + CST_MS);
  return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate(), hh: d.getUTCHours(), mm: d.getUTCMinutes() };
}

function civil(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || '');
  return m ? { y: +m[1], m: +m[2], d: +m[3] } : null;
}

function dateText(p) {
  return lang === 'en' ? `${p.d} ${EN_MONTHS[p.m - 1]} ${p.y}` : `${p.y}年${p.m}月${p.d}日`;
}

/** "2024年5月3日" from a civil date "2024-05-03" or an instant. */
export function fmtDate(v) {
  const p = civil(v) || (v ? cst(v) : null);
  return p ? dateText(p) : '';
}

/** "09:00" (CST) from an instant. */
export function fmtTime(v) {
  const p = v ? cst(v) : null;
  return p ? `${pad(p.hh)}:${pad(p.mm)}` : '';
}

/** "09:00:05" (CST) from an instant. */
export function fmtTimeSec(v) {
  const ms = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(ms)) return '';
  return new Date(ms + CST_MS).toISOString().slice(11, 19);
}

/** "2024年5月3日 09:00" (CST) from an instant. */
export function fmtDateTime(v) {
  const p = v ? cst(v) : null;
  return p ? `${dateText(p)} ${pad(p.hh)}:${pad(p.mm)}` : '';
}

/** Today's civil date in CST, "YYYY-MM-DD". */
export function todayCst(nowMs = Date.now()) {
  const p = cst(nowMs);
  return `${p.y}-${pad(p.m)}-${pad(p.d)}`;
}

/** The CST civil date of an instant, "YYYY-MM-DD". */
export function cstDateOf(at) {
  const p = cst(at);
  return p ? `${p.y}-${pad(p.m)}-${pad(p.d)}` : '';
}

/** "HH:MM" on the CST clock of an instant (for <input type=time>). */
export function cstTimeOf(at) {
  const p = cst(at);
  return p ? `${pad(p.hh)}:${pad(p.mm)}` : '';
}

/** Days from civil date a to civil date b (b - a). */
export function daysBetween(a, b) {
  const pa = civil(a), pb = civil(b);
  if (!pa || !pb) return 0;
  return Math.round((Date.UTC(pb.y, pb.m - 1, pb.d) - Date.UTC(pa.y, pa.m - 1, pa.d)) / DAY_MS);
}

/** An RFC 3339 instant with the +08:00 offset from a CST civil date and "HH:MM". */
export function cstInstant(date, time) {
  return `${date}T${time}:00+08:00`;
}

const WEEKDAYS = { 'zh-CN': ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'],
  en: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] };

/** "2024年5月3日（星期五）" from a civil date, "" when it is not one. */
export function fmtDateWeekday(date) {
  const p = civil(date);
  if (!p) return '';
  const w = (WEEKDAYS[lang] || WEEKDAYS['zh-CN'])[new Date(Date.UTC(p.y, p.m - 1, p.d)).getUTCDay()];
  return lang === 'en' ? `${w}, ${dateText(p)}` : `${dateText(p)}（${w}）`;
}

/** "2024年4月" from a month "2024-04"; short: "4月". "" when it is not one. */
export function fmtMonth(ym, short = false) {
  const m = /^(\d{4})-(\d{2})$/.exec(ym || '');
  if (!m) return '';
  const y = +m[1], mo = +m[2];
  if (lang === 'en') return short ? EN_MONTHS[mo - 1] : `${EN_MONTHS[mo - 1]} ${y}`;
  return short ? `${mo}月` : `${y}年${mo}月`;
}

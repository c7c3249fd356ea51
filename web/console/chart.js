// chart.js -- the statistics' two kinds of bar chart, drawn by hand as inline
// SVG: a few bar charts do not justify a charting library, and the offices sit
// on closed networks where the console must carry everything it shows. Each
// bar has an aria-label in words (a screen reader reads "2024年4月，7日内答复率：
// 92.1%（35 / 38 件）") and a <title> for the mouse; the caller puts the same
// numbers in a table. A share with nothing to judge is never drawn as 0%: its
// place says so in words. Colours come from console.css (classes, no inline
// styles: the CSP forbids them).
import { t } from './i18n.js';

const NS = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes; text (if any) as its content. */
function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** "92.1%" (one decimal, rounded half up as the CSV does), or null when
 * nothing is decided. */
export function pct(share) {
  if (!share || !share.decided) return null;
  const tenths = Math.round((share.in_time * 1000) / share.decided);
  return `${Math.floor(tenths / 10)}.${tenths % 10}%`;
}

/** The words for one bar: "92.1%（35 / 38 件）" or the empty text. */
export function shareWords(share, emptyText) {
  const p = pct(share);
  return p ? t('stats.shareOf', { pct: p, n: share.in_time, d: share.decided }) : emptyText;
}

/** A bar with its label for assistive technology and its tooltip. */
function bar(attrs, label) {
  const r = s('rect', { ...attrs, role: 'img', 'aria-label': label });
  r.append(s('title', {}, label));
  return r;
}

/** The legend (HTML, so it wraps): one swatch per series. */
export function legend(series) {
  const ul = document.createElement('ul');
  ul.className = 'chart-legend';
  for (const se of series) {
    const li = document.createElement('li');
    const sw = document.createElement('span');
    sw.className = `swatch ${se.cls}`;
    sw.setAttribute('aria-hidden', 'true');
    li.append(sw, se.name);
    ul.append(li);
  }
  return ul;
}

/**
 * Columns by group (months): groups [{label, sub, full, shares: [share per
 * series], none (text when the group has no case at all)}], series [{name,
 * cls}], yTitle, xTitle, emptyText and emptyShort (for a share with nothing
 * decided), width (px; grows so each group keeps room), title (the chart's
 * accessible name). Returns an <svg>.
 */
export function columnChart({ groups, series, yTitle, xTitle, emptyText, emptyShort, width, title }) {
  const n = Math.max(groups.length, 1);
  const left = 52, right = 12, top = 30, plotH = 190, bottom = 58, gap = 6;
  const groupW = Math.max(64, Math.floor((width - left - right) / n));
  const W = left + right + groupW * n, H = top + plotH + bottom;
  const svg = s('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'group', 'aria-label': title });
  const y = (v) => top + plotH - v * plotH;
  svg.append(s('text', { x: 4, y: 14, class: 'axis-title' }, yTitle));
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(s('line', { x1: left, x2: W - right, y1: y(v), y2: y(v), class: v ? 'grid' : 'axis' }));
    svg.append(s('text', { x: left - 6, y: y(v) + 4, class: 'tick', 'text-anchor': 'end' }, `${v * 100}%`));
  }
  const k = series.length;
  const barW = Math.min(52, Math.floor((groupW - 20 - gap * (k - 1)) / k));
  const wide = barW >= 46;   // room for "100.0%"; narrower bars say "100.0" under the axis title's "%"
  groups.forEach((g, i) => {
    const cx = left + i * groupW + groupW / 2;
    const x0 = cx - (barW * k + gap * (k - 1)) / 2;
    svg.append(s('text', { x: cx, y: y(0) + 18, class: 'cat', 'text-anchor': 'middle', 'aria-hidden': 'true' }, g.label));
    svg.append(s('text', { x: cx, y: y(0) + 34, class: 'cat-sub', 'text-anchor': 'middle', 'aria-hidden': 'true' }, g.sub));
    if (g.none) {
      svg.append(s('text', { x: cx, y: y(0) - 8, class: 'bar-empty', 'text-anchor': 'middle', role: 'img',
        'aria-label': t('stats.noneLabel', { what: g.full, none: g.none }) }, g.none));
      return;
    }
    g.shares.forEach((sh, j) => {
      const x = x0 + j * (barW + gap);
      const label = t('stats.barLabel', { what: g.full, series: series[j].name, value: shareWords(sh, emptyText) });
      const p = pct(sh);
      if (p === null) {
        svg.append(bar({ x, y: y(0) - 2, width: barW, height: 2, class: 'bar-none' }, label));
        svg.append(s('text', { x: x + barW / 2, y: y(0) - 8, class: 'bar-empty', 'text-anchor': 'middle', 'aria-hidden': 'true' }, emptyShort));
        return;
      }
      const v = sh.in_time / sh.decided;
      svg.append(bar({ x, y: y(v), width: barW, height: Math.max(1, y(0) - y(v)), class: `bar ${series[j].cls}` }, label));
      svg.append(s('text', { x: x + barW / 2, y: y(v) - 5, class: `bar-value${wide ? '' : ' narrow'}`, 'text-anchor': 'middle',
        'aria-hidden': 'true' }, wide ? p : p.slice(0, -1)));
    });
  });
  svg.append(s('text', { x: left + (W - left - right) / 2, y: H - 4, class: 'axis-title', 'text-anchor': 'middle' }, xTitle));
  return svg;
}

/**
 * Horizontal bars by category (types, channels): rows [{label, sub, full,
 * shares, none (text when the row has no case at all)}], series, xTitle,
 * emptyText, width, title. Returns an <svg>.
 */
export function barChart({ rows, series, xTitle, emptyText, width, title }) {
  const left = 96, right = 150, top = 8, rowH = 18 * series.length + 16, bottom = 40;
  const W = Math.max(width, left + right + 160), plotW = W - left - right;
  const H = top + rowH * rows.length + bottom;
  const svg = s('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'group', 'aria-label': title });
  const x = (v) => left + v * plotW;
  const base = top + rowH * rows.length;
  for (const v of [0, 0.5, 1]) {
    svg.append(s('line', { x1: x(v), x2: x(v), y1: top, y2: base, class: v ? 'grid' : 'axis' }));
    svg.append(s('text', { x: x(v), y: base + 16, class: 'tick', 'text-anchor': 'middle' }, `${v * 100}%`));
  }
  svg.append(s('text', { x: x(0.5), y: H - 4, class: 'axis-title', 'text-anchor': 'middle' }, xTitle));
  rows.forEach((r, i) => {
    const y0 = top + i * rowH + 8;
    svg.append(s('text', { x: left - 10, y: y0 + 12, class: 'cat', 'text-anchor': 'end', 'aria-hidden': 'true' }, r.label));
    svg.append(s('text', { x: left - 10, y: y0 + 28, class: 'cat-sub', 'text-anchor': 'end', 'aria-hidden': 'true' }, r.sub));
    if (r.none) {
      const note = s('text', { x: x(0) + 8, y: y0 + 18, class: 'bar-empty', role: 'img', 'aria-label': t('stats.noneLabel', { what: r.full, none: r.none }) }, r.none);
      svg.append(note);
      return;
    }
    r.shares.forEach((sh, k) => {
      const yy = y0 + k * 18;
      const label = t('stats.barLabel', { what: r.full, series: series[k].name, value: shareWords(sh, emptyText) });
      const p = pct(sh);
      if (p === null) {
        svg.append(bar({ x: x(0), y: yy, width: 2, height: 14, class: 'bar-none' }, label));
        svg.append(s('text', { x: x(0) + 8, y: yy + 11, class: 'bar-empty', 'aria-hidden': 'true' }, emptyText));
        return;
      }
      const v = sh.in_time / sh.decided;
      svg.append(bar({ x: x(0), y: yy, width: Math.max(1, v * plotW), height: 14, class: `bar ${series[k].cls}` }, label));
      svg.append(s('text', { x: x(v) + 6, y: yy + 11, class: 'bar-value', 'aria-hidden': 'true' },
        t('stats.shareOf', { pct: p, n: sh.in_time, d: sh.decided })));
    });
  });
  return svg;
}

// dom.js -- building the console's DOM without innerHTML: h() makes an element
// whose text is always set with textContent, clone() copies a <template> of
// index.html with its strings filled, and the form helpers put an API error
// beside the field it concerns with a summary at the top of the form that
// links to each field (the GOV.UK pattern).
import { applyI18n, t } from './i18n.js';

/** h('a', {href, class, text, on: {click}}, ...children): children are nodes
 * or strings (text); null and false are skipped. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') el.textContent = v;
    else if (k === 'class') el.className = v;
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** A copy of <template id=id>'s first element with its i18n strings filled. */
export function clone(id) {
  const el = document.getElementById(id).content.firstElementChild.cloneNode(true);
  applyI18n(el);
  return el;
}

/** The element under root with data-ref=name. */
export const ref = (root, name) => root.querySelector(`[data-ref="${name}"]`);

/** A status message: kind ok | bad | info; role=status (alert for bad). */
export function notice(kind, text) {
  return h('p', { class: `notice ${kind}`, role: kind === 'bad' ? 'alert' : 'status', text });
}

/** A data table (caption for screen readers, head, rows of cells) in a
 * wrapper that scrolls sideways when the window is too narrow for it.
 * head items are strings or [string, class] (the class goes on the column's
 * cells too, by position, for hiding a column on narrow screens). */
export function table({ caption, head, rows, cls = '' }) {
  const cols = head.map((c) => (Array.isArray(c) ? c : [c, '']));
  for (const tr of rows) {
    [...tr.children].forEach((td, i) => { if (cols[i] && cols[i][1]) td.classList.add(cols[i][1]); });
  }
  return h('div', { class: 'table-wrap' }, h('table', { class: `grid ${cls}` },
    caption ? h('caption', { class: 'sr-only', text: caption }) : null,
    h('thead', {}, h('tr', {}, cols.map(([c, k]) => h('th', { scope: 'col', class: k || null, text: c })))),
    h('tbody', {}, rows)));
}

/* ---- forms ---- */

let uid = 0;
/** A unique id for a control (labels and error links need one). */
export const newId = (prefix) => `${prefix}-${++uid}`;

/** The element that carries errors for field: the control named so, or an
 * element with data-field=field (a fieldset of radios, a row of invitees). */
function fieldEl(form, field) {
  if (!field) return null;
  return form.querySelector(`[data-field="${CSS.escape(field)}"]`) ||
    form.querySelector(`[name="${CSS.escape(field)}"]`);
}

/** Removes every error shown on form. */
export function clearErrors(form) {
  for (const el of form.querySelectorAll('.field-error, .error-summary')) el.remove();
  for (const el of form.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    const d = (el.getAttribute('aria-describedby') || '').split(' ').filter((x) => !x.startsWith('err-'));
    if (d.length) el.setAttribute('aria-describedby', d.join(' ')); else el.removeAttribute('aria-describedby');
  }
  for (const el of form.querySelectorAll('.has-error')) el.classList.remove('has-error');
}

/** Shows errors [{field, text}] on form: each beside its field (or in the
 * summary only when it names none), and a summary at the top that links to
 * each field; the summary takes focus so a keyboard or screen reader user
 * hears it. */
export function showErrors(form, errors) {
  clearErrors(form);
  const items = [];
  for (const { field, text } of errors) {
    const el = fieldEl(form, field);
    const control = el && (el.matches('input, select, textarea') ? el : el.querySelector('input, select, textarea'));
    if (el) {
      const wrap = el.closest('.field') || el;
      wrap.classList.add('has-error');
      const id = newId('err');
      const p = h('p', { class: 'field-error', id, text });
      const label = wrap.querySelector(':scope > label, :scope > legend, :scope > .label');
      if (label) label.after(p); else wrap.prepend(p);
      if (control) {
        control.setAttribute('aria-invalid', 'true');
        const d = control.getAttribute('aria-describedby');
        control.setAttribute('aria-describedby', d ? `${d} ${id}` : id);
        if (!control.id) control.id = newId('f');
      }
      items.push(h('li', {}, control ? h('a', { href: `#${control.id}`, text,
        on: { click: (ev) => { ev.preventDefault(); control.focus(); } } }) : text));
    } else {
      items.push(h('li', { text }));
    }
  }
  // A small inline form (one or two fields in a panel) needs no summary when
  // each error stands beside its field: focus goes to the first field in error.
  if (form.classList.contains('inline-form') && errors.every((e) => fieldEl(form, e.field))) {
    const first = form.querySelector('[aria-invalid="true"]');
    for (const p of form.querySelectorAll('.field-error')) p.setAttribute('role', 'alert');
    if (first) first.focus();
    return;
  }
  const summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1' },
    h('p', { class: 'error-summary-title', text: t('common.errorSummary') }), h('ul', {}, items));
  const heading = form.firstElementChild && form.firstElementChild.matches('h1, h2, h3') ? form.firstElementChild : null;
  if (heading) heading.after(summary); else form.prepend(summary);
  summary.focus();
}

/** Runs fn() with form's submit buttons disabled (busy text on the first). */
export async function busy(form, fn) {
  const buttons = [...form.querySelectorAll('button[type=submit]')];
  const texts = buttons.map((b) => b.textContent);
  buttons.forEach((b, i) => { b.disabled = true; if (i === 0) b.textContent = t('common.saving'); });
  try {
    return await fn();
  } finally {
    buttons.forEach((b, i) => { b.disabled = false; b.textContent = texts[i]; });
  }
}

/** The labels of form's fields by name (for explain()). */
export function labelsOf(form) {
  const out = {};
  for (const el of form.querySelectorAll('[name]')) {
    const lab = el.id && form.querySelector(`label[for="${CSS.escape(el.id)}"]`);
    const text = lab ? lab.dataset.label || lab.textContent : '';
    if (text && !(el.name in out)) out[el.name] = text.replace(/[（(].*$/, '').trim();
  }
  for (const el of form.querySelectorAll('[data-field][data-label]')) out[el.dataset.field] = el.dataset.label;
  return out;
}

/** The "check your answers" step before something that cannot be undone:
 * hides form's fields, shows lines (what will happen, what was entered),
 * relabels its submit button confirmText and adds a button back to the
 * fields. The form's next submit is the real one (form.dataset.checked). */
export function checkStep(form, { lines, confirmText, backText }) {
  const fields = [...form.children].filter((el) => !el.classList.contains('actions') && !el.hidden);
  for (const el of fields) el.hidden = true;
  const panel = h('div', { class: 'check-step', tabindex: '-1' }, lines.map((l) => h('p', { text: l })));
  form.prepend(panel);
  const submit = form.querySelector('button[type=submit]');
  const before = submit.textContent;
  submit.textContent = confirmText;
  const back = h('button', { type: 'button', class: 'btn', text: backText });
  back.addEventListener('click', () => {
    panel.remove();
    back.remove();
    for (const el of fields) el.hidden = false;
    submit.textContent = before;
    delete form.dataset.checked;
    form.querySelector('textarea, input, select')?.focus();
  });
  submit.after(back);
  form.dataset.checked = '1';
  panel.focus();
}

/** A line under date (and time) inputs that says the chosen moment in words
 * ("2024年5月3日（星期五）09:00"), whatever format the browser draws the
 * fields in; it follows every change. say(date, time) gives the words. */
export function echo(inputs, say) {
  const p = h('p', { class: 'echo', 'aria-live': 'polite' });
  const update = () => { p.textContent = say(...inputs.map((i) => i.value)); };
  for (const i of inputs) i.addEventListener('input', update);
  update();
  return p;
}

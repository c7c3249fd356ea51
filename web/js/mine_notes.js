// mine_notes.js -- 核对笔录 on the invitee's own page (join.html?t=…): once the
// clerk has finalized the notes, the invitee who took part reads them in large
// type and either confirms them with a signature drawn on the screen
// (sign.js) or objects with a reason; afterwards the page says what they
// decided and when. One thing at a time: read, then sign or object, then done.
// From GET and POST /invitation/notes[/confirm] (docs/api.md "Confirming the notes").
import { t } from './i18n.js';
import { el, when } from './mine.js';
import { createSignaturePad } from './sign.js';

const CST_MS = 8 * 3600 * 1000;

/** "09:01" on the Beijing clock. */
function clock(iso) {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  const d = new Date(ms + CST_MS);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

function who(author) {
  if (!author) return '';   /* the recorder's lines say 【系统】 themselves */
  const key = `sign.role.${author.role}`;
  const role = t(key);
  return role === key ? author.name : t('sign.author', { name: author.name, role });
}

async function call(invitation, method, body) {
  const res = await fetch(`/api/v1/invitation/notes${body ? '/confirm' : ''}`, { method,
    headers: { Authorization: `Invitation ${invitation}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined });
  const json = await res.json().catch(() => null);
  if (!res.ok) {
    const err = new Error(`HTTP ${res.status}`);
    err.status = res.status;
    throw err;
  }
  return json;
}

function notesList(notes) {
  return el('ol', { class: 'sign-notes', 'aria-label': t('sign.notesLabel') },
    notes.entries.map((e) => el('li', {},
      el('span', { class: 'sign-who', text: `${clock(e.written_at)} ${who(e.author)}`.trim() }),
      el('span', { class: 'sign-text', text: e.text }))));
}

function heading() {
  return el('h2', { id: 'sign-h', text: t('sign.heading') });
}

/** What was decided, and what happens next. */
function doneView(card, notes) {
  const d = notes.decision;
  const ok = d.decision === 'confirm';
  card.replaceChildren(...[heading(),
    el('p', { class: `sign-done ${ok ? 'ok' : 'objected'}`, role: 'status',
      text: t(ok ? 'sign.doneConfirm' : 'sign.doneRefuse', { when: when(d.at) }) }),
    ok ? null : el('p', { class: 'sign-reason', text: t('sign.yourReason', { reason: d.reason }) }),
    el('p', { text: t(ok ? 'sign.nextConfirm' : 'sign.nextRefuse') })].filter(Boolean));
}

function readView(card, notes, invitation) {
  const signBtn = el('button', { type: 'button', class: 'btn primary', id: 'sign-confirm', text: t('sign.confirmBtn') });
  const objectBtn = el('button', { type: 'button', class: 'btn', id: 'sign-object', text: t('sign.objectBtn') });
  signBtn.addEventListener('click', () => padView(card, notes, invitation));
  objectBtn.addEventListener('click', () => objectView(card, notes, invitation));
  card.replaceChildren(heading(),
    el('p', { class: 'sign-lead', text: t('sign.lead', { when: when(notes.finalized_at) }) }),
    notesList(notes),
    el('p', { class: 'sign-ask', text: t('sign.ask') }),
    el('div', { class: 'actions' }, signBtn, objectBtn));
}

/** Sends the decision; on success the done view, else a sentence at msg. */
async function send(card, notes, invitation, body, msg, button) {
  button.disabled = true;
  msg.textContent = t('sign.sending');
  try {
    const now = await call(invitation, 'POST', body);
    doneView(card, now);
    card.scrollIntoView({ block: 'start' });
  } catch (e) {
    console.warn('sign: refused', e);
    if (e.status === 409) {   /* decided elsewhere (or twice): show what stands */
      const now = await call(invitation, 'GET').catch(() => null);
      if (now && now.decision) { doneView(card, now); return; }
    }
    msg.textContent = t(e.status === 409 ? 'sign.notReady' : 'sign.failed');
    button.disabled = false;
  }
}

function padView(card, notes, invitation) {
  const canvas = el('canvas', { id: 'sign-pad', class: 'sign-pad', tabindex: '0', role: 'img',
    'aria-label': t('sign.padLabel') });
  const hint = el('p', { id: 'sign-pad-hint', class: 'sign-hint', text: t('sign.padHint') });
  const msg = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const submit = el('button', { type: 'button', class: 'btn primary', id: 'sign-submit', text: t('sign.submit') });
  const undo = el('button', { type: 'button', class: 'btn', id: 'sign-undo', text: t('sign.undo') });
  const clear = el('button', { type: 'button', class: 'btn', id: 'sign-clear', text: t('sign.clear') });
  const back = el('button', { type: 'button', class: 'btn', id: 'sign-back', text: t('sign.back') });
  card.replaceChildren(heading(),
    el('p', { class: 'sign-lead', text: t('sign.padLead') }),
    el('label', { for: 'sign-pad', class: 'sign-label', text: t('sign.padTitle') }), hint, canvas,
    el('div', { class: 'actions sign-tools' }, undo, clear),
    el('p', { class: 'sign-warn', text: t('sign.final') }),
    el('div', { class: 'actions' }, submit, back), msg);
  canvas.setAttribute('aria-describedby', 'sign-pad-hint');
  // 提交签名 stays pressable: without enough ink it says so in words.
  const update = (pad) => {
    undo.disabled = pad.empty();
    clear.disabled = pad.empty();
    if (pad.ready()) msg.textContent = '';
  };
  const pad = createSignaturePad(canvas, { onChange: update });
  update(pad);
  undo.addEventListener('click', () => pad.undo());
  clear.addEventListener('click', () => pad.clear());
  back.addEventListener('click', () => readView(card, notes, invitation));
  submit.addEventListener('click', () => {
    if (!pad.ready()) { msg.textContent = t(pad.empty() ? 'sign.needInk' : 'sign.moreInk'); canvas.focus(); return; }
    send(card, notes, invitation, { confirm: true, signature: pad.toDataURL() }, msg, submit);
  });
  card.scrollIntoView({ block: 'start' });
}

function objectView(card, notes, invitation) {
  const area = el('textarea', { id: 'sign-reason', rows: '5', maxlength: '2000', 'aria-describedby': 'sign-reason-hint' });
  const msg = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const errors = el('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true });
  const submit = el('button', { type: 'button', class: 'btn primary', id: 'sign-object-submit', text: t('sign.objectSubmit') });
  const back = el('button', { type: 'button', class: 'btn', id: 'sign-back', text: t('sign.back') });
  card.replaceChildren(heading(), errors,
    el('label', { for: 'sign-reason', class: 'sign-label', text: t('sign.reasonLabel') }),
    el('p', { id: 'sign-reason-hint', class: 'sign-hint', text: t('sign.reasonHint') }), area,
    el('p', { class: 'sign-warn', text: t('sign.final') }),
    el('div', { class: 'actions' }, submit, back), msg);
  back.addEventListener('click', () => readView(card, notes, invitation));
  submit.addEventListener('click', () => {
    const reason = area.value.trim();
    if (!reason) {
      errors.replaceChildren(el('h3', { text: t('sign.problem') }),
        el('a', { href: '#sign-reason', text: t('sign.reasonMissing') }));
      errors.hidden = false;
      errors.focus();
      return;
    }
    errors.hidden = true;
    send(card, notes, invitation, { confirm: false, reason }, msg, submit);
  });
  area.focus();
}

/** The 核对笔录 card for the invitee, or null when there is nothing to sign
 * or see (not finalized yet, not one who confirms). */
export async function notesCard(invitation) {
  let notes;
  try {
    notes = await call(invitation, 'GET');
  } catch (e) {
    if (e.status !== 403) console.warn('sign: notes', e);
    return null;
  }
  if (!notes.finalized_at || (!notes.must_confirm && !notes.decision)) return null;
  const card = el('section', { class: 'card mine-sign', id: 'mine-sign', 'aria-labelledby': 'sign-h' });
  if (notes.decision) doneView(card, notes);
  else readView(card, notes, invitation);
  return card;
}

// room_aid.js -- 司法救助 (judicial aid) in the hearing room, as a guided
// template (docs/api.md "Judicial aid"). For the aid staff or the case's
// prosecutor (the host of an aid_disbursement hearing): a panel with the
// disbursement's details and five numbered steps, the current one open and
// marked -- 1 身份核验 (a still from the server's own recording), 2 宣读决定书
// (upload, 展示给申请人), 3 金额与账户 (请申请人确认), 4 申请人确认, 5 回执 --
// through the console's cookie session (CSRF token from GET /me). For the
// applicant (the petitioner): the decision on their own screen while it is
// read out, and at step 4 the amount and account with a large 确认领取 button,
// through their invitation (join.js keeps it in this tab's sessionStorage).
// Both poll the server every 2 s. DOM from createElement and textContent only.
import { t } from './i18n.js';

const POLL_MS = 2000;
const API = '/api/v1';
export const INVITATION_KEY = 'yf-invitation';

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (k in e && k !== 'list') e[k] = v;
    else e.setAttribute(k, v);
  }
  e.append(...children.filter((c) => c != null));
  return e;
}

function addStyles() {
  if (document.getElementById('aid-css')) return;
  document.head.append(el('link', { id: 'aid-css', rel: 'stylesheet', href: 'css/room_aid.css' }));
}

/** "09:03:12" in China Standard Time, from an RFC 3339 time. */
function clock(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleTimeString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
}

/** "00:03:10" from milliseconds. */
function offsetText(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const p = (n) => String(n).padStart(2, '0');
  return `${p(Math.floor(s / 3600))}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}`;
}

/** The error of a failed reply as a sentence for people. */
async function problem(res) {
  const body = await res.json().catch(() => null);
  const code = body && body.error && body.error.code;
  const known = {
    forbidden: 'aid.err.forbidden', unauthorized: 'aid.err.session', csrf: 'aid.err.session',
    too_large: 'aid.err.tooLarge', not_ready: 'aid.err.notReady',
  };
  if (known[code]) return t(known[code]);
  if (code === 'conflict' && body.error.message && /[\u4e00-\u9fff]/.test(body.error.message)) return body.error.message;
  if (code === 'bad_request' && /decision document/.test(body.error.message || '')) return t('aid.err.docType');
  if (code === 'conflict' && /decision/.test(body.error.message || '')) return t('aid.err.decisionFirst');
  if (code === 'conflict' && /still/.test(body.error.message || '')) return t('aid.err.stillFirst');
  if (code === 'conflict' && /taken|already has/.test(body.error.message || '')) return t('aid.err.taken');
  if (code === 'bad_request') return t('aid.err.input');
  return t('aid.err.generic');
}

// ---- the staff's panel ----------------------------------------------------------------

class StaffPanel {
  constructor(client, appointmentId) {
    this.client = client;
    this.appt = appointmentId;
    this.csrf = null;
    this.data = null;
    this.showFull = false;
    this.root = el('aside', { id: 'aid-panel', class: 'aid-panel card', 'aria-labelledby': 'aid-title' });
    document.getElementById('room').append(this.root);
    document.body.classList.add('has-aid-panel');
    this.title = el('h2', { id: 'aid-title', text: t('aid.title') });
    this.error = el('p', { class: 'aid-error', role: 'alert', hidden: true });
    this.body = el('div', { class: 'aid-body' });
    this.root.append(this.title, this.error, this.body);
    this.drawnKey = '';
  }

  async start() {
    const me = await fetch(`${API}/me`).then((r) => (r.ok ? r.json() : null)).catch(() => null);
    this.csrf = me && me.csrf;
    if (!this.csrf) {
      this.say(t('aid.err.session'));
      return;
    }
    await this.refresh();
    this.timer = setInterval(() => this.refresh(), POLL_MS);
  }

  say(text) {
    this.error.textContent = text || '';
    this.error.hidden = !text;
  }

  async call(method, path, body, type = 'application/json') {
    const headers = { 'X-Auth-Token': this.csrf };
    if (body !== undefined) headers['Content-Type'] = type;
    const res = await fetch(`${API}${path}`, {
      method, headers, body: type === 'application/json' && body !== undefined ? JSON.stringify(body) : body,
    });
    if (!res.ok) throw new Error(await problem(res));
    return res.json();
  }

  async refresh() {
    const res = await fetch(`${API}/appointments/${this.appt}/aid`).catch(() => null);
    if (!res || !res.ok) return;
    const d = await res.json();
    const key = JSON.stringify(d);
    if (key === this.drawnKey) return;   // nothing changed: keep what the user is typing
    this.drawnKey = key;
    this.data = d;
    this.draw();
  }

  async act(button, fn) {
    button.disabled = true;
    this.say('');
    try {
      await fn();
      this.drawnKey = '';
      await this.refresh();
    } catch (e) {
      this.say(e.message);
    } finally {
      button.disabled = false;
    }
  }

  draw() {
    const d = this.data;
    const active = document.activeElement && this.root.contains(document.activeElement) ? document.activeElement.id : null;
    const step = d.aid && d.aid.step;
    this.body.replaceChildren(d.aid ? this.steps(d.aid) : this.form(d));
    if (active && document.getElementById(active)) document.getElementById(active).focus();
    // a new current step comes into view; a redraw of the same one leaves the scroll alone
    if (step && step !== this.shownStep) {
      this.shownStep = step;
      const cur = this.body.querySelector('.aid-step.current');
      if (cur) cur.scrollIntoView({ block: 'nearest' });
    }
  }

  /** The disbursement's details, before step 1. */
  form(d) {
    const f = el('form', { class: 'aid-form', novalidate: true });
    if (d.hearing_ended) {
      f.append(el('p', { class: 'muted', text: t('aid.endedNoAid') }));
      return f;
    }
    f.append(el('p', { class: 'muted', text: t('aid.formLead') }));
    const field = (id, label, attrs = {}) => {
      const input = el('input', { id, name: id, ...attrs });
      f.append(el('label', { for: id, text: t(label) }), input);
      return input;
    };
    const no = field('aid-decision-no', 'aid.decisionNo', { maxLength: 64, autocomplete: 'off' });
    const amount = field('aid-amount', 'aid.amountYuan', { inputMode: 'decimal', autocomplete: 'off' });
    const payee = field('aid-payee', 'aid.payee', { maxLength: 100, autocomplete: 'off' });
    const bank = field('aid-bank', 'aid.bank', { maxLength: 100, autocomplete: 'off' });
    const account = field('aid-account', 'aid.account', { inputMode: 'numeric', maxLength: 40, autocomplete: 'off' });
    const go = el('button', { type: 'submit', class: 'btn primary', id: 'aid-open', text: t('aid.open') });
    f.append(go);
    f.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const m = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(amount.value);
      const missing = [no, payee, bank, account].find((i) => !i.value.trim());
      if (missing) { this.say(t('aid.err.fill')); missing.focus(); return; }
      if (!m || Number(m[1]) * 100 + Number((m[2] || '0').padEnd(2, '0')) <= 0) {
        this.say(t('aid.err.amount'));
        amount.focus();
        return;
      }
      const fen = Number(m[1]) * 100 + Number((m[2] || '0').padEnd(2, '0'));
      this.act(go, () => this.call('POST', `/hearings/${d.hearing_id}/aid`, {
        decision_no: no.value.trim(), amount_fen: fen, payee: payee.value.trim(), bank: bank.value.trim(),
        account: account.value.trim(),
      }));
    });
    return f;
  }

  steps(a) {
    const list = el('ol', { class: 'aid-steps' });
    const names = ['aid.step1', 'aid.step2', 'aid.step3', 'aid.step4', 'aid.step5'];
    const parts = [this.step1(a), this.step2(a), this.step3(a), this.step4(a), this.step5(a)];
    names.forEach((n, i) => {
      const no = i + 1;
      const state = no < a.step ? 'done' : no === a.step ? 'current' : 'todo';
      const li = el('li', { class: `aid-step ${state}`, 'data-step': String(no) });
      if (state === 'current') li.setAttribute('aria-current', 'step');
      const mark = el('span', { class: 'aid-mark', 'aria-hidden': 'true', text: state === 'done' ? '✓' : String(no) });
      const head = el('h3', {}, mark, el('span', { text: t(n) }),
        el('span', { class: 'aid-state', text: t(`aid.state.${state}`) }));
      li.append(head);
      if (state !== 'todo') li.append(parts[i]);
      list.append(li);
    });
    const facts = el('p', { class: 'aid-facts' },
      el('span', { text: t('aid.decisionNoShort', { no: a.decision_no }) }),
      el('span', { text: t('aid.amountShort', { amount: a.amount }) }));
    return el('div', {}, facts, list);
  }

  step1(a) {
    const box = el('div', { class: 'aid-step-body' });
    if (a.still) {
      box.append(el('img', { class: 'aid-still', src: `${a.still.url}?v=${a.still.id}`,
        alt: t('aid.stillAlt') }));
      box.append(el('p', { class: 'aid-done-text', text: t('aid.stillTaken', { time: clock(a.still.taken_at) }) }));
    } else {
      box.append(el('p', { text: t('aid.stillLead') }));
    }
    if (a.still_taking) box.append(el('p', { class: 'muted', role: 'status', text: t('aid.stillTaking') }));
    if (a.still_error && !a.still_taking) box.append(el('p', { class: 'aid-error-inline', text: a.still_error }));
    if (!a.hearing_ended) {
      const b = el('button', { type: 'button', id: 'aid-still', class: `btn ${a.still ? '' : 'primary'}`,
        text: t(a.still ? 'aid.stillAgain' : 'aid.stillTake'), disabled: a.still_taking });
      b.addEventListener('click', () => this.act(b, () => this.call('POST', `/aid/${a.id}/still`, {})));
      box.append(b);
    }
    return box;
  }

  step2(a) {
    const box = el('div', { class: 'aid-step-body' });
    if (a.decision) {
      const kind = a.decision.media_type === 'application/pdf' ? 'PDF' : t('aid.image');
      box.append(el('p', { class: 'aid-done-text' }, el('span', { text: t('aid.docUploaded', { kind }) }), ' ',
        el('a', { href: a.decision.url, target: '_blank', rel: 'noopener', text: t('aid.docOpen') })));
    }
    if (a.confirmed_at || a.hearing_ended) return box;
    const input = el('input', { type: 'file', id: 'aid-doc', accept: 'application/pdf,image/png,image/jpeg' });
    const up = el('button', { type: 'button', id: 'aid-upload', class: `btn ${a.decision ? '' : 'primary'}`,
      text: t(a.decision ? 'aid.docReplace' : 'aid.docUpload') });
    up.addEventListener('click', () => {
      const file = input.files && input.files[0];
      if (!file) { this.say(t('aid.err.noFile')); input.focus(); return; }
      this.act(up, () => this.call('PUT', `/aid/${a.id}/decision`, file, file.type || 'application/octet-stream'));
    });
    box.append(el('label', { for: 'aid-doc', text: t('aid.docLabel') }), input, up);
    if (a.decision) {
      if (a.shown_at) box.append(el('p', { class: 'aid-done-text', text: t('aid.shown', { time: clock(a.shown_at) }) }));
      const show = el('button', { type: 'button', id: 'aid-show', class: `btn ${a.shown_at ? '' : 'primary'}`,
        text: t(a.shown_at ? 'aid.showAgain' : 'aid.show') });
      show.addEventListener('click', () => this.act(show, () => this.call('POST', `/aid/${a.id}/show`, {})));
      box.append(show);
      if (!a.shown_at) box.append(el('p', { class: 'muted', text: t('aid.showHint') }));
    }
    return box;
  }

  step3(a) {
    const box = el('div', { class: 'aid-step-body' });
    const account = el('dd', { class: 'aid-account', text: this.showFull ? a.account : a.account_masked });
    const toggle = el('button', { type: 'button', id: 'aid-account-toggle', class: 'btn small',
      text: t(this.showFull ? 'aid.accountHide' : 'aid.accountShow'), 'aria-pressed': String(this.showFull) });
    toggle.addEventListener('click', () => {
      this.showFull = !this.showFull;
      this.draw();
    });
    box.append(el('dl', { class: 'aid-dl' },
      el('dt', { text: t('aid.amount') }), el('dd', { class: 'aid-amount', text: t('aid.yuan', { amount: a.amount }) }),
      el('dt', { text: t('aid.caps') }), el('dd', { text: t('aid.rmb', { caps: a.amount_caps }) }),
      el('dt', { text: t('aid.payee') }), el('dd', { text: a.payee }),
      el('dt', { text: t('aid.bank') }), el('dd', { text: a.bank }),
      el('dt', { text: t('aid.account') }), account), toggle);
    if (a.asked_at) {
      box.append(el('p', { class: 'aid-done-text', text: t('aid.asked', { time: clock(a.asked_at) }) }));
    } else if (!a.hearing_ended) {
      box.append(el('p', { class: 'muted', text: t('aid.askHint') }));
      const ask = el('button', { type: 'button', id: 'aid-ask', class: 'btn primary', text: t('aid.ask') });
      ask.addEventListener('click', () => this.act(ask, () => this.call('POST', `/aid/${a.id}/ask`, {})));
      box.append(ask);
    }
    return box;
  }

  step4(a) {
    const box = el('div', { class: 'aid-step-body' });
    if (a.confirmed_at) {
      box.append(el('p', { class: 'aid-done-text', text: t('aid.confirmed', {
        time: clock(a.confirmed_at), offset: offsetText(a.confirm_offset_ms) }) }));
    } else {
      box.append(el('p', { role: 'status', text: t('aid.waitConfirm') }));
    }
    return box;
  }

  step5(a) {
    const box = el('div', { class: 'aid-step-body' });
    if (a.receipt) {
      box.append(el('p', {}, el('a', { href: a.receipt.url, text: t('aid.receiptDownload') })));
    } else {
      box.append(el('p', { role: 'status', text: t(a.hearing_ended ? 'aid.receiptProcessing' : 'aid.receiptPending') }));
    }
    return box;
  }
}

// ---- the applicant's view -------------------------------------------------------------

class ApplicantView {
  constructor(invitation) {
    this.invitation = invitation;
    this.root = el('section', { id: 'aid-applicant', class: 'aid-applicant card', 'aria-labelledby': 'aid-a-title',
      hidden: true });
    document.getElementById('room').append(this.root);
    this.docShownAt = null;
    this.collapsed = false;
    this.key = '';
  }

  auth() { return { Authorization: `Invitation ${this.invitation}` }; }

  start() {
    this.refresh();
    this.timer = setInterval(() => this.refresh(), POLL_MS);
  }

  async refresh() {
    if (this.busy) return;   // one look at a time: a second would load the document twice
    this.busy = true;
    try { await this.look(); } finally { this.busy = false; }
  }

  async look() {
    const res = await fetch(`${API}/invitation/aid`, { headers: this.auth() }).catch(() => null);
    if (!res || !res.ok) return;
    const d = await res.json();
    if (d.shown_at !== this.docShownAt) {   // shown (again): the document opens
      this.docShownAt = d.shown_at;
      this.collapsed = false;
    }
    if (d.asked_at && d.asked_at !== this.askedAt) {   // asked to confirm: the amount and the button come first
      this.askedAt = d.asked_at;
      this.collapsed = true;
    }
    const key = JSON.stringify([d, this.collapsed]);
    if (key === this.key) return;
    this.key = key;
    this.d = d;
    this.draw();
  }

  /** The decision's pages as pictures (a PDF is drawn as PNG pages by the
   * server: the pages' security policy allows no frames, and phones show no
   * PDF inside a page); the invitation rides in ?t= as img cannot send it. */
  pages(d) {
    const box = el('div', { class: 'aid-a-doc', role: 'group', 'aria-label': t('aid.a.docTitle') });
    if (!d.decision.pages.length) {
      box.append(el('p', { class: 'muted', role: 'status', text: t('aid.a.docPreparing') }));
      return box;
    }
    // each page opens on its own when tapped, to be read larger; the moment
    // it was shown is in the address, so a decision replaced and shown again
    // is never drawn from the picture of the one before
    d.decision.pages.forEach((url, i) => {
      const src = `${url}?t=${encodeURIComponent(this.invitation)}&shown=${encodeURIComponent(d.shown_at || '')}`;
      box.append(el('a', { href: src, target: '_blank', rel: 'noopener' }, el('img', {
        src, alt: t('aid.a.docPage', { n: i + 1, total: d.decision.pages.length }),
      })));
    });
    box.append(el('p', { class: 'muted aid-a-zoom', text: t('aid.a.docZoom') }));
    return box;
  }

  draw() {
    const d = this.d;
    const parts = [];
    const showing = d.decision && !d.confirmed_at;
    if (!showing && !d.asked_at) { this.root.hidden = true; return; }
    this.root.hidden = false;
    parts.push(el('h2', { id: 'aid-a-title', text: t('aid.a.title') }));
    if (d.decision && !d.confirmed_at) {   // once confirmed the sheet is the receipt of it, short
      const toggle = el('button', { type: 'button', id: 'aid-a-doc-toggle', class: 'btn small',
        text: t(this.collapsed ? 'aid.a.docShow' : 'aid.a.docHide'), 'aria-expanded': String(!this.collapsed) });
      toggle.addEventListener('click', () => { this.collapsed = !this.collapsed; this.key = ''; this.draw(); });
      parts.push(el('div', { class: 'aid-a-doc-head' }, el('span', { text: t('aid.a.docShort') }), toggle));
      if (!this.collapsed) {
        parts.push(el('p', { class: 'aid-a-doc-no muted', text: t('aid.a.docNo', { no: d.decision_no }) }));
        parts.push(this.pages(d));
      }
    }
    if (d.asked_at || d.confirmed_at) {
      parts.push(el('dl', { class: 'aid-dl aid-a-dl' },
        el('dt', { text: t('aid.amount') }), el('dd', { class: 'aid-amount', text: t('aid.yuan', { amount: d.amount }) }),
        el('dt', { text: t('aid.caps') }), el('dd', { text: t('aid.rmb', { caps: d.amount_caps }) }),
        el('dt', { text: t('aid.payee') }), el('dd', { text: d.payee }),
        el('dt', { text: t('aid.bank') }), el('dd', { text: d.bank }),
        el('dt', { text: t('aid.account') }), el('dd', { class: 'aid-account', text: d.account_masked })));
    }
    if (d.confirmed_at) {
      parts.push(el('p', { class: 'aid-a-thanks', role: 'status', text: t('aid.a.thanks', { time: clock(d.confirmed_at) }) }));
    } else if (d.asked_at && !d.hearing_ended) {
      const hint = el('p', { class: 'aid-a-hint', text: t('aid.a.hint') });
      const err = el('p', { class: 'aid-error', role: 'alert', hidden: true });
      const b = el('button', { type: 'button', id: 'aid-confirm', class: 'btn primary aid-a-confirm', text: t('aid.a.confirm') });
      b.addEventListener('click', async () => {
        b.disabled = true;
        const res = await fetch(`${API}/invitation/aid/confirm`, {
          method: 'POST', headers: { ...this.auth(), 'Content-Type': 'application/json' }, body: '{}',
        }).catch(() => null);
        if (!res || !res.ok) {
          err.textContent = res ? await problem(res) : t('aid.err.network');
          err.hidden = false;
          b.disabled = false;
          return;
        }
        this.key = '';
        this.refresh();
      });
      parts.push(hint, err, b);
    }
    this.root.classList.toggle('asking', !!(d.asked_at && !d.confirmed_at && this.collapsed));
    this.root.replaceChildren(...parts);
  }
}

/** The appointment id of a room token's room ("appt-5" -> 5), or null. */
function appointmentOf(token) {
  try {
    const part = token.split('.')[0].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
    const m = /^appt-(\d+)$/.exec(claims.room || '');
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

let started = false;

/** Called by room.js once in the room: does nothing outside an aid hearing. */
export function startAid(client, token) {
  if (started || !client.hearing || client.hearing.kind !== 'aid_disbursement') return;
  started = true;
  addStyles();
  if (client.self.role === 'prosecutor') {
    const appt = appointmentOf(token);
    if (appt) new StaffPanel(client, appt).start();
  } else if (client.self.role === 'petitioner') {
    let invitation = null;
    try { invitation = sessionStorage.getItem(INVITATION_KEY); } catch { /* private mode */ }
    if (invitation) new ApplicantView(invitation).start();
  }
}

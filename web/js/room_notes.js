// room_notes.js -- the clerk's notes panel (笔录) inside the hearing room: the
// entries as they are written by anyone (this panel, the console) with the
// recorder's 【系统】 lines, each stamped with its moment in the recording and
// its Beijing wall time; for the clerk a speaker from the roster by name,
// quick phrases, Ctrl+Enter, a draft and an outbox that outlive a reload, a
// dropped network and a server restart. The host prosecutor reads it; no one
// else gets it. docs/console.md, "The notes panel in the room".
//
// Credentials: the room token is for signaling only; the panel calls the REST
// notes API with the staff member's console session (the HttpOnly cookie at
// Path=/api/v1, same origin; its CSRF token from GET /me, kept in memory).
// Without a session in this browser the panel says so and links to the
// console's sign-in (a tab of its own); it looks again as soon as the
// console says it signed in (a BroadcastChannel of the origin), when this
// page is shown again, and every 30 s; the outbox waits and is sent once
// they are signed in.
//
// New entries come by polling GET /hearings/{id}/notes every few seconds, not
// by a push over signaling: the notes live in the case store, which signaling
// does not know (docs/architecture.md), a poll is one small read, it needs no
// websocket (so it keeps working while the room reconnects and after a server
// restart), and the list is only redrawn when it changed.
//
// Each entry is sent once: an entry whose POST got no answer (timeout, network,
// server gone) is looked for before it is sent again, among the entries newer
// than the newest one seen just before that POST, by its author and its exact
// text. An entry sent at once is stamped by the server; one that had to wait
// carries the moment it was added, on the server's hearing clock as this page
// last measured it.
import { t } from './i18n.js';

const POLL_MS = 3000;            // new entries and 【系统】 lines
const SIGNIN_POLL_MS = 30000;    // not signed in: the page also looks again when it is shown
const RETRY_MS = 3000;           // the outbox, while the server cannot be reached
const POST_TIMEOUT_MS = 10000;   // a POST with no answer by then is "uncertain"
const LATE_MS = 5000;            // an entry sent later than this after its Add carries its own moment
const CST_MS = 8 * 3600 * 1000;
const QUICK = ['state', 'ask', 'answer', 'evidence', 'read', 'break'];
const ROLE_KEYS = ['prosecutor', 'clerk', 'aid_staff', 'viewer', 'petitioner', 'agent', 'witness', 'interpreter',
  'hearing_member', 'other', 'lawyer', 'hearing_officer', 'observer'];

function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat()) if (kid !== null && kid !== undefined) e.append(kid);
  return e;
}

/** A participant's role in the words the notes use (the server's notes text). */
export function notesRole(role) {
  return t(`notes.role.${ROLE_KEYS.includes(role) ? role : 'unknown'}`);
}

const pad = (n) => String(n).padStart(2, '0');

/** "00:01:01": a moment in the hearing, from milliseconds since its start. */
function hms(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

/** "09:01:01": Beijing wall time of an instant in ms. */
function wall(ms) {
  const d = new Date(ms + CST_MS);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

class Gone extends Error {}

/** One REST call with the console's cookie; resolves {status, json}; a
 * network failure or a timeout rejects with Gone. */
async function call(method, path, { body, csrf, timeoutMs = POST_TIMEOUT_MS } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-Auth-Token'] = csrf;
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    const res = await fetch(`/api/v1${path}`, { method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body), signal: ctl.signal });
    let json = null;
    try { json = await res.json(); } catch { /* empty or not JSON */ }
    return { status: res.status, json };
  } catch (e) {
    console.info(`notes: ${method} ${path}: no answer (${e && e.name === 'AbortError' ? 'timeout' : e && e.message})`);
    throw new Gone(String(e && e.message));
  } finally {
    clearTimeout(timer);
  }
}

function load(key, fallback) {
  try { const v = localStorage.getItem(key); return v === null ? fallback : JSON.parse(v); } catch { return fallback; }
}

/** Keeps value under key; an empty outbox or draft leaves nothing behind
 * (what a hearing's notes say stays in this browser only while unsent). */
function save(key, value) {
  try {
    if ((Array.isArray(value) && !value.length) || (value && value.text === '')) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch { /* storage off: kept in memory only */ }
}

export class NotesPanel {
  /** root: the <aside> of room.html; client: the page's RoomClient. The
   * panel appears once the client is admitted with a role that sees it. */
  constructor(root, client) {
    this.root = root;
    this.client = client;
    this.started = false;
    this.writer = false;
    this.me = null;          // the console's staff account
    this.csrf = null;
    this.hearingId = null;
    this.startedAt = null;   // ms, the hearing's start
    this.entries = [];
    this.sig = '';
    this.people = [];        // from GET /hearings/{id}
    this.base = null;        // local ms at the hearing's moment 0
    this.flushing = false;
    this.retry = 0;
    this.problem = null;     // null, 'signin', 'other', 'offline', 'missing'
    client.on('state', ({ state }) => { if (state === 'admitted') this.#start(); });
    client.on('participants', () => {
      try { this.#fillSpeakers(); } catch (e) { console.warn('notes: speakers', e); }   // never the room's problem
    });
  }

  get key() { return `yf-notes:${this.client.room}:${this.client.hearing && this.client.hearing.started_at}`; }

  #start() {
    if (this.started) return;
    const role = this.client.self && this.client.self.role;
    if (role !== 'clerk' && role !== 'prosecutor') return;
    if (!/^appt-\d+$/.test(this.client.room || '')) return;   // a room of no appointment has no hearing, no notes
    this.started = true;
    this.writer = role === 'clerk';
    const sec = this.client.elapsedSeconds();
    if (sec !== null) this.base = Date.now() - sec * 1000 - 500;
    const began = Date.parse(this.client.hearing && this.client.hearing.started_at);
    if (Number.isFinite(began)) this.startedAt = began;   // the store's figure again once the hearing is read
    this.outbox = load(`${this.key}:outbox`, []);
    this.#build();
    document.body.classList.add('has-notes');
    this.#setOpen(this.writer);   // the host opens it when they want to read
    this.root.hidden = false;
    // Closing the tab with entries not sent yet asks first (they would wait
    // in this browser until the room is opened again).
    window.addEventListener('beforeunload', (ev) => {
      if (!this.outbox.length) return;
      ev.preventDefault();
      ev.returnValue = '';
    });
    // Signing in happens in the console's tab: its word, or coming back
    // here, looks at once, instead of asking the server every few seconds
    // meanwhile.
    const back = () => { if (document.visibilityState === 'visible' && this.#signedOut()) this.#wake(); };
    document.addEventListener('visibilitychange', back);
    window.addEventListener('focus', back);
    if (typeof BroadcastChannel === 'function') {
      this.session = new BroadcastChannel('yf-session');
      this.session.onmessage = (ev) => {
        if (ev.data === 'signed-out') this.me = null;   // asked again at the next poll
        if (ev.data === 'signed-in' && this.#signedOut()) { this.me = null; this.#wake(); }
      };
    }
    this.#loop();
  }

  /* ---- the panel ---- */

  #build() {
    const heading = el('h2', { id: 'notes-title', class: 'notes-title', text: t('notes.title') });
    this.count = el('span', { class: 'notes-count' });
    this.toggle = el('button', { type: 'button', class: 'btn small notes-toggle', 'aria-controls': 'notes-body',
      on: { click: () => this.#setOpen(!this.open) } });
    this.status = el('p', { class: 'notes-status', role: 'status', 'aria-live': 'polite' });
    this.list = el('ol', { class: 'notes-entries', 'aria-label': t('notes.listLabel'), 'aria-live': 'polite' });
    // Pinned to the end while the reader is there: new entries, and the list
    // shrinking (the status line, the hearing bar coming back), keep the end in view.
    this.pinned = true;
    this.list.addEventListener('scroll', () => {
      this.pinned = this.list.scrollTop + this.list.clientHeight >= this.list.scrollHeight - 8;
    });
    if (window.ResizeObserver) {
      new ResizeObserver(() => { if (this.pinned) this.list.scrollTop = this.list.scrollHeight; }).observe(this.list);
    }
    const body = el('div', { id: 'notes-body', class: 'notes-body' },
      el('p', { class: 'notes-legend', text: t('notes.legend') }), this.status, this.list);
    if (this.writer) body.append(this.#form());
    else body.append(el('p', { class: 'notes-readonly', text: t('notes.readOnly') }));
    this.root.replaceChildren(el('div', { class: 'notes-head' }, heading, this.count, this.toggle), body);
    this.body = body;
    this.#paint();
  }

  #setOpen(open) {
    this.open = open;
    this.body.hidden = !open;
    this.toggle.textContent = t(open ? 'notes.hide' : 'notes.show');
    this.toggle.setAttribute('aria-expanded', String(open));
    document.body.classList.toggle('notes-open', open);
  }

  #form() {
    const draft = load(`${this.key}:draft`, { speaker: '', text: '' });
    this.speaker = el('select', { id: 'notes-speaker', name: 'speaker' });
    this.text = el('textarea', { id: 'notes-text', name: 'text', rows: '3', maxlength: '20000',
      'aria-describedby': 'notes-hint notes-error' });
    this.text.value = draft.text || '';
    this.draftSpeaker = draft.speaker || '';
    this.#fillSpeakers();
    const keep = () => save(`${this.key}:draft`, { speaker: this.speaker.value, text: this.text.value });
    this.text.addEventListener('input', keep);
    this.speaker.addEventListener('change', keep);
    this.error = el('p', { id: 'notes-error', class: 'notes-error', role: 'alert', hidden: true });
    const quick = el('div', { class: 'notes-quick', role: 'group', 'aria-label': t('notes.quickLabel') },
      QUICK.map((k) => el('button', { type: 'button', class: 'btn small', text: t(`notes.quick.${k}`), on: { click: () => {
        this.text.value += t(`notes.quick.${k}`);
        keep();
        this.text.focus();
      } } })));
    const form = el('form', { class: 'notes-form', novalidate: true },
      el('div', { class: 'notes-field notes-speaker' }, el('label', { for: 'notes-speaker', text: t('notes.speaker') }), this.speaker),
      quick,
      el('div', { class: 'notes-field' }, el('label', { for: 'notes-text', text: t('notes.entryText') }), this.text),
      this.error,
      el('div', { class: 'notes-send' },
        el('button', { type: 'submit', class: 'btn primary small notes-add', text: t('notes.add') }),
        el('p', { id: 'notes-hint', class: 'notes-hint', text: t('notes.hint') })));
    this.text.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) form.requestSubmit(); });
    form.addEventListener('submit', (ev) => { ev.preventDefault(); this.#add(); });
    return form;
  }

  /** The speakers: everyone in the room now and everyone the hearing lists,
   * by name and role; the choice (or the draft's) is kept. */
  #fillSpeakers() {
    if (!this.speaker) return;
    const seen = new Map();
    for (const p of this.people) seen.set(p.name, notesRole(p.role));
    for (const p of this.client.participants || []) if (!seen.has(p.name)) seen.set(p.name, notesRole(p.role));
    const want = this.speaker.value || this.draftSpeaker;
    const opts = [el('option', { value: '', text: t('notes.speakerNone') })];
    for (const [name, role] of seen) {
      const v = `${name}（${role}）`;
      opts.push(el('option', { value: v, text: v }));
    }
    if (want && ![...seen].some(([n, r]) => `${n}（${r}）` === want)) opts.push(el('option', { value: want, text: want }));
    this.speaker.replaceChildren(...opts);
    this.speaker.value = want;
  }

  #add() {
    const body = this.text.value.trim();
    if (!body) { this.#showError(t('notes.empty')); this.text.focus(); return; }
    this.#showError(null);
    const text = this.speaker.value ? `${this.speaker.value}：${body}` : body;
    this.stick = true;
    this.outbox.push({ k: `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`, text, at: Date.now(), tries: 0,
      after: null });
    save(`${this.key}:outbox`, this.outbox);
    this.text.value = '';
    save(`${this.key}:draft`, { speaker: this.speaker.value, text: '' });
    this.text.focus();
    this.#paint();
    this.#flush();
  }

  #showError(msg) {
    if (!this.error) return;
    this.error.hidden = !msg;
    this.error.textContent = msg || '';
  }

  #paint() {
    // A reader at the end (or who just added an entry) stays at the end,
    // whatever the status line above the list does to its height.
    const list = this.list;
    const atEnd = this.stick || this.pinned;
    this.stick = false;
    const keep = list.scrollTop;
    this.count.textContent = t('notes.count', { n: this.entries.filter((e) => e.author).length });
    const waiting = this.outbox.length;
    const words = {
      signin: t('notes.signIn'), other: t('notes.otherAccount', { name: this.other ? this.other.display_name : '' }),
      offline: waiting ? t('notes.offlinePending', { n: waiting }) : t('notes.offline'),
      missing: t('notes.noHearing'), denied: t('notes.denied'),
    };
    const msg = this.problem ? words[this.problem] : waiting ? t('notes.sending', { n: waiting }) : '';
    if (this.status.dataset.msg !== `${this.problem}|${msg}`) {
      this.status.dataset.msg = `${this.problem}|${msg}`;
      this.status.replaceChildren();
      this.status.className = `notes-status${this.problem ? ' bad' : ''}`;
      if (msg) this.status.append(msg);
      if (this.#signedOut()) {
        this.status.append(' ', el('a', { href: '/console/', target: '_blank', rel: 'noopener', text: t('notes.signInLink') }));
      }
    }
    const sig = `${this.loaded}|${this.entries.map((e) => e.id).join(',')}|${this.outbox.map((o) => o.k).join(',')}`;
    if (sig !== this.sig) {
      this.sig = sig;
      const items = this.entries.map((e) => this.#entry(e));
      for (const o of this.outbox) items.push(this.#pending(o));
      if (!items.length) items.push(el('li', { class: 'muted', text: t(this.loaded ? 'notes.none' : 'notes.notRead') }));
      list.replaceChildren(...items);
    }
    list.scrollTop = atEnd ? list.scrollHeight : keep;
    if (atEnd) this.pinned = true;
  }

  #stamp(offsetMs, approx) {
    const at = `${hms(offsetMs)} · ${wall((this.startedAt ?? 0) + offsetMs)}`;
    return el('span', { class: 'notes-at', text: approx ? t('notes.approx', { at }) : at,
      'aria-label': t('notes.atLabel', { offset: hms(offsetMs), wall: wall((this.startedAt ?? 0) + offsetMs) }) });
  }

  #entry(e) {
    const who = e.author ? el('span', { class: 'notes-who', text: `${e.author.name}（${notesRole(e.author.role)}）` }) : null;
    return el('li', { class: e.author ? 'notes-entry' : 'notes-entry system' }, this.#stamp(e.offset_ms), who,
      el('p', { class: 'notes-text', text: e.text }));
  }

  #pending(o) {
    const offset = this.base === null || this.startedAt === null ? null : Math.max(0, o.at - this.base);
    return el('li', { class: 'notes-entry pending' },
      offset === null ? null : this.#stamp(offset, true),
      el('span', { class: 'notes-tag', text: t('notes.pending') }),
      el('p', { class: 'notes-text', text: o.text }));
  }

  /* ---- the server ---- */

  async #loop() {
    this.next = 0;
    this.polling = true;
    try {
      await this.#poll();
    } finally {
      this.polling = false;
    }
    // Once this page is out of the room, the notes stop moving for it: the
    // outbox is still sent (its retry polls), the list is not.
    if (['ended', 'left', 'removed', 'error'].includes(this.client.state) && !this.outbox.length) return;
    this.next = setTimeout(() => this.#loop(), this.#signedOut() ? SIGNIN_POLL_MS : POLL_MS);
  }

  /** No console session here, or another person's: a sign-in is awaited. */
  #signedOut() {
    return this.problem === 'signin' || this.problem === 'other';
  }

  /** The next poll now, if one is waiting (not while one runs). */
  #wake() {
    if (this.polling || !this.next) return;
    clearTimeout(this.next);
    this.#loop();
  }

  /** Signs in (GET /me), finds the hearing, reads its notes. Returns true
   * when the notes are current. */
  async #poll() {
    try {
      if (!this.me && !(await this.#whoAmI())) return false;
      if (!this.hearingId && !(await this.#findHearing())) return false;
      const r = await call('GET', `/hearings/${this.hearingId}/notes`, { timeoutMs: POST_TIMEOUT_MS });
      if (r.status === 401) { this.me = null; this.problem = 'signin'; return false; }
      if (r.status !== 200 || !r.json) { this.problem = r.status === 403 ? 'denied' : 'offline'; return false; }
      this.entries = r.json.entries || [];
      this.loaded = true;
      this.problem = null;
      this.#calibrate();
      return true;
    } catch (e) {
      if (!(e instanceof Gone)) console.warn('notes: poll', e);
      this.problem = 'offline';
      return false;
    } finally {
      this.#paint();
      if (this.outbox.length && !this.flushing && !this.problem) this.#flush();
    }
  }

  async #whoAmI() {
    const r = await call('GET', '/me');
    if (r.status !== 200 || !r.json || r.json.kind !== 'staff') {
      this.problem = r.status >= 500 ? 'offline' : 'signin';
      return false;
    }
    const self = this.client.self;
    if (self && r.json.staff.display_name !== self.name) {
      this.me = null;
      this.problem = 'other';
      this.other = r.json.staff;
      return false;
    }
    this.me = r.json.staff;
    this.csrf = r.json.csrf || null;
    return true;
  }

  /** The room of appointment N is appt-N: its case's hearing of that
   * appointment that runs (else its latest). */
  async #findHearing() {
    const m = /^appt-(\d+)$/.exec(this.client.room || '');
    if (!m) { this.problem = 'missing'; return false; }
    const a = await call('GET', `/appointments/${m[1]}`);
    if (a.status !== 200 || !a.json) { this.problem = a.status >= 500 ? 'offline' : 'missing'; return false; }
    const hs = await call('GET', `/cases/${a.json.case_id}/hearings`);
    if (hs.status !== 200 || !hs.json) { this.problem = hs.status >= 500 ? 'offline' : 'missing'; return false; }
    const mine = (hs.json.items || []).filter((h) => h.appointment_id === Number(m[1]));
    const h = mine.find((x) => !x.ended_at) || mine[mine.length - 1];
    if (!h) { this.problem = 'missing'; return false; }
    this.hearingId = h.id;
    this.startedAt = Date.parse(h.started_at);
    this.people = h.participants || [];
    if (!this.people.length) {
      const full = await call('GET', `/hearings/${h.id}`);
      if (full.status === 200 && full.json) this.people = full.json.participants || [];
    }
    this.#fillSpeakers();
    return true;
  }

  /** The hearing's moment 0 on this page's clock, from this page's own
   * entries the server stamped (sent at sentAt, answered at gotAt). */
  #calibrate() {
    for (const s of this.stamped || []) {
      const e = this.entries.find((x) => x.id === s.id);
      if (!e) continue;
      this.base = (s.sentAt + s.gotAt) / 2 - e.offset_ms;
      this.stamped = [];
      return;
    }
  }

  /** Sends the outbox in order, each entry once. */
  async #flush() {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.outbox.length) {
        const ok = await this.#sendFirst();
        if (!ok) break;
      }
    } catch (e) {
      console.warn('notes: outbox', e);   // kept; tried again below
    } finally {
      this.flushing = false;
      this.#paint();
    }
    if (this.outbox.length && !this.retry) {
      this.retry = setTimeout(() => { this.retry = 0; this.#poll(); }, RETRY_MS);
    }
  }

  /** One outbox entry: found among the entries (an earlier try that got no
   * answer was stored), or sent. Returns false when the outbox must wait. */
  async #sendFirst() {
    const o = this.outbox[0];
    if (!this.me || !this.hearingId || o.tries > 0 || o.after === null) {
      if (!(await this.#poll())) return false;   // current entries first
    }
    if (o.tries > 0) {
      // Entries go out in order, so nothing before o can claim an entry newer than o.after.
      const found = this.entries.find((e) => e.id > o.after && e.author &&
        e.author.name === this.me.display_name && e.text === o.text);
      if (found) { this.#done(o); return true; }
    }
    o.after = this.entries.reduce((m, e) => Math.max(m, e.id), 0);
    o.tries++;
    save(`${this.key}:outbox`, this.outbox);
    const body = { text: o.text };
    const late = Date.now() - o.at > LATE_MS;
    if (late && this.base !== null) body.offset_ms = Math.max(0, Math.round(o.at - this.base));
    const sentAt = Date.now();
    let r;
    try {
      r = await call('POST', `/hearings/${this.hearingId}/notes`, { body, csrf: this.csrf });
    } catch {
      this.problem = 'offline';
      return false;   // uncertain: looked for before the next try
    }
    if (r.status === 201) {
      if (!body.offset_ms && r.json) (this.stamped ||= []).push({ id: r.json.id, sentAt, gotAt: Date.now() });
      this.#done(o);
      await this.#poll();
      return true;
    }
    if (r.status === 401 || (r.status === 403 && r.json && r.json.error && r.json.error.code === 'csrf')) {
      this.me = null;
      this.problem = 'signin';   // nothing stored; o waits for a sign-in
      return false;
    }
    if (r.status >= 500 || r.status === 0) { this.problem = 'offline'; return false; }
    // Refused for good (the notes were finalized, no right to write): the
    // text goes back into the box, nothing is lost.
    this.outbox.shift();
    save(`${this.key}:outbox`, this.outbox);
    this.text.value = this.text.value ? `${o.text}\n${this.text.value}` : o.text;
    save(`${this.key}:draft`, { speaker: this.speaker.value, text: this.text.value });
    this.#showError(t(r.status === 409 ? 'notes.finalized' : 'notes.refused'));
    return true;
  }

  #done(o) {
    this.outbox = this.outbox.filter((x) => x !== o);
    save(`${this.key}:outbox`, this.outbox);
  }
}

// room_agenda.js -- a public hearing's agenda in the room (docs/protocol.md,
// "Public hearings"): the seven steps with the current one marked, the
// speaking timer everyone sees, and for the host 上一项 / 下一项 and the
// timer's start and stop; the notice that the 听证员 are deliberating, or,
// in the deliberation room, what that room is. State comes only from the
// server's `agenda` event; the elapsed times count on from when it arrived,
// so no page trusts its own clock. No protocol here: the page passes in
// what to call (step, timer).
import { t } from './i18n.js';

const STEPS = 7;
const DELIBERATION_STEP = 4;
const LIMITS_MIN = [0, 3, 5, 10, 15];

const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
};

function clock(sec) {
  const m = Math.floor(sec / 60), s = sec % 60;
  return `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

export class Agenda {
  /** root: an empty element to fill; opts: {isHost, inDeliberation,
   *  step(n) and timer(running, limitS), each resolving to null or the
   *  refusal {code, message}}. */
  constructor(root, opts) {
    this.root = root;
    this.opts = opts;
    this.state = null;
    this.#build();
    this.tick = setInterval(() => this.#renderTimer(), 1000);
  }

  #build() {
    const r = this.root;
    r.replaceChildren();
    r.setAttribute('aria-labelledby', 'agenda-title');
    const head = el('div', 'agenda-head');
    const h2 = el('h2', null, t(this.opts.inDeliberation ? 'agenda.deliberationTitle' : 'agenda.title'));
    h2.id = 'agenda-title';
    this.now = el('p', 'agenda-now');
    this.now.id = 'agenda-now';
    this.now.setAttribute('aria-live', 'polite');
    head.append(h2, this.now);
    this.notice = el('p', 'agenda-notice');
    this.notice.id = 'agenda-notice';
    this.notice.setAttribute('role', 'status');
    this.notice.hidden = true;
    this.list = el('ol', 'agenda-steps');
    this.list.id = 'agenda-steps';
    for (let n = 1; n <= STEPS; n++) {
      const li = el('li', 'agenda-step');
      li.dataset.step = String(n);
      li.append(el('span', 'agenda-ord', t('agenda.ordinal', { n: t(`agenda.n${n}`) })), el('span', 'agenda-name', t(`agenda.step${n}`)));
      this.list.append(li);
    }
    const timer = el('div', 'agenda-timer');
    timer.id = 'agenda-timer';
    this.clock = el('strong', 'agenda-clock');
    this.clock.id = 'agenda-clock';
    this.limit = el('span', 'agenda-limit');
    this.limit.id = 'agenda-limit';
    timer.append(el('span', 'agenda-timer-label', t('agenda.timer')), this.clock, this.limit);
    this.error = el('p', 'agenda-error');
    this.error.setAttribute('role', 'alert');
    this.error.hidden = true;
    // The timer and, for the host, the buttons share one row under the steps.
    const body = el('div', 'agenda-body');
    if (!this.opts.inDeliberation) body.append(timer);   /* nobody is timed while the 听证员 deliberate */
    if (this.opts.isHost && !this.opts.inDeliberation) body.append(this.#hostControls());
    r.append(head, this.notice, this.list, body, this.error);
  }

  #hostControls() {
    const box = el('div', 'agenda-host');
    box.id = 'agenda-host';
    const button = (id, key, cls, fn) => {
      const b = el('button', `btn small ${cls}`, t(key));
      b.type = 'button';
      b.id = id;
      b.addEventListener('click', fn);
      return b;
    };
    this.prev = button('agenda-prev', 'agenda.prev', '', () => this.#move(-1));
    this.next = button('agenda-next', 'agenda.next', 'primary', () => this.#move(1));
    const label = el('label', 'agenda-limit-label', t('agenda.limit'));
    label.htmlFor = 'agenda-limit-select';
    this.limitSelect = el('select', 'agenda-limit-select');
    this.limitSelect.id = 'agenda-limit-select';
    for (const m of LIMITS_MIN) {
      const o = el('option', null, m ? t('agenda.minutes', { m }) : t('agenda.noLimit'));
      o.value = String(m * 60);
      this.limitSelect.append(o);
    }
    this.limitSelect.value = '300';
    this.start = button('agenda-start', 'agenda.start', '', () => this.#call(this.opts.timer(true, Number(this.limitSelect.value))));
    this.stop = button('agenda-stop', 'agenda.stop', '', () => this.#call(this.opts.timer(false, 0)));
    const steps = el('div', 'agenda-row');
    steps.append(this.prev, this.next);
    const timer = el('div', 'agenda-row');
    timer.append(label, this.limitSelect, this.start, this.stop);
    box.append(steps, timer);
    return box;
  }

  async #call(p) {
    const refused = await p;
    this.error.hidden = !refused;
    if (refused) this.error.textContent = t('agenda.failed');
  }

  #move(delta) {
    const cur = this.state ? this.state.step : 0;
    const to = Math.min(STEPS, Math.max(1, cur + delta));
    if (to !== cur) this.#call(this.opts.step(to));
  }

  /** The server's `agenda` event data. */
  update(d) {
    this.state = { ...d, at: performance.now() };
    this.root.hidden = false;
    const step = d.step || 0;
    for (const li of this.list.children) {
      const n = Number(li.dataset.step);
      li.classList.toggle('current', n === step);
      li.classList.toggle('done', n < step);
      if (n === step) li.setAttribute('aria-current', 'step');
      else li.removeAttribute('aria-current');
    }
    this.now.textContent = step ? t('agenda.now', { n: t(`agenda.n${step}`), name: t(`agenda.step${step}`) }) : t('agenda.notBegun');
    const deliberating = step === DELIBERATION_STEP;
    this.notice.hidden = !deliberating;
    this.notice.textContent = this.opts.inDeliberation ? t('agenda.inDeliberation') : t('agenda.deliberating');
    this.root.classList.toggle('deliberating', deliberating);
    if (this.prev) {
      this.prev.disabled = step <= 1;
      this.next.disabled = step >= STEPS;
      this.next.textContent = step === 0 ? t('agenda.begin') : step === DELIBERATION_STEP ? t('agenda.resume') : t('agenda.next');
      this.start.disabled = !step;
      this.stop.disabled = !d.timer || !d.timer.running;
    }
    this.#renderTimer();
  }

  #renderTimer() {
    const s = this.state;
    if (!s || !s.timer) { this.clock.textContent = clock(0); this.limit.textContent = ''; return; }
    const extra = s.timer.running ? Math.floor((performance.now() - s.at) / 1000) : 0;
    const sec = s.timer.elapsed_s + extra;
    this.clock.textContent = clock(sec);
    const lim = s.timer.limit_s;
    const over = lim > 0 && sec > lim;
    this.clock.classList.toggle('over', over);
    this.clock.classList.toggle('running', !!s.timer.running);
    this.limit.textContent = over ? t('agenda.over', { m: Math.round(lim / 60) })
      : lim > 0 ? t('agenda.of', { m: Math.round(lim / 60) })
      : s.timer.running ? '' : t('agenda.stopped');
  }
}

/** The role a room token names (its payload is base64url JSON; the server
 *  checks the signature, the page only needs to know whether to ask for a
 *  camera), or null when it cannot be read. */
export function tokenRole(token) {
  try {
    const b64 = token.split('.')[0].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)).role || null;
  } catch {
    return null;
  }
}

const PART_KEY = 'yf-room-part';

/** Which room of the hearing this tab is in: 'deliberation' or null. */
export function roomPart() {
  try { return sessionStorage.getItem(PART_KEY) || null; } catch { return null; }
}

/** A 听证员 moves between the hearing room and the deliberation room: the
 *  page is loaded again and joins the other room with the same token (the
 *  server takes them out of the room they leave). */
export function switchPart(part) {
  try {
    if (part) sessionStorage.setItem(PART_KEY, part);
    else sessionStorage.removeItem(PART_KEY);
  } catch { /* private mode: the page stays in the hearing room */ }
  location.reload();
}

/** Wires the agenda panel to a joined RoomClient: it appears with the first
 *  `agenda` event (public hearings only); a 听证员's page follows the
 *  deliberation (into the room at 休会评议, back when it is over); status
 *  shows a sentence by key. */
export function attachAgenda(client, root, status) {
  let agenda = null;
  const inDeliberation = client.part === 'deliberation';
  client.on('agenda', (d) => {
    const role = client.self && client.self.role;
    if (!agenda) {
      agenda = new Agenda(root, {
        isHost: role === 'prosecutor',
        inDeliberation,
        step: (n) => client.agendaStep(n),
        timer: (running, limitS) => client.agendaTimer(running, limitS),
      });
    }
    agenda.update(d);
    // A public hearing is 听证, not 接访: the host's end button says so.
    const end = document.getElementById('end'), title = document.getElementById('end-title');
    if (end) end.textContent = t('agenda.end');
    if (title) title.textContent = t('agenda.endTitle');
    if (role === 'hearing_officer' && d.deliberation !== inDeliberation) {
      status(d.deliberation ? 'agenda.toDeliberation' : 'agenda.toHearing');
      switchPart(d.deliberation ? 'deliberation' : null);
    }
  });
  client.on('state', ({ state, detail }) => {
    if (inDeliberation && state === 'ended' && detail === 'deliberation_over') {
      status('agenda.toHearing');
      switchPart(null);
    }
  });
}

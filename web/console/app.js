// app.js -- the console's shell: who is signed in (GET /me on load, the
// sign-in screen when there is no session or it expired), the navigation by
// role, sign-out, and hash routing (#/today, #/cases, #/cases/12, #/cases/new,
// #/hearings/7, #/stats, #/admin/staff, #/admin/audit) to one screen module each. A screen exports
// render(root, ctx); ctx.alive() turns false once the user has moved on, so a
// late reply never paints over the next screen.
import { ApiError, setExpiredHandler, whoami, logout, explain } from './api.js';
import { applyI18n, has, lang, t } from './i18n.js';
import { h, notice } from './dom.js';
import * as login from './login.js';
import * as today from './today.js';
import * as cases from './cases.js';
import * as caseNew from './case_new.js';
import * as caseView from './case.js';
import * as hearing from './hearing.js';
import * as staff from './staff.js';
import * as audit from './audit.js';
import * as stats from './stats.js';
import { CASE_CREATORS } from './codes.js';

/** Why a case page the API refused is not for this role: its rule for cases. */
const caseDenied = (role) => [has(`app.deny.case.${role}`) ? `app.deny.case.${role}` : 'app.deny.case', 'app.askCase'];

// roles: who may open the route (else the refusal screen says why: deny);
// a screen the API refuses (403) says why with denied(role) instead.
const ROUTES = [
  { re: /^\/today$/, screen: today, nav: 'today' },
  { re: /^\/cases$/, screen: cases, nav: 'cases' },
  { re: /^\/cases\/new$/, screen: caseNew, nav: 'case-new', roles: CASE_CREATORS, deny: 'app.deny.caseNew' },
  { re: /^\/cases\/(\d+)$/, screen: caseView, nav: 'cases', denied: caseDenied },
  { re: /^\/hearings\/(\d+)$/, screen: hearing, nav: 'cases', denied: caseDenied },
  { re: /^\/stats$/, screen: stats, nav: 'stats' },
  { re: /^\/admin\/staff$/, screen: staff, nav: 'staff', roles: ['admin'], deny: 'app.deny.admin' },
  { re: /^\/admin\/audit$/, screen: audit, nav: 'audit', roles: ['admin'], deny: 'app.deny.admin' },
];

const $ = (id) => document.getElementById(id);
const state = { me: null, gen: 0, flash: null, first: true };

/** The path and query of the location's hash ("#/cases?q=x"). */
function parseHash() {
  const raw = location.hash.startsWith('#/') ? location.hash.slice(1) : '/today';
  const i = raw.indexOf('?');
  return { path: i < 0 ? raw : raw.slice(0, i), query: new URLSearchParams(i < 0 ? '' : raw.slice(i + 1)) };
}

function setTitle(screenTitle) {
  document.title = t('app.title', { screen: screenTitle });
}

function showShell(on) {
  $('nav').hidden = !on;
  $('who').hidden = !on;
  document.body.classList.toggle('signed-out', !on);
  if (!on) return;
  const me = state.me;
  $('who-name').textContent = t('app.signedInAs', { name: me.display_name, role: t(`role.${me.role}`) });
  for (const li of $('nav').querySelectorAll('[data-roles]')) li.hidden = !li.dataset.roles.split(' ').includes(me.role);
}

function markNav(name) {
  for (const a of $('nav').querySelectorAll('a[data-nav]')) {
    if (a.dataset.nav === name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
}

/** Shows the sign-in screen; message (a sentence) explains why. */
function showLogin(message, kind = 'info') {
  state.me = null;
  state.gen++;
  showShell(false);
  markNav(null);
  setTitle(t('login.title'));
  login.render($('main'), {
    message: message && notice(kind, message),
    done: (me) => { state.me = me; showShell(true); route(); },
  });
}

/** Moves to hash (routing follows from hashchange); flash is shown once on
 * the next screen: {kind, text}. */
export function go(hash, flash) {
  state.flash = flash || null;
  if (location.hash === hash) route(); else location.hash = hash;
}

/** The refusal screen: that the page is not for this account, why (whyKey),
 * whom to ask (askKey), and the way back; no data of the page. */
function refusal(root, whyKey, askKey) {
  root.replaceChildren(h('section', { class: 'card refusal' },
    h('h1', { tabindex: '-1', text: t('app.forbidden') }),
    h('p', { text: t(whyKey) }),
    h('p', { class: 'muted', text: t(askKey) }),
    h('p', { class: 'refusal-back' }, h('a', { class: 'btn primary', href: '#/today', text: t('app.backToday') }))));
  setTitle(t('app.forbidden'));
}

function screenNotice(root, key) {
  root.append(h('h1', { tabindex: '-1', text: t(key) }),
    h('p', {}, h('a', { href: '#/today', text: t('app.backToday') })));
  setTitle(t(key));
}

/** A screen whose loading failed: the refusal screen when the API refused
 * it, else what went wrong in a sentence. */
function failed(root, r, e) {
  if (e instanceof ApiError && e.code === 'forbidden' && r.denied) {
    refusal(root, ...r.denied(state.me.role));
    return;
  }
  root.replaceChildren(h('h1', { tabindex: '-1', text: t('app.cannotOpen') }), notice('bad', explain(e).text),
    h('p', {}, h('a', { href: '#/today', text: t('app.backToday') })));
  setTitle(t('app.cannotOpen'));
}

async function route() {
  if (!state.me) return;
  const gen = ++state.gen;
  const { path, query } = parseHash();
  const main = $('main');
  const found = ROUTES.map((r) => ({ r, m: r.re.exec(path) })).find((x) => x.m);
  const flash = state.flash;
  state.flash = null;
  main.replaceChildren();
  if (flash) main.append(notice(flash.kind || 'ok', flash.text));
  const root = h('div', { class: 'screen' });
  main.append(root);
  markNav(found ? found.r.nav : null);
  if (!found) screenNotice(root, 'app.notFound');
  else if (found.r.roles && !found.r.roles.includes(state.me.role)) refusal(root, found.r.deny, 'app.askAdmin');
  else {
    const ctx = { me: state.me, params: found.m.slice(1), query, go, setTitle, alive: () => gen === state.gen };
    try {
      await found.r.screen.render(root, ctx);
    } catch (e) {
      console.warn('console: screen failed', e);
      if (gen === state.gen && state.me) failed(root, found.r, e);
    }
  }
  if (gen !== state.gen) return;
  const target = main.querySelector('[data-autofocus]') || (!state.first && (main.querySelector('h1') || main));
  if (target) target.focus();
  state.first = false;
}

async function start() {
  applyI18n(document);
  document.documentElement.lang = lang;
  setExpiredHandler(() => { if (state.me) showLogin(t('app.expired'), 'bad'); });
  $('logout').addEventListener('click', async () => {
    try { await logout(); } catch (e) { console.warn('console: logout', e); }
    // Whoever signs in next starts at 工作台, not on this user's last screen
    // (after an expired session, by contrast, the same route opens again).
    history.replaceState(null, '', '#/today');
    showLogin(t('app.loggedOut'), 'ok');
  });
  $('skip').addEventListener('click', (ev) => { ev.preventDefault(); $('main').focus(); });
  window.addEventListener('hashchange', () => { if (location.hash.startsWith('#/')) route(); });
  let me = null;
  try {
    me = await whoami();
  } catch (e) {
    showLogin(explain(e).text, 'bad');
    return;
  }
  if (!me) { showLogin(); return; }
  state.me = me;
  showShell(true);
  route();
}

start();

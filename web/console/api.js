// api.js -- every call the console makes to /api/v1, and the one place that
// turns an API error into a sentence for people. The session is the server's
// HttpOnly cookie (yf_session); this module keeps only the CSRF token, in a
// module variable (never in storage), and sends it on every non-GET request.
// (The server reads it from X-Auth-Token: lws 4.1 only parses headers it has a
// token for; docs/api.md, "Console sessions".) A 401 on any call but sign-in and
// the first GET /me ends the session.
import { t } from './i18n.js';

let csrf = null;
let onExpired = () => {};

export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** fn() runs once per call that found the session gone (401). */
export function setExpiredHandler(fn) { onExpired = fn; }

/** Sends one request; resolves to the reply's JSON, rejects with ApiError
 * (status 0, code 'network' when the server could not be reached). */
export async function api(method, path, body, { quiet401 = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-Auth-Token'] = csrf;
  let res;
  try {
    res = await fetch(`/api/v1${path}`, {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'network', String(e && e.message));
  }
  let json = null;
  try { json = await res.json(); } catch { /* an empty or non-JSON body */ }
  if (res.ok) return json;
  const e = json && json.error;
  const err = new ApiError(res.status, (e && e.code) || `http_${res.status}`, (e && e.message) || '',
    Number(res.headers.get('Retry-After')) || 0);
  if (res.status === 401 && !quiet401) {
    csrf = null;
    onExpired();
  }
  throw err;
}

/** A POST whose answer is a file (a PDF, an image): resolves to a Blob,
 * rejects with ApiError as api() does. */
export async function postBlob(path, body = {}) {
  const headers = { 'Content-Type': 'application/json' };
  if (csrf) headers['X-Auth-Token'] = csrf;
  let res;
  try {
    res = await fetch(`/api/v1${path}`, { method: 'POST', headers, credentials: 'same-origin', cache: 'no-store',
      body: JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'network', String(e && e.message));
  }
  if (res.ok) return res.blob();
  let json = null;
  try { json = await res.json(); } catch { /* not JSON */ }
  const e = json && json.error;
  if (res.status === 401) {
    csrf = null;
    onExpired();
  }
  throw new ApiError(res.status, (e && e.code) || `http_${res.status}`, (e && e.message) || '', 0);
}

export const get = (path, opts) => api('GET', path, undefined, opts);
export const post = (path, body = {}) => api('POST', path, body);
export const patch = (path, body) => api('PATCH', path, body);

/** A query string from an object, leaving out empty values. */
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, v);
  const s = u.toString();
  return s ? `?${s}` : '';
}

/** Tells this browser's other pages of the origin (a room's notes panel
 * waiting for a sign-in) that the session changed. */
function announce(what) {
  if (typeof BroadcastChannel !== 'function') return;
  const ch = new BroadcastChannel('yf-session');
  ch.postMessage(what);
  ch.close();
}

/** Signs in with the cookie protocol; resolves to the staff account. */
export async function login(username, password) {
  const r = await api('POST', '/auth/login', { username, password, cookie: true }, { quiet401: true });
  csrf = r.csrf || null;
  announce('signed-in');
  return r.staff;
}

/** The signed-in staff member, or null when there is no session. */
export async function whoami() {
  try {
    const r = await api('GET', '/me', undefined, { quiet401: true });
    if (r.kind !== 'staff') return null;
    csrf = r.csrf || null;
    return r.staff;
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

export async function logout() {
  try { await api('POST', '/auth/logout', {}, { quiet401: true }); } finally { csrf = null; announce('signed-out'); }
}

/* ---- errors as sentences ---- */

const PASSWORD_RULES = [
  [/at least 10 characters/, 'err.pw.short'],
  [/longer than 1024/, 'err.pw.long'],
  [/4 different characters/, 'err.pw.distinct'],
  [/only digits/, 'err.pw.digits'],
  [/run of characters/, 'err.pw.run'],
  [/user name with a few/, 'err.pw.username'],
  [/commonest passwords/, 'err.pw.common'],
];

/** The request field a message is about (the API names it), or null. */
export function fieldOf(message) {
  const m = message || '';
  let x;
  if ((x = /^(?:missing field|field|unknown field) "([^"]+)"/.exec(m))) return x[1];
  if ((x = /^(\w+): unknown value/.exec(m))) return x[1];
  if ((x = /^unknown (\w+) "/.exec(m))) return x[1];
  if ((x = /^(\w+) must be a date/.exec(m))) return x[1];
  if ((x = /^(invitees)(?:\[(\d+)\](?:\.(\w+))?)?/.exec(m))) return x[2] ? `invitees.${x[2]}${x[3] ? `.${x[3]}` : ''}` : 'invitees';
  if (/^case number/.test(m)) return 'case_no';
  if (/^username/.test(m)) return 'username';
  if (/^display name/.test(m)) return 'display_name';
  if (/^password/.test(m)) return 'password';
  if (/^petitioner/.test(m)) return 'petitioner';
  if (/^received/.test(m)) return 'received';
  if (/^role/.test(m)) return 'role';
  if (/^(starts_at|the invitations would)/.test(m)) return 'starts_at';
  if (/^reason/.test(m)) return 'reason';
  if (/prosecutor/.test(m)) return 'prosecutor_id';
  return null;
}

function badRequest(msg, field, label) {
  let x;
  if (field === 'password') {
    for (const [re, key] of PASSWORD_RULES) if (re.test(msg)) return t(key);
  }
  if (field === 'username') return t('err.username');
  if (field === 'id_number') return t(/check digit/.test(msg) ? 'err.idCheck' : 'err.idFormat');
  if (field === 'display_name') return t('err.displayName');
  if (/would already have expired/.test(msg)) return t('appt.past');
  if (/^missing field|must not be empty|is empty/.test(msg)) return t('err.required', { label });
  if ((x = /longer than (\d+)/.exec(msg))) return t('err.tooLong', { label, n: x[1] });
  if (/unknown value|^unknown |is not an? /.test(msg)) return t('err.choose', { label });
  if (/date|RFC 3339/.test(msg)) return t('err.date', { label });
  if (/^unknown field/.test(msg)) return t('err.notSupported');
  return t('err.bad');
}

function conflict(msg, field) {
  if (/already taken/.test(msg) && (field === 'case_no' || field === 'username')) return t(`err.taken.${field}`);
  if (/illegal stage move/.test(msg)) return t('err.illegalMove');
  if (/cannot disable their own/.test(msg)) return t('err.selfDisable');
  if (/cancelled/.test(msg)) return t('err.apptCancelled');
  if (/hearing has started/.test(msg)) return t('err.apptStarted');
  if (/hearing is running/.test(msg)) return t('err.apptRunning');
  if (/already revoked/.test(msg)) return t('err.inviteRevoked');
  if (/already reissued/.test(msg)) return t('err.inviteReissued');
  if (/invitation has expired/.test(msg)) return t('err.inviteExpired');
  if (/already ended|hearing_ended/.test(msg)) return t('err.hearingEnded');
  return t('err.conflict');
}

/** { field, text }: the field an error concerns (null: the whole form) and a
 * plain sentence. labels maps API field names to the form's own labels. */
export function explain(err, labels = {}) {
  if (!(err instanceof ApiError)) return { field: null, text: t('err.server') };
  const field = fieldOf(err.message);
  const label = (field && (labels[field] || labels[field.split('.')[0]])) || '';
  switch (err.code) {
    case 'network': return { field: null, text: t('err.network') };
    case 'bad_request': return { field, text: badRequest(err.message, field, label) };
    case 'bad_json': return { field: null, text: t('err.bad') };
    case 'forbidden': return { field: null, text: t('err.forbidden') };
    case 'csrf': return { field: null, text: t('err.csrf') };
    case 'not_found':
      return { field: null, text: /no such endpoint/.test(err.message) ? t('err.notSupported') : t('err.notFound') };
    case 'method_not_allowed': return { field: null, text: t('err.notSupported') };
    case 'conflict': return { field, text: conflict(err.message, field) };
    case 'appointment_cancelled': return { field: null, text: t('err.apptCancelled') };
    case 'hearing_ended': return { field: null, text: t('err.hearingEnded') };
    case 'case_closed': return { field: null, text: t('err.caseClosed') };
    case 'too_large': return { field, text: t('err.tooLarge') };
    case 'too_many_requests':
      return { field: null, text: t('login.throttled', { n: Math.max(1, Math.ceil((err.retryAfter || 60) / 60)) }) };
    case 'busy': return { field: null, text: t('err.busy') };
    default: return { field: null, text: t('err.server') };
  }
}

// join.js -- the invitation link (join.html?t=INVITATION_TOKEN): trades the
// invitation for a room token (POST /api/v1/invitation/room-token, docs/api.md),
// shows the recording notice and, once accepted, opens room.html?token=...;
// an ended hearing, a cancelled appointment or a closed case is said in words.
import { applyI18n, t, withLang } from './i18n.js';
import { markNoticeSeen } from './notice.js';

const $ = (id) => document.getElementById(id);

const REFUSALS = {
  hearing_ended: 'join.hearingEnded',
  appointment_cancelled: 'join.cancelled',
  case_closed: 'join.caseClosed',
};

function status(key) { $('status').textContent = t(key); }

async function roomToken(invitation) {
  const res = await fetch('/api/v1/invitation/room-token', {
    method: 'POST',
    headers: { Authorization: `Invitation ${invitation}` },
  });
  if (!res.ok) {
    const body = await res.json().catch(() => null);
    const err = new Error(`HTTP ${res.status}`);
    err.code = body && body.error && body.error.code;
    throw err;
  }
  const body = await res.json();
  if (!body.token) throw new Error('no token in the reply');
  return body.token;
}

async function main() {
  applyI18n();
  const invitation = new URLSearchParams(location.search).get('t');
  if (!invitation) { status('join.noToken'); return; }
  status('join.loading');
  let token;
  try {
    token = await roomToken(invitation);
  } catch (e) {
    console.warn('join: room token refused', e);
    // An appointment that can no longer be held says why; anything else is a bad link.
    status(REFUSALS[e.code] || 'join.bad');
    return;
  }
  $('status').textContent = '';
  $('notice').hidden = false;
  $('devtest').href = withLang('devtest.html');
  $('continue').addEventListener('click', async () => {
    await markNoticeSeen(token);
    location.href = withLang(`room.html?token=${encodeURIComponent(token)}`);
  });
  $('decline').addEventListener('click', () => {
    $('notice').hidden = true;
    status('join.declined');
  });
}

main();

// join.js -- the invitation link (join.html?t=INVITATION_TOKEN), the
// petitioner's own page: the appointment, the case's route map and the rating
// (mine.js, from GET /api/v1/invitation), and the way in: it trades the
// invitation for a room token (POST /api/v1/invitation/room-token, docs/api.md),
// shows the recording notice and, once accepted, opens room.html?token=...;
// an ended hearing, a cancelled appointment or a closed case is said in words,
// and the rest of the page stays (after the hearing the same link is where
// the petitioner follows the case and rates it).
import { applyI18n, t, withLang } from './i18n.js';
import { markNoticeSeen } from './notice.js';
import { appointmentCard, progressCard, ratingCard, recordingCard } from './mine.js';
import { notesCard } from './mine_notes.js';

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

async function invitationInfo(invitation) {
  const res = await fetch('/api/v1/invitation', { headers: { Authorization: `Invitation ${invitation}` } });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.json();
}

/** The page's own parts around the way in; nothing when they cannot be read. */
function showMine(info, invitation) {
  if (!info || info instanceof Error) return;
  document.querySelector('h1').textContent = t('mine.hello', { name: info.invitee.name });
  $('mine-top').replaceChildren(appointmentCard(info));
  $('mine-bottom').replaceChildren(...[ratingCard(info, invitation), recordingCard(info), progressCard(info)].filter(Boolean));
  // 核对笔录 at the top once the notes are finalized (mine_notes.js); 旁听
  // never confirm, so their page does not ask.
  if (info.invitee.role !== 'other') notesCard(invitation).then((card) => { if (card) $('mine-top').prepend(card); });
}

async function main() {
  applyI18n();
  const invitation = new URLSearchParams(location.search).get('t');
  if (!invitation) { status('join.noToken'); return; }
  status('join.loading');
  const info = invitationInfo(invitation).catch((e) => e);
  let token;
  try {
    token = await roomToken(invitation);
  } catch (e) {
    console.warn('join: room token refused', e);
    // An appointment that can no longer be held says why; anything else is a bad link.
    status(REFUSALS[e.code] || 'join.bad');
    showMine(await info, invitation);
    return;
  }
  showMine(await info, invitation);
  $('status').textContent = '';
  $('notice').hidden = false;
  // The device test offers 返回接访 back to this very invitation link.
  $('devtest').href = withLang(`devtest.html?back=${encodeURIComponent(location.pathname + location.search)}`);
  $('continue').addEventListener('click', async () => {
    await markNoticeSeen(token);
    // the room's 司法救助 view (room_aid.js) asks with the invitation; this tab only
    try { sessionStorage.setItem('yf-invitation', invitation); } catch { /* private mode */ }
    location.href = withLang(`room.html?token=${encodeURIComponent(token)}`);
  });
  $('decline').addEventListener('click', () => {
    $('notice').hidden = true;
    status('join.declined');
  });
}

main();

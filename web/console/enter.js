// enter.js -- the one button into the hearing room as host: start the
// appointment's hearing when none runs (hearing.run), get a staff room token,
// and open room.html with it. room.html takes its token only as ?token= in its
// URL, so that is how it is passed; the token is never shown on the console.
// The tab is opened inside the click (so no popup blocker stops it) and
// pointed at the room once the token is here; without a tab, this one goes.
import { post, explain } from './api.js';
import { t } from './i18n.js';
import { h } from './dom.js';
import { HOSTS, ROOM_ROLES, APPT_KINDS } from './codes.js';

/** What the button for appointment a does for role: 'enter' (a hearing
 * runs), 'start' (none runs and role may start one), 'restart' (the last one
 * ended), or null (no button: cancelled, or the role may not). */
export function roomAction(a, role) {
  if (a.cancelled || !ROOM_ROLES.includes(role)) return null;
  const h = a.hearing;
  if (h && h.started_at && !h.ended_at) return 'enter';
  if (!HOSTS.includes(role)) return null;
  return h && h.ended_at ? 'restart' : 'start';
}

/** The button's words for action on appointment a. */
export function roomLabel(action, a) {
  if (action === 'enter') return t('room.enter');
  const kind = APPT_KINDS.includes(a.kind) ? a.kind : 'reception';
  const start = t(`room.start.${kind}`);
  return action === 'restart' ? t('room.restart', { start }) : start;
}

/** Opens the room of appointment a (starting its hearing first when
 * action is start/restart). Rejects with the ApiError of a failed call. */
export async function enterRoom(a, action) {
  const win = window.open('', '_blank');
  try {
    if (action === 'start' || action === 'restart') {
      // The server starts the hearing of the appointment's own kind.
      await post(`/appointments/${a.id}/hearings`, {});
    }
    const tok = await post(`/appointments/${a.id}/room-token`, {});
    const url = `/room.html?token=${encodeURIComponent(tok.token)}`;
    if (win) {
      win.opener = null;
      win.location.replace(url);
      return 'tab';
    }
    location.assign(url);
    return 'here';
  } catch (e) {
    if (win) win.close();
    throw e;
  }
}

/** The action cell: the room button, or why there is none. */
export function roomButton(a, ctx, onDone) {
  const action = roomAction(a, ctx.me.role);
  const msg = h('span', { class: 'room-msg', role: 'status' });
  if (!action) {
    const waiting = !a.cancelled && ctx.me.role === 'clerk';
    return h('div', {}, waiting ? h('span', { class: 'muted', text: t('today.waitHost') }) : null);
  }
  const btn = h('button', { type: 'button', class: `btn ${action === 'restart' ? '' : 'primary'}`, text: roomLabel(action, a) });
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    msg.className = 'room-msg muted';
    msg.textContent = t('room.opening');
    try {
      const where = await enterRoom(a, action);
      msg.textContent = where === 'tab' ? t('room.opened') : t('room.noTab');
      if (onDone) onDone();
    } catch (e) {
      msg.className = 'room-msg bad';
      msg.textContent = explain(e).text;
    } finally {
      btn.disabled = false;
    }
  });
  return h('div', { class: 'room-cell' }, btn, msg);
}

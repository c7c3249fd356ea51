// room.js -- the hearing-room page (room.html?token=ROOM_TOKEN): the recording
// notice, the waiting-room screen, the participant grid, the host's waiting
// list (准许进入 / 移出) and per-tile 静音 / 移出, self mute and leave; the
// hearing bar (case number, kind, elapsed time, recording: from the store, in
// the join reply) and, for the host, 结束接访 with a confirmation. The
// token is taken out of the address bar at once (roomToken) and kept in this
// tab's sessionStorage, so a reload rejoins with it while the address bar and
// the history never show it. window.yfRoom is for tests.
import { applyI18n, t, variantKey, withLang } from './i18n.js';
import { noticeSeen, markNoticeSeen } from './notice.js';
import { RoomClient } from './roomclient.js';
import { Grid, roleName, setHearingKind } from './grid.js';
import { when } from './mine.js';
import { NotesPanel } from './room_notes.js';
import { startAid } from './room_aid.js';
import { attachAgenda, roomPart, switchPart, tokenRole } from './room_agenda.js';

const $ = (id) => document.getElementById(id);
const roomEl = $('room');

function screen(name) { roomEl.dataset.screen = name; }
const mediaDown = new Set();   // media connections now disconnected or failed
function status(key, vars) { $('status').textContent = key ? t(key, vars) : ''; }

let client = null;
let roomTok = null;   // for the 司法救助 panel (room_aid.js)
let grid = null;
const pendingStreams = new Map();

function renderWaiting(list) {
  const ul = $('waiting-list');
  ul.replaceChildren();
  $('waiting-empty').hidden = list.length > 0;
  renderAdmitObservers(list);
  renderGallery();
  for (const p of list) {
    const li = document.createElement('li');
    li.dataset.participant = p.id;
    const who = document.createElement('span');
    who.className = 'waiting-who';
    who.textContent = `${p.name} · ${roleName(p.role)}`;
    const admit = document.createElement('button');
    admit.type = 'button';
    admit.className = 'btn primary small admit';
    admit.textContent = t('room.admit');
    admit.addEventListener('click', () => client.admit(p.id));
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'btn small danger remove';
    remove.textContent = t('room.remove');
    remove.addEventListener('click', () => confirmRemove(p.id, p.name));
    li.append(who, admit, remove);
    ul.append(li);
  }
}

/* A public hearing's observers (旁听) wait like petitioners; with many of
 * them the host admits them all at once. */
function renderAdmitObservers(list) {
  const obs = list.filter((p) => p.role === 'observer');
  const b = $('admit-observers');
  b.hidden = obs.length < 2;
  b.textContent = t('room.admitObservers', { n: obs.length });
  b.onclick = async () => {
    const left = await client.admitObservers();
    if (left) status('room.observersFull', { n: left > 0 ? left : obs.length });
  };
}

/* A public hearing's gallery: the host opens it once and observers come in
 * as they arrive, or keeps it closed and admits them. Shown to the host of
 * a public hearing, or of any room where observers are waiting or inside. */
function renderGallery() {
  if (!client || !grid || !grid.isHost) return;
  const h = client.hearing;
  const observers = [...(client.waiting || []), ...(client.participants || [])].some((p) => p.role === 'observer');
  const open = !!client.galleryOpen;
  const box = $('gallery');
  box.hidden = !(open || observers || (h && h.kind === 'public_hearing'));
  box.dataset.open = String(open);
  $('gallery-state').textContent = t(open ? 'room.galleryOpen' : 'room.galleryClosed');
  const b = $('gallery-toggle');
  b.textContent = t(open ? 'room.galleryCloseBtn' : 'room.galleryOpenBtn');
  b.onclick = async () => {
    b.disabled = true;
    const res = await client.setGallery(!open);
    b.disabled = false;
    if (!res) status('room.galleryFailed');
    else if (res.not_admitted) status('room.observersFull', { n: res.not_admitted });
  };
}

/* The host sees observers as a list under the waiting room, not as tiles:
 * they send no picture, and there may be hundreds. */
function renderObservers(list) {
  $('observers').hidden = list.length === 0;
  $('observers-summary').textContent = t('room.observers', { n: list.length });
  const ul = $('observer-list');
  ul.replaceChildren();
  for (const p of list) {
    const li = document.createElement('li');
    li.dataset.participant = p.id;
    const who = document.createElement('span');
    who.className = 'waiting-who';
    who.textContent = p.name;
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'btn small danger remove';
    remove.textContent = t('room.remove');
    remove.addEventListener('click', () => confirmRemove(p.id, p.name));
    li.append(who, remove);
    ul.append(li);
  }
}

function confirmRemove(id, name) {
  if (window.confirm(t('room.removeConfirm', { name }))) client.remove(id);
}

function elapsedText(sec) {
  const h = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60), s = sec % 60;
  const pad = (n) => String(n).padStart(2, '0');
  return h > 0 ? t('room.hm', { h, m: pad(m) }) : t('room.ms', { m, s: pad(s) });
}

/** The hearing bar and the waiting screen's facts, from the store's view. */
function renderHearing() {
  const h = client && client.hearing;
  if (!h) return;
  $('hearing-bar').hidden = false;
  $('hb-case').textContent = h.case_no;
  $('hb-kind').textContent = t(`kind.${h.kind}`);
  setHearingKind(h.kind);
  $('end').textContent = t(variantKey('room.end', h.kind));
  $('end-title').textContent = t(variantKey('room.endTitle', h.kind));
  const sec = client.elapsedSeconds();
  $('hb-elapsed').textContent = sec == null ? t('room.notYet') : t('room.elapsed', { time: elapsedText(sec) });
  $('hb-rec').textContent = t(h.recording ? 'room.recOn' : 'room.recOff');
  $('hb-rec').dataset.on = String(!!h.recording);
  $('waiting-facts').hidden = false;
  $('wf-time').textContent = when(h.appointment_at);
  $('wf-host').textContent = h.host || '—';
  $('wf-case').textContent = h.case_no;
}

function onParticipants(list) {
  if (grid.isHost) renderObservers(list.filter((p) => p.role === 'observer'));
  renderGallery();
  grid.update(grid.isHost ? list.filter((p) => p.role !== 'observer') : list);
  for (const [id, stream] of pendingStreams) if (grid.attach(id, stream)) pendingStreams.delete(id);
  const me = list.find((p) => p.id === grid.selfId);
  if (me) grid.attach(me.id, client.local);
}

function onState({ state, detail }) {
  switch (state) {
    case 'joining': screen('joining'); status('room.connecting'); break;
    case 'waiting': screen('waiting'); status(null); break;
    case 'notStarted': screen('waiting'); status('room.notStarted'); break;
    case 'admitted':
      screen('room');
      status(null);
      grid.selfId = client.self.id;
      grid.isHost = client.self.role === 'prosecutor';
      grid.observer = client.self.role === 'observer';
      $('host-panel').hidden = !grid.isHost;
      $('end').hidden = !grid.isHost;
      onParticipants(client.participants);
      startAid(client, roomTok);
      break;
    case 'reconnecting': screen('reconnecting'); status(detail === 'busy' ? 'room.busy' : 'room.reconnecting'); break;
    case 'left': screen('ended'); status('room.left'); break;
    case 'ended':
      if (detail === 'deliberation_over') break;   /* a 听证员 goes back to the hearing room (room_agenda.js) */
      screen('ended');
      status('room.hearingEnded');
      $('rec-badge').hidden = true;
      $('hearing-bar').hidden = true;
      if ($('end-dialog').open) $('end-dialog').close();
      break;
    case 'removed':
      screen('ended');
      status(/newer connection/.test(detail || '') ? 'room.replaced' : 'room.removed');
      break;
    case 'error': screen('ended');
      status(detail === 'token_expired' ? 'room.expired' : detail === 'forbidden' ? 'room.forbidden' : 'room.badToken');
      break;
    default: break;
  }
}

function setupControls() {
  let mic = false, cam = false;
  $('mic').addEventListener('click', () => {
    mic = !mic;
    $('mic').textContent = t(mic ? 'room.micOn' : 'room.micOff');
    $('mic').classList.toggle('off', mic);
    client.muteSelf('audio', mic);
  });
  $('cam').addEventListener('click', () => {
    cam = !cam;
    $('cam').textContent = t(cam ? 'room.camOn' : 'room.camOff');
    $('cam').classList.toggle('off', cam);
    client.muteSelf('video', cam);
  });
  $('leave').addEventListener('click', () => {
    if (window.confirm(t('room.leaveConfirm'))) client.leave();
  });
  const dialog = $('end-dialog');
  $('end').addEventListener('click', () => {
    $('end-error').hidden = true;
    dialog.showModal();
    $('end-cancel').focus();
  });
  $('end-cancel').addEventListener('click', () => dialog.close());
  $('end-confirm').addEventListener('click', async () => {
    $('end-confirm').disabled = true;
    const refused = await client.endHearing();
    $('end-confirm').disabled = false;
    if (!refused) return;   /* room.ended follows and closes the dialog */
    const kind = client && client.hearing && client.hearing.kind;
    $('end-error').textContent = t(refused.code === 'forbidden' ? variantKey('room.endForbidden', kind) : 'room.endFailed');
    $('end-error').hidden = false;
  });
  // The device test comes back to this page, which rejoins with this tab's token.
  $('waiting-devtest').href = withLang(`devtest.html?back=${encodeURIComponent(withLang('room.html'))}`);
}

async function join(token) {
  let local;
  screen('joining');
  status('room.connecting');
  // 旁听: receive-only; the page never asks for a camera or a microphone.
  const observer = tokenRole(token) === 'observer';
  if (observer) {
    $('mic').hidden = true;
    $('cam').hidden = true;
    $('waiting-self').hidden = true;
    $('observer-note').hidden = false;
    document.body.classList.add('observer');   /* no picture of one's own to show */
  }
  try {
    local = observer ? new MediaStream() : await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true },
      video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } },
    });
  } catch (e) {
    console.warn('room: getUserMedia', e);
    screen('ended');
    status('room.noDevices');
    return;
  }
  $('waiting-self').srcObject = local;
  roomTok = token;
  client = new RoomClient(token, local, { part: roomPart() });
  attachAgenda(client, $('agenda'), status);
  grid = new Grid($('grid'), {
    mute: (id, kind, muted) => client.mute(id, kind, muted),
    remove: (id, name) => confirmRemove(id, name),
  });
  client.on('state', (e) => {
    mediaDown.clear();
    if (e.state !== 'admitted') $('downlink').hidden = true; // a new connection starts afresh
    onState(e);
  });
  // The link can drop while the websocket (TCP) holds on: the media
  // connections go disconnected or failed and the page restarts them. Say
  // so as for a lost websocket, and stop saying it once both are back.
  client.on('pcstate', ({ pc, state }) => {
    if (client.state !== 'admitted') return;
    const was = mediaDown.size;
    if (state === 'disconnected' || state === 'failed') mediaDown.add(pc);
    else if (state === 'connected' || state === 'completed') mediaDown.delete(pc);
    else return;
    if (!was && mediaDown.size) status('room.reconnecting');
    else if (was && !mediaDown.size) status(null);
  });
  client.on('participants', (list) => { if (client.state === 'admitted') onParticipants(list); });
  client.on('waiting', renderWaiting);
  client.on('track', ({ participant, stream }) => {
    if (!grid.attach(participant, stream)) pendingStreams.set(participant, stream);
  });
  client.on('speaker', (id) => grid.setSpeaker(id));
  client.on('hearing', () => { renderHearing(); renderGallery(); });
  client.on('gallery', renderGallery);
  new NotesPanel($('notes'), client);   // the clerk's notes (the host reads them)
  setInterval(renderHearing, 1000);
  // Its own line, not the shared status: it stays while the video is
  // paused, whatever else the status says meanwhile.
  client.on('downlink', (paused) => {
    $('downlink').textContent = paused ? t('room.downlinkPaused') : '';
    $('downlink').hidden = !paused;
  });
  client.on('muted', (d) => {
    if (d.muted === false) status('room.hostUnmuted');
    else status(d.kind === 'video' ? 'room.hostMutedVideo' : 'room.hostMuted');
  });
  setupControls();
  window.yfRoom = {
    get state() { return client.state; },
    get self() { return client.self; },
    get participants() { return client.participants; },
    get waiting() { return client.waiting; },
    get hearing() { return client.hearing; },
    endHearing: () => client.endHearing(),
    get agenda() { return client.agenda; },
    get part() { return client.part; },
    get connects() { return client.connects; },
    get activeSpeaker() { return client.activeSpeaker; },
    get speaking() { return client.speaking; },
    get downlinkPaused() { return !!client.downlinkPaused; },
    stats: () => client.stats(),
    restartIce: (kind) => client.restartIce(kind),
    ice: (kind) => client.iceInfo(kind),
    pc: (kind) => (kind === 'subscribe' ? client.sub : client.pub),
  };
  try {
    await client.start();
  } catch (e) {
    console.warn('room: join failed', e);
    if (e && e.code === 'hearing_ended') {
      client.ended();
      client.sig?.close();
      return;
    }
    if (e && e.code === 'forbidden' && client.part) {   /* the deliberation is over: back to the hearing room */
      client.stopped = true;
      client.sig?.close();
      switchPart(null);
      return;
    }
    if (e && (e.code === 'bad_token' || e.code === 'token_expired' || e.code === 'forbidden')) {
      client.stopped = true;
      client.sig?.close();
      onState({ state: 'error', detail: e.code });
    }
  }
}

const TOKEN_KEY = 'yf-room-token';

/** The room token: from ?token= (which is then removed from the address bar
 * and this history entry, keeping any other parameter such as lang), else
 * the one this tab was given before. */
function roomToken() {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    try { sessionStorage.setItem(TOKEN_KEY, fromUrl); } catch { /* private mode: a reload asks for the link again */ }
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}`);
    return fromUrl;
  }
  try { return sessionStorage.getItem(TOKEN_KEY); } catch { return null; }
}

async function main() {
  applyI18n();
  const token = roomToken();
  if (!token) { screen('ended'); status('room.noToken'); return; }
  if (await noticeSeen(token)) { join(token); return; }
  screen('notice');
  $('notice-continue').addEventListener('click', async () => {
    await markNoticeSeen(token);
    join(token);
  }, { once: true });
}

main();

// grid.js -- the participant grid of the room page: one tile per admitted
// participant (video, name, role, mute and reconnecting badges, the active
// speaker highlighted) and, for the host, per-tile 静音 / 移出 buttons; for
// everyone else the host's tile leads (large on a phone, oneself small).
// Tiles are updated in place so playing videos are never recreated.
// Where the browser refuses to start a video with sound by itself (WeChat's
// built-in browser, iOS Safari, Chromium without a gesture on the page), a
// large 点击开始播放 button covers the grid; one tap plays every tile.
import { t, variantKey } from './i18n.js';

let hearingKind = null;
/** The kind of hearing names its host: 承办检察官 at a reception, 主持检察官
 * at a public hearing, 司法救助承办人 at an aid disbursement. */
export function setHearingKind(kind) { hearingKind = kind; }
export function roleName(role) { return t(variantKey(`role.${role}`, hearingKind)); }

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}

export class Grid {
  /** root: the grid element; actions: {mute(id, kind, muted), remove(id, name)}. */
  constructor(root, actions) {
    this.root = root;
    this.actions = actions;
    this.tiles = new Map();   // id -> {tile, video, name, badges, buttons}
    this.selfId = null;
    this.isHost = false;
    this.observer = false;
  }

  #tile(p) {
    let x = this.tiles.get(p.id);
    if (x) return x;
    const tile = el('figure', 'tile');
    tile.dataset.participant = p.id;
    const video = el('video');
    video.autoplay = true;
    video.playsInline = true;
    if (p.id === this.selfId) video.muted = true;
    const cap = el('figcaption', 'tile-cap');
    const name = el('span', 'tile-name');
    const role = el('span', 'tile-role');
    const badges = el('span', 'tile-badges');
    cap.append(name, role, badges);
    const buttons = el('div', 'tile-actions');
    const mute = el('button', 'btn small tile-mute');
    mute.type = 'button';
    mute.addEventListener('click', () => this.actions.mute(p.id, 'audio', !x.hostMuted));
    const remove = el('button', 'btn small danger tile-remove', t('room.remove'));
    remove.type = 'button';
    remove.addEventListener('click', () => this.actions.remove(p.id, x.p.name));
    buttons.append(mute, remove);
    tile.append(video, cap, buttons);
    this.root.append(tile);
    x = { tile, video, name, role, badges, buttons, mute, p, hostMuted: false };
    this.tiles.set(p.id, x);
    return x;
  }

  /** Shows exactly these participants (admitted ones), in this order. */
  update(participants) {
    const keep = new Set(participants.map((p) => p.id));
    for (const [id, x] of this.tiles) {
      if (!keep.has(id)) { x.video.srcObject = null; x.tile.remove(); this.tiles.delete(id); }
    }
    for (const p of participants) {
      const x = this.#tile(p);
      x.p = p;
      x.hostMuted = p.host_muted_audio;
      x.name.textContent = p.name + (p.id === this.selfId ? t('room.me') : '');
      x.role.textContent = roleName(p.role);
      const audioMuted = p.audio_muted || p.host_muted_audio;
      const videoMuted = p.video_muted || p.host_muted_video;
      x.tile.dataset.audioMuted = String(audioMuted);
      x.tile.dataset.videoMuted = String(videoMuted);
      x.tile.dataset.state = p.state;
      x.badges.replaceChildren();
      if (audioMuted) x.badges.append(el('span', 'badge badge-muted', t('room.muted')));
      if (videoMuted) x.badges.append(el('span', 'badge', t('room.videoOff')));
      if (p.state === 'reconnecting') x.badges.append(el('span', 'badge badge-warn', t('room.participantReconnecting')));
      x.buttons.hidden = !this.isHost || p.id === this.selfId;
      x.mute.textContent = t(p.host_muted_audio ? 'room.unmute' : 'room.mute');
      x.mute.hidden = p.role === 'observer';   /* 旁听: nothing to mute or unmute */
      this.root.append(x.tile);   // keeps the order of the list
    }
    this.#layout(participants);
    this.root.dataset.count = String(participants.length);
  }

  /** Someone other than the host sees the host large and themselves small
   * (room.css applies it on phones): data-layout="focus", the host's tile
   * first as .tile-main, one's own as .tile-self. */
  #layout(participants) {
    const host = participants.find((p) => p.role === 'prosecutor' && p.id !== this.selfId);
    /* An observer is not in the list others get (docs/protocol.md): no tile of their own. */
    const focus = !this.isHost && host && (this.observer || participants.some((p) => p.id === this.selfId));
    this.root.dataset.layout = focus ? 'focus' : 'grid';
    for (const [id, x] of this.tiles) {
      x.tile.classList.toggle('tile-main', !!focus && id === host.id);
      x.tile.classList.toggle('tile-self', !!focus && id === this.selfId);
    }
    if (focus) this.root.prepend(this.tiles.get(host.id).tile);
  }

  attach(id, stream) {
    const x = this.tiles.get(id);
    if (!x) return false;
    if (x.video.srcObject !== stream) x.video.srcObject = stream;
    x.video.play().catch((e) => { if (e && e.name === 'NotAllowedError') this.#askTap(); });
    return true;
  }

  /** One button over the grid; a tap is the gesture the browser asks for. */
  #askTap() {
    if (this.tapBtn) return;
    const b = el('button', 'btn primary tap-play', t('room.tapToPlay'));
    b.type = 'button';
    b.addEventListener('click', () => {
      for (const [, x] of this.tiles) x.video.play().catch(() => {});
      b.remove();
      this.tapBtn = null;
    });
    this.tapBtn = b;
    this.root.append(b);
  }

  setSpeaker(id) {
    for (const [pid, x] of this.tiles) x.tile.classList.toggle('speaking', pid === id);
  }
}

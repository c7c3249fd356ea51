// roomclient.js -- the hearing-room protocol of docs/protocol.md ("Hearing
// rooms") for one participant: join with a room token, the publish connection
// (we offer camera and microphone), the subscribe connection (the server
// offers everyone else's tracks), trickle ICE on both with `pc`, ICE restarts,
// and rejoining after the websocket drops. No DOM here: the page listens to
// emit()ted events ('state', 'participants', 'waiting', 'track', 'notice', ...).
import { Signaling, probeWebsocket } from './signaling.js';

const REJOIN_DELAY_MS = 1500;
const REJOIN_MAX_MS = 10000;

/** How often a page whose hearing has not started asks again (protocol.md, not_started). */
const NOT_STARTED_RETRY_MS = 5000;

/** The least time between two ICE restarts of one connection that the
 *  server's `ice failed` asks for (#serverLost). */
const SERVER_RESTART_GAP_MS = 10000;

/** The server silent this long after a request when a connection's ICE comes back
 *  means the websocket is stuck behind its TCP retransmission backoff
 *  (#signalingStuck). */
const SIGNALING_STUCK_MS = 1500;
/** Roles whose camera goes out as simulcast (docs/protocol.md, "Simulcast
 *  on the publish connection"): the staff, whom everyone must see, also on
 *  a petitioner's weak link. The server forwards each subscriber the layer
 *  its downlink carries. Everyone else sends one stream. */
const SIMULCAST_ROLES = new Set(['prosecutor', 'clerk', 'hearing_officer']);
/** The layers, lowest first (the order the server takes them in): a
 *  quarter-size picture of about 150 kbit/s, and the full one. Chromium
 *  sends only as many layers as the camera's size allows (two from 640x360,
 *  one under 480x270) and keeps the first: a smaller camera would send only
 *  the quarter-size layer, so it sends one stream instead
 *  (SIMULCAST_MIN_SIDE). What it really sends shows in getStats. */
const SIMULCAST_MIN_SIDE = 360;
const SIMULCAST_LAYERS = [
  { rid: 'q', scaleResolutionDownBy: 2, maxBitrate: 150000 },
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1200000 },
];

export class RoomClient {
  /** opts.part: 'deliberation' joins the hearing's deliberation room (a
   *  听证员 during 休会评议); absent: the hearing room. */
  constructor(token, localStream, opts = {}) {
    this.token = token;
    this.part = opts.part || null;
    this.agenda = null;          // the last `agenda` event (public hearings), with receivedAt
    this.local = localStream;
    this.sig = null;
    this.state = 'idle';       // idle, joining, waiting, admitted, reconnecting, left, removed, ended, error
    this.self = null;
    this.participants = [];
    this.waiting = [];
    this.iceServers = [];
    this.pub = null;
    this.sub = null;
    this.subTracks = new Map();  // mid -> {participant, kind, active}
    this.streams = new Map();    // participant id -> MediaStream
    this.pending = { publish: [], subscribe: [] };  // remote candidates before the description
    this.listeners = new Map();
    this.activeSpeaker = null;
    this.speaking = {};          // participant id -> {count, level, min} of room.speaking events
    this.downlinkPaused = false; // media.downlink: the server sends us sound only
    this.connects = 0;           // websockets opened (a rejoin opens another)
    this.stopped = false;
  }

  on(name, fn) {
    if (!this.listeners.has(name)) this.listeners.set(name, []);
    this.listeners.get(name).push(fn);
  }

  emit(name, data) {
    for (const fn of this.listeners.get(name) || []) fn(data);
  }

  setState(s, detail) {
    this.state = s;
    this.emit('state', { state: s, detail });
  }

  /** Connects, says hello and joins; resolves when joined (waiting or admitted). */
  async start() {
    this.setState('joining');
    const sig = new Signaling();
    this.sig = sig;
    sig.on('room.participants', (d) => { this.participants = d.participants || []; this.emit('participants', this.participants); });
    sig.on('room.waiting', (d) => { this.waiting = d.waiting || []; this.emit('waiting', this.waiting); });
    sig.on('room.admitted', () => this.#admitted());
    sig.on('room.gallery', (d) => { this.galleryOpen = !!d.open; this.emit('gallery', this.galleryOpen); });
    sig.on('room.removed', (d) => this.#removed(d.reason || ''));
    sig.on('room.ended', (d) => this.ended(d && d.reason));
    sig.on('agenda', (d) => { this.agenda = { ...d, receivedAt: performance.now() }; this.emit('agenda', this.agenda); });
    sig.on('room.muted', (d) => this.emit('muted', d));
    // The server's estimate of this page's downlink cannot carry its video
    // (video_paused: true: sound only) or can again (false).
    sig.on('media.downlink', (d) => { this.downlinkPaused = !!d.video_paused; this.emit('downlink', this.downlinkPaused); });
    sig.on('room.active_speaker', (d) => { this.activeSpeaker = d.participant; this.emit('speaker', d.participant); });
    sig.on('room.speaking', (d) => {
      const e = (this.speaking[d.participant] ||= { count: 0, level: 127, min: 127 });
      e.count++;
      e.level = d.level;
      e.min = Math.min(e.min, d.level);
      this.emit('speaking', d);
    });
    // One offer at a time: a second one arriving while the first is being
    // answered (people joining together) would otherwise interleave the two.
    sig.on('subscribe.offer', (d) => {
      this.subChain = (this.subChain || Promise.resolve())
        .then(() => this.#onSubscribeOffer(d)).catch((e) => console.warn('room: subscribe offer', e));
    });
    sig.on('ice.candidate', (d) => this.#onRemoteCandidate(d));
    sig.on('media.state', (d) => {
      this.emit('media', d);
      if (d.state === 'failed' && d.reason === 'ice failed') this.#serverLost(d.pc);
    });
    sig.on('server.shutdown', () => this.emit('shutdown', {}));
    sig.onclose = (e) => this.#onClose(sig, e);
    await sig.connect();
    this.connects++;
    this.galleryOpen = false;   // a host is told (room.gallery) after joining if it is open
    this.emit('gallery', false);
    const hello = await sig.request('hello', { client: 'room/0.1' });
    this.iceServers = hello.ice_servers || [];
    let res;
    for (;;) {
      try {
        res = await sig.request('room.join', { token: this.token, part: this.part || undefined });
        break;
      } catch (e) {
        // The hearing has not started: wait on this page and ask again.
        if (!e || e.code !== 'not_started' || this.stopped) throw e;
        this.#setHearing(e.hearing);
        this.setState('notStarted');
        await new Promise((r) => setTimeout(r, NOT_STARTED_RETRY_MS));
        if (this.stopped || this.sig !== sig) throw e;
      }
    }
    this.iceServers = res.ice_servers || this.iceServers;
    this.self = res.self;
    this.room = res.room;
    this.#setHearing(res.hearing);
    this.participants = res.participants || [];
    this.emit('participants', this.participants);
    if (res.state === 'admitted') await this.#admitted();
    else this.setState('waiting');
  }

  async #admitted() {
    if (this.state === 'admitted') return;
    this.setState('admitted');
    await this.#publish();
  }

  #newPc(kind) {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, bundlePolicy: 'max-bundle' });
    pc.onicecandidate = (e) => {
      const c = e.candidate;
      this.#request('ice.candidate', {
        pc: kind,
        candidate: c ? c.candidate : '',
        sdpMid: c ? c.sdpMid : undefined,
        sdpMLineIndex: c ? c.sdpMLineIndex : undefined,
      });
    };
    pc.oniceconnectionstatechange = () => {
      const s = pc.iceConnectionState;
      this.emit('pcstate', { pc: kind, state: s });
      if (s === 'disconnected' || s === 'failed') {
        pc.wasDown = true;
        this.#restartLater(kind, pc);
      } else if ((s === 'connected' || s === 'completed') && pc.wasDown) {
        pc.wasDown = false;
        this.#signalingStuck(kind, pc);
      }
    };
    return pc;
  }

  /** Resolves; a failed request is logged, not thrown (the page keeps going). */
  #request(type, params) {
    if (!this.sig) return Promise.resolve(null);
    return this.sig.request(type, params).catch((e) => { console.warn(`room: ${type}`, e); return null; });
  }

  async #publish() {
    if (!this.local.getTracks().length) return;   // an observer: receive-only, nothing to offer
    if (this.pub) this.pub.close();
    const pc = this.#newPc('publish');
    this.pub = pc;
    this.pending.publish = [];
    const simulcast = !!this.self && SIMULCAST_ROLES.has(this.self.role);
    for (const track of this.local.getTracks()) {
      const init = { direction: 'sendonly', streams: [this.local] };
      const size = track.kind === 'video' && track.getSettings ? track.getSettings() : {};
      if (simulcast && track.kind === 'video' && Math.min(size.width || 0, size.height || 0) >= SIMULCAST_MIN_SIDE)
        init.sendEncodings = SIMULCAST_LAYERS.map((e) => ({ ...e }));
      pc.addTransceiver(track, init);
    }
    await this.#offerPublish(false);
  }

  async #offerPublish(iceRestart) {
    const pc = this.pub;
    const offer = await pc.createOffer({ iceRestart });
    await pc.setLocalDescription(offer);
    const res = await this.sig.request('publish.offer', { sdp: pc.localDescription.sdp });
    if (pc !== this.pub) return;
    await pc.setRemoteDescription({ type: 'answer', sdp: res.sdp });
    for (const c of this.pending.publish.splice(0)) await pc.addIceCandidate(c).catch(() => {});
  }

  // ICE restart when the network changes: a new publish offer with new
  // credentials; the server makes a new subscribe offer on subscribe.restart.
  #restartLater(kind, pc) {
    if (pc.restartTimer) return;
    pc.restartTimer = setTimeout(async () => {
      pc.restartTimer = null;
      const s = pc.iceConnectionState;
      if (s !== 'disconnected' && s !== 'failed') return;
      if ((kind === 'publish' && pc === this.pub) || (kind === 'subscribe' && pc === this.sub)) await this.restartIce(kind);
    }, pc.iceConnectionState === 'failed' ? 0 : 2000);
  }

  // The server's ICE gave up on a connection (its checks went unanswered for
  // some seconds) while this browser may still call it connected: on a lossy
  // link the server can fail a pair and find it again with no media reaching
  // the page, and a browser whose own checks pass never restarts. So, as
  // protocol.md asks after media.state failed, restart it: only when this
  // browser calls it up (otherwise its own restart, #restartLater, is due),
  // not while a restart of it is on its way (that failure came before it),
  // and at most once in SERVER_RESTART_GAP_MS, so that a server failing a
  // connection still being made cannot keep restarting it.
  #serverLost(kind) {
    const pc = kind === 'publish' ? this.pub : kind === 'subscribe' ? this.sub : null;
    if (!pc || pc.restartTimer || pc.restarting) return;
    if (pc.iceConnectionState !== 'connected' && pc.iceConnectionState !== 'completed') return;
    const now = Date.now();
    if (pc.serverRestartAt && now - pc.serverRestartAt < SERVER_RESTART_GAP_MS) return;
    pc.serverRestartAt = now;
    console.info(`room: the server lost the ${kind} connection; restarting ICE`);
    this.restartIce(kind);
  }

  // This connection's ICE is up again after an outage, but the server has
  // said nothing since a request sent during it (an ICE restart, typically):
  // the websocket's TCP connection is waiting out its retransmission
  // backoff, which after a cut of ten seconds lasts seconds more, and the
  // restart with it; and the server may already have stopped sending on the
  // connection (its consent to send lapsed), so the media stays away until
  // then. A new websocket gets through at once: join again on it now (same
  // seat, fresh connections), as after a drop; the server replaces the
  // stuck session.
  #signalingStuck(kind, pc) {
    const sig = this.sig;
    if (!this.#mayReconnect(sig)) return;
    if (pc !== (kind === 'publish' ? this.pub : this.sub)) return;
    const waited = sig.silentMs();
    if (waited === null || waited < SIGNALING_STUCK_MS) return;
    this.#reconnectStuck(sig, `the ${kind} connection is back but the server has not answered for ${Math.round(waited / 100) / 10} s`);
  }

  /** Whether sig is the live session of an admitted page with no rejoin under way. */
  #mayReconnect(sig) {
    return !!sig && sig === this.sig && !this.stopped && !this.rejoining && !this.rejoinTimer && this.state === 'admitted';
  }

  /** Leaves a stuck websocket for a new one at once (same seat, fresh connections). */
  #reconnectStuck(sig, why) {
    console.info(`room: ${why}; reconnecting`);
    sig.close();
    this.#onClose(sig, null, 0);
  }

  // A restart whose reply does not come. After a cut the websocket's TCP
  // connection may wait out seconds of retransmission backoff before it
  // delivers anything (the reply included), while ICE cannot come back
  // without that reply, so #signalingStuck never runs. While the server stays
  // silent past SIGNALING_STUCK_MS, try a new websocket every
  // SIGNALING_STUCK_MS (a new connection's first packet goes out at once,
  // where the old one waits out its backoff): once one opens, the network is
  // back and the old connection stuck, so join again on a fresh one (same
  // seat, fresh connections). While the network is still down, the probes
  // fail and nothing else changes.
  #watchReply(sig) {
    if (!sig || this.replyWatch) return;
    const tick = async () => {
      this.replyWatch = null;
      if (!this.#mayReconnect(sig)) return;
      const waited = sig.silentMs();
      if (waited === null) return;   // the server has spoken since: not stuck
      if (waited >= SIGNALING_STUCK_MS && await probeWebsocket(sig.url, SIGNALING_STUCK_MS)) {
        if (!this.#mayReconnect(sig) || sig.silentMs() === null) return;
        this.#reconnectStuck(sig, `no reply for ${Math.round(sig.silentMs() / 100) / 10} s, but a new connection gets through`);
        return;
      }
      this.replyWatch = setTimeout(tick, SIGNALING_STUCK_MS);
    };
    this.replyWatch = setTimeout(tick, SIGNALING_STUCK_MS);
  }

  /** Restarts ICE on one connection over the same websocket: for 'publish' a
   *  new offer with new credentials (same DTLS session), for 'subscribe' a
   *  subscribe.restart (the server's new offer follows). Resolves when sent. */
  async restartIce(kind) {
    if (this.state !== 'admitted') return false;
    this.#watchReply(this.sig);
    // `restarting` until the server's reply: the websocket keeps order, so a
    // media.state failed that arrives before it predates this restart.
    if (kind === 'publish' && this.pub) {
      const pc = this.pub;
      pc.restarting = true;
      pc.restartIce();
      try { await this.#offerPublish(true); } catch (e) { console.warn('room: ICE restart', e); return false; }
      finally { pc.restarting = false; }
      return true;
    }
    if (kind === 'subscribe' && this.sub) {
      const pc = this.sub;
      pc.restarting = true;
      try { return (await this.#request('subscribe.restart', {})) !== null; } finally { pc.restarting = false; }
    }
    return false;
  }

  async #onSubscribeOffer(d) {
    for (const tr of d.tracks || []) this.subTracks.set(tr.mid, tr);
    if (!this.sub) {
      this.sub = this.#newPc('subscribe');
      this.sub.ontrack = () => this.#attachTracks();
      this.pending.subscribe = [];
    }
    const pc = this.sub;
    await pc.setRemoteDescription({ type: 'offer', sdp: d.sdp });
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    for (const c of this.pending.subscribe.splice(0)) await pc.addIceCandidate(c).catch(() => {});
    this.#attachTracks();
    await this.sig.request('subscribe.answer', { sdp: pc.localDescription.sdp, revision: d.revision })
      .catch((e) => { if (e.code !== 'stale') console.warn('room: subscribe.answer', e); });
  }

  /** One MediaStream per remote participant (for lip sync), from the mids. */
  #attachTracks() {
    if (!this.sub) return;
    const changed = new Set();
    for (const tr of this.sub.getTransceivers()) {
      const info = tr.mid != null ? this.subTracks.get(tr.mid) : null;
      if (!info) continue;
      const track = tr.receiver.track;
      for (const [pid, stream] of this.streams) {
        if (stream.getTracks().includes(track) && (pid !== info.participant || !info.active)) {
          stream.removeTrack(track);
          changed.add(pid);
        }
      }
      if (!info.active) continue;
      let stream = this.streams.get(info.participant);
      if (!stream) { stream = new MediaStream(); this.streams.set(info.participant, stream); }
      if (!stream.getTracks().includes(track)) {
        for (const old of stream.getTracks()) if (old.kind === track.kind) stream.removeTrack(old);
        stream.addTrack(track);
        changed.add(info.participant);
      }
    }
    for (const pid of changed) this.emit('track', { participant: pid, stream: this.streams.get(pid) });
  }

  #onRemoteCandidate(d) {
    const pc = d.pc === 'subscribe' ? this.sub : this.pub;
    const init = d.candidate ? { candidate: d.candidate, sdpMid: d.sdpMid, sdpMLineIndex: d.sdpMLineIndex } : null;
    if (!init) return;   // end of candidates: nothing to do in the browser
    if (!pc || !pc.remoteDescription) {
      this.pending[d.pc === 'subscribe' ? 'subscribe' : 'publish'].push(init);
      return;
    }
    pc.addIceCandidate(init).catch((e) => console.warn('room: candidate', e));
  }

  #removed(reason) {
    this.stopped = true;
    this.#closePcs();
    this.setState('removed', reason);
  }

  /** The case store's view of the hearing (protocol.md HEARING), with the
   * moment it arrived so the elapsed time needs no trust in this clock. */
  #setHearing(h) {
    if (!h) return;
    this.hearing = { ...h, receivedAt: performance.now() };
    this.emit('hearing', this.hearing);
  }

  /** Seconds since the hearing started, or null before it starts. */
  elapsedSeconds() {
    const h = this.hearing;
    if (!h || !h.started_at) return null;
    return h.elapsed_s + Math.floor((performance.now() - h.receivedAt) / 1000);
  }

  /** The host ends the hearing for everyone (room.end); resolves to null or
   * the refusal ({code, message}). room.ended follows for this page too. */
  async endHearing() {
    try {
      await this.sig.request('room.end', {});
      return null;
    } catch (e) {
      console.warn('room: room.end', e);
      return e || { code: 'internal' };
    }
  }

  /** The hearing is over for everyone (room.ended, or a join refused with
   * hearing_ended): media stops, the camera and microphone are released,
   * and nothing reconnects. */
  ended(reason) {
    this.stopped = true;
    this.#closePcs();
    for (const track of this.local.getTracks()) track.stop();
    this.setState('ended', reason);
  }

  #closePcs() {
    if (this.pub) this.pub.close();
    if (this.sub) this.sub.close();
    this.pub = this.sub = null;
    this.subTracks.clear();
    this.streams.clear();
  }

  // The websocket dropped: join again with the same token (same id, no
  // waiting room), with fresh media connections. One rejoin is pending or
  // running at a time, whatever reports the failure (the socket's close or
  // start()'s rejection), and the wait doubles up to REJOIN_MAX_MS while the
  // server stays away, so a restarting server is not stormed.
  // A close with 1013 is the server's "try again later" (too many
  // connections from this address): the same rejoin, said as such.
  #onClose(sig, e, delay) {
    if (this.stopped || sig !== this.sig) return;
    this.#closePcs();
    this.setState('reconnecting', e && e.code === 1013 ? 'busy' : undefined);
    this.#scheduleRejoin(delay);
  }

  #scheduleRejoin(delay = Math.min(REJOIN_DELAY_MS * 2 ** (this.rejoinFailures || 0), REJOIN_MAX_MS)) {
    if (this.stopped || this.rejoinTimer || this.rejoining) return;
    this.rejoinTimer = setTimeout(() => { this.rejoinTimer = null; this.#rejoin(); }, delay);
  }

  async #rejoin() {
    if (this.stopped || this.rejoining) return;
    this.rejoining = true;
    try {
      await this.start();
      this.rejoinFailures = 0;
    } catch (e) {
      console.warn('room: rejoin failed', e);
      if (this.sig) this.sig.close();   /* half-open attempts do not linger */
      this.rejoinFailures = (this.rejoinFailures || 0) + 1;
      if (e && e.code === 'hearing_ended') { this.ended(); return; }
      if (e && (e.code === 'bad_token' || e.code === 'token_expired' || e.code === 'forbidden')) {
        this.stopped = true;
        this.setState('error', e.code);
        return;
      }
    } finally {
      this.rejoining = false;
    }
    if (this.state === 'reconnecting' || this.state === 'joining') this.#scheduleRejoin();
  }

  muteSelf(kind, muted) {
    for (const tr of this.local.getTracks()) if (tr.kind === kind) tr.enabled = !muted;
    return this.#request('room.mute_self', { kind, muted });
  }

  /** The host moves a public hearing's agenda (agenda.step) or starts and
   *  stops the speaking timer (agenda.timer); resolves to null or the
   *  refusal ({code, message}). */
  async agendaStep(step) {
    try { await this.sig.request('agenda.step', { step }); return null; } catch (e) { return e || { code: 'internal' }; }
  }

  async agendaTimer(running, limitS) {
    const params = running ? { running, limit_s: limitS } : { running };
    try { await this.sig.request('agenda.timer', params); return null; } catch (e) { return e || { code: 'internal' }; }
  }

  admit(id) { return this.#request('room.admit', { participant: id }); }

  /** Lets every waiting observer in with one message; resolves to the
   *  number still waiting because the room is full (0 when all came in). */
  async admitObservers() {
    try {
      const res = await this.sig.request('room.admit', { observers: true });
      return res.not_admitted || 0;
    } catch (e) {
      if (e && e.code === 'busy') return -1;
      console.warn('room: room.admit observers', e);
      return 0;
    }
  }
  /** The host opens or closes a public hearing's gallery (room.gallery);
   *  resolves to {open, admitted, not_admitted} or null when refused. */
  async setGallery(open) {
    try {
      const res = await this.sig.request('room.gallery', { open });
      this.galleryOpen = !!res.open;
      this.emit('gallery', this.galleryOpen);
      return res;
    } catch (e) {
      console.warn('room: room.gallery', e);
      return null;
    }
  }
  mute(id, kind, muted = true) { return this.#request('room.mute', { participant: id, kind, muted }); }
  remove(id) { return this.#request('room.remove', { participant: id }); }

  async leave() {
    this.stopped = true;
    await this.#request('room.leave', {});
    this.#closePcs();
    if (this.sig) this.sig.close();
    this.setState('left');
  }

  /** One connection's ICE credentials (local and remote ice-ufrag), its ICE
   *  state and its transport's selected pair (for tests and diagnostics). */
  async iceInfo(kind) {
    const pc = kind === 'subscribe' ? this.sub : this.pub;
    if (!pc) return null;
    const ufrag = (d) => (d && (/^a=ice-ufrag:(\S+)/m.exec(d.sdp) || [])[1]) || null;
    const out = { local: ufrag(pc.localDescription), remote: ufrag(pc.remoteDescription),
      iceConnectionState: pc.iceConnectionState, transport: null };
    for (const s of (await pc.getStats()).values()) {
      if (s.type !== 'transport') continue;
      out.transport = { iceState: s.iceState, iceLocalUsernameFragment: s.iceLocalUsernameFragment,
        dtlsState: s.dtlsState, selectedCandidatePairChanges: s.selectedCandidatePairChanges,
        bytesSent: s.bytesSent, bytesReceived: s.bytesReceived };
    }
    return out;
  }

  /** Per remote participant: framesDecoded and audio packetsReceived; and the
   *  publish connection's availableOutgoingBitrate (for tests and diagnostics). */
  async stats() {
    // sending: the camera's encodings (one, or the simulcast layers by rid)
    const out = { participants: {}, availableOutgoingBitrate: 0, sending: [] };
    if (this.sub) {
      const report = await this.sub.getStats();
      for (const s of report.values()) {
        if (s.type !== 'inbound-rtp') continue;
        const info = this.subTracks.get(s.mid);
        if (!info) continue;
        const p = (out.participants[info.participant] ||= { framesDecoded: 0, audioPacketsReceived: 0 });
        if (s.kind === 'video') {
          p.framesDecoded += s.framesDecoded || 0;
          p.frameWidth = s.frameWidth || 0;
          p.frameHeight = s.frameHeight || 0;
        }
        else p.audioPacketsReceived += s.packetsReceived || 0;
      }
    }
    if (this.pub) {
      const report = await this.pub.getStats();
      for (const s of report.values()) {
        if (s.type === 'outbound-rtp' && s.kind === 'video')
          out.sending.push({ rid: s.rid || '', frameWidth: s.frameWidth || 0, frameHeight: s.frameHeight || 0,
            framesEncoded: s.framesEncoded || 0 });
        if (s.type === 'transport' && s.selectedCandidatePairId) {
          const pair = report.get(s.selectedCandidatePairId);
          if (pair && pair.availableOutgoingBitrate) out.availableOutgoingBitrate = pair.availableOutgoingBitrate;
        }
      }
      if (!out.availableOutgoingBitrate) {
        for (const s of report.values())
          if (s.type === 'candidate-pair' && s.nominated && s.availableOutgoingBitrate) out.availableOutgoingBitrate = s.availableOutgoingBitrate;
      }
    }
    return out;
  }
}

// devtest.js -- the device-test screen: opens camera and microphone, sends them to
// the server's echo (echo.offer, docs/protocol.md), shows the local preview small
// and the video as the server returns it big, a microphone meter, the connection
// state, and a plain-language verdict per camera / microphone / network.
// window.yfDevtest exposes {pc, state, verdict, stats()} for tests; it changes nothing.

import { t, applyI18n, withLang } from './i18n.js';
import { Signaling } from './signaling.js';
import { startMeter } from './meter.js';
import { collectStats, lossBetween } from './stats.js';
import { judge } from './verdict.js';

const VIDEO = { width: 640, height: 480 };
const MEDIA_TIMEOUT_MS = 10000; // no media back this long after the answer: the network is blocked
const MEASURE_MS = 3000;        // measure round trip and loss this long before judging
const POLL_MS = 1000;
const LOSS_WINDOW = 6;          // samples (seconds) over which loss is computed

const $ = (id) => document.getElementById(id);
let run = null;          // the current test run (see newRun)
let screenState = 'idle'; // idle | devices | connecting | measuring | done | failed | left

window.yfDevtest = {
  get pc() { return run ? run.pc : null; },
  get state() { return screenState; },
  get verdict() { return run ? run.verdict : null; },
  stats: () => collectStats(run && run.pc),
};

function newRun() {
  return {
    sig: null, pc: null, stream: null, meter: null,
    remoteStream: new MediaStream(),
    offerSent: false, localQueue: [], remoteQueue: [],
    serverState: null, srtpProfile: null,
    samples: [], last: null, flowingAt: 0, closing: false,
    mediaTimer: 0, pollTimer: 0,
    facts: { camera: null, microphone: null, micPeak: 0, network: null, measured: false, rtt: null, loss: null, path: null },
    verdict: null,
  };
}

// ---- devices ---------------------------------------------------------------

function classify(err) {
  switch (err && err.name) {
    case 'NotAllowedError': case 'SecurityError': case 'PermissionDeniedError': return 'denied';
    case 'NotFoundError': case 'DevicesNotFoundError': case 'OverconstrainedError': return 'missing';
    case 'NotReadableError': case 'TrackStartError': case 'AbortError': return 'busy';
    default: return 'error';
  }
}

async function openDevices(r) {
  const md = navigator.mediaDevices;
  if (!md || !md.getUserMedia) {
    r.facts.camera = r.facts.microphone = window.isSecureContext ? 'error' : 'insecure';
    return;
  }
  try {
    r.stream = await md.getUserMedia({ audio: true, video: VIDEO });
  } catch (err) {
    console.warn('devtest: getUserMedia', err.name, err.message);
    if (classify(err) === 'denied') {
      r.facts.camera = r.facts.microphone = 'denied';
      return;
    }
    await openEachDevice(r, md); // find out which of the two is at fault
  }
  if (r.stream) {
    r.facts.camera = r.facts.camera || (r.stream.getVideoTracks().length ? 'ok' : 'missing');
    r.facts.microphone = r.facts.microphone || (r.stream.getAudioTracks().length ? 'ok' : 'missing');
  }
}

async function openEachDevice(r, md) {
  const [a, v] = await Promise.allSettled([md.getUserMedia({ audio: true }), md.getUserMedia({ video: VIDEO })]);
  const stream = new MediaStream();
  for (const res of [a, v]) if (res.status === 'fulfilled') res.value.getTracks().forEach((tr) => stream.addTrack(tr));
  r.facts.microphone = a.status === 'fulfilled' ? 'ok' : classify(a.reason);
  r.facts.camera = v.status === 'fulfilled' ? 'ok' : classify(v.reason);
  r.stream = stream.getTracks().length ? stream : null;
}

function showLocal(r) {
  if (!r.stream) return;
  $('local-video').srcObject = new MediaStream(r.stream.getVideoTracks());
  const mic = r.stream.getAudioTracks()[0];
  if (mic) r.meter = startMeter(mic, showLevel);
}

function showLevel(level) {
  const pct = Math.round(level * 100);
  $('mic-bar').style.width = `${pct}%`;
  $('mic-meter').setAttribute('aria-valuenow', String(pct));
}

// ---- connection ------------------------------------------------------------

async function connect(r) {
  const sig = new Signaling();
  r.sig = sig;
  sig.on('ice.candidate', (d) => addRemoteCandidate(r, d));
  sig.on('media.state', (d) => onMediaState(r, d));
  sig.on('server.shutdown', () => fail(r, 'shutdown'));
  // 1013 "try again later": this address holds as many connections as the server allows it.
  sig.onclose = (e) => { if (!r.closing) fail(r, e && e.code === 1013 ? 'busy' : 'lost'); };
  await sig.connect();
  const hello = await sig.request('hello', { client: 'devtest/0.1' });
  if (r !== run) return;

  const pc = new RTCPeerConnection({
    bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require', iceServers: hello.ice_servers || [],
  });
  r.pc = pc;
  pc.onicecandidate = (e) => sendCandidate(r, e.candidate);
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === 'failed') fail(r, 'blocked');
    else if (pc.connectionState === 'connected' && screenState === 'connecting') setState('measuring');
    render();
  };
  pc.ontrack = (e) => {
    r.remoteStream.addTrack(e.track);
    $('remote-video').srcObject = r.remoteStream;
  };
  for (const track of r.stream.getTracks()) {
    pc.addTransceiver(track, { direction: 'sendrecv', streams: [r.stream] });
  }
  await pc.setLocalDescription(await pc.createOffer());
  const answer = sig.request('echo.offer', { sdp: pc.localDescription.sdp });
  r.offerSent = true; // candidates may go now: the websocket keeps them after the offer
  r.localQueue.splice(0).forEach((c) => sendCandidate(r, c));
  const { sdp } = await answer;
  if (r !== run) return;
  await pc.setRemoteDescription({ type: 'answer', sdp });
  r.remoteQueue.splice(0).forEach((d) => addRemoteCandidate(r, d));
  // From the answer on, media must come back in time (a slow websocket is not the media path).
  r.mediaTimer = setTimeout(() => { if (!r.flowingAt) fail(r, 'blocked'); }, MEDIA_TIMEOUT_MS);
}

function sendCandidate(r, c) {
  if (!r.offerSent) { r.localQueue.push(c); return; }
  const msg = c && c.candidate
    ? { candidate: c.candidate, sdpMid: c.sdpMid ?? undefined, sdpMLineIndex: c.sdpMLineIndex ?? undefined }
    : { candidate: '' }; // null (or an empty candidate) ends our candidates
  if (!c) { msg.sdpMid = '0'; msg.sdpMLineIndex = 0; }
  r.sig.request('ice.candidate', msg).catch((e) => console.warn('devtest: ice.candidate', e.code, e.message));
}

async function addRemoteCandidate(r, d) {
  if (!r.pc || !r.pc.remoteDescription) { r.remoteQueue.push(d); return; }
  const where = (d.sdpMid == null && d.sdpMLineIndex == null)
    ? { sdpMLineIndex: 0 } : { sdpMid: d.sdpMid, sdpMLineIndex: d.sdpMLineIndex };
  try {
    await r.pc.addIceCandidate({ candidate: d.candidate || '', ...where });
  } catch (e) {
    if (d.candidate) { console.warn('devtest: addIceCandidate', e.message); return; }
    try { await r.pc.addIceCandidate(null); } catch { /* end of candidates is only a hint */ }
  }
}

function onMediaState(r, d) {
  r.serverState = d.state;
  if (d.srtp_profile) r.srtpProfile = d.srtp_profile;
  if (d.state === 'failed') fail(r, 'blocked');
  render();
}

/** How the media reached the server: through the relay (a TURN candidate at
 *  either end of the selected pair), straight (any other pair, UDP or TCP),
 *  or not known yet. */
function pathOf(s) {
  if (!s.localCandidateType) return null;
  return s.localCandidateType === 'relay' || s.remoteCandidateType === 'relay' ? 'relay' : 'direct';
}

/** A network problem ends the measurement; devices stay open so the preview and meter go on. */
function fail(r, code) {
  if (r !== run || r.closing || r.facts.network) return;
  console.warn('devtest: network problem', code);
  r.facts.network = code;
  closeConnection(r, false);
  update(r);
}

// ---- measuring -------------------------------------------------------------

async function poll(r) {
  if (!r.pc || r.pc.connectionState === 'closed') { update(r); return; } // the meter may still change the verdict
  const s = await collectStats(r.pc).catch(() => null);
  if (!s || r !== run || r.closing) return;
  r.last = s;
  r.samples.push(s);
  if (r.samples.length > LOSS_WINDOW) r.samples.shift();
  const wantVideo = r.stream.getVideoTracks().length > 0;
  const wantAudio = r.stream.getAudioTracks().length > 0;
  const flowing = (!wantVideo || s.videoFramesDecoded > 0) && (!wantAudio || s.audioPacketsReceived > 0);
  if (flowing && !r.flowingAt) {
    r.flowingAt = performance.now();
    clearTimeout(r.mediaTimer);
    if (screenState === 'connecting') setState('measuring');
  }
  if (r.flowingAt && performance.now() - r.flowingAt >= MEASURE_MS) r.facts.measured = true;
  r.facts.rtt = s.rtt;
  r.facts.loss = lossBetween(r.samples[0], s);
  r.facts.path = pathOf(s);
  update(r);
}

function update(r) {
  r.facts.micPeak = r.meter ? r.meter.peak : 0;
  r.verdict = judge(r.facts);
  if (r.verdict.done && (screenState === 'connecting' || screenState === 'measuring' || screenState === 'devices')) {
    setState(r.facts.measured ? 'done' : 'failed');
  }
  render();
}

// ---- run control -----------------------------------------------------------

async function start() {
  if (run) stopRun(run, true);
  const r = newRun();
  run = r;
  delete $('devtest').dataset.video;
  delete $('devtest').dataset.audio;
  setState('devices');
  update(r);
  await openDevices(r);
  if (r !== run) { stopTracks(r); return; }
  showLocal(r);
  const has = (kind) => Boolean(r.stream && r.stream.getTracks().some((tr) => tr.kind === kind));
  $('devtest').dataset.video = String(has('video'));
  $('devtest').dataset.audio = String(has('audio'));
  if (!r.stream) { update(r); return; }
  if (!window.RTCPeerConnection) { r.facts.network = 'unsupported'; update(r); return; }
  setState('connecting');
  r.pollTimer = setInterval(() => poll(r), POLL_MS);
  update(r);
  try {
    await connect(r);
  } catch (e) {
    console.warn('devtest: connect', e && (e.code || e.name), e && e.message);
    // busy: the server's device tests (or this network's share of them) are all in use.
    const known = { unreachable: 'unreachable', busy: 'busy' };
    fail(r, (e && known[e.code]) || 'lost');
  }
}

function closeConnection(r, bye) {
  clearTimeout(r.mediaTimer);
  if (r.pc) r.pc.close();
  const sig = r.sig;
  if (!sig) return;
  r.closing = true;
  if (!bye) { sig.close(); return; }
  const done = () => sig.close(); // the server closes after its reply; do not wait long
  sig.request('bye').then(done, done);
  setTimeout(done, 2000);
}

function stopTracks(r) {
  if (r.meter) r.meter.stop();
  if (r.stream) r.stream.getTracks().forEach((tr) => tr.stop());
}

function stopRun(r, bye) {
  clearInterval(r.pollTimer);
  closeConnection(r, bye);
  r.closing = true;
  stopTracks(r);
  $('local-video').srcObject = null;
  $('remote-video').srcObject = null;
  showLevel(0);
}

function leave() {
  if (run) stopRun(run, true);
  setState('left');
  render();
}

// ---- rendering -------------------------------------------------------------

function setState(s) {
  screenState = s;
  $('devtest').dataset.state = s;
}

function statusKey(r) {
  if (screenState === 'done') {
    const ok = ['camera', 'microphone', 'network'].every((k) => r.verdict[k].status === 'ok');
    return ok ? 'status.doneOk' : 'status.doneBad';
  }
  if (screenState === 'failed' && r && r.facts.network === 'busy') return 'status.busy';
  return `status.${screenState}`;
}

function render() {
  const r = run;
  $('status').textContent = screenState === 'left' ? t('devtest.left') : t(statusKey(r));
  if (!r || !r.verdict) return;
  for (const k of ['camera', 'microphone', 'network']) {
    const li = $(`verdict-${k}`);
    li.dataset.status = r.verdict[k].status;
    li.querySelector('.verdict-value').textContent = t(r.verdict[k].key);
  }
  const stateText = (s) => (s ? t(`state.${s}`) : t('state.unknown'));
  $('tech-pc').textContent = stateText(r.pc && r.pc.connectionState);
  $('tech-server').textContent = stateText(r.serverState);
  $('tech-cipher').textContent = (r.last && r.last.srtpCipher) || r.srtpProfile || '—';
  $('tech-rtt').textContent = r.facts.rtt == null ? '—' : t('devtest.ms', { n: Math.round(r.facts.rtt * 1000) });
  $('tech-loss').textContent = r.facts.loss == null ? '—' : `${(r.facts.loss * 100).toFixed(1)}%`;
}

/** Pages a device test may return to (?back=): an invitation or its room. */
const BACK_PAGES = new Set(['/join.html', '/room.html']);

/** The ?back= address when it is one of this server's invitation or room
 * pages, as a path; anything else (another site, another page) is ignored. */
export function backTarget(raw, here = location) {
  if (!raw) return null;
  let u;
  try { u = new URL(raw, here.origin); } catch { return null; }
  if (u.origin !== here.origin || !BACK_PAGES.has(u.pathname)) return null;
  return u.pathname + u.search;
}

function init() {
  applyI18n();
  for (const a of document.querySelectorAll('#home-link, #home')) a.href = withLang(a.getAttribute('href'));
  const back = backTarget(new URLSearchParams(location.search).get('back'));
  if (back) {
    $('back').href = back;
    $('back').hidden = false;
    $('home').hidden = true;
  }
  $('start').addEventListener('click', start);
  $('retry').addEventListener('click', start);
  $('leave').addEventListener('click', leave);
  window.addEventListener('pagehide', () => { if (run) stopRun(run, true); });
  render();
}

init();

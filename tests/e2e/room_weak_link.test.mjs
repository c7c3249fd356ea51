// room_weak_link.test.mjs -- a recorded hearing with the petitioner on a weak
// link, held twice: once with what the server does for weak links
// ([media] audio_resilience = true: Opus in-band FEC and DTX asked for, RED
// (RFC 2198 redundant audio, [media] audio_red = true) accepted and passed on, the listeners' loss
// reported to the speaker's encoder; video NACK as always)
// and once without it (audio_resilience = false). yuanfang and the
// prosecutor's Chromium run in the root namespace; the petitioner's Chromium
// (390x844) in a network namespace of its own, joined by a veth pair whose
// two ends are each limited to 300 kbit/s (tc tbf; this kernel has no netem)
// and lose 5 % of the packets in each direction (an nftables `numgen random
// mod 100 < 5` drop rule on each end's ingress, so no sender is told; ICE's
// checks lose 5 % too). Both participants speak all the time (a
// synthetic voice made here: a pitch with vowel formants and syllables),
// so concealment measures loss, not silence. With the features the
// prosecutor's camera (640x480) goes out as simulcast, as the room page
// sends every staff camera that size (a quarter-size layer of about
// 150 kbit/s and the full one), and the server forwards the petitioner the
// layer its downlink carries; without them the camera (320x240, which the
// page sends as one stream) is held to 150 kbit/s (PROSECUTOR_VIDEO_BPS),
// the stand-in of the days before the server chose layers.
//
// Printed for each run and each side (what the petitioner receives from the
// prosecutor over the weak downlink, what the prosecutor receives from the
// petitioner over the weak uplink), over the same measuring window: the
// audio concealment ratio (getStats inbound-rtp concealedSamples /
// totalSamplesReceived), audio packets lost and received, FEC packets
// received, video frames decoded, freezes and their length, NACKs sent.
// Checked:
//  - what was negotiated: with the features the Opus fmtp of both of the
//    petitioner's connections carries useinbandfec=1 and usedtx=1 (the
//    publish connection's outbound codec, the subscribe connection's
//    remote offer), without them neither; with them the publish answer keeps
//    RED before Opus, the subscribe offer offers it, and the router received
//    RED packets (its closing log line), without them none; video NACK is
//    negotiated in both;
//  - the petitioner decodes the prosecutor's video on the weak link; with
//    the features, the prosecutor's page sends two layers (getStats
//    outbound-rtp by rid: frames encoded by each, their sizes) and what the
//    petitioner decodes is the low layer (inbound frameWidth under the full
//    layer's), its decoded frames growing through the window;
//  - with the features, the audio concealment on each side stays under
//    CONCEAL_BOUND (why that number: where it is defined), and the
//    petitioner's is lower than without them unless the two lie within
//    NOISE of each other (then only the bound is asserted, and it is said);
//  - each hearing's recording is processed, lists a file per participant and
//    a composite, and each plays with video and audio for the hearing's
//    length (gst-discoverer, within 2 s);
//  - a screenshot of the petitioner's phone page on the weak link.
// The servers and browsers are stopped by their PIDs and the namespace
// removed (with its veth pair, its qdiscs and its rules), also on failure.
// Also printed: a timeline every 2 s (audio packets the prosecutor sent, the
// petitioner received, and the share concealed), the token buckets' and the
// loss rule's counters, the petitioner's jitter buffer.
// Needs root, ip, tc, nsenter and nft: exit 77 without them, except under
// CI=true. Ends "room_weak_link: N passed, M failed". YF_E2E_KEEP=1 keeps
// the temp dir (screenshots, server logs, recordings); YF_WEAK_ONLY=with (or
// without) holds one of the two hearings, for a developer; YF_WEAK_RED=0
// holds the run with the features without RED ([media] audio_red = false).

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS, apiRequest, check, freePort, sleep, startServerReady, stopServer } from './lib.mjs';
import { atExit, chromiumIn, needNamespaces, run, vethLink } from './netns.mjs';
import { discover, launchWith, makeMedia, makeProsecutor, openHearing, pageLog, roomTokens, runRecordedHearing,
  selfId, waitProcessed, waitState } from './hearing.mjs';

const NAME = 'room_weak_link';
const WINDOW_S = 40;          // the measuring window, once both decode each other
const SETTLE_S = 8;           // after that, before the window: the estimators settle
const RATE = '300kbit';
const LOSS_PERCENT = 5;
// With RED too (this test's run with the features): 0.88 % / 1.26 % and
// 0.61 % / 0.29 % (petitioner / prosecutor; 4.8 % / 6.7 % in a run where
// this machine was compiling), against FEC alone (YF_WEAK_RED=0) 0.59 % /
// 0.43 %: on 5 % random loss FEC already repairs single losses, so RED adds
// no measurable gain here, and its second copy of the audio (about 250
// kbit/s up instead of 210) may cost the petitioner's video (210 and 429
// frames decoded in the window with RED, 510 with FEC alone).
// The bound on the audio concealment ratio with the features. Measured here
// (2 cores shared with other builds, four runs): without FEC 5 % random loss
// conceals 4-6 % of the samples (one concealment per lost packet); with it
// 0.05-0.9 %, and 2 % in a run where the queue held the audio back for a
// second. What stays concealed comes from two losses in a row, packets late
// behind the 300 kbit/s queue and a starved browser on a loaded machine. The
// issue asks for under 5 %: that is the bound, with room for a loaded machine.
const CONCEAL_BOUND = 0.05;
// Two runs of the same network differ by this much in concealment from one
// run to the next (loss is random, the machine is shared).
const NOISE = 0.01;
// Without the features the prosecutor's camera is held to what the low
// simulcast layer sends, on every layer: the run without simulcast (and FEC)
// that the one with them is compared to. A camera at 350 kbit/s into a
// 300 kbit/s link would measure a full queue, not loss.
const PROSECUTOR_VIDEO_BPS = 150000;
const serverLog = [];

needNamespaces(['tc', 'nft']);

// ---- the petitioner's namespace and its weak link -----------------------------------

const link = vethLink({ prefix: 'yfw', subnet: 234 });
const NS = link.NS, SRV_IP = link.NEAR_IP, PET_IP = link.FAR_IP, HOST_IF = link.NEAR_IF, PET_IF = link.FAR_IF;
const UP_TABLE = `yfweak_${(process.pid % 100000).toString(36)}`;   // in the root namespace: removed by name
let upTable = false;
const inNs = (cmd, args) => link.far(cmd, args);

function makeNamespace(tmp) {
  link.make();
  // 300 kbit/s each way: the server's end shapes the downlink, the
  // petitioner's end the uplink (a token bucket; a queue of 400 ms at most).
  const tbf = ['root', 'tbf', 'rate', RATE, 'burst', '32kbit', 'latency', '400ms'];
  run('tc', ['qdisc', 'add', 'dev', HOST_IF, ...tbf]);
  inNs('tc', ['qdisc', 'add', 'dev', PET_IF, ...tbf]);
  // 5 % random loss each way, every protocol, counted, and silent: each
  // packet is dropped where it arrives (the receiving end's ingress), never
  // on the sender's way out, where the sending socket would be told (an
  // output-hook drop fails the send, and the sender's stack tries again).
  // ICE's checks too: when the server's ICE gives up on a connection for
  // lost checks, it says so and the page restarts ICE (docs/deployment.md,
  // "Weak links"); the window below must still see no connection replaced.
  const rule = `numgen random mod 100 < ${LOSS_PERCENT} counter drop`;
  const down = join(tmp, 'loss-down.nft'), up = join(tmp, 'loss-up.nft');
  writeFileSync(down, `table netdev yfweak {\n  chain down { type filter hook ingress device "${PET_IF}" priority 0; ${rule}; }\n}\n`);
  writeFileSync(up, `table netdev ${UP_TABLE} {\n  chain up { type filter hook ingress device "${HOST_IF}" priority 0; ${rule}; }\n}\n`);
  inNs('nft', ['-f', down]);
  run('nft', ['-f', up]);
  upTable = true;
}

/** The nftables counters: packets dropped on their way in to the
 *  petitioner (the downlink) and to the server (the uplink). */
function lossCounters() {
  const count = (text) => Number((/counter packets (\d+)/.exec(text || '') || [])[1] || -1);
  try {
    return { in: count(inNs('nft', ['list', 'table', 'netdev', 'yfweak'])),
      out: count(run('nft', ['list', 'table', 'netdev', UP_TABLE])) };
  } catch { return { in: -1, out: -1 }; }
}

/** tc's counters of both ends' token buckets: packets sent and dropped. */
function qdiscStats() {
  const one = (text) => {
    const m = /Sent (\d+) bytes (\d+) pkt \(dropped (\d+), overlimits (\d+)/.exec(text || '');
    return m ? { bytes: Number(m[1]), packets: Number(m[2]), dropped: Number(m[3]) } : null;
  };
  try {
    return { down: one(run('tc', ['-s', 'qdisc', 'show', 'dev', HOST_IF])), up: one(inNs('tc', ['-s', 'qdisc', 'show', 'dev', PET_IF])) };
  } catch { return {}; }
}

function removeNamespace() {
  if (upTable) spawnSync('nft', ['delete', 'table', 'netdev', UP_TABLE], { stdio: 'ignore' });
  upTable = false;
  link.remove();
}

const browserPids = new Set();
atExit(() => {
  for (const pid of browserPids) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  removeNamespace();
});

// ---- a voice that never stops ---------------------------------------------------------

/** A mono 48 kHz WAV of `seconds` of synthetic speech: a glottal pitch
 * around f0 that rises and falls, vowel formants changing every syllable
 * (4 a second), an envelope that dips between syllables but never reaches
 * silence (so DTX does not stop the stream and concealment counts loss). */
function voiceWav(path, seconds, f0) {
  const rate = 48000, n = rate * seconds;
  const vowels = [[730, 1090, 2440], [270, 2290, 3010], [300, 870, 2240], [530, 1840, 2480], [570, 840, 2410]];
  const data = Buffer.alloc(n * 2);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const syl = Math.floor(t * 4);
    const f = f0 * (1 + 0.15 * Math.sin(2 * Math.PI * 0.7 * t) + 0.05 * Math.sin(2 * Math.PI * 3.1 * t));
    phase += f / rate;
    const formants = vowels[(syl * 7 + Math.floor(syl / 3)) % vowels.length];
    let s = 0;
    for (let k = 1; k * f < 4000; k++) {
      let a = 0;
      for (const F of formants) a += 1 / (1 + ((k * f - F) / 90) ** 2);
      s += (a / k) * Math.sin(2 * Math.PI * k * phase);
    }
    const env = 0.3 + 0.7 * Math.sin(Math.PI * ((t * 4) % 1)) ** 2;
    data.writeInt16LE(Math.max(-32767, Math.min(32767, Math.round(s * env * 5000))), i * 2);
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8); h.write('fmt ', 12);
  h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22); h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34); h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([h, data]));
}

// ---- pages ----------------------------------------------------------------------------

async function open(browser, base, token, label, viewport) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport, locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('console', (m) => { pageLog.push(`[${label}] ${m.type()}: ${m.text()}`); if (pageLog.length > 300) pageLog.shift(); });
  page.on('pageerror', (e) => pageLog.push(`[${label}] pageerror: ${e.message}`));
  await page.goto(`${base}/room.html?token=${encodeURIComponent(token)}`, { timeout: 60000 });
  await page.click('#notice-continue');
  return { context, page, label };
}

/** What a page receives (its subscribe connection's inbound audio and
 *  video: in a room of two, all of it the other participant's) and what its
 *  publish connection negotiated: cumulative counters, diffed by the caller. */
function snapshot(page) {
  return page.evaluate(async () => {
    const r = window.yfRoom;
    const out = { audio: {}, video: {}, pubFmtp: null, subOffer: null, pubAnswer: null, nackVideoSent: 0 };
    const sub = r.pc('subscribe'), pub = r.pc('publish');
    if (sub) {
      out.subOffer = sub.remoteDescription && sub.remoteDescription.sdp;
      const rep = await sub.getStats();
      for (const s of rep.values()) {
        if (s.type !== 'inbound-rtp') continue;
        const a = s.kind === 'audio' ? out.audio : out.video;
        const add = (k, v) => { a[k] = (a[k] || 0) + (v || 0); };
        add('packetsLost', s.packetsLost); add('packetsReceived', s.packetsReceived);
        if (s.kind === 'audio') {
          add('concealedSamples', s.concealedSamples); add('silentConcealedSamples', s.silentConcealedSamples);
          add('totalSamplesReceived', s.totalSamplesReceived); add('fecPacketsReceived', s.fecPacketsReceived);
          add('concealmentEvents', s.concealmentEvents); add('packetsDiscarded', s.packetsDiscarded);
          add('jitterBufferDelay', s.jitterBufferDelay); add('jitterBufferEmittedCount', s.jitterBufferEmittedCount);
          a.ssrc = s.ssrc; a.jitter = s.jitter;
          const c = s.codecId && rep.get(s.codecId);
          if (c) a.fmtp = c.sdpFmtpLine;
        } else {
          a.frameWidth = s.frameWidth || 0; a.frameHeight = s.frameHeight || 0;
          add('framesDecoded', s.framesDecoded); add('freezeCount', s.freezeCount);
          add('totalFreezesDuration', s.totalFreezesDuration); add('nackCount', s.nackCount);
          add('framesDropped', s.framesDropped); add('pliCount', s.pliCount);
        }
      }
    }
    if (pub) {
      out.pubAnswer = pub.remoteDescription && pub.remoteDescription.sdp;
      const rep = await pub.getStats();
      for (const s of rep.values()) {
        if (s.type !== 'outbound-rtp') continue;
        const c = s.codecId && rep.get(s.codecId);
        if (s.kind === 'audio' && c) out.pubFmtp = c.sdpFmtpLine;
        if (s.kind === 'video') {
          const v = (out.pubVideo ||= { retransmitted: 0, nacks: 0, bytesSent: 0, packetsSent: 0, layers: [] });
          v.retransmitted += s.retransmittedPacketsSent || 0; v.nacks += s.nackCount || 0;
          v.bytesSent += s.bytesSent || 0; v.packetsSent += s.packetsSent || 0;
          v.layers.push({ rid: s.rid || '', width: s.frameWidth || 0, height: s.frameHeight || 0,
            frames: s.framesEncoded || 0, bytes: s.bytesSent || 0, limit: s.qualityLimitationReason || '' });
        }
        if (s.kind === 'audio') out.pubAudio = { packetsSent: s.packetsSent || 0, bytesSent: s.bytesSent || 0,
          mime: c ? c.mimeType : null };
      }
    }
    return out;
  });
}

/** b - a for every number of the two snapshots' audio and video. */
function diff(a, b) {
  const d = { audio: {}, video: {} };
  for (const k of ['audio', 'video'])
    for (const [key, v] of Object.entries(b[k])) if (typeof v === 'number') d[k][key] = v - (a[k][key] || 0);
  d.audio.fmtp = b.audio.fmtp;
  return d;
}

const ratio = (d) => (d.audio.totalSamplesReceived > 0 ? d.audio.concealedSamples / d.audio.totalSamplesReceived : NaN);
const pct = (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(2)} %` : 'n/a');

function report(mode, who, d) {
  const a = d.audio, v = d.video;
  console.log(`# ${mode}: ${who}: audio concealed ${pct(ratio(d))} (${a.concealedSamples || 0} of ` +
    `${a.totalSamplesReceived || 0} samples, ${a.silentConcealedSamples || 0} silent; ${a.concealmentEvents || 0} events), ` +
    `packets lost ${a.packetsLost || 0} of ${(a.packetsLost || 0) + (a.packetsReceived || 0)}, FEC packets ${a.fecPacketsReceived || 0}; ` +
    `video frames decoded ${v.framesDecoded || 0}, freezes ${v.freezeCount || 0} (${(v.totalFreezesDuration || 0).toFixed(1)} s), ` +
    `packets lost ${v.packetsLost || 0} of ${(v.packetsLost || 0) + (v.packetsReceived || 0)}, NACKs sent ${v.nackCount || 0}, ` +
    `PLIs ${v.pliCount || 0}`);
}

/** Caps the page's outgoing video (RTCRtpSender.setParameters maxBitrate)
 *  once its publish connection has a video sender; true when it took. */
async function capVideo(page, bps, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await page.evaluate(async (b) => {
      const pc = window.yfRoom && window.yfRoom.pc('publish');
      const s = pc && pc.getSenders().find((x) => x.track && x.track.kind === 'video');
      if (!s) return false;
      const p = s.getParameters();
      if (!p.encodings || !p.encodings.length) return false;
      for (const e of p.encodings) e.maxBitrate = b;
      await s.setParameters(p);
      return s.getParameters().encodings.every((e) => e.maxBitrate === b);
    }, bps).catch(() => false);
    if (ok) return true;
    await sleep(300);
  }
  return false;
}

/** Polls until the page's decoded frames grow between two samples; the time, or null. */
async function decoding(page, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let prev = null;
  while (Date.now() < deadline) {
    const s = await snapshot(page).catch(() => null);
    if (s) {
      const f = s.video.framesDecoded || 0;
      if (prev !== null && f > prev) return Date.now();
      prev = f;
    }
    await sleep(500);
  }
  return null;
}

// ---- one hearing ------------------------------------------------------------------------

async function hearing(t, mode, resilience) {
  const dataDir = join(t.tmp, `data-${mode}`);
  mkdirSync(dataDir, { recursive: true });
  makeProsecutor(t.bin, dataDir);
  const port = await freePort();
  const conf = join(t.tmp, `${mode}.ini`);
  // YF_WEAK_RED=0: the run with the features without RED, to compare RED's part
  const red = process.env.YF_WEAK_RED === '0' ? 'audio_red = false\n' : 'audio_red = true\n';
  writeFileSync(conf, `[media]\naudio_resilience = ${resilience}\n${red}`);
  const logPath = join(t.tmp, `server-${mode}.log`);
  const server = await startServerReady(t.bin, { dataDir, port, webDir: t.webDir,
    logPath, log: serverLog, workers: 1,
    extra: ['--config', conf, '--listen', '0.0.0.0', '--media-address', SRV_IP] });
  t.server = server;
  const res = { mode };
  try {
    await hold(t, port, mode, res);
  } finally {
    for (const b of t.browsers.splice(0)) await b.close().catch(() => {});
    await stopServer(server);
    t.server = null;
  }
  // RED: what the router received from the publishers (its closing line).
  await sleep(500); // the log file is closed after the server exits
  const reds = [...readFileSync(logPath, 'utf8').matchAll(/red in (\d+) unwrapped (\d+) malformed (\d+)/g)];
  const redIn = reds.reduce((n, m) => n + Number(m[1]), 0), unwrapped = reds.reduce((n, m) => n + Number(m[2]), 0);
  console.log(`# ${mode}: the router received ${redIn} RED audio packets (${unwrapped} given as plain Opus, ` +
    `${reds.reduce((n, m) => n + Number(m[3]), 0)} malformed)`);
  if (mode === 'with' && process.env.YF_WEAK_RED !== '0')
    check('with: the browsers send RED audio (the router received RED packets)', redIn > 1000, `${redIn}`);
  else
    check(`${mode}: no RED audio reaches the router`, reds.length > 0 && redIn === 0, `${redIn}`);
  return res;
}

async function hold(t, port, mode, res) {
  const base = `https://${SRV_IP}:${port}`;
  const h = await openHearing(port, `京检信访〔2026〕弱网${mode === 'with' ? 1 : 2}号`);
  const tokens = await roomTokens(h);
  const host = await launchWith(t.chromium, mode === 'with' ? t.hostCam : t.media.hostVideo, t.voice.host);
  t.browsers.push(host);
  const wrapper = join(t.tmp, 'chromium-in-ns.sh');
  writeFileSync(wrapper, chromiumIn(NS, CHROMIUM));
  chmodSync(wrapper, 0o700);
  const petBrowser = await t.chromium.launch({ executablePath: wrapper, headless: true, args: [...CHROMIUM_ARGS,
    '--autoplay-policy=no-user-gesture-required', `--use-file-for-fake-video-capture=${t.media.petVideo}`,
    `--use-file-for-fake-audio-capture=${t.voice.pet}`] });
  t.browsers.push(petBrowser);
  const petPid = petBrowser.process && petBrowser.process() && petBrowser.process().pid;
  if (petPid) browserPids.add(petPid);

  const pros = await open(host, base, tokens.host, `${mode}/prosecutor`, { width: 1366, height: 768 });
  if (!check(`${mode}: the prosecutor enters`, await waitState(pros.page, 'admitted') === 'admitted')) return;
  if (mode !== 'with')
    check(`${mode}: the prosecutor's camera is held to ${PROSECUTOR_VIDEO_BPS / 1000} kbit/s (the low layer's rate)`,
      await capVideo(pros.page, PROSECUTOR_VIDEO_BPS));
  const pet = await open(petBrowser, base, tokens.pet, `${mode}/petitioner`, { width: 390, height: 844 });
  check(`${mode}: the petitioner waits on the weak link`, await waitState(pet.page, 'waiting', 60000) === 'waiting');
  const petId = await selfId(pet.page);
  const btn = pros.page.locator(`#waiting-list li[data-participant="${petId}"] .admit`);
  await btn.waitFor({ timeout: 30000 }).catch(() => {});
  await btn.click().catch(() => {});
  check(`${mode}: the prosecutor admits the petitioner`, await waitState(pet.page, 'admitted', 60000) === 'admitted', petId);
  const petDec = await decoding(pet.page, 60000);
  const prosDec = await decoding(pros.page, 60000);
  if (!check(`${mode}: on the weak link each decodes the other's video`, petDec && prosDec,
    `petitioner ${petDec ? 'yes' : 'no'}, prosecutor ${prosDec ? 'yes' : 'no'}`)) return;
  await sleep(SETTLE_S * 1000);

  const loss0 = lossCounters(), q0 = qdiscStats();
  const a0 = { pet: await snapshot(pet.page), pros: await snapshot(pros.page) };
  // A timeline every 2 s: what the prosecutor sent, what the petitioner got.
  const line = [];
  let prev = { sent: a0.pros.pubAudio ? a0.pros.pubAudio.packetsSent : 0, got: a0.pet.audio.packetsReceived || 0,
    conc: a0.pet.audio.concealedSamples || 0, tot: a0.pet.audio.totalSamplesReceived || 0 };
  let shotTaken = false;
  for (let k = 0; k < WINDOW_S / 2; k++) {
    await sleep(2000);
    const [p1, q1] = await Promise.all([snapshot(pet.page).catch(() => null), snapshot(pros.page).catch(() => null)]);
    if (!p1 || !q1) { line.push('?'); continue; }
    const now = { sent: q1.pubAudio ? q1.pubAudio.packetsSent : 0, got: p1.audio.packetsReceived || 0,
      conc: p1.audio.concealedSamples || 0, tot: p1.audio.totalSamplesReceived || 0 };
    line.push(`${now.sent - prev.sent}/${now.got - prev.got}/${now.tot > prev.tot ? Math.round(100 * (now.conc - prev.conc) / (now.tot - prev.tot)) : '-'}%`);
    prev = now;
    if (!shotTaken && k >= WINDOW_S / 4) {
      const shot = join(t.tmp, `petitioner-weak-${mode}-390x844.png`);
      await pet.page.screenshot({ path: shot });
      console.log(`# screenshot: ${shot}`);
      shotTaken = true;
    }
  }
  console.log(`# ${mode}: every 2 s, prosecutor's audio packets sent / petitioner's received / concealed: ${line.join(' ')}`);
  const a1 = { pet: await snapshot(pet.page), pros: await snapshot(pros.page) };
  const loss1 = lossCounters(), q1 = qdiscStats();
  const qd = (k) => (q0[k] && q1[k] ? `${q1[k].packets - q0[k].packets} packets (${((q1[k].bytes - q0[k].bytes) * 8 / WINDOW_S / 1000).toFixed(0)} kbit/s), ` +
    `${q1[k].dropped - q0[k].dropped} dropped by the full queue` : 'n/a');
  console.log(`# ${mode}: the ${RATE} token buckets: downlink ${qd('down')}; uplink ${qd('up')}`);
  console.log(`# ${mode}: petitioner's audio in: ssrc ${a0.pet.audio.ssrc} -> ${a1.pet.audio.ssrc}, discarded ` +
    `${(a1.pet.audio.packetsDiscarded || 0) - (a0.pet.audio.packetsDiscarded || 0)}, jitter ${a1.pet.audio.jitter} s, ` +
    `jitter buffer ${(((a1.pet.audio.jitterBufferDelay || 0) - (a0.pet.audio.jitterBufferDelay || 0)) / Math.max(1, (a1.pet.audio.jitterBufferEmittedCount || 0) - (a0.pet.audio.jitterBufferEmittedCount || 0)) * 1000).toFixed(0)} ms`);
  res.pet = diff(a0.pet, a1.pet);
  res.pros = diff(a0.pros, a1.pros);
  check(`${mode}: no connection was replaced during the window (the same audio stream at both ends of it)`,
    a0.pet.audio.ssrc === a1.pet.audio.ssrc && a0.pros.audio.ssrc === a1.pros.audio.ssrc,
    `petitioner ${a0.pet.audio.ssrc} -> ${a1.pet.audio.ssrc}, prosecutor ${a0.pros.audio.ssrc} -> ${a1.pros.audio.ssrc}`);
  res.petPub = a1.pet;
  console.log(`# ${mode}: over ${WINDOW_S} s the loss rule dropped ${loss1.out - loss0.out} packets towards the server and ` +
    `${loss1.in - loss0.in} towards the petitioner (nftables counters)`);
  report(mode, 'petitioner receives the prosecutor (weak downlink)', res.pet);
  report(mode, 'prosecutor receives the petitioner (weak uplink)', res.pros);
  const pv = a1.pet.pubVideo || {};
  console.log(`# ${mode}: petitioner's own video: ${pv.packetsSent || 0} packets sent, ${pv.retransmitted || 0} ` +
    `retransmitted for ${pv.nacks || 0} NACKs; fmtp sent with: ${a1.pet.pubFmtp}`);

  // What was negotiated.
  const fec = (s) => /useinbandfec=1/.test(s || ''), dtx = (s) => /usedtx=1/.test(s || '');
  const offerOpus = ((a1.pet.subOffer || '').match(/a=fmtp:\d+ [^\r\n]*/g) || [])
    .filter((l) => /minptime|useinbandfec|usedtx/.test(l));
  const redFirst = (sdp) => { // the audio m-line's first format is red/48000/2, the next the Opus it carries
    const m = /m=audio \d+ \S+ (\d+) (\d+)/.exec(sdp || '');
    return !!m && new RegExp(`a=rtpmap:${m[1]} red/48000/2`).test(sdp) && new RegExp(`a=fmtp:${m[1]} ${m[2]}/${m[2]}`).test(sdp);
  };
  console.log(`# ${mode}: petitioner's audio sent as ${a1.pet.pubAudio && a1.pet.pubAudio.mime}`);
  if (mode === 'with' && process.env.YF_WEAK_RED !== '0') {
    check('with: the publish answer keeps RED before Opus', redFirst(a1.pet.pubAnswer),
      ((a1.pet.pubAnswer || '').match(/m=audio[^\r\n]*/) || [''])[0]);
    check('with: the subscribe offer offers RED for the prosecutor\'s audio', /a=rtpmap:\d+ red\/48000\/2/.test(a1.pet.subOffer || ''));
  } else {
    check(`${mode}: neither the publish answer nor the subscribe offer has RED`,
      !/red\/48000/.test(a1.pet.pubAnswer || '') && !/red\/48000/.test(a1.pet.subOffer || ''));
  }
  if (mode === 'with') {
    check('with: the petitioner\'s sending Opus negotiated FEC and DTX (publish outbound codec)',
      fec(a1.pet.pubFmtp) && dtx(a1.pet.pubFmtp), a1.pet.pubFmtp);
    check('with: the server\'s subscribe offer asks for FEC and DTX on every Opus line',
      offerOpus.length > 0 && offerOpus.every((l) => fec(l) && dtx(l)), offerOpus.join(' | '));
  } else {
    check('without: the petitioner\'s sending Opus has neither FEC nor DTX',
      a1.pet.pubFmtp !== null && !fec(a1.pet.pubFmtp) && !dtx(a1.pet.pubFmtp), a1.pet.pubFmtp);
    check('without: the subscribe offer asks for neither', offerOpus.every((l) => !fec(l) && !dtx(l)), offerOpus.join(' | '));
  }
  check(`${mode}: video NACK negotiated both ways (answer and offer carry nack and nack pli)`,
    /a=rtcp-fb:\d+ nack\r?\n/.test(a1.pet.pubAnswer || '') && /a=rtcp-fb:\d+ nack pli/.test(a1.pet.pubAnswer || '') &&
    /a=rtcp-fb:\d+ nack\r?\n/.test(a1.pet.subOffer || '') && /a=rtcp-fb:\d+ nack pli/.test(a1.pet.subOffer || ''));
  check(`${mode}: the petitioner keeps decoding the prosecutor's video on the weak link`,
    (res.pet.video.framesDecoded || 0) > WINDOW_S, `${res.pet.video.framesDecoded} frames in ${WINDOW_S} s`);
  const layers = (a1.pros.pubVideo && a1.pros.pubVideo.layers) || [];
  const layers0 = (a0.pros.pubVideo && a0.pros.pubVideo.layers) || [];
  const sent = layers.map((l) => {
    const before = layers0.find((x) => x.rid === l.rid) || { frames: 0, bytes: 0 };
    return { ...l, frames: l.frames - before.frames, kbps: Math.round((l.bytes - before.bytes) * 8 / WINDOW_S / 1000) };
  });
  console.log(`# ${mode}: the prosecutor's camera over the window: ` + sent.map((l) =>
    `${l.rid || '(one stream)'} ${l.width}x${l.height} ${l.frames} frames ${l.kbps} kbit/s${l.limit && l.limit !== 'none' ? ` (limited: ${l.limit})` : ''}`).join(', ') +
    `; the petitioner decodes ${a1.pet.video.frameWidth}x${a1.pet.video.frameHeight}, ${res.pet.video.framesDecoded} frames`);
  if (mode === 'with') {
    const live = sent.filter((l) => l.rid && l.frames > 0);
    const full = Math.max(0, ...live.map((l) => l.width));
    check('with: the prosecutor\'s camera goes out as simulcast (two layers encoding)', live.length >= 2,
      JSON.stringify(sent));
    check('with: the petitioner on the weak link decodes the low layer (a picture narrower than the full layer)',
      a1.pet.video.frameWidth > 0 && a1.pet.video.frameWidth < full,
      `${a1.pet.video.frameWidth}x${a1.pet.video.frameHeight}, full ${full}`);
  }
  check(`${mode}: audio flowed both ways in the window`, res.pet.audio.totalSamplesReceived > 48000 * WINDOW_S / 2 &&
    res.pros.audio.totalSamplesReceived > 48000 * WINDOW_S / 2);

  // The end of the hearing and its recording.
  const started = Math.max(petDec, prosDec);
  const end = await apiRequest(port, 'POST', `/hearings/${h.hearing.id}/end`, { token: h.token, body: {} });
  const endedAt = Date.now();
  check(`${mode}: the prosecutor ends the hearing`, end.status === 200, end.raw.toString());
  for (const b of t.browsers.splice(0)) await b.close().catch(() => {});
  const list = await waitProcessed(port, h.token, h.hearing.id);
  check(`${mode}: the recording is processed and attached`, list && list.recording.state === 'done',
    JSON.stringify(list && list.recording));
  const items = (list && list.items) || [];
  check(`${mode}: the hearing lists a composite and a file per participant`,
    items.filter((i) => i.kind === 'composite').length === 1 && items.filter((i) => i.kind === 'participant').length === 2,
    JSON.stringify(items.map((i) => i.kind)));
  const atLeast = (endedAt - started) / 1000;
  for (const it of items) {
    const who = it.kind === 'composite' ? 'composite' : (it.participant && it.participant.name) || it.id;
    const r = await apiRequest(port, 'GET', `/recordings/${it.id}/download`, { token: h.token, timeoutMs: 60000 });
    const file = join(t.tmp, `${mode}-${it.id}.${it.media_type === 'video/x-matroska' ? 'mkv' : 'webm'}`);
    writeFileSync(file, r.raw);
    const d = discover(file);
    // Each file runs from its participant's first packet to the end: at
    // least the time both were decoding, at most the whole run.
    check(`${mode}: ${who}: the recording plays with video and audio for the hearing (${d.seconds.toFixed(1)} s, ` +
      `both decoding for ${atLeast.toFixed(1)} s)`, r.status === 200 && d.ok && d.video && d.audio &&
      d.seconds >= atLeast - 2 && d.seconds <= atLeast + 120, d.text.slice(0, 300));
  }
}

// ---- the run ----------------------------------------------------------------------------

await runRecordedHearing(NAME, 'yf-weak-', 30, serverLog, async (t) => {
  try {
    makeNamespace(t.tmp);
    check('namespace made', true, `${NS}: ${PET_IP} <-> root ${SRV_IP}, ${RATE} and ${LOSS_PERCENT} % loss each way`);
    t.voice = { host: join(t.tmp, 'host-voice.wav'), pet: join(t.tmp, 'pet-voice.wav') };
    voiceWav(t.voice.host, 60, 120);   // Chromium loops the file
    voiceWav(t.voice.pet, 60, 210);
    // The prosecutor's camera at 640x480 (Chromium loops the file): the room
    // page sends a camera that size as two simulcast layers, a smaller one
    // as one stream, which would leave nothing to choose from. Moving
    // colour bars: the full layer takes about its 1.2 Mbit/s, four times the
    // petitioner's link, the low one about 150 kbit/s. (A moving ball made
    // the full layer 60 kbit/s, which the link could carry; noise starved
    // the prosecutor's own encoder of frames at 150 kbit/s.)
    t.hostCam = join(t.tmp, 'host-640x480.y4m');
    spawnSync('gst-launch-1.0', ['-q', 'videotestsrc', 'pattern=smpte', 'horizontal-speed=4', 'num-buffers=150', '!',
      'video/x-raw,format=I420,width=640,height=480,framerate=15/1', '!', 'y4menc', '!', 'filesink',
      `location=${t.hostCam}`], { stdio: 'ignore' });
    const only = process.env.YF_WEAK_ONLY;   // 'with' or 'without': one run, for a developer
    const on = only === 'without' ? {} : await hearing(t, 'with', true);
    const off = only === 'with' ? {} : await hearing(t, 'without', false);
    if (!on.pet || !off.pet) return;
    const rOn = ratio(on.pet), rOff = ratio(off.pet), qOn = ratio(on.pros), qOff = ratio(off.pros);
    console.log(`# audio concealment, with / without the features: petitioner ${pct(rOn)} / ${pct(rOff)}, ` +
      `prosecutor ${pct(qOn)} / ${pct(qOff)}`);
    check(`with the features the petitioner's audio concealment is under ${pct(CONCEAL_BOUND)}`, rOn < CONCEAL_BOUND, pct(rOn));
    check(`with the features the prosecutor's audio concealment is under ${pct(CONCEAL_BOUND)}`, qOn < CONCEAL_BOUND, pct(qOn));
    for (const [who, a, b] of [['petitioner', rOn, rOff], ['prosecutor', qOn, qOff]]) {
      if (Math.abs(b - a) <= NOISE)
        console.log(`# the ${who}'s concealment with and without lie within ${pct(NOISE)} of each other (noise): only the bound is asserted`);
      else
        check(`the ${who}'s audio concealment is lower with the features than without`, a < b, `${pct(a)} vs ${pct(b)}`);
    }
  } finally {
    for (const b of t.browsers.splice(0)) await b.close().catch(() => {});
    removeNamespace();
    const { ok, left } = link.gone();
    const rules = spawnSync('nft', ['list', 'table', 'netdev', UP_TABLE], { stdio: 'ignore' }).status === 0;
    check('namespace, veth pair and loss rule removed', ok && !rules, rules ? `${left}; ${UP_TABLE}` : left);
  }
});

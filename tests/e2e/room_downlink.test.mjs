// room_downlink.test.mjs -- the petitioner's downlink becomes too narrow for
// video and comes back, on a real link: yuanfang and the prosecutor's
// Chromium run in the root namespace, the petitioner's Chromium in a network
// namespace of its own joined to it by a veth pair. Once both decode each
// other, a tc token bucket limits what reaches the petitioner to 250 kbit/s
// (the prosecutor's video alone takes more); later it is removed. Checked:
//  - the server's estimate of the petitioner's downlink (from its own
//    transport-wide feedback) stops the petitioner's video and the page
//    says 网络较差，已暂停视频，仅保留声音 (screenshot at 390x844), while its
//    sound goes on;
//  - once the link is whole again, the video comes back by itself and the
//    notice goes away (the times are printed);
//  - the prosecutor's page never loses its video.
// The server and both browsers are stopped by their PIDs and the namespace
// removed (with the veth pair and its qdisc), also on failure. Needs root,
// ip, nsenter and tc: exit 77 without them, except under CI=true.
// Ends "room_downlink: N passed, M failed". YF_E2E_KEEP=1 keeps the temp dir.

import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS, check, sleep, startServerReady } from './lib.mjs';
import { atExit, chromiumIn, needNamespaces, run, vethLink } from './netns.mjs';
import { launchWith, openHearing, pageLog, runRecordedHearing, roomTokens, selfId, waitState } from './hearing.mjs';

const NAME = 'room_downlink';
const PAUSE_MS = 45000;     // the narrow link is noticed within this
const RECOVER_MS = 120000;  // and the video back within this once it is whole
const serverLog = [];

needNamespaces(['tc']);

// ---- the petitioner's namespace ---------------------------------------------------

const link = vethLink({ prefix: 'yfd', subnet: 233 });
const NS = link.NS, SRV_IP = link.NEAR_IP, PET_IP = link.FAR_IP, HOST_IF = link.NEAR_IF;

/** What leaves the root namespace towards the petitioner (the server's
 *  packets to it) limited to `kbit` (a token bucket with 300 ms of queue),
 *  or not limited (null). The kernel here has no netem; tbf is enough. */
function limitDownlink(kbit) {
  if (kbit === null) run('tc', ['qdisc', 'del', 'dev', HOST_IF, 'root']);
  else run('tc', ['qdisc', 'add', 'dev', HOST_IF, 'root', 'tbf', 'rate', `${kbit}kbit`, 'burst', '16kbit', 'latency', '300ms']);
}

const browserPids = new Set();
atExit(() => {
  for (const pid of browserPids) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
});

// ---- pages ----------------------------------------------------------------------

async function open(browser, base, token, label, viewport) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport, locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('console', (m) => { pageLog.push(`[${label}] ${m.type()}: ${m.text()}`); if (pageLog.length > 300) pageLog.shift(); });
  page.on('pageerror', (e) => pageLog.push(`[${label}] pageerror: ${e.message}`));
  await page.goto(`${base}/room.html?token=${encodeURIComponent(token)}`);
  await page.click('#notice-continue');
  return { context, page, label };
}

/** What a page shows of `other` now: frames decoded, audio packets
 *  received, whether the server says its video is paused, and the notice. */
function sample(page, other) {
  return page.evaluate(async (o) => {
    const r = window.yfRoom;
    const s = await r.stats().catch(() => null);
    const p = s && s.participants[o];
    const el = document.querySelector('#downlink');
    return { state: r.state, frames: p ? p.framesDecoded || 0 : 0, audio: p ? p.audioPacketsReceived || 0 : 0,
      paused: r.downlinkPaused, notice: el && !el.hidden ? el.textContent : '' };
  }, other).catch((e) => ({ error: e.message }));
}

async function until(page, other, pred, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let prev = null;
  while (Date.now() < deadline) {
    const s = await sample(page, other);
    if (s && !s.error) {
      if (pred(s, prev)) return { at: Date.now(), s };
      prev = s;
    }
    await sleep(250);
  }
  return null;
}
const decoding = (s, prev) => prev !== null && s.frames > prev.frames;

// ---- the run --------------------------------------------------------------------

await runRecordedHearing(NAME, 'yf-downlink-', 120, serverLog, async (t) => {
  try {
    await hearing(t);
  } finally {
    for (const b of t.browsers.splice(0)) await b.close().catch(() => {});
    link.remove();
    const { ok, left } = link.gone();
    check('namespace, veth pair and qdisc removed', ok, left);
  }
});

async function hearing(t) {
  link.make();
  check('namespace made', true, `${NS}: ${PET_IP} <-> root ${SRV_IP}`);
  t.server = await startServerReady(t.bin, { dataDir: t.dataDir, port: t.port, webDir: t.webDir,
    logPath: join(t.tmp, 'server.log'), log: serverLog, workers: 1,
    extra: ['--listen', '0.0.0.0', '--media-address', SRV_IP] });
  const base = `https://${SRV_IP}:${t.port}`;
  const h = await openHearing(t.port, '京检信访〔2026〕弱网1号');
  const tokens = await roomTokens(h);

  const host = await launchWith(t.chromium, t.media.hostVideo, t.media.hostAudio);
  t.browsers.push(host);
  const wrapper = join(t.tmp, 'chromium-in-ns.sh');
  writeFileSync(wrapper, chromiumIn(NS, CHROMIUM));
  chmodSync(wrapper, 0o700);
  const petBrowser = await t.chromium.launch({ executablePath: wrapper, headless: true, args: [...CHROMIUM_ARGS,
    '--autoplay-policy=no-user-gesture-required', `--use-file-for-fake-video-capture=${t.media.petVideo}`,
    `--use-file-for-fake-audio-capture=${t.media.petAudio}`] });
  t.browsers.push(petBrowser);
  const petPid = petBrowser.process && petBrowser.process() && petBrowser.process().pid;
  if (petPid) browserPids.add(petPid);

  const pros = await open(host, base, tokens.host, 'prosecutor', { width: 1366, height: 768 });
  if (!check('the prosecutor enters', await waitState(pros.page, 'admitted') === 'admitted')) return;
  const pet = await open(petBrowser, base, tokens.pet, 'petitioner', { width: 390, height: 844 });
  check('the petitioner waits', await waitState(pet.page, 'waiting') === 'waiting');
  const petId = await selfId(pet.page), prosId = await selfId(pros.page);
  const btn = pros.page.locator(`#waiting-list li[data-participant="${petId}"] .admit`);
  await btn.waitFor({ timeout: 15000 }).catch(() => {});
  await btn.click().catch(() => {});
  check('the prosecutor admits the petitioner', await waitState(pet.page, 'admitted') === 'admitted', petId);
  const petFirst = await until(pet.page, prosId, decoding, 45000);
  const prosFirst = await until(pros.page, petId, decoding, 45000);
  if (!check('before the limit, each decodes the other', petFirst && prosFirst)) return;
  await sleep(5000);   // the prosecutor's video up to its rate
  const before = await sample(pet.page, prosId);
  check('before the limit the petitioner\'s page shows no notice', !before.paused && before.notice === '',
    JSON.stringify(before));

  const limitAt = Date.now();
  limitDownlink(250);
  console.log(`# downlink limited to 250 kbit/s at ${new Date(limitAt).toISOString()}`);
  const paused = await until(pet.page, prosId, (s) => s.paused && s.notice !== '', PAUSE_MS);
  check('the server stops the petitioner\'s video and the page says so',
    paused && /网络较差，已暂停视频，仅保留声音/.test(paused.s.notice),
    paused ? `${paused.at - limitAt} ms after the limit: "${paused.s.notice}"` : 'no notice');
  if (paused) {
    await sleep(4000);   // what was queued before the pause has drained
    const a = await sample(pet.page, prosId);
    await sleep(5000);
    const b = await sample(pet.page, prosId);
    const shot = join(t.tmp, 'petitioner-audio-only-390x844.png');
    await pet.page.screenshot({ path: shot });
    console.log(`# screenshot: ${shot}`);
    // Opus DTX (audio_resilience) sends one packet per 400 ms through the
    // pauses of speech, 20 ms ones while it speaks: at least 12 in 5 s.
    check('while paused the petitioner still hears the prosecutor', b.audio - a.audio >= 10,
      `${b.audio - a.audio} audio packets in 5 s`);
    check('while paused the petitioner gets (almost) no video', b.frames - a.frames <= 10,
      `${b.frames - a.frames} frames in 5 s`);
  }

  limitDownlink(null);
  const wholeAt = Date.now();
  console.log(`# downlink whole again after ${wholeAt - limitAt} ms`);
  const resumed = await until(pet.page, prosId, (s) => !s.paused && s.notice === '', RECOVER_MS);
  const back = resumed && await until(pet.page, prosId, decoding, 30000);
  check('the video comes back by itself and the notice goes away', resumed && back,
    resumed ? `resumed ${resumed.at - wholeAt} ms after the link was whole, decoding ${back ? back.at - wholeAt : '-'} ms` : 'still paused');
  const prosNow = await sample(pros.page, petId);
  const prosLater = await until(pros.page, petId, decoding, 10000);
  check('the prosecutor\'s page never lost its video', !prosNow.paused && prosLater !== null, JSON.stringify(prosNow));
  const lines = serverLog.filter((l) => /downlink video/.test(l));
  console.log(`# server:\n${lines.map((l) => `#   ${l}`).join('\n')}`);
  console.log(`# downlink: paused ${paused ? paused.at - limitAt : '-'} ms after the 250 kbit/s limit, ` +
    `video back ${back ? back.at - wholeAt : '-'} ms after the link was whole`);
}

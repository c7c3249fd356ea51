// room_link_cut.test.mjs -- the petitioner's link is cut for 10 s and
// restored, on a real link: yuanfang and the prosecutor's Chromium run in the
// root namespace, the petitioner's Chromium in a network namespace of its own
// joined to it by a veth pair. A hearing is made through the REST API and
// both publish; then an nftables rule in the petitioner's namespace drops
// every packet on its link, both ways, for 10 s, and is removed. Checked:
//  - the petitioner is back in the same seat (same participant id, admitted,
//    never sent to the waiting room again) and decodes the prosecutor's video
//    again (the time from the link's return is printed);
//  - the prosecutor's page is not disturbed: admitted throughout, its own
//    publish never stops sending, and the petitioner's video comes back;
//  - the hearing's notes carry a 【系统】 line for the petitioner's
//    interruption and one for their return;
//  - the petitioner's page says, in Chinese, that the network dropped and it
//    is reconnecting (screenshot at 390x844 during the cut).
// The server and both browsers are stopped by their PIDs and the namespace
// removed (which removes the veth pair), also on failure. Needs root, ip,
// nsenter and nft: exit 77 without them, except under CI=true.
// Ends "room_link_cut: N passed, M failed". YF_E2E_KEEP=1 keeps the temp dir.

import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS, apiRequest, check, sleep, startServerReady } from './lib.mjs';
import { atExit, chromiumIn, needNamespaces, vethLink } from './netns.mjs';
import { launchWith, openHearing, pageLog, runRecordedHearing, roomTokens, selfId, waitState } from './hearing.mjs';

const NAME = 'room_link_cut';
const CUT_MS = 10000;
const RECOVER_MS = 60000;
const serverLog = [];

needNamespaces(['nft']);

// ---- the petitioner's namespace ---------------------------------------------------

const link = vethLink({ prefix: 'yfc', subnet: 232 });
const NS = link.NS, SRV_IP = link.NEAR_IP, PET_IP = link.FAR_IP;

/** Every packet of the petitioner's link dropped, both ways (on), or let through (off). */
function cut(on, tmp) {
  const file = join(tmp, 'cut.nft');
  writeFileSync(file, on ? [
    'table inet yfcut {',
    `  chain in { type filter hook input priority 0; policy accept; iifname "${link.FAR_IF}" counter drop; }`,
    `  chain out { type filter hook output priority 0; policy accept; oifname "${link.FAR_IF}" counter drop; }`,
    '}', ''].join('\n') : 'delete table inet yfcut\n');
  link.far('nft', ['-f', file]);
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

/** What a page shows and carries now: its state, its id, the frames it has
 *  decoded of `other`, and the RTP packets its publish connection sent. */
function sample(page, other) {
  return page.evaluate(async (o) => {
    const r = window.yfRoom;
    const s = await r.stats().catch(() => null);
    const p = s && s.participants[o];
    let sent = 0;
    const pc = r.pc('publish');
    if (pc) for (const x of (await pc.getStats()).values()) if (x.type === 'outbound-rtp') sent += x.packetsSent || 0;
    return { state: r.state, id: r.self && r.self.id, frames: p ? p.framesDecoded || 0 : 0, sent,
      pubIce: pc ? pc.iceConnectionState : null, status: (document.querySelector('#status') || {}).textContent || '' };
  }, other).catch((e) => ({ error: e.message }));
}

/** Polls until the page's frames of `other` grow between two samples (a
 *  fresh connection may count from 0 again); the time, or null. */
async function decodingAgain(page, other, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let prev = null;
  while (Date.now() < deadline) {
    const s = await sample(page, other);
    if (s && !s.error) {
      if (prev !== null && s.frames > prev) return Date.now();
      prev = s.frames;
    }
    await sleep(200);
  }
  return null;
}

// ---- the run --------------------------------------------------------------------

await runRecordedHearing(NAME, 'yf-link-cut-', 90, serverLog, async (t) => {
  try {
    await hearing(t);
  } finally {
    // Browsers first (the petitioner's lives in the namespace), then the namespace.
    for (const b of t.browsers.splice(0)) await b.close().catch(() => {});
    link.remove();
    const { ok, left } = link.gone();
    check('namespace and veth pair removed', ok, left);
  }
});

async function hearing(t) {
  link.make();
  check('namespace made', true, `${NS}: ${PET_IP} <-> root ${SRV_IP}`);
  t.server = await startServerReady(t.bin, { dataDir: t.dataDir, port: t.port, webDir: t.webDir,
    logPath: join(t.tmp, 'server.log'), log: serverLog, workers: 1,
    extra: ['--listen', '0.0.0.0', '--media-address', SRV_IP] });
  const base = `https://${SRV_IP}:${t.port}`;
  const h = await openHearing(t.port, '京检信访〔2026〕断网1号');
  const tokens = await roomTokens(h);

  const host = await launchWith(t.chromium, t.media.hostVideo, t.media.hostAudio);
  t.browsers.push(host);
  // The petitioner's Chromium runs in the namespace: nsenter execs it, so
  // the PID playwright knows is Chromium's.
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
  const petFirst = await decodingAgain(pet.page, prosId, 45000);
  const prosFirst = await decodingAgain(pros.page, petId, 45000);
  if (!check('before the cut, each decodes the other', petFirst && prosFirst)) return;
  await sleep(3000);   // a few seconds of hearing before the cut

  // The cut. Both pages are watched every 250 ms through it and the recovery.
  const seen = { pet: new Set(), pros: new Set(), prosPubIce: new Set(), petIds: new Set(), prosSent: [] };
  let watching = true;
  const watch = (async () => {
    while (watching) {
      const [a, b] = await Promise.all([sample(pet.page, prosId), sample(pros.page, petId)]);
      if (a && !a.error) { seen.pet.add(a.state); if (a.id) seen.petIds.add(a.id); }
      if (b && !b.error) { seen.pros.add(b.state); seen.prosPubIce.add(b.pubIce); seen.prosSent.push([Date.now(), b.sent]); }
      await sleep(250);
    }
  })();
  const cutAt = Date.now();
  cut(true, t.tmp);
  console.log(`# link cut at ${new Date(cutAt).toISOString()}`);
  // The petitioner's page during the cut: after the page had time to notice.
  await sleep(CUT_MS - 2000);
  const shot = join(t.tmp, 'petitioner-cut-390x844.png');
  await pet.page.screenshot({ path: shot });
  console.log(`# screenshot: ${shot}`);
  const during = await sample(pet.page, prosId);
  await sleep(Math.max(0, cutAt + CUT_MS - Date.now()));
  cut(false, t.tmp);
  const backAt = Date.now();
  console.log(`# link restored after ${backAt - cutAt} ms`);
  check('during the cut the petitioner\'s page says the network dropped and it is reconnecting',
    /网络中断/.test(during.status || '') && /正在重新连接/.test(during.status || ''),
    `state ${during.state}, status "${during.status}"`);

  const petBack = await decodingAgain(pet.page, prosId, RECOVER_MS);
  const prosBack = await decodingAgain(pros.page, petId, RECOVER_MS);
  await sleep(3000);
  watching = false;
  await watch;
  const petNow = await sample(pet.page, prosId);
  check('the petitioner is back in the same seat (same participant id, admitted)',
    petNow.id === petId && petNow.state === 'admitted' && seen.petIds.size === 1, `${petId} -> ${[...seen.petIds].join(',')}, ${petNow.state}`);
  check('the petitioner was never sent to the waiting room again', !seen.pet.has('waiting'), [...seen.pet].join(','));
  check('the petitioner decodes the prosecutor\'s video again', petBack !== null,
    petBack ? `${petBack - backAt} ms after the link came back` : 'no frame');
  check('the prosecutor stayed admitted throughout', seen.pros.size === 1 && seen.pros.has('admitted'), [...seen.pros].join(','));
  // The prosecutor's publish kept sending through the cut: no second-long
  // stall in packetsSent.
  let longest = 0, run0 = null;
  for (const [tt, s] of seen.prosSent) {
    if (run0 === null || s > run0[1]) run0 = [tt, s];
    else longest = Math.max(longest, tt - run0[0]);
  }
  check('the prosecutor\'s own publish kept sending through the cut', longest < 1500 &&
    [...seen.prosPubIce].every((s) => s === 'connected' || s === 'completed'),
    `longest pause in packets sent ${longest} ms; publish ICE ${[...seen.prosPubIce].join(',')}`);
  check('the prosecutor decodes the petitioner\'s video again', prosBack !== null,
    prosBack ? `${prosBack - backAt} ms after the link came back` : 'no frame');
  console.log(`# time to recovery after a ${CUT_MS / 1000} s cut: petitioner decodes the prosecutor ` +
    `${petBack ? `${petBack - backAt} ms` : 'never'}, prosecutor decodes the petitioner ${prosBack ? `${prosBack - backAt} ms` : 'never'} after the link came back`);

  // The notes: the recorder's 【系统】 lines for the interruption and the return.
  // A presence line may be held back up to the quiet window before it is written.
  let notes = '';
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    const r = await apiRequest(t.port, 'GET', `/hearings/${h.hearing.id}/notes`, { token: h.token });
    notes = (r.json && r.json.text) || '';
    if (/【系统】张三[^\n]*网络中断/.test(notes) && /【系统】张三[^\n]*重新连接/.test(notes)) break;
    await sleep(1000);
  }
  console.log(`# notes:\n${notes.split('\n').map((l) => `#   ${l}`).join('\n')}`);
  check('the notes say the petitioner\'s connection dropped', /【系统】张三[^\n]*网络中断/.test(notes));
  check('the notes say the petitioner came back', /【系统】张三[^\n]*重新连接/.test(notes));
  check('the notes name nobody else as interrupted', !/【系统】(?!张三)[^\n]*网络中断/.test(notes));
}

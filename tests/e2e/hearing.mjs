// hearing.mjs -- what the recording tests share: known test media (a white
// flash and a 1 kHz beep at the same instants, made with GStreamer by
// tests/tools/yf_avsync), a case with an appointment and a running hearing
// made through the REST API, one headless Chromium per participant (each
// with its own fake camera and microphone files), joining the hearing room
// the way users do (the host with a staff room token, the petitioner through
// the invitation), waiting for the recording to be processed, and running
// a recording test from set-up to summary line.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS, apiRequest, browserTestPrerequisites, check, createUser, finish, freePort, sleep,
  tempDirs, wrapUp } from './lib.mjs';

export const pageLog = [];
export const FPS = 15;

/** Flash/beep media for the host, plain media (no flash, no beep) for the
 * petitioner, so the composite's flash and beep come from one participant. */
export function makeMedia(tmp, seconds) {
  const avsync = process.env.YF_AVSYNC_BIN;
  if (!avsync) throw new Error('YF_AVSYNC_BIN is not set (CTest sets it)');
  const m = { hostVideo: join(tmp, 'host.y4m'), hostAudio: join(tmp, 'host.wav'),
    petVideo: join(tmp, 'pet.y4m'), petAudio: join(tmp, 'pet.wav') };
  // Longer than the hearing: Chromium's fake devices drift by a frame each
  // time they loop a file, which would blur the sync measurement. 15 fps:
  // Chromium's file camera drops the debt of a capture task that runs more
  // than one frame interval late, so on a busy 2-core machine a 33 ms
  // interval let its video fall behind its (real-time) microphone for good;
  // 66 ms absorbs the stalls seen there.
  execFileSync(avsync, ['make', '--video', m.hostVideo, '--audio', m.hostAudio, '--seconds', String(seconds),
    '--period', '2', '--width', '320', '--height', '240', '--fps', String(FPS)]);
  const frames = seconds * FPS;
  execFileSync('gst-launch-1.0', ['-q', 'videotestsrc', 'pattern=ball', `num-buffers=${frames}`, '!',
    `video/x-raw,format=I420,width=320,height=240,framerate=${FPS}/1`, '!', 'y4menc', '!', 'filesink', `location=${m.petVideo}`]);
  execFileSync('gst-launch-1.0', ['-q', 'audiotestsrc', 'wave=silence', `num-buffers=${seconds * 50}`, 'samplesperbuffer=960', '!',
    'audio/x-raw,format=S16LE,rate=48000,channels=1', '!', 'wavenc', '!', 'filesink', `location=${m.petAudio}`]);
  return m;
}

/** A prosecutor (made with the CLI before the server starts). */
export function makeProsecutor(bin, dataDir) {
  const r = createUser(bin, dataDir, { username: 'pros', role: 'prosecutor', password: 'prosecutor-password-1',
    name: '王检察官' });
  if (r.status !== 0) throw new Error(`create-user: ${r.stderr}`);
}

/** Signs in, registers a case, schedules an appointment with a petitioner,
 * starts the hearing. Returns { port, token, caseNo, kase, appt, hearing, inv }. */
/** The start of a recorded-hearing test: known media of `seconds`, the
 * prosecutor's account, and a free port with its base URL. */
export async function hearingSetup(bin, tmp, dataDir, seconds) {
  const media = makeMedia(tmp, seconds);
  makeProsecutor(bin, dataDir);
  const port = await freePort();
  return { media, port, base: `https://127.0.0.1:${port}` };
}

/** Runs a recorded-hearing test: body(t) gets what hearingSetup gives
 * (`seconds` of media), in a temp dir named from prefix, as t = { bin,
 * webDir, chromium, tmp, dataDir, media, port, base, browsers: [],
 * server: null }; it sets t.server and adds its browsers. A throw is a
 * failed check. At the end the browsers are closed, wrapUp stops t.server
 * (printing the page console and serverLog on failure), and the summary
 * line `name` is printed. */
export async function runRecordedHearing(name, prefix, seconds, serverLog, body) {
  const { bin, webDir, chromium } = await browserTestPrerequisites();
  const { tmp, dataDir } = tempDirs(prefix);
  const t = { bin, webDir, chromium, tmp, dataDir, browsers: [], server: null };
  try {
    Object.assign(t, await hearingSetup(bin, tmp, dataDir, seconds));
    await body(t);
  } catch (e) {
    check('test ran to the end', false, e.stack || e.message);
  } finally {
    for (const b of t.browsers) await b.close().catch(() => {});
    await wrapUp({ server: t.server, tmp, pageLog, serverLog });
  }
  finish(name);
}

export async function openHearing(port, caseNo) {
  const api = (m, p, o) => apiRequest(port, m, p, o);
  let r = await api('POST', '/auth/login', { body: { username: 'pros', password: 'prosecutor-password-1' } });
  if (r.status !== 200) throw new Error(`login: ${r.status} ${r.raw}`);
  const token = r.json.token;
  r = await api('POST', '/cases', { token, body: { case_no: caseNo, type: 'appeal', channel: 'video',
    petitioner: '张三', contact: '13800000000', summary: '申诉：不服不起诉决定' } });
  if (r.status !== 201) throw new Error(`case: ${r.status} ${r.raw}`);
  const kase = r.json;
  r = await api('POST', `/cases/${kase.id}/appointments`, { token, body: { starts_at: new Date().toISOString(),
    title: '视频接访', invitees: [{ name: '张三', role: 'petitioner', contact: '13800000000' }] } });
  if (r.status !== 201) throw new Error(`appointment: ${r.status} ${r.raw}`);
  const appt = r.json.appointment;
  const inv = r.json.invitations[0].token;
  r = await api('POST', `/appointments/${appt.id}/hearings`, { token, body: {} });
  if (r.status !== 201) throw new Error(`hearing: ${r.status} ${r.raw}`);
  return { port, token, caseNo, kase, appt, hearing: r.json, inv };
}

/** Room tokens: the host's as staff, the petitioner's through the invitation. */
export async function roomTokens(h) {
  const host = await apiRequest(h.port, 'POST', `/appointments/${h.appt.id}/room-token`, { token: h.token, body: {} });
  const pet = await apiRequest(h.port, 'POST', '/invitation/room-token', { inv: h.inv, body: {} });
  if (host.status !== 200 || pet.status !== 200) throw new Error(`room tokens: ${host.status} ${pet.status} ${pet.raw}`);
  return { host: host.json.token, pet: pet.json.token };
}

/** One browser per participant: Chromium's fake devices read these files. */
export async function launchWith(chromium, video, audio) {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS,
    '--autoplay-policy=no-user-gesture-required', `--use-file-for-fake-video-capture=${video}`,
    `--use-file-for-fake-audio-capture=${audio}`] });
}

export async function openRoom(browser, base, token, label) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 360, height: 740 },
    locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('console', (m) => { pageLog.push(`[${label}] ${m.type()}: ${m.text()}`); if (pageLog.length > 300) pageLog.shift(); });
  page.on('pageerror', (e) => pageLog.push(`[${label}] pageerror: ${e.message}`));
  await page.goto(`${base}/room.html?token=${encodeURIComponent(token)}`);
  const notice = await page.locator('#notice .notice-text').textContent();
  check(`${label}: told before joining that the hearing is recorded`, notice.includes('本次接访全程录音录像'), notice);
  await page.click('#notice-continue');
  return { context, page, label };
}

export async function waitState(page, want, timeoutMs = 20000) {
  await page.waitForFunction((w) => window.yfRoom && window.yfRoom.state === w, want,
    { timeout: timeoutMs, polling: 200 }).catch(() => {});
  return page.evaluate(() => window.yfRoom && window.yfRoom.state).catch(() => null);
}

export const selfId = (page) => page.evaluate(() => window.yfRoom.self && window.yfRoom.self.id).catch(() => null);

/** The wall time (ms) at which the page's publish connection has sent its
 * first RTP packets: its media starts then. */
export async function publishStarted(page, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const sent = await page.evaluate(async () => {
      const pc = window.yfRoom && window.yfRoom.pc('publish');
      if (!pc) return 0;
      let n = 0;
      for (const s of (await pc.getStats()).values()) if (s.type === 'outbound-rtp') n += s.packetsSent || 0;
      return n;
    }).catch(() => 0);
    if (sent > 0) return Date.now();
    await sleep(50);
  }
  return 0;
}

/** The host admits the petitioner from the waiting list (准许进入);
 * pet.admitClickedAt is the wall time (ms) just before the click. */
export async function admit(host, pet) {
  const id = await selfId(pet.page);
  const btn = host.page.locator(`#waiting-list li[data-participant="${id}"] .admit`);
  await btn.waitFor({ timeout: 15000 }).catch(() => {});
  pet.admitClickedAt = Date.now();
  await btn.click().catch(() => {});
  return waitState(pet.page, 'admitted');
}

/** Polls GET /hearings/{id}/recordings until the recording is done or failed. */
export async function waitProcessed(port, token, hearingId, timeoutMs = 240000) {
  const deadline = Date.now() + timeoutMs;
  let r = null;
  let last = '';
  while (Date.now() < deadline) {
    r = await apiRequest(port, 'GET', `/hearings/${hearingId}/recordings`, { token }).catch(() => null);
    const st = r && r.json && r.json.recording;
    if (st) {
      const now = `${st.state} ${Math.floor((st.progress || 0) * 4) * 25}%`;
      if (now !== last) console.log(`# recording: ${now}`);
      last = now;
      if (st.state === 'done' || st.state === 'failed' || st.state === 'none') return r.json;
    }
    await sleep(1000);
  }
  return r && r.json;
}

export const sha256hex = (buf) => createHash('sha256').update(buf).digest('hex');

/** Duration (s) and stream kinds of a file, by gst-discoverer-1.0. */
export function discover(path) {
  const out = spawnSync('gst-discoverer-1.0', ['-v', path], { encoding: 'utf8', timeout: 60000 });
  const text = `${out.stdout}${out.stderr}`;
  const d = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(text);
  const seconds = d ? Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]) : -1;
  return { ok: out.status === 0, seconds, video: /video(?:\s*#\d+)?:/i.test(text), audio: /audio(?:\s*#\d+)?:/i.test(text), text };
}

/** Both participants join the hearing, each in a browser of their own (added
 * to `browsers`): the host enters, the petitioner waits and is admitted.
 * Returns { host, pet, times: { host, pet } } (the wall times their media
 * started), or null after a failed check. */
export async function joinBoth(chromium, base, h, media, browsers) {
  const tokens = await roomTokens(h);
  browsers.push(await launchWith(chromium, media.hostVideo, media.hostAudio));
  browsers.push(await launchWith(chromium, media.petVideo, media.petAudio));
  const host = await openRoom(browsers[0], base, tokens.host, 'host');
  if (!check('host enters the room', await waitState(host.page, 'admitted') === 'admitted')) return null;
  const times = { host: await publishStarted(host.page) };
  const pet = await openRoom(browsers[1], base, tokens.pet, 'petitioner');
  check('petitioner waits, then the host admits them', await waitState(pet.page, 'waiting') === 'waiting' &&
    await admit(host, pet) === 'admitted');
  times.pet = await publishStarted(pet.page);
  if (!check('both publish', times.host && times.pet)) return null;
  return { host, pet, times };
}

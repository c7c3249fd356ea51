// hearing_end.test.mjs -- ending a hearing ends it for everyone: the host and
// the petitioner in Chromium both see that the hearing is over and the
// recording stopped, their media stops, and neither page reconnects; the old
// room token then gets the same screen instead of the waiting room, and the
// invitation link says in words that the hearing has ended. The case file
// keeps true times: each participant's joined_at is when they entered the
// room's media, the petitioner's admitted_at when the host admitted them (not
// when their room token was issued), both before the hearing's ended_at.
// Run by CTest with YF_SERVER_BIN, YF_AVSYNC_BIN and YF_WEB_DIR set.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiRequest, browserTestPrerequisites, check, finish, freePort, sleep, startServer, waitHealthy,
  wrapUp } from './lib.mjs';
import { joinBoth, makeMedia, makeProsecutor, openHearing, pageLog, roomTokens, waitState } from './hearing.mjs';

const serverLog = [];
const { bin, webDir, chromium } = await browserTestPrerequisites();
const tmp = mkdtempSync(join(tmpdir(), 'yf-hearing-end-'));
const shots = join(tmp, 'shots');
let server = null;
const browsers = [];

/** What an ended page shows: its state, the status sentence, whether the
 * recording badge is visible, and whether any media connection is left open. */
const endedView = (page) => page.evaluate(() => ({
  state: window.yfRoom.state,
  status: document.getElementById('status').textContent,
  badge: !document.getElementById('rec-badge').hidden && document.getElementById('rec-badge').offsetParent !== null,
  pcs: ['publish', 'subscribe'].map((k) => window.yfRoom.pc(k)).filter((pc) => pc && pc.connectionState !== 'closed').length,
  connects: window.yfRoom.connects,
}));

/** The API's times have whole seconds: a wall time (ms) as its second. */
const second = (ms) => Math.floor(ms / 1000) * 1000;

/** joined_at and admitted_at as they happened: token issued <= admitted (the
 * host's click) <= joined (the petitioner's entry into the media) <= ended,
 * the host in the media before the petitioner. */
async function checkTimes(port, h, tokensAt, clickedAt) {
  const hr = await apiRequest(port, 'GET', `/hearings/${h.hearing.id}`, { token: h.token });
  const ap = await apiRequest(port, 'GET', `/appointments/${h.appt.id}`, { token: h.token });
  const ended = Date.parse(hr.json && hr.json.ended_at);
  const parts = (hr.json && hr.json.participants) || [];
  const host = parts.find((p) => p.staff_id);
  const pet = parts.find((p) => p.invitee_id);
  const inv = ap.json && ap.json.invitees && ap.json.invitees[0];
  const t = { tokensAt: new Date(tokensAt).toISOString(), clickedAt: clickedAt && new Date(clickedAt).toISOString(),
    admitted: inv && inv.admitted_at, petJoined: pet && pet.joined_at, hostJoined: host && host.joined_at,
    ended: hr.json && hr.json.ended_at };
  const at = (s) => (s ? Date.parse(s) : NaN);
  check('the petitioner is a participant of the hearing when it ends, with a joined_at', pet && pet.joined_at,
    JSON.stringify(parts));
  check('admitted_at is the host\'s admit, after the room token was issued', clickedAt &&
    at(t.admitted) >= second(clickedAt) && at(t.admitted) >= second(tokensAt), JSON.stringify(t));
  check('the petitioner joined when admitted, before the hearing ended', at(t.admitted) <= at(t.petJoined) &&
    at(t.petJoined) <= ended, JSON.stringify(t));
  check('the host joined before the petitioner, after the hearing started', host && at(t.hostJoined) <= at(t.petJoined) &&
    at(t.hostJoined) >= Date.parse(hr.json.started_at), JSON.stringify(t));
}

try {
  const port = await freePort();
  const base = `https://127.0.0.1:${port}`;
  const dataDir = join(tmp, 'data');
  makeProsecutor(bin, dataDir);
  const media = makeMedia(tmp, 6);
  server = startServer(bin, { dataDir, port, webDir, logPath: join(tmp, 'server.log'), log: serverLog });
  await waitHealthy(server, base);
  const h = await openHearing(port, 'E-1');
  const tokensAt = Date.now();
  const tokens = await roomTokens(h);
  const room = await joinBoth(chromium, base, h, media, browsers);
  if (!room) throw new Error('the two participants did not get into the room');
  await sleep(1500);

  const r = await apiRequest(port, 'POST', `/hearings/${h.hearing.id}/end`, { token: h.token, body: {} });
  check('test setup: POST /hearings/{id}/end', r.status === 200, `${r.status}`);
  await checkTimes(port, h, tokensAt, room.pet.admitClickedAt);
  for (const p of [room.host, room.pet]) {
    await waitState(p.page, 'ended', 10000);
    await sleep(3000);   // long enough for a reconnect attempt, were there one
    const v = await endedView(p.page);
    check(`${p.label}: the page says the hearing ended and the recording stopped`, v.state === 'ended' &&
      v.status.includes('已经结束') && v.status.includes('录音录像已停止'), JSON.stringify(v));
    check(`${p.label}: the recording notice is gone and no media connection is left`, !v.badge && v.pcs === 0,
      JSON.stringify(v));
    check(`${p.label}: the page does not reconnect`, v.connects === 1, JSON.stringify(v));
    await p.page.screenshot({ path: join(shots, `ended-${p.label}-390.png`) }).catch(() => {});
  }

  // The old room token, opened again: the ended screen, not the waiting room.
  const again = await room.pet.context.newPage();
  await again.setViewportSize({ width: 390, height: 844 });
  await again.goto(`${base}/room.html?token=${encodeURIComponent(tokens.pet)}`);
  if (await again.locator('#notice-continue').isVisible().catch(() => false)) await again.click('#notice-continue');
  const st = await waitState(again, 'ended', 15000);
  const text = await again.locator('#status').textContent();
  check('the old room token shows that the hearing has ended, not the waiting room', st === 'ended' &&
    text.includes('已经结束'), `${st}: ${text}`);
  await again.screenshot({ path: join(shots, 'rejoin-ended-390.png') });

  // The invitation link: refused with the reason, in words.
  const inv = await room.pet.context.newPage();
  await inv.setViewportSize({ width: 390, height: 844 });
  await inv.goto(`${base}/join.html?t=${encodeURIComponent(h.inv)}`);
  await inv.waitForFunction(() => /结束/.test(document.getElementById('status').textContent), null,
    { timeout: 10000 }).catch(() => {});
  const said = await inv.locator('#status').textContent();
  const noticeShown = await inv.locator('#notice').isVisible();
  check('the invitation of the ended hearing says so and shows no recording notice to accept',
    said.includes('本次接访已经结束') && !noticeShown, said);
  const rec = await inv.locator('.mine-recording').textContent({ timeout: 5000 }).catch(() => '');
  check('the petitioner\'s page says the recording is kept in the case file and whom to ask, with no player',
    rec.includes('存入案件档案') && /请向.+提出申请/.test(rec) &&
    await inv.locator('video, a[href*="recordings"]').count() === 0, rec);
  await inv.screenshot({ path: join(shots, 'invitation-ended-390.png'), fullPage: true });
  console.log(`# screenshots in ${shots} (kept with YF_E2E_KEEP=1)`);
} catch (e) {
  check('hearing-end test ran to the end', false, e.stack || String(e));
} finally {
  for (const b of browsers) await b.close().catch(() => {});
  await wrapUp({ server, tmp, pageLog, serverLog });
}
finish('hearing_end');

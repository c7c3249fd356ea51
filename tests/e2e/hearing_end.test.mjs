// hearing_end.test.mjs -- ending a hearing ends it for everyone: the host and
// the petitioner in Chromium both see that the hearing is over and the
// recording stopped, their media stops, and neither page reconnects; the old
// room token then gets the same screen instead of the waiting room, and the
// invitation link says in words that the hearing has ended.
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

try {
  const port = await freePort();
  const base = `https://127.0.0.1:${port}`;
  const dataDir = join(tmp, 'data');
  makeProsecutor(bin, dataDir);
  const media = makeMedia(tmp, 6);
  server = startServer(bin, { dataDir, port, webDir, logPath: join(tmp, 'server.log'), log: serverLog });
  await waitHealthy(server, base);
  const h = await openHearing(port, 'E-1');
  const tokens = await roomTokens(h);
  const room = await joinBoth(chromium, base, h, media, browsers);
  if (!room) throw new Error('the two participants did not get into the room');
  await sleep(1500);

  const r = await apiRequest(port, 'POST', `/hearings/${h.hearing.id}/end`, { token: h.token, body: {} });
  check('test setup: POST /hearings/{id}/end', r.status === 200, `${r.status}`);
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
  await inv.screenshot({ path: join(shots, 'invitation-ended-390.png') });
  console.log(`# screenshots in ${shots} (kept with YF_E2E_KEEP=1)`);
} catch (e) {
  check('hearing-end test ran to the end', false, e.stack || String(e));
} finally {
  for (const b of browsers) await b.close().catch(() => {});
  await wrapUp({ server, tmp, pageLog, serverLog });
}
finish('hearing_end');

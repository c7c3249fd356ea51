// room.test.mjs -- end-to-end test of a hearing room: one headless Chromium
// (fake camera and microphone) with three contexts -- the host (prosecutor),
// a petitioner admitted from the waiting room by the host clicking 准许进入,
// and a clerk -- through the real yuanfang server's rooms. Checks that everyone
// decodes everyone else, host mute, a petitioner reload within the grace
// period, the publisher's bandwidth estimate (needs the router's TWCC
// feedback), and removal. Run by CTest with YF_SERVER_BIN and YF_WEB_DIR set.
// Ends "room: N passed, M failed"; exit 77 when a prerequisite is missing.
// YF_E2E_KEEP=1 keeps the temp dir (screenshots, server log).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM, browserTestPrerequisites, CHROMIUM_ARGS as BASE_ARGS, check, finish, freePort, httpsGetJson, sleep, startServer,
  stopServer, tempDirs, waitHealthy, wrapUp } from './lib.mjs';

const CHROMIUM_ARGS = [...BASE_ARGS, '--autoplay-policy=no-user-gesture-required'];
const PHONE = { width: 360, height: 740 };
const MEDIA_TIMEOUT_MS = 40000;
const ROOM = 'hearing-e2e';

const serverLog = [];   // the server's output lines, the last few hundred
const pageLog = [];     // the page's console, for failures

/* The hearing left its trace in the case store's hash-chained audit log:
 * joins, the waiting room, the admission, the mute and the removal, with who
 * acted; and the chain still verifies. */
function auditChecks(bin, dataDir) {
  const db = join(dataDir, 'yuanfang.db');
  const rows = execFileSync('sqlite3', [db, "SELECT action || ' ' || detail FROM audit_log WHERE object = 'room:" +
    ROOM + "' ORDER BY id"], { encoding: 'utf8' }).trim().split('\n');
  const has = (re) => rows.some((r) => re.test(r));
  check('audit: the host and the clerk joined', has(/^room\.join participant=cli:host role=prosecutor/) &&
    has(/^room\.join participant=cli:clerk role=clerk/), rows.join(' | '));
  check('audit: the petitioner waited and the host admitted them',
    has(/^room\.wait participant=cli:petitioner role=petitioner/) &&
    has(/^hearing\.admit participant=cli:petitioner role=petitioner by=cli:host/), rows.join(' | '));
  check('audit: the host muted the petitioner', has(/^room\.mute participant=cli:petitioner .*by=cli:host detail=audio/),
    rows.join(' | '));
  check('audit: the host removed the clerk', has(/^room\.remove participant=cli:clerk role=clerk by=cli:host/),
    rows.join(' | '));
  let verify = '';
  let status = 0;
  try { verify = execFileSync(bin, ['audit', 'verify', '--data-dir', dataDir], { encoding: 'utf8' }); } catch (e) {
    status = e.status; verify = `${e.stdout}${e.stderr}`;
  }
  check('audit: the chain verifies after the hearing', status === 0 && /intact/.test(verify), verify);
}

// ---- room helpers -----------------------------------------------------------------

function mintToken(bin, dataDir, name, role, pid) {
  const args = ['token', '--data-dir', dataDir, '--room', ROOM, '--name', name, '--role', role, '--ttl', '2h'];
  if (pid) args.push('--participant', pid);
  return execFileSync(bin, args, { encoding: 'utf8' }).trim();
}

async function openRoom(browser, base, token, label) {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true, viewport: PHONE, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN',
  });
  const page = await context.newPage();
  page.on('console', (m) => { pageLog.push(`[${label}] ${m.type()}: ${m.text()}`); if (pageLog.length > 300) pageLog.shift(); });
  page.on('pageerror', (e) => pageLog.push(`[${label}] pageerror: ${e.message}`));
  page.on('dialog', (d) => d.accept().catch(() => {}));
  await page.goto(`${base}/room.html?token=${encodeURIComponent(token)}`);
  const notice = await page.locator('#notice .notice-text').textContent();
  check(`${label}: recording notice shown before joining`, notice.includes('本次接访全程录音录像'), notice);
  await page.click('#notice-continue');
  return { context, page, label };
}

const roomState = (page) => page.evaluate(() => window.yfRoom && window.yfRoom.state).catch(() => null);
const selfId = (page) => page.evaluate(() => window.yfRoom && window.yfRoom.self && window.yfRoom.self.id).catch(() => null);

async function waitState(page, want, timeoutMs = 15000) {
  await page.waitForFunction((w) => window.yfRoom && window.yfRoom.state === w, want,
    { timeout: timeoutMs, polling: 200 }).catch(() => {});
  return roomState(page);
}

const roomStats = (page) => page.evaluate(() => window.yfRoom.stats()).catch(() => null);

/** Polls until every remote in ids decodes > 30 frames and receives audio. */
async function waitDecoding(page, ids, timeoutMs, since = null, audio = true) {
  const deadline = Date.now() + timeoutMs;
  let s = null;
  const ok = (st) => ids.every((id) => {
    const p = st.participants[id];
    const base = since && since.participants[id] ? since.participants[id] : { framesDecoded: 0, audioPacketsReceived: 0 };
    return p && p.framesDecoded - base.framesDecoded > 30 && (!audio || p.audioPacketsReceived - base.audioPacketsReceived > 0);
  });
  while (Date.now() < deadline) {
    s = await roomStats(page);
    if (s && ok(s)) return { ok: true, s };
    await sleep(500);
  }
  return { ok: false, s };
}

const brief = (s, ids) => (s ? ids.map((id) => {
  const p = s.participants[id];
  return `${id}: frames=${p ? p.framesDecoded : '-'} audioPackets=${p ? p.audioPacketsReceived : '-'}`;
}).join(', ') : 'no stats');

async function tileAttr(page, id, attr) {
  return page.locator(`.tile[data-participant="${id}"]`).getAttribute(attr, { timeout: 2000 }).catch(() => null);
}

async function waitTileAttr(page, id, attr, want, timeoutMs = 8000) {
  const deadline = Date.now() + timeoutMs;
  let v = null;
  while (Date.now() < deadline) {
    v = await tileAttr(page, id, attr);
    if (v === want) return v;
    await sleep(200);
  }
  return v;
}

/** Samples the page's publish-PC availableOutgoingBitrate every 500 ms for
 * `ms` (or until it passes 1 Mbps) and resolves with the highest seen. */
async function watchBwe(page, ms) {
  let max = 0;
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && max <= 1000000) {
    const st = await roomStats(page);
    if (st) max = Math.max(max, st.availableOutgoingBitrate || 0);
    await sleep(500);
  }
  return max;
}

// ---- the scenario -----------------------------------------------------------------

async function scenario(browser, base, tokens, tmp) {
  const host = await openRoom(browser, base, tokens.host, 'host');
  if (!check('host enters directly', await waitState(host.page, 'admitted') === 'admitted')) return;
  // The host's bandwidth estimate over its first 45 s of publishing, sampled
  // while the others join (it rises only with the router's TWCC feedback;
  // on a machine busy with other browser tests, 20 s was not always enough).
  const bwe = watchBwe(host.page, 45000);
  const clerk = await openRoom(browser, base, tokens.clerk, 'clerk');
  check('clerk enters directly', await waitState(clerk.page, 'admitted') === 'admitted');
  const pet = await openRoom(browser, base, tokens.petitioner, 'petitioner');
  check('petitioner waits in the waiting room', await waitState(pet.page, 'waiting') === 'waiting');
  const waitText = await pet.page.locator('#waiting .waiting-text').textContent().catch(() => '');
  check('petitioner sees the waiting text', waitText.includes('请稍候，检察官将很快请您进入'), waitText);
  await pet.page.screenshot({ path: join(tmp, 'petitioner-waiting.png') }).catch(() => {});

  const ids = { host: await selfId(host.page), clerk: await selfId(clerk.page), pet: await selfId(pet.page) };
  console.log(`# ids: ${JSON.stringify(ids)}`);
  const admit = host.page.locator(`#waiting-list li[data-participant="${ids.pet}"] .admit`);
  await admit.waitFor({ timeout: 10000 }).catch(() => {});
  const label = await admit.textContent().catch(() => '');
  check('host sees the petitioner in the waiting list with 准许进入', label === '准许进入', label);
  await admit.click().catch(() => {});
  if (!check('petitioner admitted after the host clicks 准许进入', await waitState(pet.page, 'admitted') === 'admitted')) return;

  const others = (me) => Object.values(ids).filter((x) => x !== me);
  const t0 = Date.now();
  const dec = await Promise.all([host, clerk, pet].map((x) => waitDecoding(x.page, others(ids[x.label === 'petitioner' ? 'pet' : x.label]), MEDIA_TIMEOUT_MS)));
  [host, clerk, pet].forEach((x, i) => {
    const me = ids[x.label === 'petitioner' ? 'pet' : x.label];
    check(`${x.label} decodes the other two's video (>30 frames each) and receives their audio`, dec[i].ok, brief(dec[i].s, others(me)));
  });
  console.log(`# media flowing after ${Date.now() - t0} ms`);

  // The staff's cameras go out as simulcast; on these open links the
  // server forwards the full layer (docs/architecture.md, "Simulcast").
  // The full layer starts once the host's bandwidth estimate carries it (on a
  // loaded machine some seconds after the first picture): wait for both
  // layers, then for the clerk to be moved to the full one at its keyframe.
  // The clerk's move up waits for a probe the server sends it; on a machine
  // this busy a browser that stalls a few hundred ms in a probe's train
  // makes it look slower than it is: the first such probe is asked again,
  // each one after it doubles the wait for the next (3, 6, 12 s;
  // docs/architecture.md "Probes before each move up"): 30 s covers that.
  let hostSends = [], layers = [];
  for (const until = Date.now() + 30000; ;) {
    hostSends = (await roomStats(host.page))?.sending || [];
    layers = hostSends.filter((l) => l.rid && l.framesEncoded > 0);
    if (layers.length >= 2 || Date.now() > until) break;
    await sleep(500);
  }
  const full = Math.max(0, ...layers.map((l) => l.frameWidth));
  let seen = {};
  for (const until = Date.now() + 30000; ;) {
    seen = (await roomStats(clerk.page))?.participants[ids.host] || {};
    if ((full > 0 && seen.frameWidth === full) || Date.now() > until) break;
    await sleep(500);
  }
  const petSends = (await roomStats(pet.page))?.sending || [];
  console.log(`# host sends ${hostSends.map((l) => `${l.rid} ${l.frameWidth}x${l.frameHeight}`).join(', ')}; ` +
    `the clerk decodes the host at ${seen.frameWidth}x${seen.frameHeight}; the petitioner sends ` +
    `${petSends.map((l) => `${l.rid || 'one stream'} ${l.frameWidth}x${l.frameHeight}`).join(', ')}`);
  check('the host\'s camera goes out as simulcast (two layers encoding)', layers.length >= 2, JSON.stringify(hostSends));
  check('the clerk, on an open link, decodes the host\'s full layer', full > 0 && seen.frameWidth === full,
    `${seen.frameWidth} of ${full}`);
  check('the petitioner sends one stream', petSends.length === 1 && !petSends[0].rid, JSON.stringify(petSends));

  const maxBwe = await bwe;
  check('host publish PC availableOutgoingBitrate > 1,000,000 within 45 s of publishing', maxBwe > 1000000,
    `max ${Math.round(maxBwe)} bps`);

  await host.page.screenshot({ path: join(tmp, 'host-room.png') }).catch(() => {});
  await pet.page.screenshot({ path: join(tmp, 'petitioner-room.png') }).catch(() => {});

  // host mutes the petitioner; the others see it
  await host.page.click(`.tile[data-participant="${ids.pet}"] .tile-mute`).catch((e) => console.log(`# mute click: ${e.message}`));
  check('clerk sees the petitioner muted', await waitTileAttr(clerk.page, ids.pet, 'data-audio-muted', 'true') === 'true');
  check('host sees the petitioner muted', await waitTileAttr(host.page, ids.pet, 'data-audio-muted', 'true') === 'true');
  const petStatus = await pet.page.locator('#status').textContent().catch(() => '');
  check('petitioner is told the host muted them', petStatus.includes('静音'), petStatus);
  await clerk.page.screenshot({ path: join(tmp, 'clerk-muted.png') }).catch(() => {});

  // the petitioner reloads within the grace period and is back
  const before = await roomStats(host.page);
  const tr = Date.now();
  await pet.page.reload();
  const back = await waitState(pet.page, 'admitted', 20000);
  const newId = await selfId(pet.page);
  check('petitioner back after a reload, same id, no waiting room', back === 'admitted' && newId === ids.pet, `${back} ${newId}`);
  check('host sees the petitioner present again', await waitTileAttr(host.page, ids.pet, 'data-state', 'present', 10000) === 'present');
  const again = await waitDecoding(pet.page, others(ids.pet), MEDIA_TIMEOUT_MS);
  check('petitioner decodes both others again after the reload', again.ok, brief(again.s, others(ids.pet)));
  // video only: the petitioner's audio is still muted by the host, so no audio may arrive
  const hostAgain = await waitDecoding(host.page, [ids.pet], MEDIA_TIMEOUT_MS, before, false);
  check('host decodes the petitioner video again after the reload', hostAgain.ok, brief(hostAgain.s, [ids.pet]));
  check('host mute survives the reload', await tileAttr(host.page, ids.pet, 'data-audio-muted') === 'true');
  const bp = before && before.participants[ids.pet], ap = hostAgain.s && hostAgain.s.participants[ids.pet];
  check('no petitioner audio reaches the host while muted', bp && ap && ap.audioPacketsReceived - bp.audioPacketsReceived < 10,
    `audio packets ${bp ? bp.audioPacketsReceived : '-'} -> ${ap ? ap.audioPacketsReceived : '-'}`);
  console.log(`# reload to decoding again: ${Date.now() - tr} ms`);

  // removal
  await host.page.click(`.tile[data-participant="${ids.clerk}"] .tile-remove`).catch((e) => console.log(`# remove click: ${e.message}`));
  check('clerk is removed', await waitState(clerk.page, 'removed', 10000) === 'removed');
  await host.page.waitForFunction((id) => !window.yfRoom.participants.some((p) => p.id === id), ids.clerk,
    { timeout: 10000, polling: 200 }).catch(() => {});
  const left = await host.page.evaluate(() => window.yfRoom.participants.map((p) => p.id)).catch(() => []);
  check('host no longer lists the clerk', !left.includes(ids.clerk), JSON.stringify(left));
  const tiles = await host.page.locator(`.tile[data-participant="${ids.clerk}"]`).count().catch(() => -1);
  check('the clerk tile is gone on the host page', tiles === 0, String(tiles));

  for (const x of [host, clerk, pet]) await x.context.close().catch(() => {});
}

// ---- main --------------------------------------------------------------------------

async function main() {
  const { bin, webDir, chromium } = await browserTestPrerequisites();
  const { tmp, dataDir } = tempDirs('yf-e2e-room-');
  let server = null;
  let browser = null;
  try {
    const tokens = {
      host: mintToken(bin, dataDir, '王检察官', 'prosecutor', 'cli:host'),
      clerk: mintToken(bin, dataDir, '李书记员', 'clerk', 'cli:clerk'),
      petitioner: mintToken(bin, dataDir, '张三', 'petitioner', 'cli:petitioner'),
    };
    const port = await freePort();
    const base = `https://127.0.0.1:${port}`;
    server = startServer(bin, { dataDir: dataDir, port, webDir, logPath: join(tmp, 'server.log'), log: serverLog });
    try { await waitHealthy(server, base); } catch (e) { check('server answers /healthz', false, e.message); return; }
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    await scenario(browser, base, tokens, tmp);
    check('server is still running', !server.exitInfo, JSON.stringify(server.exitInfo));
    await stopServer(server);
    server = null;
    auditChecks(bin, dataDir);
    if (process.env.YF_E2E_SHOTS) {
      mkdirSync(process.env.YF_E2E_SHOTS, { recursive: true });
      for (const f of ['petitioner-waiting.png', 'host-room.png', 'petitioner-room.png', 'clerk-muted.png'])
        if (existsSync(join(tmp, f))) copyFileSync(join(tmp, f), join(process.env.YF_E2E_SHOTS, f));
    }
  } catch (e) {
    check('test ran to the end', false, e.stack || e.message);
  } finally {
    if (browser) await browser.close().catch(() => {});
    await wrapUp({ server, tmp, pageLog, serverLog });
  }
}

await main();
finish('room');

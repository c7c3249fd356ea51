// recording_crash.test.mjs -- the server is killed (SIGKILL) in the middle
// of a recorded hearing and started again on the same data directory. The
// pages come back by themselves, the host admits the petitioner again, the
// hearing goes on and ends. Afterwards: the captures the crash left were
// recovered (audit), at most one second of media before the kill is lost,
// the notes say when and for how long recording was interrupted, and the
// hearing's files cover the whole hearing, the gap included (nothing shifted
// in time), and the evidence package verifies.
// Ends "recording_crash: N passed, M failed"; exit 77 when a prerequisite is missing.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiRequest, check, sleep, startServer, waitHealthy } from './lib.mjs';
import { admit, discover, joinBoth, openHearing, runRecordedHearing, waitProcessed, waitState } from './hearing.mjs';

const BEFORE_S = 8;
const AFTER_S = 8;
const serverLog = [];

function auditRows(dataDir) {
  return execFileSync('sqlite3', [join(dataDir, 'yuanfang.db'),
    'SELECT action || \' \' || object || \' \' || detail FROM audit_log ORDER BY id'], { encoding: 'utf8' }).split('\n');
}

await runRecordedHearing('recording_crash', 'yf-e2e-crash-', 40, serverLog, async (t) => {
  const { bin, webDir, chromium, tmp, dataDir, media, port, base, browsers } = t;
  const start = async (n) => {
    const s = startServer(bin, { dataDir, port, webDir, logPath: join(tmp, `server-${n}.log`), log: serverLog });
    await waitHealthy(s, base);
    return s;
  };
  t.server = await start(1);
  const h = await openHearing(port, '京检申〔2026〕2号');
  const joined = await joinBoth(chromium, base, h, media, browsers);
  if (!joined) return;
  const { host, pet } = joined;
  const tHost = joined.times.host;
  await sleep(BEFORE_S * 1000);

  t.server.kill('SIGKILL');
  const tKill = Date.now();
  await t.server.exited;
  check('the server was killed with SIGKILL', t.server.exitInfo.signal === 'SIGKILL', JSON.stringify(t.server.exitInfo));
  t.server = await start(2);
  const tRestart = Date.now();
  console.log(`# restarted ${tRestart - tKill} ms after the kill`);

  check('the host\'s page comes back by itself', await waitState(host.page, 'admitted', 30000) === 'admitted');
  let st = await waitState(pet.page, 'waiting', 30000);
  if (st === 'waiting') st = await admit(host, pet);
  check('the petitioner\'s page comes back and is admitted again', st === 'admitted', String(st));
  // Each page joins the restarted server once or twice (one early attempt may
  // find it still starting), never in a storm of doubling retries.
  await sleep(3000);
  const joins = readFileSync(join(tmp, 'server-2.log'), 'utf8').split('\n')
    .filter((l) => /room \S+: p\d+ \(\w+\) (re)?joined, /.test(l));
  check('after the restart each page joins again once, without a reconnect storm', joins.length >= 2 && joins.length <= 4,
    `${joins.length} joins: ${joins.map((l) => l.replace(/^.*room /, '')).join(' | ')}`);
  await sleep(AFTER_S * 1000);
  const end = await apiRequest(port, 'POST', `/hearings/${h.hearing.id}/end`, { token: h.token, body: {} });
  const tEnd = Date.now();
  check('the prosecutor ends the hearing after the restart', end.status === 200, end.raw.toString());
  for (const b of browsers.splice(0)) await b.close().catch(() => {});

  const list = await waitProcessed(port, h.token, h.hearing.id);
  check('the recording is processed and attached after the crash', list && list.recording.state === 'done',
    JSON.stringify(list && list.recording));
  const rows = auditRows(dataDir);
  const recovered = rows.filter((x) => new RegExp(`^recording\\.recovered hearing:${h.hearing.id} `).test(x));
  const last = Math.max(0, ...recovered.map((x) => Number((/ last=(\d+)/.exec(x) || [])[1] || 0)));
  check('the partial captures were found and recovered at start-up', recovered.length >= 2, recovered.join(' | '));
  check('at most one second of media lost before the kill', last > 0 && tKill - last <= 1000 && tKill - last >= -200,
    `last record ${tKill - last} ms before the kill`);

  const r = await apiRequest(port, 'GET', `/hearings/${h.hearing.id}`, { token: h.token });
  const notes = (r.json && r.json.notes && r.json.notes.text) || '';
  check('the notes say recording was interrupted by the crash', /^\[\d\d:\d\d:\d\d · \d\d:\d\d:\d\d\] 【系统】录音录像因服务器异常停止而中断$/m.test(notes), notes);
  const gap = /恢复（自 \d\d:\d\d:\d\d 起中断 (\d+) 秒/.exec(notes);
  const gapS = (Date.now() - tKill) / 1000;
  check('the notes say when recording resumed and for how long it was interrupted', gap && Number(gap[1]) >= 1 &&
    Number(gap[1]) <= gapS, notes);

  const items = (list && list.items) || [];
  const composite = items.find((i) => i.kind === 'composite');
  check('one composite and one file per participant (across the restart)', composite &&
    items.filter((i) => i.kind === 'participant').length === 2, JSON.stringify(items.map((i) => i.kind)));
  if (composite) {
    const dl = await apiRequest(port, 'GET', `/recordings/${composite.id}/download`, { token: h.token, timeoutMs: 60000 });
    const file = join(tmp, 'composite.webm');
    writeFileSync(file, dl.raw);
    const d = discover(file);
    const want = (tEnd - tHost) / 1000;
    check(`the composite spans the whole hearing, the gap kept (${d.seconds.toFixed(2)} s for ${want.toFixed(2)} s)`,
      d.ok && d.video && d.audio && Math.abs(d.seconds - want) <= 1.0, d.text.slice(0, 300));
  }
  const ev = await apiRequest(port, 'GET', `/hearings/${h.hearing.id}/evidence`, { token: h.token, timeoutMs: 60000 });
  const tar = join(tmp, 'evidence.tar');
  writeFileSync(tar, ev.raw);
  const v = spawnSync(bin, ['verify', tar, '--pubkey', join(dataDir, 'signing-key.pub.pem')], { encoding: 'utf8' });
  check('the evidence package (both capture sessions) verifies', ev.status === 200 && v.status === 0 &&
    /capture\/s2\//.test(execFileSync('tar', ['-tf', tar], { encoding: 'utf8' })), `${ev.status} ${v.stdout}${v.stderr}`.slice(0, 300));
  check('server is still running', !t.server.exitInfo, JSON.stringify(t.server.exitInfo));
});

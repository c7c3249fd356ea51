// api_stats.test.mjs -- the statistics over real HTTPS against the running
// server: cases received in three months (one before the period left out),
// answered within 7 days and late, one closed in time, others not decided
// yet; GET /stats's shares by month of receipt (an empty month would show as
// zeros), by type and by channel beside its older keys; GET /stats.csv's
// header, BOM, Chinese rows and file name, with no personal data; clear 400s
// for a bad period on both routes.
// Run by CTest with YF_SERVER_BIN and YF_WEB_DIR set; prints "api_stats: N
// passed, M failed".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiRequest, check, finish, startWithAdmin, stopServer } from './lib.mjs';

const bin = process.env.YF_SERVER_BIN;
const webDir = process.env.YF_WEB_DIR;
if (!bin || !webDir) {
  console.error('api_stats.test: YF_SERVER_BIN and YF_WEB_DIR must be set');
  process.exit(2);
}

let port = 0;
const api = (method, pathname, opts) => apiRequest(port, method, pathname, opts);
const errCode = (r) => r.json && r.json.error && r.json.error.code;
const errMsg = (r) => (r.json && r.json.error && r.json.error.message) || '';
const show = (r) => `${r.status} ${r.raw.toString().slice(0, 300)}`;
const serverLog = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'yf-api-stats-'));

/** Today's civil date in China Standard Time, and month arithmetic on it. */
const now = new Date(Date.now() + 8 * 3600e3);
const pad = (n) => String(n).padStart(2, '0');
const today = now.toISOString().slice(0, 10);
/** [year, month] of the month k months before this one. */
function monthBack(k) {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - k, 1));
  return [d.getUTCFullYear(), d.getUTCMonth() + 1];
}
const day = ([y, m], d) => `${y}-${pad(m)}-${pad(d)}`;
const monthKey = ([y, m]) => `${y}-${pad(m)}`;
const M2 = monthBack(2), M1 = monthBack(1), M0 = monthBack(0);
const FROM = day(M2, 1);

async function makeCase(token, caseNo, type, channel, received, petitioner, moves) {
  const r = await api('POST', '/cases', { token, body: { case_no: caseNo, type, channel, petitioner, received,
    contact: '13812345678' } });
  check(`case ${caseNo} (received ${received}) is registered`, r.status === 201, show(r));
  for (const to of moves) {
    const m = await api('POST', `/cases/${r.json.id}/transition`, { token, body: { to } });
    check(`case ${caseNo} moves to ${to}`, m.status === 200, show(m));
  }
  return r.json;
}

const share = (s) => `${s.in_time}/${s.decided}`;
function cellText(c) {
  return `${c.total} ${share(c.reply_within_7_days)} ${share(c.result_within_3_months)}`;
}

async function numbers(T) {
  // A and D today (answered at once; D closed too), B answered late, C and E
  // never answered past their reply day, F before the period.
  await makeCase(T.pros, 'TJ-A', 'accusation', 'visit', today, '甲某', ['review', 'assign']);
  await makeCase(T.pros, 'TJ-B', 'accusation', 'letter', day(M2, 10), '乙某', ['review', 'assign']);
  await makeCase(T.pros, 'TJ-C', 'appeal', 'visit', day(M2, 5), '丙某', []);
  await makeCase(T.pros, 'TJ-D', 'appeal', 'online', today, '丁某', ['review', 'closed']);
  await makeCase(T.pros, 'TJ-E', 'report', 'phone', day(M1, 1), '戊某', []);
  await makeCase(T.pros, 'TJ-F', 'accusation', 'visit', day(monthBack(14), 1), '己某', []);

  const r = await api('GET', `/stats?from=${FROM}&to=${today}`, { token: T.viewer });
  check('GET /stats answers for the period', r.status === 200 && r.json.from === FROM && r.json.to === today, show(r));
  const s = r.json;
  check('… its older keys still hold: total, by_type, by_channel, by_stage, the two shares',
    s.total === 5 && s.by_type.accusation === 2 && s.by_type.appeal === 2 && s.by_type.report === 1 &&
    !('judicial_aid' in s.by_type) && s.by_channel.visit === 2 && s.by_stage.register === 2 && s.by_stage.assign === 2 &&
    s.by_stage.closed === 1 && share(s.reply_within_7_days) === '2/5' && share(s.result_within_3_months) === '1/1' &&
    Math.abs(s.reply_within_7_days.share - 0.4) < 1e-9 && s.result_within_3_months.share === 1,
  JSON.stringify(s).slice(0, 500));
  check('… and the overdue list (C and E, past their reply day)', Array.isArray(s.overdue) &&
    s.overdue.some((o) => o.case_no === 'TJ-C') && s.overdue.some((o) => o.case_no === 'TJ-E'));

  const months = (s.months || []).map((m) => `${m.month}: ${cellText(m)}`);
  check('months: every month of the period, oldest first, by month of receipt', JSON.stringify(months) === JSON.stringify([
    `${monthKey(M2)}: 2 0/2 0/0`, `${monthKey(M1)}: 1 0/1 0/0`, `${monthKey(M0)}: 2 2/2 1/1`]), months.join('; '));
  const types = Object.fromEntries((s.types || []).map((x) => [x.type, cellText(x)]));
  check('types: all six, each with its count and both shares', (s.types || []).length === 6 &&
    types.accusation === '2 1/2 0/0' && types.appeal === '2 1/2 1/1' && types.report === '1 0/1 0/0' &&
    types.judicial_aid === '0 0/0 0/0', JSON.stringify(types));
  const chans = Object.fromEntries((s.channels || []).map((x) => [x.channel, cellText(x)]));
  check('channels: all five, each with its count and both shares', (s.channels || []).length === 5 &&
    chans.visit === '2 1/2 0/0' && chans.letter === '1 0/1 0/0' && chans.online === '1 1/1 1/1' &&
    chans.phone === '1 0/1 0/0' && chans.video === '0 0/0 0/0', JSON.stringify(chans));
  const empty = s.types.find((x) => x.type === 'judicial_aid');
  check('a share with nothing decided is null, not 0', empty.reply_within_7_days.share === null &&
    empty.result_within_3_months.share === null);

  // A period of one empty month still lists that month, with zeros.
  const r2 = await api('GET', `/stats?from=${day(monthBack(5), 1)}&to=${day(monthBack(5), 28)}`, { token: T.viewer });
  check('an empty period lists its one month with zeros', r2.status === 200 && r2.json.total === 0 &&
    r2.json.months.length === 1 && cellText(r2.json.months[0]) === '0 0/0 0/0', show(r2));
}

async function csv(T) {
  const r = await api('GET', `/stats.csv?from=${FROM}&to=${today}`, { token: T.pros });
  check('GET /stats.csv is 200 text/csv; charset=utf-8', r.status === 200 &&
    r.headers['content-type'] === 'text/csv; charset=utf-8', `${r.status} ${r.headers['content-type']}`);
  check('… an attachment named after the period', r.headers['content-disposition'] ===
    `attachment; filename="yuanfang-stats-${FROM}-${today}.csv"`, r.headers['content-disposition']);
  check('… not cached', r.headers['cache-control'] === 'no-store', r.headers['cache-control']);
  check('… starting with a UTF-8 byte order mark (Excel on a Chinese Windows)', r.raw[0] === 0xef && r.raw[1] === 0xbb &&
    r.raw[2] === 0xbf);
  const text = r.raw.subarray(3).toString('utf8');
  const lines = text.split('\r\n');
  check('… CRLF lines: a header, the period, 3 months, 6 types, 5 channels', lines.length === 17 && lines[16] === '' &&
    !/[^\r]\n/.test(text), JSON.stringify(lines));
  check('… Chinese column headers', lines[0] ===
    '分组,项目,收案（件）,7日内答复（件）,应答复（件）,7日内答复率,3个月内办结（件）,应办结（件）,3个月内办结率', lines[0]);
  const [fy, fm] = M2;
  const [ty, tm, td] = today.split('-').map(Number);
  check('… the period in words with the totals and shares to one decimal', lines[1] ===
    `合计,${fy}年${fm}月1日至${ty}年${tm}月${td}日,5,2,5,40.0%,1,1,100.0%`, lines[1]);
  check('… months as 2024年4月', lines[2] === `按月,${M2[0]}年${M2[1]}月,2,0,2,0.0%,0,0,` &&
    lines[4] === `按月,${M0[0]}年${M0[1]}月,2,2,2,100.0%,1,1,100.0%`, lines.slice(2, 5).join(' | '));
  check('… types and channels by their Chinese names; nothing decided is an empty cell', lines.includes('按类型,控告,2,1,2,50.0%,0,0,') &&
    lines.includes('按类型,司法救助,0,0,0,,0,0,') && lines.includes('按渠道,网,1,1,1,100.0%,1,1,100.0%') &&
    lines.includes('按渠道,视频,0,0,0,,0,0,'), lines.slice(5).join(' | '));
  check('… and no personal data: no case numbers, names or contacts', !/TJ-|甲某|丙某|138/.test(text));

  const d = await api('GET', '/stats.csv', { token: T.viewer });
  const dFrom = new Date(Date.parse(`${today}T00:00:00Z`) - 29 * 86400e3).toISOString().slice(0, 10);
  check('without from and to: the 30 days ending today', d.status === 200 &&
    d.headers['content-disposition'] === `attachment; filename="yuanfang-stats-${dFrom}-${today}.csv"`,
  `${d.status} ${d.headers['content-disposition']}`);
  const n = await api('GET', '/stats.csv');
  check('without credentials: 401', n.status === 401 && errCode(n) === 'unauthorized', show(n));
}

async function badPeriods(T) {
  for (const route of ['/stats', '/stats.csv']) {
    for (const [q, says] of [
      ['from=2024-13-01', /from must be a date YYYY-MM-DD/],
      ['from=2024-4-1', /from must be a date YYYY-MM-DD/],
      ['to=tomorrow', /to must be a date YYYY-MM-DD/],
      ['from=', /from must be a date/],
      ['from=2024-05-01&to=2024-04-01', /from \(2024-05-01\) is after to \(2024-04-01\)/],
      ['from=2000-01-01&to=2024-01-01', /longer than 3660 days/],
    ]) {
      const r = await api('GET', `${route}?${q}`, { token: T.viewer });
      check(`${route}?${q} is 400 saying what is wrong`, r.status === 400 && errCode(r) === 'bad_request' &&
        says.test(errMsg(r)) && r.headers['content-type'].startsWith('application/json'), show(r));
    }
  }
  let r = await api('GET', '/stats.csv?from=2014-01-01&to=2024-01-09', { token: T.viewer });
  check('a period 3660 days long is allowed', r.status === 200, show(r));
  r = await api('GET', '/stats.csv?from=2014-01-01&to=2024-01-10', { token: T.viewer });
  check('… one day more is not', r.status === 400 && /longer than 3660 days/.test(errMsg(r)), show(r));
}

let child = null;
try {
  const started = await startWithAdmin(bin, webDir, tmp, serverLog);
  child = started.server;
  port = started.port;
  const T = { admin: started.admin };
  for (const [name, role] of [['pros', 'prosecutor'], ['viewer', 'viewer']]) {
    await api('POST', '/staff', { token: T.admin, body: { username: name, display_name: `${name} 名`, role,
      password: `${name}-password-1` } });
    const s = await api('POST', '/auth/login', { body: { username: name, password: `${name}-password-1` } });
    T[name] = s.json && s.json.token;
  }
  check('the staff accounts sign in', Boolean(T.pros && T.viewer));
  await numbers(T);
  await csv(T);
  await badPeriods(T);

  const stopped = await stopServer(child);
  const log = fs.readFileSync(path.join(tmp, 'server.log'), 'utf8');
  child = null;
  check('the server stops cleanly', stopped.code === 0, `${JSON.stringify(stopped)}\n${log}`);
  check('the server logged no error or sanitizer report', !/ERROR|Sanitizer|runtime error/.test(log), log);
} catch (e) {
  check('api_stats test ran to the end', false, e.stack || String(e));
  console.log(serverLog.slice(-60).join('\n'));
} finally {
  await stopServer(child);
  fs.rmSync(tmp, { recursive: true, force: true });
}
finish('api_stats');

// openapi_live.mjs -- part (d) of openapi.test.mjs: the real server's replies
// against docs/openapi.yaml. One walk through the API (sign-in, accounts, a
// case, the 督办 ledger, an appointment rescheduled, an invitation reissued
// and revoked, the day's appointments, the invitee's view, a hearing, its
// note, statistics, the audit log, a cancellation) and a few refusals; each
// reply's status must be one the operation describes and its body must fit
// that status's schema exactly (no elisions here).
import fs from 'node:fs';
import path from 'node:path';
import { apiRequest, check, createUser, freePort, startServerReady, stopServer, tempDirs } from './lib.mjs';
import { describeErrors, findOperation } from './openapi_spec.mjs';

/** Starts the server, walks the API, stops it. */
export async function live({ spec, S, bin, webDir }) {
  const { tmp, dataDir } = tempDirs('yf-openapi-');
  const log = [];
  let server = null;
  try {
    const made = createUser(bin, dataDir, { username: 'admin', role: 'admin', password: 'admin-password-1' });
    if (!check('live: the CLI creates an admin', made.status === 0, made.stderr)) return;
    const port = await freePort();
    server = await startServerReady(bin, { dataDir, port, webDir, workers: 1, logLevel: 'info',
      logPath: path.join(tmp, 'server.log'), log });
    await walk(spec, S, (method, p, opts) => apiRequest(port, method, p, opts));
  } catch (e) {
    check('live: the walk through the API ran', false, `${e.stack}\n${log.slice(-30).join('\n')}`);
  } finally {
    await stopServer(server).catch(() => {});
    if (process.env.YF_E2E_KEEP === '1') console.log(`# kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** One request and its reply judged against the spec; the reply. */
async function call(spec, S, api, method, p, opts = {}, want = null) {
  const r = await api(method, p, opts);
  const found = findOperation(spec, method, p);
  const label = `live: ${method} ${p.split('?')[0]} → ${r.status}`;
  if (!found) {
    check(`${label}: the operation is in the YAML`, false);
    return r;
  }
  const described = found.op.responses[String(r.status)] ? String(r.status) : found.op.responses.default ? 'default' : null;
  const target = described && S.schemaOf(found.op, described, (r.headers['content-type'] || '').split(';')[0]);
  // A reply that is not JSON (a CSV file) is judged as its text.
  const body = r.json !== null || /json/.test(r.headers['content-type'] || '') ? r.json : r.raw.toString('utf8');
  const errors = target ? S.judge(target.schema, body) : [];
  const why = want !== null && r.status !== want ? `expected ${want}: ${r.raw.toString().slice(0, 200)}`
    : !described ? `${found.method} ${found.path} describes no ${r.status} reply`
      : !target ? `no schema for ${r.headers['content-type']} in its ${described} reply`
        : describeErrors(errors);
  check(`${label} fits ${target ? target.name : 'its description'}`, !why, why);
  return r;
}

async function walk(spec, S, api) {
  const go = (method, p, opts, want) => call(spec, S, api, method, p, opts, want);
  let r = await go('POST', '/auth/login', { body: { username: 'admin', password: 'admin-password-1' } }, 200);
  const admin = r.json.token;
  await go('GET', '/me', { token: admin }, 200);
  r = await go('POST', '/staff', { token: admin, body: { username: 'wang.jc', display_name: '王检察官', role: 'prosecutor',
    password: 'correct horse battery' } }, 201);
  const prosId = r.json.id;
  await go('POST', '/staff', { token: admin, body: { username: 'li.sj', display_name: '李书记员', role: 'clerk',
    password: 'a long passphrase' } }, 201);
  await go('GET', '/staff?role=clerk', { token: admin }, 200);
  await go('GET', `/staff/${prosId}`, { token: admin }, 200);
  r = await go('POST', '/auth/login', { body: { username: 'wang.jc', password: 'correct horse battery' } }, 200);
  const pros = r.json.token;

  r = await go('POST', '/cases', { token: pros, body: { case_no: '京检控〔2024〕12号', type: '控告', channel: 'visit',
    petitioner: '张三', contact: '13800000000', id_number: '11010519491231002X', summary: '信访人反映……',
    received: '2024-05-01' } }, 201);
  const caseId = r.json.id;
  await go('GET', '/cases?limit=1', { token: pros }, 200);
  await go('GET', `/cases/${caseId}`, { token: pros }, 200);
  await go('POST', `/cases/${caseId}/transition`, { token: pros, body: { to: 'review', note: '材料齐全' } }, 200);
  await go('GET', `/cases/${caseId}/events`, { token: pros }, 200);
  await go('GET', `/cases?q=${encodeURIComponent('张三')}`, { token: pros }, 200);
  await go('GET', '/cases/due?within_days=30', { token: pros }, 200);

  const starts = new Date(Date.now() + 3600e3).toISOString();
  r = await go('POST', `/cases/${caseId}/appointments`, { token: pros, body: { starts_at: starts, title: '视频接访',
    invitees: [{ name: '张三', role: 'petitioner', contact: '13800000000' }, { name: '赵律师', role: 'agent' }] } }, 201);
  const apptId = r.json.appointment.id;
  const invitation = r.json.invitations[0].token;
  const agentId = r.json.invitations[1].id;
  await go('PATCH', `/appointments/${apptId}`, { token: pros, body: { title: '视频接访（改期）', kind: '检察听证' } }, 200);
  r = await go('POST', `/invitations/${agentId}/reissue`, { token: pros, body: {} }, 201);
  await go('POST', `/invitations/${r.json.id}/revoke`, { token: pros }, 200);
  await go('POST', `/invitations/${agentId}/revoke`, { token: pros }, 409);
  const day = new Date(Date.parse(starts) + 8 * 3600e3).toISOString().slice(0, 10);
  await go('GET', `/appointments?date=${day}`, { token: pros }, 200);
  await go('GET', `/appointments/${apptId}`, { token: pros }, 200);
  await go('GET', `/cases/${caseId}/appointments`, { token: pros }, 200);
  await go('POST', `/appointments/${apptId}/room-token`, { token: pros }, 200);
  await go('GET', '/invitation', { inv: invitation }, 200);
  await go('GET', '/me', { inv: invitation }, 200);
  await go('POST', '/invitation/rating', { inv: invitation, body: { score: 5 } }, 409);

  r = await go('POST', `/appointments/${apptId}/hearings`, { token: pros, body: {} }, 201);
  const hearingId = r.json.id;
  await go('POST', `/hearings/${hearingId}/notes`, { token: pros, body: { offset_ms: 61500, text: '信访人陈述：……' } }, 201);
  await go('GET', `/hearings/${hearingId}`, { token: pros }, 200);
  await go('GET', `/hearings/${hearingId}/notes`, { token: pros }, 200);
  await go('GET', `/hearings/${hearingId}/recordings`, { token: pros }, 200);
  await go('GET', `/hearings/${hearingId}/evidence`, { token: pros }, 409);
  await go('GET', `/cases/${caseId}/hearings`, { token: pros }, 200);
  await go('GET', `/appointments?date=${day}`, { token: pros }, 200);
  await go('PATCH', `/appointments/${apptId}`, { token: pros, body: { title: '开始后' } }, 409);
  r = await go('POST', `/cases/${caseId}/appointments`, { token: pros, body: { starts_at: starts,
    invitees: [{ name: '张三', role: 'petitioner' }] } }, 201);
  await go('POST', `/appointments/${r.json.appointment.id}/cancel`, { token: pros, body: { reason: '信访人申请改期' } }, 200);
  await go('POST', `/appointments/${r.json.appointment.id}/cancel`, { token: pros, body: { reason: '再次' } }, 409);

  await go('GET', '/stats?from=2024-04-01&to=2024-05-31', { token: pros }, 200);
  await go('GET', '/stats.csv?from=2024-04-01&to=2024-05-31', { token: pros }, 200);
  await go('GET', '/stats.csv?from=2024-05-01&to=2024-04-01', { token: pros }, 400);
  await go('GET', '/audit?limit=5', { token: admin }, 200);
  await go('GET', '/audit/verify', { token: admin }, 200);

  // Refusals carry the Error schema with a documented status.
  await go('GET', '/me', {}, 401);
  await go('GET', '/audit', { token: pros }, 403);
  await go('GET', `/cases/${caseId + 1000}`, { token: pros }, 404);
  await go('POST', '/cases', { token: pros, body: { case_no: 'X-1' } }, 400);
  await go('POST', '/cases', { token: pros, body: { case_no: '京检控〔2024〕12号', type: 'appeal', channel: 'letter',
    petitioner: '李四' } }, 409);
  await go('POST', '/auth/logout', { token: pros, body: {} }, 200);
}

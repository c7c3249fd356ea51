// api_hearing_files.test.mjs -- what a hearing leaves behind, over the REST API
// against the real server: GET /hearings/{id} with the recorder's status, the
// recordings and the note for callers who may read them (and without for those
// who may not); the recordings listing's per-item fields; the evidence archive
// (409 not_ready while there is none); note finalization and confirmations.
// Holds whether or not the recorder is wired into the server: it checks shapes,
// not recorder states. Run by CTest with YF_SERVER_BIN and YF_WEB_DIR set.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { check, finish, startWithAdmin, stopServer } from './lib.mjs';

const bin = process.env.YF_SERVER_BIN;
const webDir = process.env.YF_WEB_DIR;
if (!bin || !webDir) {
  console.error('api_hearing_files.test: YF_SERVER_BIN and YF_WEB_DIR must be set');
  process.exit(2);
}

const errCode = (r) => r.json && r.json.error && r.json.error.code;
const show = (r) => `${r.status} ${r.raw.toString('utf8').slice(0, 400)}`;
const STATES = ['waiting', 'recording', 'queued', 'processing', 'done', 'failed', 'none'];
const isTime = (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v));

function statusShapeOk(s) {
  return s && typeof s === 'object' && STATES.includes(s.state) && typeof s.progress === 'number' &&
    s.progress >= 0 && s.progress <= 1 && (s.error === null || typeof s.error === 'string');
}

function notesShapeOk(n) {
  return n && typeof n.text === 'string' && (n.finalized_at === null || isTime(n.finalized_at)) &&
    Array.isArray(n.confirmations);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'yf-hearing-files-'));
let server = null;
const log = [];
try {
  const started = await startWithAdmin(bin, webDir, tmp, log);
  const { api, dataDir } = started;
  server = started.server;

  // ---- accounts, a case, an appointment, a running hearing with the clerk ----
  let r;
  const T = { admin: started.admin };
  const ids = {};
  for (const [name, role] of [['pros', 'prosecutor'], ['clerk', 'clerk'], ['viewer', 'viewer']]) {
    r = await api('POST', '/staff', { token: T.admin, body: { username: name, display_name: `${name} 名`, role,
      password: `${name}-password-1` } });
    ids[name] = r.json && r.json.id;
    r = await api('POST', '/auth/login', { body: { username: name, password: `${name}-password-1` } });
    T[name] = r.json && r.json.token;
  }
  check('test setup: prosecutor, clerk and viewer signed in', T.pros && T.clerk && T.viewer);
  r = await api('POST', '/cases', { token: T.pros, body: { case_no: 'F-1', type: 'accusation', channel: 'visit',
    petitioner: '张三' } });
  const kase = r.json;
  r = await api('POST', `/cases/${kase.id}/appointments`, { token: T.pros, body: {
    starts_at: new Date(Date.now() + 3600e3).toISOString(), invitees: [{ name: '张三', role: 'petitioner' }] } });
  const appt = r.json.appointment;
  r = await api('POST', `/appointments/${appt.id}/hearings`, { token: T.pros, body: {} });
  check('test setup: a hearing started', r.status === 201, show(r));
  const H = r.json;
  r = await api('POST', `/hearings/${H.id}/participants`, { token: T.pros, body: { staff_id: ids.clerk } });
  const clerkPid = r.json && r.json.id;
  r = await api('GET', `/hearings/${H.id}`, { token: T.pros });
  const prosPid = r.json.participants.find((p) => p.staff_id === ids.pros).id;

  // ---- GET /hearings/{id}: the parts each caller may read ----
  check('GET /hearings/{id} has the recorder status {state, progress, error}', r.status === 200 &&
    statusShapeOk(r.json.recording), show(r));
  check('GET /hearings/{id} has the recordings (none yet)', Array.isArray(r.json.recordings) &&
    r.json.recordings.length === 0);
  check('GET /hearings/{id} has the note: empty, not finalized, no confirmations', notesShapeOk(r.json.notes) &&
    r.json.notes.text === '' && r.json.notes.finalized_at === null && r.json.notes.confirmations.length === 0,
  JSON.stringify(r.json.notes));
  r = await api('GET', `/hearings/${H.id}`, { token: T.admin });
  check('an admin (case.read, no recording.read or notes.read) gets the hearing without those parts',
    r.status === 200 && r.json.participants.length === 2 && !('recording' in r.json) && !('recordings' in r.json) &&
    !('notes' in r.json), show(r));
  r = await api('GET', `/hearings/${H.id}`, { token: T.viewer });
  check('a viewer sees recordings and the note', r.status === 200 && statusShapeOk(r.json.recording) &&
    Array.isArray(r.json.recordings) && notesShapeOk(r.json.notes));
  r = await api('GET', `/hearings/${H.id}`, { token: T.clerk });
  check('the clerk of the hearing sees recordings and the note', r.status === 200 && 'recordings' in r.json &&
    'notes' in r.json);

  // ---- the evidence archive: none while the hearing runs ----
  r = await api('GET', `/hearings/${H.id}/evidence`, { token: T.pros });
  check('GET /hearings/{id}/evidence without an archive is 409 not_ready', r.status === 409 &&
    errCode(r) === 'not_ready', show(r));
  r = await api('GET', `/hearings/${H.id}/evidence`, { token: T.admin });
  check('the evidence archive needs recording.read (admin: 403)', r.status === 403 && errCode(r) === 'forbidden');
  r = await api('GET', '/hearings/999999/evidence', { token: T.pros });
  check('the evidence archive of an unknown hearing is 404', r.status === 404 && errCode(r) === 'not_found');

  // ---- the note: finalize, then each participant's decision ----
  r = await api('POST', `/hearings/${H.id}/notes/finalize`, { token: T.clerk, body: {} });
  check('finalizing a note without entries is 409', r.status === 409 && errCode(r) === 'conflict', show(r));
  r = await api('POST', `/hearings/${H.id}/notes`, { token: T.clerk, body: { offset_ms: 1000, text: '信访人陈述：……' } });
  check('test setup: a note entry', r.status === 201, show(r));
  r = await api('POST', `/hearings/${H.id}/notes/confirm`, { token: T.clerk,
    body: { participant_id: prosPid, confirm: true } });
  check('a confirmation before finalization is 409', r.status === 409 && errCode(r) === 'conflict', show(r));
  r = await api('POST', `/hearings/${H.id}/notes/finalize`, { token: T.viewer, body: {} });
  check('a viewer may not finalize (notes.write: 403)', r.status === 403);
  r = await api('POST', `/hearings/${H.id}/notes/finalize`, { token: T.clerk });
  check('POST /hearings/{id}/notes/finalize (no body) returns the finalized note', r.status === 200 &&
    r.json.hearing_id === H.id && isTime(r.json.finalized_at) && r.json.text.includes('信访人陈述') &&
    r.json.confirmations.length === 0, show(r));
  r = await api('POST', `/hearings/${H.id}/notes/finalize`, { token: T.clerk, body: {} });
  check('finalizing twice is 409', r.status === 409 && errCode(r) === 'conflict');
  r = await api('POST', `/hearings/${H.id}/notes`, { token: T.clerk, body: { offset_ms: 2000, text: '补记' } });
  check('an entry after finalization is 409', r.status === 409);

  for (const [name, body] of [
    ['confirm not a boolean', { participant_id: prosPid, confirm: 'yes' }],
    ['confirm missing', { participant_id: prosPid }],
    ['participant_id missing', { confirm: true }],
    ['an unknown field', { participant_id: prosPid, confirm: true, signature: 'x' }],
    ['a reason over 2000 characters', { participant_id: prosPid, confirm: false, reason: '长'.repeat(2001) }]]) {
    r = await api('POST', `/hearings/${H.id}/notes/confirm`, { token: T.clerk, body });
    check(`confirm with ${name} is 400 bad_request`, r.status === 400 && errCode(r) === 'bad_request', show(r));
  }
  r = await api('POST', `/hearings/${H.id}/notes/confirm`, { token: T.viewer,
    body: { participant_id: prosPid, confirm: true } });
  check('a viewer may not record a confirmation (403)', r.status === 403);
  r = await api('POST', `/hearings/${H.id}/notes/confirm`, { token: T.clerk,
    body: { participant_id: 999999, confirm: true } });
  check('a confirmation for someone not in the hearing is 404', r.status === 404 && errCode(r) === 'not_found', show(r));
  r = await api('POST', `/hearings/${H.id}/notes/confirm`, { token: T.clerk,
    body: { participant_id: prosPid, confirm: true } });
  check('POST /hearings/{id}/notes/confirm records a confirmation', r.status === 200 &&
    r.json.confirmations.length === 1 && r.json.confirmations[0].decision === 'confirm' &&
    r.json.confirmations[0].participant_id === prosPid && r.json.confirmations[0].reason === '', show(r));
  r = await api('POST', `/hearings/${H.id}/notes/confirm`, { token: T.clerk,
    body: { participant_id: clerkPid, confirm: false, reason: '记录不全' } });
  check('... and a refusal with its reason', r.status === 200 && r.json.confirmations.length === 2, show(r));
  r = await api('POST', `/hearings/${H.id}/notes/confirm`, { token: T.clerk,
    body: { participant_id: prosPid, confirm: false } });
  check('a second decision by the same participant is 409', r.status === 409 && errCode(r) === 'conflict', show(r));

  r = await api('GET', `/hearings/${H.id}`, { token: T.pros });
  const n = r.json && r.json.notes;
  const refusal = n && n.confirmations.find((c) => c.participant_id === clerkPid);
  check('GET /hearings/{id} shows the finalization and both decisions with names', r.status === 200 &&
    notesShapeOk(n) && isTime(n.finalized_at) && n.confirmations.length === 2 && refusal &&
    refusal.name === 'clerk 名' && refusal.role === 'clerk' && refusal.decision === 'refuse' &&
    refusal.reason === '记录不全' && isTime(refusal.at), JSON.stringify(n));
  r = await api('GET', `/hearings/${H.id}/notes`, { token: T.viewer });
  check('GET /hearings/{id}/notes shows the same', r.status === 200 && r.json.hearing_id === H.id &&
    isTime(r.json.finalized_at) && r.json.confirmations.length === 2);
  r = await api('GET', '/audit?action=note.', { token: T.admin });
  const acts = (r.json && r.json.items || []).map((e) => `${e.actor} ${e.action} ${e.detail}`);
  check('finalization and each decision are audited with the recording staff as actor',
    acts.includes(`staff:${ids.clerk} note.finalize `) &&
    acts.includes(`staff:${ids.clerk} note.confirm participant=${clerkPid} refuse`), acts.join('; '));

  // ---- the recordings listing: per-item participant, kind, media type, links ----
  // (Rows as the recorder writes them, inserted directly: the test must not depend on it.)
  fs.mkdirSync(path.join(dataDir, 'recordings', 'test'), { recursive: true });
  const files = [['composite.webm', 'NULL'], [`p${clerkPid}.mkv`, String(clerkPid)]];
  const sql = ['PRAGMA busy_timeout=5000;'];
  files.forEach(([name, pid], i) => {
    const bytes = Buffer.alloc(4000 + i, 0x41 + i);
    fs.writeFileSync(path.join(dataDir, 'recordings', 'test', name), bytes);
    const sha = createHash('sha256').update(bytes).digest('hex');
    sql.push(`INSERT INTO recordings (hearing_id, participant_id, path, size_bytes, duration_ms, sha256, created_ms)
      VALUES (${H.id}, ${pid}, 'recordings/test/${name}', ${bytes.length}, 3000, X'${sha}', ${Date.now()});`);
  });
  const ins = spawnSync('sqlite3', [path.join(dataDir, 'yuanfang.db'), sql.join('\n')], { encoding: 'utf8' });
  check('test setup: two recording rows', ins.status === 0, ins.stderr);
  r = await api('GET', `/hearings/${H.id}/recordings`, { token: T.pros });
  const items = (r.json && r.json.items) || [];
  const comp = items.find((x) => x.kind === 'composite');
  const part = items.find((x) => x.kind === 'participant');
  check('GET /hearings/{id}/recordings has the recorder status', r.status === 200 && statusShapeOk(r.json.recording),
    show(r));
  check('the composite: no participant, video/webm, view and download links', items.length === 2 && comp &&
    comp.participant === null && comp.participant_id === null && comp.media_type === 'video/webm' &&
    comp.view_url === `/api/v1/recordings/${comp.id}/view` &&
    comp.download_url === `/api/v1/recordings/${comp.id}/download`, JSON.stringify(items));
  check("a participant's file: name and role, video/x-matroska", part && part.participant_id === clerkPid &&
    part.participant && part.participant.name === 'clerk 名' && part.participant.role === 'clerk' &&
    part.media_type === 'video/x-matroska' && !JSON.stringify(items).includes('recordings/test'),
  JSON.stringify(part));
  r = await api('GET', part.download_url, { token: T.pros, headers: { range: 'bytes=0-9' } });
  check('download_url serves the .mkv as video/x-matroska with a range', r.status === 206 &&
    r.headers['content-type'] === 'video/x-matroska' && r.raw.length === 10 &&
    /attachment; filename="recording-\d+\.mkv"/.test(r.headers['content-disposition'] || ''), show(r));
  r = await api('GET', comp.view_url, { token: T.viewer });
  check('view_url serves the composite inline', r.status === 200 && r.raw.length === 4000 &&
    /^inline/.test(r.headers['content-disposition'] || ''));
  r = await api('GET', `/hearings/${H.id}`, { token: T.viewer });
  check('GET /hearings/{id} lists the same recording items', r.status === 200 && r.json.recordings.length === 2 &&
    JSON.stringify(r.json.recordings) === JSON.stringify(items));

  // ---- after the end: the keys keep their shapes ----
  r = await api('POST', `/hearings/${H.id}/end`, { token: T.pros, body: {} });
  check('test setup: the hearing ended', r.status === 200, show(r));
  r = await api('GET', `/hearings/${H.id}`, { token: T.pros });
  check('after the end GET /hearings/{id} still has a well-formed status', r.status === 200 &&
    statusShapeOk(r.json.recording), JSON.stringify(r.json.recording));
  r = await api('GET', `/hearings/${H.id}/evidence`, { token: T.pros });
  check('the evidence archive is 409 not_ready or the tar itself', (r.status === 409 && errCode(r) === 'not_ready') ||
    (r.status === 200 && r.headers['content-type'] === 'application/x-tar' &&
     r.headers['content-disposition'] === `attachment; filename="hearing-${H.id}-evidence.tar"`), show(r));
} catch (e) {
  check('no exception', false, `${e.stack}\n${log.slice(-40).join('\n')}`);
} finally {
  await stopServer(server);
  fs.rmSync(tmp, { recursive: true, force: true });
}
finish('api_hearing_files');

// hearing.js -- 听证详情: one hearing, during and after it.
// While it runs: who takes part (and, for the host, inviting a clerk and
// 结束听证), the room button, and the note (笔录) as it grows, with the
// clerk's entry form: the server stamps each entry's moment in the hearing.
// After it: the recording's progress while it is processed, then the player
// beside the note: clicking an entry seeks the video to its moment and the
// entry under the playhead is highlighted while it plays; finalizing the note,
// the participants' confirmations, downloads of each file and the evidence
// package. What a role may not see (recordings, notes) is simply absent: the
// API leaves those parts out of GET /hearings/{id}.
import { get, post, explain } from './api.js';
import { t, has } from './i18n.js';
import { h, notice, showErrors, clearErrors, busy, newId, checkStep } from './dom.js';
import { fmtDateTime, fmtTimeSec } from './format.js';
import { HOSTS, ROOM_ROLES, INVITEE_ROLES } from './codes.js';
import { enterRoom } from './enter.js';
import { signaturesBox } from './signatures.js';

const POLL_RUNNING_MS = 5000;      // new entries and 【系统】 lines during the hearing
const POLL_PROCESSING_MS = 2000;   // the recording's progress after it
const WRITERS = ['prosecutor', 'clerk', 'aid_staff'];   // notes.write on their own hearings
const PROCESSING = ['waiting', 'recording', 'queued', 'processing'];
const QUICK = ['hearing.quick.state', 'hearing.quick.ask', 'hearing.quick.answer', 'hearing.quick.evidence',
  'hearing.quick.read', 'hearing.quick.break'];

/** A participant's role in words (staff roles and invitee roles share the field). */
// A participant's role as the server names it: a staff role, an invitee
// role, or the role a room token gave (lawyer, hearing_officer, observer);
// never the code itself (the notes text uses the same names).
export function partRole(role) {
  if (INVITEE_ROLES.includes(role)) return t(`invitee.${role}`);
  if (has(`role.${role}`)) return t(`role.${role}`);
  return has(`roomRole.${role}`) ? t(`roomRole.${role}`) : t('roomRole.unknown');
}

export async function render(root, ctx) {
  const id = ctx.params[0];
  root.append(h('p', { class: 'muted', text: t('hearing.loading') }));
  let hr = await get(`/hearings/${id}`);
  const kase = await get(`/cases/${hr.case_id}`).catch(() => null);
  if (!ctx.alive()) return;
  const state = { hr, kase, ctx, player: null, timer: 0, root };
  ctx.setTitle(t('hearing.title', { kind: t(`kind.${hr.kind}`), no: kase ? kase.case_no : '' }));
  paint(state);
  const tick = async () => {
    if (!ctx.alive()) return;
    const wait = pollDelay(state.hr) || (state.repaintLater ? POLL_PROCESSING_MS : 0);
    if (!wait) return;
    state.timer = setTimeout(async () => {
      try {
        hr = await get(`/hearings/${id}`);
      } catch (e) {
        if (e.status === 401 || !ctx.alive()) return;
        tick();
        return;
      }
      if (!ctx.alive()) return;
      const before = state.hr;
      state.hr = hr;
      // A change of phase (ended, processed) paints the page anew; within a
      // phase only the parts that move are updated, so a half-written entry
      // or a playing video are left alone.
      if (phase(before) !== phase(hr) || state.repaintLater) {
        // A signature being drawn (signatures.js) is not wiped by a new phase:
        // the page is painted anew once it is sent or put away.
        state.repaintLater = Boolean(state.root.querySelector('.own-sign form'));
        if (!state.repaintLater) {
          // A message about the phase before ("正在生成录像文件") is out of date.
          for (const n of state.root.parentElement.querySelectorAll(':scope > .notice')) n.remove();
          paint(state);
        }
      }
      else update(state);
      tick();
    }, wait);
  };
  tick();
}

function phase(hr) {
  if (!hr.ended_at) return 'running';
  const st = hr.recording ? hr.recording.state : 'none';
  return PROCESSING.includes(st) ? 'processing' : st;
}

function pollDelay(hr) {
  if (!hr.ended_at) return POLL_RUNNING_MS;
  if (hr.recording && PROCESSING.includes(hr.recording.state)) return POLL_PROCESSING_MS;
  return 0;
}

function isHost(state) {
  return HOSTS.includes(state.ctx.me.role) && (state.hr.participants || []).some((p) => p.staff_id === state.ctx.me.id);
}

function canWrite(state) {
  return WRITERS.includes(state.ctx.me.role) && state.hr.notes && !state.hr.notes.finalized_at;
}

/* ---- the page ---- */

function paint(state) {
  const { hr, kase } = state;
  state.player = null;
  const head = h('div', { class: 'page-head' },
    h('h1', { tabindex: '-1', text: t('hearing.heading', { kind: t(`kind.${hr.kind}`) }) }),
    kase ? h('a', { class: 'tag', href: `#/cases/${kase.id}`, text: t('hearing.case', { no: kase.case_no }) }) : null,
    hr.ended_at ? h('span', { class: 'state muted', text: t('hearing.ended') })
      : h('span', { class: 'state live', text: t('hearing.running') }));
  const when = h('p', { class: 'muted' }, t('hearing.startedAt', { time: fmtDateTime(hr.started_at) }),
    hr.ended_at ? `　${t('hearing.endedAt', { time: fmtDateTime(hr.ended_at) })}` : '');
  const recP = hr.recording ? recordingPanel(state) : null;
  const notesP = hr.notes ? notesPanel(state) : null;
  let body;
  if (state.player) {
    // After the hearing: the player and the note side by side, the rest below.
    body = [h('div', { class: 'review-grid' }, recP, notesP),
      h('div', { class: 'two-col' }, participantsPanel(state), actionsPanel(state))];
  } else {
    const main = h('div', { class: 'case-main' }, recP, notesP,
      !recP && !notesP ? h('section', { class: 'panel' }, h('p', { class: 'muted', text: t('hearing.nothingForRole') })) : null);
    body = [h('div', { class: 'case-grid' }, main, h('div', { class: 'case-aside' }, actionsPanel(state), participantsPanel(state)))];
  }
  state.root.replaceChildren(head, when, ...body);
}

/** Refreshes what moves within one phase: the progress bar, the entries,
 * the participants. */
function update(state) {
  const { hr, root } = state;
  const prog = root.querySelector('[data-ref="progress"]');
  if (prog && hr.recording) fillProgress(prog, hr.recording);
  const list = root.querySelector('[data-ref="entries"]');
  if (list && hr.notes) fillEntries(state, list);
  const parts = root.querySelector('[data-ref="participants"]');
  if (parts) parts.replaceWith(participantList(state));
}

/* ---- actions: room, invite, end ---- */

function actionsPanel(state) {
  const { hr, ctx } = state;
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'hearing-actions' },
    h('h2', { id: 'hearing-actions', text: t('hearing.actions') }));
  if (hr.ended_at) {
    panel.append(h('p', { class: 'muted', text: t('hearing.endedNote') }));
    return panel;
  }
  const msg = h('p', { class: 'room-msg', role: 'status' });
  if (ROOM_ROLES.includes(ctx.me.role) && hr.appointment_id) {
    const btn = h('button', { type: 'button', class: 'btn primary wide', text: t('room.enter') });
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      msg.className = 'room-msg muted';
      msg.textContent = t('room.opening');
      try {
        const where = await enterRoom({ id: hr.appointment_id }, 'enter');
        msg.textContent = where === 'tab' ? t('room.opened') : t('room.noTab');
      } catch (e) {
        msg.className = 'room-msg bad';
        msg.textContent = explain(e).text;
      } finally {
        btn.disabled = false;
      }
    });
    panel.append(btn, msg);
  }
  if (isHost(state)) panel.append(inviteForm(state), endForm(state));
  return panel;
}

function inviteForm(state) {
  const id = newId('invite');
  const select = h('select', { id, name: 'staff_id' }, h('option', { value: '', text: t('hearing.invitePick') }));
  const form = h('form', { class: 'inline-form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: id, text: t('hearing.inviteLabel') }), select),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn', text: t('hearing.invite') })));
  get(`/hearings/${state.hr.id}/invitable`).then((r) => {
    for (const s of r.items || []) select.append(h('option', { value: String(s.id), text: `${s.display_name}（${t(`role.${s.role}`)}）` }));
  }).catch((e) => form.prepend(notice('bad', explain(e).text)));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!select.value) { showErrors(form, [{ field: 'staff_id', text: t('hearing.invitePickFirst') }]); return; }
    const name = select.selectedOptions[0].textContent;
    await busy(form, async () => {
      try {
        await post(`/hearings/${state.hr.id}/participants`, { staff_id: Number(select.value) });
        state.ctx.go(`#/hearings/${state.hr.id}`, { kind: 'ok', text: t('hearing.invited', { name }) });
      } catch (e) {
        if (e.status !== 401) showErrors(form, [explain(e, { staff_id: t('hearing.inviteLabel') })]);
      }
    });
  });
  return form;
}

function endForm(state) {
  const form = h('form', { class: 'inline-form end-form', novalidate: true },
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn danger', text: t('hearing.end') })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!form.dataset.checked) {
      clearErrors(form);
      checkStep(form, { lines: [t('hearing.endCheck'), t('hearing.endCheck2')], confirmText: t('hearing.endConfirm'),
        backText: t('common.back') });
      return;
    }
    await busy(form, async () => {
      try {
        await post(`/hearings/${state.hr.id}/end`, {});
        state.ctx.go(`#/hearings/${state.hr.id}`, { kind: 'ok', text: t('hearing.endedFlash') });
      } catch (e) {
        if (e.status !== 401) showErrors(form, [explain(e)]);
      }
    });
  });
  return form;
}

/* ---- participants ---- */

function participantsPanel(state) {
  return h('section', { class: 'panel', 'aria-labelledby': 'hearing-people' },
    h('h2', { id: 'hearing-people', text: t('hearing.participants') }), participantList(state));
}

function participantList(state) {
  const ps = state.hr.participants || [];
  if (!ps.length) return h('p', { class: 'muted', dataset: { ref: 'participants' }, text: t('hearing.noParticipants') });
  return h('ul', { class: 'people', dataset: { ref: 'participants' } }, ps.map((p) => h('li', {},
    h('span', { class: 'who-name', text: p.name }),
    h('span', { class: 'tag', text: partRole(p.role) }),
    h('span', { class: `state ${p.joined_at ? 'ok' : 'muted'}`,
      text: p.joined_at ? t('hearing.joinedAt', { time: fmtDateTime(p.joined_at) }) : t('hearing.notJoined') }))));
}

/* ---- the recording: progress, player, files ---- */

function fillProgress(el, rec) {
  const pct = Math.round((rec.progress || 0) * 100);
  const bar = el.querySelector('progress');
  const label = el.querySelector('.progress-label');
  // Before processing starts the bar has no value: the browser draws it as
  // "working, amount not known".
  if (rec.state === 'processing') bar.value = pct; else bar.removeAttribute('value');
  label.textContent = rec.state === 'processing' ? t('hearing.processing', { pct }) : t(`rec.${rec.state}`);
}

function recordingPanel(state) {
  const { hr } = state;
  const rec = hr.recording;
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'hearing-rec' },
    h('h2', { id: 'hearing-rec', text: t('hearing.recording') }));
  if (!hr.ended_at) {
    panel.append(h('p', { class: `rec rec-${rec.state}`, text: t(`rec.${rec.state}`) }));
    return panel;
  }
  if (PROCESSING.includes(rec.state)) {
    const id = newId('prog');
    const el = h('div', { class: 'progress', dataset: { ref: 'progress' } },
      h('label', { for: id, class: 'progress-label', 'aria-live': 'polite' }),
      h('progress', { id, max: 100 }),
      h('p', { class: 'hint', text: t('hearing.processingHint') }));
    fillProgress(el, rec);
    panel.append(el);
    return panel;
  }
  if (rec.state === 'failed') { panel.append(notice('bad', t('rec.failed'))); return panel; }
  const files = (hr.recordings || []).filter((r) => r.kind === 'composite' || r.kind === 'participant');
  if (!files.length) { panel.append(h('p', { class: 'muted', text: t('rec.none') })); return panel; }
  const composite = files.find((f) => f.kind === 'composite' && f.room !== 'deliberation') || files[0];
  const video = h('video', { controls: true, preload: 'metadata', playsinline: true, class: 'player', src: composite.view_url,
    'aria-label': t('hearing.playerLabel') });
  const fileId = newId('file');
  const pick = h('select', { id: fileId }, files.map((f) => h('option', { value: String(f.id), text: fileLabel(f) })));
  pick.value = String(composite.id);
  const dl = h('a', { class: 'btn small', href: composite.download_url, download: '', text: t('hearing.downloadFile') });
  const sum = h('code', { class: 'mono small', text: composite.sha256 });
  state.player = { video, file: composite };
  pick.addEventListener('change', () => {
    const f = files.find((x) => String(x.id) === pick.value);
    state.player.file = f;
    video.src = f.view_url;
    dl.href = f.download_url;
    sum.textContent = f.sha256;
    markPlaying(state);
  });
  video.addEventListener('timeupdate', () => markPlaying(state));
  video.addEventListener('seeked', () => markPlaying(state));
  panel.append(
    h('div', { class: 'field inline' }, h('label', { for: fileId, text: t('hearing.whichFile') }), pick),
    video,
    h('div', { class: 'actions' }, dl,
      h('a', { class: 'btn small', href: `/api/v1/hearings/${hr.id}/evidence`, download: '', text: t('hearing.downloadEvidence') })),
    h('details', { class: 'small muted' }, h('summary', { text: t('hearing.checksum') }), sum),
    h('p', { class: 'hint', text: t('hearing.audited') }));
  return panel;
}

function fileLabel(f) {
  const mins = Math.max(1, Math.round((f.duration_ms || 0) / 60000));
  if (f.room === 'deliberation') {
    return f.kind === 'composite' ? t('hearing.fileDelibComposite', { mins })
      : t('hearing.fileDelibOf', { name: f.participant ? f.participant.name : '', mins });
  }
  if (f.kind === 'composite') return t('hearing.fileComposite', { mins });
  return t('hearing.fileOf', { name: f.participant ? f.participant.name : '', role: f.participant ? partRole(f.participant.role) : '', mins });
}

/** Where entry e plays in the current file, in seconds; null when the file
 * does not say where its time 0 lies in the hearing. */
function entrySeconds(state, e) {
  const f = state.player && state.player.file;
  if (!f || f.hearing_offset_ms === null || f.hearing_offset_ms === undefined) return null;
  return Math.max(0, (e.offset_ms - f.hearing_offset_ms) / 1000);
}

/** Highlights the entry under the playhead: the last one whose moment has come. */
function markPlaying(state) {
  if (!state.player) return;
  const now = state.player.video.currentTime;
  let current = null;
  for (const li of state.root.querySelectorAll('[data-ref="entries"] li[data-offset]')) {
    li.classList.remove('playing');
    li.removeAttribute('aria-current');
    const s = entrySeconds(state, { offset_ms: Number(li.dataset.offset) });
    if (s !== null && s <= now + 0.05) current = li;
  }
  if (current) {
    current.classList.add('playing');
    current.setAttribute('aria-current', 'true');
    const list = current.parentElement;
    if (current.offsetTop < list.scrollTop || current.offsetTop > list.scrollTop + list.clientHeight - current.offsetHeight) {
      list.scrollTop = current.offsetTop - list.clientHeight / 3;
    }
  }
}

/* ---- the note ---- */

function notesPanel(state) {
  const { hr } = state;
  const panel = h('section', { class: 'panel notes-panel', 'aria-labelledby': 'hearing-notes' },
    h('h2', { id: 'hearing-notes', text: t(hr.kind === 'reception' ? 'hearing.notesReception' : 'hearing.notes') }));
  const n = hr.notes;
  if (n.finalized_at) panel.append(h('p', { class: 'state ok', text: t('hearing.finalizedAt', { time: fmtDateTime(n.finalized_at) }) }));
  if (state.player) panel.append(h('p', { class: 'hint', text: t('hearing.clickToSeek') }));
  const list = h('ol', { class: 'entries', dataset: { ref: 'entries' }, 'aria-live': hr.ended_at ? null : 'polite' });
  fillEntries(state, list);
  panel.append(list);
  if (canWrite(state) && !hr.ended_at) panel.append(entryForm(state));
  if (canWrite(state) && hr.ended_at && (n.entries || []).length) panel.append(finalizeForm(state));
  if (n.finalized_at) panel.append(signaturesBox(state));
  return panel;
}

function fillEntries(state, list) {
  const entries = state.hr.notes.entries || [];
  // Drawn again only when the entries changed, so a poll neither flickers
  // nor moves someone who scrolled up to read; new entries scroll into view
  // only for a reader who was at the end already.
  const sig = entries.map((e) => e.id).join(',');
  if (list.dataset.sig === sig) return;
  const atEnd = !list.dataset.sig || list.scrollTop + list.clientHeight >= list.scrollHeight - 8;
  list.dataset.sig = sig;
  const keep = list.scrollTop;
  if (!entries.length) {
    list.replaceChildren(h('li', { class: 'muted', text: t('hearing.noEntries') }));
    return;
  }
  list.replaceChildren(...entries.map((e) => {
    // The entry's moment on the wall clock: what the composite shows in its
    // corner, and what the notes text says of the 【系统】 lines.
    const at = fmtTimeSec(Date.parse(state.hr.started_at) + e.offset_ms);
    const secs = entrySeconds(state, e);
    const stamp = secs === null ? h('span', { class: 'entry-at', text: at })
      : h('button', { type: 'button', class: 'entry-at seek', text: at, 'aria-label': t('hearing.seekTo', { at }),
        on: { click: () => {   // where it plays in the file chosen now
          const v = state.player.video;
          v.currentTime = entrySeconds(state, e) ?? secs;
          markPlaying(state);
          v.play().catch(() => {});
        } } });
    // The recorder's lines begin with 【系统】 themselves.
    const who = e.author ? h('span', { class: 'entry-who', text: `${e.author.name}（${partRole(e.author.role)}）` }) : null;
    return h('li', { class: e.author ? '' : 'system', dataset: { offset: String(e.offset_ms) } },
      stamp, who, h('p', { class: who ? 'entry-text' : 'entry-text system-text', text: e.text }));
  }));
  list.scrollTop = !state.hr.ended_at && atEnd ? list.scrollHeight : keep;
  markPlaying(state);
}

function draftKey(state) { return `yf-note-draft-${state.hr.id}`; }

function entryForm(state) {
  const id = newId('entry');
  const spk = newId('speaker');
  const people = (state.hr.participants || []);
  const speaker = h('select', { id: spk, name: 'speaker' }, h('option', { value: '', text: t('hearing.speakerNone') }),
    people.map((p) => h('option', { value: `${p.name}（${partRole(p.role)}）`, text: `${p.name}（${partRole(p.role)}）` })));
  const text = h('textarea', { id, name: 'text', rows: 4, maxlength: 20000, 'aria-describedby': `${id}-hint` });
  // A draft outlives a reload of the page (never the browser's storage of
  // another hearing): it is the clerk's work until it is added.
  try { text.value = sessionStorage.getItem(draftKey(state)) || ''; } catch { /* storage off */ }
  text.addEventListener('input', () => { try { sessionStorage.setItem(draftKey(state), text.value); } catch { /* storage off */ } });
  const quick = h('div', { class: 'quick', role: 'group', 'aria-label': t('hearing.quickLabel') }, QUICK.map((k) =>
    h('button', { type: 'button', class: 'btn small', text: t(k), on: { click: () => {
      const phrase = t(k);
      text.value = text.value ? `${text.value}${phrase}` : phrase;
      text.dispatchEvent(new Event('input'));
      text.focus();
    } } })));
  const form = h('form', { class: 'entry-form inline-form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: spk, text: t('hearing.speaker') }), speaker),
    quick,
    h('div', { class: 'field' }, h('label', { for: id, text: t('hearing.entryText') }),
      h('p', { class: 'hint', id: `${id}-hint`, text: t('hearing.entryHint') }), text),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', text: t('hearing.addEntry') })));
  text.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) form.requestSubmit(); });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = text.value.trim();
    if (!body) { showErrors(form, [{ field: 'text', text: t('hearing.entryEmpty') }]); return; }
    const full = speaker.value ? `${speaker.value}：${body}` : body;
    await busy(form, async () => {
      try {
        await post(`/hearings/${state.hr.id}/notes`, { text: full });
        clearErrors(form);
        text.value = '';
        try { sessionStorage.removeItem(draftKey(state)); } catch { /* storage off */ }
        state.hr.notes = await get(`/hearings/${state.hr.id}/notes`);
        fillEntries(state, state.root.querySelector('[data-ref="entries"]'));
        text.focus();
      } catch (e) {
        if (e.status !== 401) showErrors(form, [explain(e, { text: t('hearing.entryText') })]);
      }
    });
  });
  return form;
}

function finalizeForm(state) {
  const form = h('form', { class: 'inline-form', novalidate: true },
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', text: t('hearing.finalize') })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!form.dataset.checked) {
      checkStep(form, { lines: [t('hearing.finalizeCheck')], confirmText: t('hearing.finalizeConfirm'), backText: t('common.back') });
      return;
    }
    await busy(form, async () => {
      try {
        await post(`/hearings/${state.hr.id}/notes/finalize`, {});
        state.ctx.go(`#/hearings/${state.hr.id}`, { kind: 'ok', text: t('hearing.finalized') });
      } catch (e) {
        if (e.status !== 401) showErrors(form, [explain(e)]);
      }
    });
  });
  return form;
}

// signatures.js -- 笔录核对 on the console: each participant who must confirm
// the finalized note, what they decided, when, whether on their own screen or
// recorded by staff, their reason and the signature image (GET
// /hearings/{id}/notes/signatures/{pid}, each view audited); and, for a staff
// member who took part and has not decided, the same choice the petitioner has:
// sign on the screen (../js/sign.js) or object with a reason (POST
// /hearings/{id}/notes/sign). Used by the hearing page and the case page.
import { post, explain } from './api.js';
import { t, has } from './i18n.js';
import { h, showErrors, clearErrors, busy, newId, checkStep } from './dom.js';
import { fmtDateTime } from './format.js';
import { INVITEE_ROLES } from './codes.js';
import { createSignaturePad } from '../js/sign.js';

function roleText(role) {
  if (INVITEE_ROLES.includes(role)) return t(`invitee.${role}`);
  if (has(`role.${role}`)) return t(`role.${role}`);
  return has(`roomRole.${role}`) ? t(`roomRole.${role}`) : t('roomRole.unknown');
}

function statusOf(s) {
  if (!s.decision) return h('span', { class: 'state muted', text: t('sign.pending') });
  return h('span', { class: `state ${s.decision === 'confirm' ? 'ok' : 'bad'}`, text: t(`hearing.decision.${s.decision}`) });
}

/** One signer: name and role, decision, when and by whom, reason, signature. */
function signerItem(hearingId, s) {
  const name = `${s.name}（${roleText(s.role)}）`;
  return h('li', { class: 'signer', dataset: { participant: String(s.participant_id) } },
    h('div', { class: 'signer-line' },
      h('span', { class: 'who-name', text: name }), statusOf(s),
      s.at ? h('span', { class: 'muted', text: fmtDateTime(s.at) }) : null,
      s.decision ? h('span', { class: 'muted', text: t(s.by === 'self' ? 'sign.bySelf' : 'sign.byStaff') }) : null),
    s.reason ? h('p', { class: 'tl-note', text: t('sign.reasonIs', { reason: s.reason }) }) : null,
    s.signature ? h('img', { class: 'signature-img', loading: 'lazy', alt: t('sign.imageAlt', { name: s.name }),
      src: `/api/v1/hearings/${hearingId}/notes/signatures/${s.participant_id}` }) : null);
}

/** The list of signers of a finalized note (notes.signers), or a line saying
 * no one must confirm. */
export function signersList(hearingId, notes) {
  const list = (notes && notes.signers) || [];
  if (!list.length) return h('p', { class: 'muted', text: t('sign.nobody') });
  const open = list.filter((s) => s.must_confirm && !s.decision).length;
  return h('div', { class: 'signers' },
    h('p', { class: open ? 'state warn' : 'state ok', text: open ? t('sign.waiting', { n: open }) : t('sign.allDone') }),
    h('ul', {}, list.map((s) => signerItem(hearingId, s))));
}

/** The staff member's own decision: the two choices, then the pad or the reason. */
function ownForm(state, me) {
  const box = h('div', { class: 'own-sign' }, h('h3', { text: t('sign.yours') }),
    h('p', { text: t('sign.yoursLead', { kind: t(`kind.${state.hr.kind}`) }) }));
  const choose = h('div', { class: 'actions' },
    h('button', { type: 'button', class: 'btn primary', id: 'own-sign-confirm', text: t('sign.confirmBtn'),
      on: { click: () => padForm(state, box, choose) } }),
    h('button', { type: 'button', class: 'btn', id: 'own-sign-object', text: t('sign.objectBtn'),
      on: { click: () => objectForm(state, box, choose) } }));
  box.append(choose);
  return box;
}

async function sendDecision(state, form, body) {
  await busy(form, async () => {
    try {
      await post(`/hearings/${state.hr.id}/notes/sign`, body);
      state.ctx.go(`#/hearings/${state.hr.id}`, { kind: 'ok', text: t(body.confirm ? 'sign.signedOk' : 'sign.objectedOk') });
    } catch (e) {
      if (e.status !== 401) showErrors(form, [explain(e, { reason: t('sign.reasonLabel'), signature: t('sign.padTitle') })]);
    }
  });
}

function padForm(state, box, choose) {
  choose.hidden = true;
  const id = newId('pad');
  const canvas = h('canvas', { id, class: 'sign-pad', tabindex: '0', role: 'img', 'aria-label': t('sign.padTitle'),
    'aria-describedby': `${id}-hint` });
  const form = h('form', { class: 'inline-form sign-form', novalidate: true },
    h('div', { class: 'field', dataset: { field: 'signature' } },
      h('label', { for: id, text: t('sign.padTitle') }),
      h('p', { class: 'hint', id: `${id}-hint`, text: t('sign.padHint') }), canvas),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn small', text: t('sign.undo'), on: { click: () => pad.undo() } }),
      h('button', { type: 'button', class: 'btn small', text: t('sign.clear'), on: { click: () => pad.clear() } })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', text: t('sign.submit') }),
      h('button', { type: 'button', class: 'btn', text: t('common.back'),
        on: { click: () => { form.remove(); choose.hidden = false; } } })));
  box.append(form);
  const pad = createSignaturePad(canvas, { onChange: () => clearErrors(form) });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!pad.ready()) { showErrors(form, [{ field: 'signature', text: t(pad.empty() ? 'sign.needInk' : 'sign.moreInk') }]); return; }
    if (!form.dataset.checked) {
      checkStep(form, { lines: [t('sign.checkSign')], confirmText: t('sign.submitFinal'), backText: t('common.back') });
      return;
    }
    await sendDecision(state, form, { confirm: true, signature: pad.toDataURL() });
  });
  canvas.focus();
}

function objectForm(state, box, choose) {
  choose.hidden = true;
  const id = newId('reason');
  const area = h('textarea', { id, name: 'reason', rows: 4, maxlength: 2000, 'aria-describedby': `${id}-hint` });
  const form = h('form', { class: 'inline-form sign-form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: id, text: t('sign.reasonLabel') }),
      h('p', { class: 'hint', id: `${id}-hint`, text: t('sign.reasonHint') }), area),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', text: t('sign.objectSubmit') }),
      h('button', { type: 'button', class: 'btn', text: t('common.back'),
        on: { click: () => { form.remove(); choose.hidden = false; } } })));
  box.append(form);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const reason = area.value.trim();
    if (!reason) { showErrors(form, [{ field: 'reason', text: t('sign.reasonMissing') }]); return; }
    if (!form.dataset.checked) {
      checkStep(form, { lines: [t('sign.checkObject', { reason })], confirmText: t('sign.submitFinal'), backText: t('common.back') });
      return;
    }
    await sendDecision(state, form, { confirm: false, reason });
  });
  area.focus();
}

/** The hearing page's 笔录核对 box: the signers, and the caller's own
 * choice when they must confirm and have not. */
export function signaturesBox(state) {
  const n = state.hr.notes;
  const box = h('div', { class: 'confirmations' }, h('h3', { text: t('hearing.confirmations') }),
    signersList(state.hr.id, n));
  const mine = (n.signers || []).find((s) => s.must_confirm && !s.decision &&
    (state.hr.participants || []).some((p) => p.id === s.participant_id && p.staff_id === state.ctx.me.id));
  if (mine) box.append(ownForm(state, mine));
  return box;
}

// staff.js -- 人员账号 (administrators): the accounts, a form for a new one,
// and per account 停用/启用, 重设密码 and 修改角色. Passwords are never shown
// back; the API's password rules come back as sentences beside the field.
import { get, post, patch, explain } from './api.js';
import { t } from './i18n.js';
import { h, clone, ref, notice, table, showErrors, clearErrors, busy, labelsOf, newId } from './dom.js';
import { fmtDate } from './format.js';
import { ROLES } from './codes.js';

export async function render(root, ctx) {
  ctx.setTitle(t('staff.title'));
  const msg = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const list = h('div', { class: 'list-body' }, h('p', { class: 'muted', text: t('app.loading') }));
  const form = createForm(ctx, msg, () => load(list, ctx, msg));
  form.hidden = true;
  form.id = 'staff-new';
  const open = h('button', { type: 'button', class: 'btn primary', text: t('staff.new'), 'aria-expanded': 'false', 'aria-controls': 'staff-new' });
  open.addEventListener('click', () => {
    form.hidden = !form.hidden;
    open.setAttribute('aria-expanded', String(!form.hidden));
    if (!form.hidden) form.elements.display_name.focus();
  });
  root.append(h('div', { class: 'page-head' }, h('h1', { tabindex: '-1', text: t('staff.heading') }), open), msg, form, list);
  await load(list, ctx, msg);
}

function say(msg, kind, text) {
  msg.replaceChildren(notice(kind, text));
}

function roleOptions(selected) {
  return ROLES.map((r) => h('option', { value: r, text: t(`role.${r}`), selected: r === selected }));
}

function createForm(ctx, msg, reload) {
  const form = clone('tpl-staff-new');
  ref(form, 'role').append(...roleOptions('prosecutor'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const labels = labelsOf(form);
    const v = (k) => form.elements[k].value.trim();
    const missing = ['display_name', 'username', 'password'].filter((k) => !v(k))
      .map((field) => ({ field, text: t('err.required', { label: labels[field] }) }));
    if (missing.length) { showErrors(form, missing); return; }
    clearErrors(form);
    await busy(form, async () => {
      try {
        const s = await post('/staff', { display_name: v('display_name'), username: v('username'), role: v('role'),
          password: form.elements.password.value });
        form.reset();
        say(msg, 'ok', t('staff.created', { name: s.display_name, role: t(`role.${s.role}`) }));
        await reload();
      } catch (e) {
        if (e.status !== 401) showErrors(form, [explain(e, labels)]);
      }
    });
  });
  return form;
}

async function load(list, ctx, msg) {
  let r;
  try {
    r = await get('/staff');
  } catch (e) {
    if (ctx.alive() && e.status !== 401) list.replaceChildren(notice('bad', explain(e).text));
    return;
  }
  if (!ctx.alive()) return;
  const reload = () => load(list, ctx, msg);
  const rows = (r.items || []).map((s) => {
    const slot = h('div', { class: 'row-slot' });
    const me = s.id === ctx.me.id;
    return h('tr', { class: s.disabled ? 'is-disabled' : '', dataset: { username: s.username } },
      h('td', {}, s.display_name, me ? h('span', { class: 'muted', text: t('staff.me') }) : null),
      h('td', { class: 'mono', text: s.username }),
      h('td', { text: t(`role.${s.role}`) }),
      h('td', {}, h('span', { class: `state ${s.disabled ? 'bad' : 'ok'}`, text: s.disabled ? t('staff.disabled') : t('staff.active') })),
      h('td', { class: 'nowrap', text: fmtDate(s.created_at) }),
      h('td', { class: 'row-actions' },
        h('div', { class: 'actions' },
          me ? null : toggleButton(s, msg, reload),
          h('button', { type: 'button', class: 'btn small', text: t('staff.resetPassword'),
            on: { click: () => slot.replaceChildren(passwordForm(s, slot, msg)) } }),
          me ? null : h('button', { type: 'button', class: 'btn small', text: t('staff.changeRole'),
            on: { click: () => slot.replaceChildren(roleForm(s, slot, msg, reload)) } })),
        slot));
  });
  list.replaceChildren(table({ caption: t('staff.heading'), cls: 'staff',
    head: [t('staff.colName'), t('staff.colUsername'), t('staff.colRole'), t('staff.colStatus'), t('staff.colCreated'), t('staff.colActions')],
    rows }));
}

function toggleButton(s, msg, reload) {
  const btn = h('button', { type: 'button', class: `btn small ${s.disabled ? '' : 'danger-quiet'}`,
    text: s.disabled ? t('staff.enable') : t('staff.disable') });
  btn.addEventListener('click', async () => {
    if (!s.disabled && !window.confirm(t('staff.disableConfirm', { name: s.display_name }))) return;
    btn.disabled = true;
    try {
      await patch(`/staff/${s.id}`, { disabled: !s.disabled });
      say(msg, 'ok', t(s.disabled ? 'staff.enabledDone' : 'staff.disabledDone', { name: s.display_name }));
      await reload();
    } catch (e) {
      btn.disabled = false;
      if (e.status !== 401) say(msg, 'bad', explain(e).text);
    }
  });
  return btn;
}

function passwordForm(s, slot, msg) {
  const id = newId('pw');
  const form = h('form', { class: 'inline-form', novalidate: true },
    h('div', { class: 'field' },
      h('label', { for: id, text: t('staff.resetFor', { name: s.display_name }) }),
      h('p', { class: 'hint', id: `${id}-hint`, text: t('staff.passwordHint') }),
      h('input', { id, name: 'password', type: 'text', autocomplete: 'new-password', spellcheck: 'false', 'aria-describedby': `${id}-hint` })),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn primary small', text: t('common.save') }),
      h('button', { type: 'button', class: 'btn quiet small', text: t('common.cancel'), on: { click: () => slot.replaceChildren() } })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const pw = form.elements.password.value;
    if (!pw) { showErrors(form, [{ field: 'password', text: t('err.required', { label: t('staff.newPassword') }) }]); return; }
    await busy(form, async () => {
      try {
        await post(`/staff/${s.id}/password`, { password: pw });
        slot.replaceChildren();
        say(msg, 'ok', t('staff.passwordDone', { name: s.display_name }));
      } catch (e) {
        if (e.status !== 401) showErrors(form, [explain(e, { password: t('staff.newPassword') })]);
      }
    });
  });
  setTimeout(() => form.elements.password.focus(), 0);
  return form;
}

function roleForm(s, slot, msg, reload) {
  const id = newId('role');
  const form = h('form', { class: 'inline-form', novalidate: true },
    h('div', { class: 'field' },
      h('label', { for: id, text: t('staff.roleFor', { name: s.display_name }) }),
      h('select', { id, name: 'role' }, roleOptions(s.role))),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn primary small', text: t('common.save') }),
      h('button', { type: 'button', class: 'btn quiet small', text: t('common.cancel'), on: { click: () => slot.replaceChildren() } })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const role = form.elements.role.value;
    await busy(form, async () => {
      try {
        await patch(`/staff/${s.id}`, { role });
        say(msg, 'ok', t('staff.roleDone', { name: s.display_name, role: t(`role.${role}`) }));
        await reload();
      } catch (e) {
        if (e.status === 401) return;
        showErrors(form, [explain(e, { role: t('staff.role') })]);
      }
    });
  });
  setTimeout(() => form.elements.role.focus(), 0);
  return form;
}

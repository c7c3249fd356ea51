// login.js -- the sign-in screen: user name and password, the cookie
// protocol of api.js, and the two refusals people meet in plain words (wrong
// password or disabled account; too many tries, with the minutes to wait).
import { login, explain } from './api.js';
import { t } from './i18n.js';
import { clone, ref, notice, showErrors, clearErrors, busy } from './dom.js';

/** opts.message: a notice node shown above the form (why we are here);
 * opts.done(staff) once signed in. */
export function render(main, opts) {
  const screen = clone('tpl-login');
  const form = screen.querySelector('form');
  if (opts.message) ref(form, 'msg').append(opts.message);
  main.replaceChildren(screen);
  form.elements.username.focus();

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const username = form.elements.username.value.trim();
    const password = form.elements.password.value;
    const missing = [];
    if (!username) missing.push({ field: 'username', text: t('login.needUser') });
    if (!password) missing.push({ field: 'password', text: t('login.needPassword') });
    if (missing.length) { showErrors(form, missing); return; }
    clearErrors(form);
    ref(form, 'msg').replaceChildren();
    await busy(form, async () => {
      try {
        const me = await login(username, password);
        opts.done(me);
      } catch (e) {
        // Neither field alone is wrong (the API does not say which), so the
        // refusal stands above both; the password is cleared for the retry.
        form.elements.password.value = '';
        ref(form, 'msg').replaceChildren(notice('bad', e.status === 401 ? t('login.wrong') : explain(e).text));
        form.elements.password.focus();
      }
    });
  });
}

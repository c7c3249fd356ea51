// index.js -- the landing page: fills its strings and carries ?lang= to the device test.
import { applyI18n, withLang } from './i18n.js';

applyI18n();
const link = document.getElementById('to-devtest');
link.href = withLang(link.getAttribute('href'));

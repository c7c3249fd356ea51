// notice.js -- remembers, per room token and browser tab, that the person saw
// the recording notice, so a reload of the room page rejoins without asking
// again. sessionStorage only: a new tab asks again.

async function keyOf(token) {
  const bytes = new TextEncoder().encode(token);
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return 'yf.notice.' + Array.from(hash.slice(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function noticeSeen(token) {
  try { return sessionStorage.getItem(await keyOf(token)) === '1'; } catch { return false; }
}

export async function markNoticeSeen(token) {
  try { sessionStorage.setItem(await keyOf(token), '1'); } catch { /* private mode: ask again */ }
}

// doc_examples.mjs -- the examples docs/api.md shows, for checking them
// against docs/openapi.yaml: ```http requests (method, path, query, body),
// ```http reply heads (status, headers), the query of a section heading
// (`GET /stats?from=…`), ```json blocks (a request body, or
// replies each starting with a status: `201 {...}`) and inline replies in
// prose (`201 {...}`), each tied to the operation of its section heading or
// of the request shown before it. Bodies are read by a JSON parser that
// accepts the doc's elisions ("…") and says where they are.

const OP = /`(GET|POST|PATCH|PUT|DELETE) (\/[^`\s]*)`/;
const REQUEST_LINE = /^(GET|POST|PATCH|PUT|DELETE) (\S+)/;

/** [{ line, kind: 'request'|'reply'|'head', method, path, query, status,
 * headers, body }] in document order; method/path null where no operation
 * is in scope (the Errors section's example). */
export function extractExamples(md) {
  const lines = md.split('\n');
  const out = [];
  let scope = null;                      // { method, path } of the section
  let para = null;                       // { line, text } of the prose paragraph being read
  const flushPara = () => {
    if (para) {
      for (const m of para.text.matchAll(/`(\d{3}) (\{[^`]*\})`/g)) {
        out.push({ line: para.line, kind: 'reply', ...scope, status: m[1], body: m[2] });
      }
    }
    para = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heading = /^(#{2,6})\s+(.*)$/.exec(line);
    const fence = /^```(\w*)\s*$/.exec(line);
    if (heading || fence || line.trim() === '') flushPara();
    if (heading) {
      const m = OP.exec(heading[2]);
      scope = m ? { method: m[1], path: m[2].split('?')[0] } : null;
      const query = m && m[2].split('?')[1];
      if (query) out.push({ line: i + 1, kind: 'request', ...scope, query, headers: {}, body: null });
    } else if (fence) {
      const start = i + 1;
      const body = [];
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
      const found = fence[1] === 'http' ? httpBlock(body, start + 1) : fence[1] === 'json' ? jsonBlock(body, start + 1, scope) : [];
      for (const ex of found) {
        if (ex.kind === 'request' && ex.method) scope = { method: ex.method, path: ex.path.split('?')[0] };
        out.push(ex.kind === 'head' ? { ...scope, ...ex } : ex);
      }
    } else if (line.trim() !== '') {
      if (!para) para = { line: i + 1, text: '' };
      para.text += `${line}\n`;
    }
  }
  flushPara();
  return out;
}

/** A request (`POST /api/v1/... \n headers \n body`) or a reply head
 * (`206 Partial Content \n headers`). */
function httpBlock(body, line) {
  const req = REQUEST_LINE.exec(body[0] || '');
  const status = /^(\d{3})\b/.exec(body[0] || '');
  const headers = {};
  let i = 1;
  for (; i < body.length && body[i].trim() !== '' && !body[i].trimStart().startsWith('{'); i++) {
    const h = /^([\w-]+):\s*(.*)$/.exec(body[i]);
    if (h) headers[h[1].toLowerCase()] = h[2];
  }
  const rest = body.slice(i).join('\n').trim();
  if (req) {
    const [path, query = ''] = req[2].split('?');
    return [{ line, kind: 'request', method: req[1], path, query, headers, body: rest || null }];
  }
  if (status) return [{ line, kind: 'head', status: status[1], headers }];
  return [];
}

/** A request body, or replies each opening with a status. */
function jsonBlock(body, line, scope) {
  if (!/^\d{3}\s/.test(body[0] || '')) return [{ line, kind: 'request', ...scope, query: '', headers: {}, body: body.join('\n') }];
  const out = [];
  body.forEach((text, k) => {
    const m = /^(\d{3})\s+(.*)$/.exec(text);
    if (m) out.push({ line: line + k, kind: 'reply', ...scope, status: m[1], body: m[2] });
    else if (out.length) out[out.length - 1].body += `\n${text}`;
  });
  return out;
}

/** JSON with the doc's elisions: a "…" (or words such as `recording item`)
 * where a member or an element would be, and strings with one "…" in them
 * ("138…", "…"; "……" is Chinese punctuation, not an elision). Returns
 * { value, elided: { objects, values } }: JSON pointers of objects with
 * members left out and of values left out. Throws on anything else. */
export function parseElided(text) {
  let i = 0;
  const objects = new Set(), values = new Set();
  const fail = (what) => { throw new Error(`${what} at offset ${i}: ${JSON.stringify(text.slice(i, i + 20))}`); };
  const ws = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  const key = (k) => String(k).replaceAll('~', '~0').replaceAll('/', '~1');
  // "…" or bare words up to the next , ] or } (never a JSON literal).
  const elision = () => {
    const m = /^(?:…+|[A-Za-z][A-Za-z ]*)(?=\s*[,\]}])/.exec(text.slice(i));
    if (!m || /^(true|false|null)$/.test(m[0].trim())) return false;
    i += m[0].length;
    return true;
  };
  const string = (ptr) => {
    const m = /^"(?:[^"\\\n]|\\.)*"/.exec(text.slice(i));
    if (!m) fail('bad string');
    i += m[0].length;
    const s = JSON.parse(m[0]);
    if (ptr !== null && /…/.test(s.replaceAll('……', ''))) values.add(ptr);
    return s;
  };
  const value = (ptr) => {
    ws();
    const c = text[i];
    if (c === '{') return object(ptr);
    if (c === '[') return array(ptr);
    if (c === '"') return string(ptr);
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
    if (!m) fail('bad value');
    i += m[0].length;
    return JSON.parse(m[0]);
  };
  const list = (close, item) => {
    i++;
    ws();
    if (text[i] === close) { i++; return; }
    for (;;) {
      ws();
      item();
      ws();
      if (text[i] === ',') { i++; continue; }
      if (text[i] === close) { i++; return; }
      fail(`expected , or ${close}`);
    }
  };
  const object = (ptr) => {
    const o = {};
    list('}', () => {
      if (elision()) { objects.add(ptr); return; }
      const k = string(null);
      if (Object.hasOwn(o, k)) fail(`duplicate key ${k}`);
      ws();
      if (text[i++] !== ':') fail('expected :');
      o[k] = value(`${ptr}/${key(k)}`);
    });
    return o;
  };
  const array = (ptr) => {
    const a = [];
    list(']', () => { if (!elision()) a.push(value(`${ptr}/${a.length}`)); });
    return a;
  };
  const v = value('');
  ws();
  if (i !== text.length) fail('text after the value');
  return { value: v, elided: { objects, values } };
}

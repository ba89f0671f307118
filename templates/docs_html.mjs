// Renders the API's description (templates/openapi.json) as the body of the
// /docs page (templates/docs.html), which the program shows in its layout.
// No dependencies: `node templates/docs_html.mjs > templates/docs.html`, or
// `make docs`. The API test checks that the committed page is up to date.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const esc = (s) => String(s).replace(/[&<>"']/g, (c) =>
  ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

// The Markdown the description uses: paragraphs, "- " lists, **bold**,
// `code` and [text](link), escaped first.
function inline(s) {
  return esc(s)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, '<a href="$2">$1</a>');
}

export function markdown(s) {
  if (!s) return '';
  return s.split(/\n{2,}/).map((block) => {
    const lines = block.split('\n');
    if (lines.every((l) => l.startsWith('- ')))
      return `<ul>\n${lines.map((l) => `<li>${inline(l.slice(2))}</li>`).join('\n')}\n</ul>`;
    return `<p>${inline(block.replace(/\n/g, ' '))}</p>`;
  }).join('\n');
}

function resolve(doc, o) {
  while (o && o.$ref) {
    const path = o.$ref.replace(/^#\//, '').split('/');
    o = path.reduce((v, k) => v[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  }
  return o;
}

const refName = (r) => r.split('/').pop();
const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

// One line saying what a schema allows.
function schemaText(s) {
  if (!s) return '';
  if (s.$ref) return `<a href="#schema-${slug(refName(s.$ref))}">${esc(refName(s.$ref))}</a>`;
  if (s.allOf) {
    const parts = s.allOf.map(schemaText);
    const extra = schemaText({ ...s, allOf: undefined });
    return [...parts, extra].filter(Boolean).join(', ');
  }
  const out = [];
  if (s.type) out.push(esc([].concat(s.type).join(' or ')));
  if (s.type === 'array' && s.items) out.push(`of ${schemaText(s.items)}`);
  if (s.format) out.push(`(${esc(s.format)})`);
  if ('const' in s) out.push(`always <code>${esc(JSON.stringify(s.const))}</code>`);
  if (s.enum) out.push(`one of ${s.enum.map((v) => `<code>${esc(JSON.stringify(v))}</code>`).join(', ')}`);
  if (s.minLength !== undefined && s.maxLength !== undefined) out.push(`${s.minLength} to ${s.maxLength} characters`);
  else if (s.maxLength !== undefined) out.push(`at most ${s.maxLength} characters`);
  else if (s.minLength !== undefined) out.push(`at least ${s.minLength} characters`);
  if (s.minimum !== undefined && s.maximum !== undefined) out.push(`${s.minimum} to ${s.maximum}`);
  else if (s.minimum !== undefined) out.push(`at least ${s.minimum}`);
  else if (s.maximum !== undefined) out.push(`at most ${s.maximum}`);
  if (s.maxItems !== undefined) out.push(`at most ${s.maxItems} items`);
  if (s.pattern) out.push(`matching <code>${esc(s.pattern)}</code>`);
  if (s.default !== undefined) out.push(`default <code>${esc(JSON.stringify(s.default))}</code>`);
  if (s.properties) {
    for (const [k, v] of Object.entries(s.properties))
      if (!s.type) out.push(`<code>${esc(k)}</code>: ${schemaText(v)}`);
  }
  return out.join(', ');
}

function table(head, rows) {
  if (rows.length === 0) return '';
  return `<div class="table-wrap"><table>\n<thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead>\n<tbody>\n${
    rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${c}</th>` : `<td>${c}</td>`)).join('')}</tr>`).join('\n')
  }\n</tbody>\n</table></div>`;
}

function propsTable(doc, s) {
  s = resolve(doc, s);
  const req = new Set(s.required || []);
  return table(['member', 'required', 'value'], Object.entries(s.properties || {}).map(([k, v]) => [
    `<code>${esc(k)}</code>`, req.has(k) ? 'yes' : 'no',
    [schemaText(v), markdown(v.description)].filter(Boolean).join(' '),
  ]));
}

function operation(doc, path, method, op, shared) {
  const id = `op-${op.operationId ? slug(op.operationId) : slug(method + path)}`;
  const h = [`<section aria-labelledby="${id}">`,
    `<h3 id="${id}"><code>${method.toUpperCase()} ${esc(path)}</code>: ${esc(op.summary || '')}</h3>`];
  h.push(markdown(op.description));
  const params = [...shared, ...(op.parameters || [])].map((p) => resolve(doc, p));
  if (params.length) {
    h.push('<h4>Parameters</h4>');
    h.push(table(['name', 'in', 'required', 'value'], params.map((p) => [
      `<code>${esc(p.name)}</code>`, esc(p.in), p.required ? 'yes' : 'no',
      [schemaText(p.schema), markdown(p.description)].filter(Boolean).join(' '),
    ])));
  }
  if (op.requestBody) {
    const b = resolve(doc, op.requestBody);
    h.push('<h4>Request body</h4>');
    h.push(markdown(b.description));
    for (const [type, m] of Object.entries(b.content)) {
      h.push(`<p>As <code>${esc(type)}</code>: ${schemaText(m.schema)}.</p>`);
    }
  }
  h.push('<h4>Responses</h4>');
  h.push(table(['status', 'answer'], Object.entries(op.responses).map(([status, r0]) => {
    const r = resolve(doc, r0);
    const body = Object.entries(r.content || {}).map(([t, m]) =>
      `<code>${esc(t)}</code>${m.schema && m.schema.$ref ? ` (${schemaText(m.schema)})` : ''}`).join(' or ');
    // Link is on every JSON answer, said once above: not repeated here.
    const headers = Object.keys(r.headers || {}).filter((n) => n !== 'Link')
      .map((n) => `<code>${esc(n)}</code>`).join(', ');
    const facts = [body ? `Body: ${body}.` : 'No body.', headers ? `Headers: ${headers}.` : '']
      .filter(Boolean).join(' ');
    return [esc(status), `<p>${facts}</p>\n${markdown(r.description)}`];
  })));
  h.push('</section>');
  return h.join('\n');
}

export function render(doc) {
  const out = [];
  out.push(`<h1>${esc(doc.info.title)}</h1>`);
  if (doc.info.summary) out.push(`<p class="lead">${inline(doc.info.summary)}</p>`);
  out.push(`<p>OpenAPI ${esc(doc.openapi)} description, version ${esc(doc.info.version)}: <a href="/openapi.json">/openapi.json</a>.</p>`);
  out.push('<nav aria-labelledby="toc-heading">\n<h2 id="toc-heading">Operations</h2>\n<ul>');
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item))
      if (method !== 'parameters')
        out.push(`<li><a href="#op-${slug(op.operationId)}"><code>${method.toUpperCase()} ${esc(path)}</code></a>: ${esc(op.summary || '')}</li>`);
  out.push('<li><a href="#schemas-heading">Schemas</a>, <a href="#problems-heading">problem types</a>, <a href="#headers-heading">headers</a></li>\n</ul>\n</nav>');
  out.push('<section aria-labelledby="about-heading">\n<h2 id="about-heading">How it works</h2>');
  out.push(markdown(doc.info.description));
  out.push('</section>');
  for (const tag of doc.tags || []) {
    out.push(`<section aria-labelledby="tag-${slug(tag.name)}">`);
    out.push(`<h2 id="tag-${slug(tag.name)}">${esc(tag.description || tag.name)}</h2>`);
    for (const [path, item] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(item))
        if (method !== 'parameters' && (op.tags || []).includes(tag.name))
          out.push(operation(doc, path, method, op, item.parameters || []));
    out.push('</section>');
  }
  out.push('<section aria-labelledby="schemas-heading">\n<h2 id="schemas-heading">Schemas</h2>');
  for (const [name, s] of Object.entries(doc.components.schemas)) {
    out.push(`<h3 id="schema-${slug(name)}">${esc(name)}</h3>`);
    out.push(markdown(s.description));
    out.push(propsTable(doc, s));
    for (const ex of s.examples || [])
      out.push(`<p>For example:</p>\n<pre><code>${esc(JSON.stringify(ex, null, 1))}</code></pre>`);
  }
  out.push('</section>');
  out.push('<section aria-labelledby="problems-heading">\n<h2 id="problems-heading">Problem types</h2>');
  out.push('<p>Every error is an RFC 9457 problem document whose <code>type</code> is the address of a page saying when the problem happens and what to do.</p>');
  const types = new Map();
  for (const r of Object.values(doc.components.responses)) {
    const sch = r.content?.['application/problem+json']?.schema;
    for (const t of sch?.properties?.type?.enum || []) types.set(t, sch.properties.status.const);
  }
  out.push(table(['type', 'status'], [...types].sort().map(([t, st]) =>
    [`<a href="${esc(t)}"><code>${esc(t)}</code></a>`, esc(st)])));
  out.push('</section>');
  out.push('<section aria-labelledby="headers-heading">\n<h2 id="headers-heading">Headers</h2>');
  out.push(table(['header', 'value'], Object.entries(doc.components.headers).map(([n, hd]) =>
    [`<code>${esc(n)}</code>`, [schemaText(hd.schema), markdown(hd.description)].filter(Boolean).join(' ')])));
  out.push('</section>');
  return out.join('\n') + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const doc = JSON.parse(readFileSync(join(ROOT, 'templates/openapi.json'), 'utf8'));
  process.stdout.write(render(doc));
}

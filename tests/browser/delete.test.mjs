// A delete is confirmed first: without the script by the server's page,
// with it inside the item; Keep changes nothing, Delete deletes once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, sql, seed } from './harness.mjs';

let s;
before(async () => { s = await start(); });
after(async () => { await stop(s); });

const exists = (id) => sql(s, `SELECT count(*) FROM todos WHERE id = ${id}`) === '1';

test('without JavaScript the server asks on a page of its own', async () => {
  const [keep, gone] = await seed(s, ['Water the plants', 'Buy milk']);
  const ctx = await s.browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(s.base + '/');
  const key = await page.inputValue(`#todo-${gone} form[action$="/delete"] input[name=idempotency_key]`);

  await page.click(`#todo-${gone} button.delete`);
  assert.equal(await page.locator('h1').textContent(), 'Delete \u2018Buy milk\u2019?');
  assert.ok(exists(gone), 'asking deletes nothing');
  assert.equal(await page.inputValue('main form input[name=idempotency_key]'), key);
  assert.equal(await page.inputValue('main form input[name=confirm]'), 'yes');
  await page.getByRole('link', { name: 'Keep it' }).click();
  await page.locator(`#todo-${gone}`).waitFor();
  assert.ok(exists(gone));

  // The list was loaded again, with fresh keys.
  const again = await page.inputValue(`#todo-${gone} form[action$="/delete"] input[name=idempotency_key]`);
  await page.click(`#todo-${gone} button.delete`);
  await page.locator('h1', { hasText: /^Delete / }).waitFor();
  assert.equal(await page.inputValue('main form input[name=idempotency_key]'), again);
  // A double-click on the confirmation's Delete: posted twice, deleted once.
  const box = await page.locator('main form button.delete').boundingBox();
  await page.mouse.click(box.x + 5, box.y + 5, { clickCount: 2, delay: 30 });
  await page.waitForURL(s.base + '/');
  await page.locator('h1', { hasText: 'Todos' }).waitFor();
  assert.equal(await page.locator(`#todo-${gone}`).count(), 0);
  assert.ok(!exists(gone));
  assert.ok(exists(keep));
  assert.equal(sql(s, `SELECT status FROM idempotency_keys WHERE key = '${again}'`), '303');
  assert.equal(sql(s, `SELECT count(*) FROM idempotency_keys WHERE key = '${key}'`), '0',
    'asking used no key');
  await ctx.close();
});

test('with the script the item asks, and the post carries confirm=yes and the same key', async () => {
  const [keep, gone] = await seed(s, ['Pay the electricity bill', 'Email Sam the photos']);
  const page = await s.browser.newPage();
  await page.goto(s.base + '/');
  const key = await page.inputValue(`#todo-${gone} form[action$="/delete"] input[name=idempotency_key]`);
  const posts = [];
  page.on('request', (r) => { if (r.method() === 'POST') posts.push(r.postData()); });

  await page.click(`#todo-${gone} button.delete`);
  const ask = page.locator(`#todo-${gone} .confirm-delete`);
  assert.equal(await ask.getAttribute('role'), 'group');
  assert.equal(await ask.locator('p').textContent(), 'Delete \u2018Email Sam the photos\u2019?');
  assert.equal(await page.locator('h1').textContent(), 'Todos', 'no page of its own');
  await ask.getByRole('button', { name: 'Delete' }).click();
  await page.locator(`#todo-${gone}`).waitFor({ state: 'detached' });
  assert.equal(posts.length, 1);
  assert.equal(new URLSearchParams(posts[0]).get('confirm'), 'yes');
  assert.equal(new URLSearchParams(posts[0]).get('idempotency_key'), key);
  assert.ok(!exists(gone));
  assert.ok(exists(keep));
  await page.close();
});

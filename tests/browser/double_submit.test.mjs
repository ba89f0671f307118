// One click-intent, one todo: double-clicks, bursts, reload and Back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, sql, createdPage } from './harness.mjs';

let s;
before(async () => { s = await start(); });
after(async () => { await stop(s); });

test('a double-click on Create makes one todo', async () => {
  const page = await s.browser.newPage();
  await page.goto(s.base + '/');
  await page.fill('#title', 'Double-clicked');
  const box = await page.locator('form.create button[type=submit]').boundingBox();
  await page.mouse.click(box.x + 5, box.y + 5, { clickCount: 2, delay: 30 });
  assert.match(await createdPage(page), /Created .Double-clicked./);
  assert.equal(sql(s, "SELECT count(*) FROM todos WHERE title = 'Double-clicked'"), '1');
  await page.close();
});

test('a click-click-click burst makes one todo', async () => {
  const page = await s.browser.newPage();
  await page.goto(s.base + '/');
  await page.fill('#title', 'Burst');
  const button = page.locator('form.create button[type=submit]');
  // Three clicks dispatched at once, before any response can arrive.
  await button.evaluate((b) => { b.click(); b.click(); b.click(); });
  await createdPage(page);
  assert.equal(sql(s, "SELECT count(*) FROM todos WHERE title = 'Burst'"), '1');
  await page.close();
});

test('reload, then Back and the same form again: still one todo', async () => {
  const page = await s.browser.newPage();
  await page.goto(s.base + '/');
  const key = await page.inputValue('form.create input[name=idempotency_key]');
  await page.fill('#title', 'Back button');
  await page.click('form.create button[type=submit]');
  await createdPage(page);
  await page.reload();
  assert.match(page.url(), /\/\?created=\d+$/);
  assert.equal(sql(s, "SELECT count(*) FROM todos WHERE title = 'Back button'"), '1');

  await page.goBack();
  // The form comes back as it was left: same key, same title.
  assert.equal(await page.inputValue('form.create input[name=idempotency_key]'), key);
  assert.equal(await page.inputValue('#title'), 'Back button');
  await page.click('form.create button[type=submit]');
  await createdPage(page);
  assert.equal(sql(s, "SELECT count(*) FROM todos WHERE title = 'Back button'"), '1');
  assert.equal(sql(s, `SELECT count(*) FROM idempotency_keys WHERE key = '${key}'`), '1');
  await page.close();
});

test('two tabs creating the same title make two todos', async () => {
  const ctx = await s.browser.newContext();
  const a = await ctx.newPage();
  const b = await ctx.newPage();
  await a.goto(s.base + '/');
  await b.goto(s.base + '/');
  await a.fill('#title', 'Buy milk');
  await b.fill('#title', 'Buy milk');
  await Promise.all([a.click('form.create button[type=submit]'),
    b.click('form.create button[type=submit]')]);
  await createdPage(a);
  await createdPage(b);
  assert.equal(sql(s, "SELECT count(*) FROM todos WHERE title = 'Buy milk'"), '2');
  await ctx.close();
});

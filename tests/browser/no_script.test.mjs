// With JavaScript off the plain form still works and the hidden key still
// protects it: create, double-submit, and the page for a re-used key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, sql, createdPage } from './harness.mjs';

let s;
before(async () => { s = await start(); });
after(async () => { await stop(s); });

test('create and re-post without JavaScript', async () => {
  const ctx = await s.browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(s.base + '/');
  const key = await page.inputValue('form.create input[name=idempotency_key]');
  await page.fill('#title', 'No script');
  await page.click('form.create button[type=submit]');
  assert.match(await createdPage(page), /Created .No script./);

  // The same form posted again (Back, then Create once more).
  await page.goBack();
  assert.equal(await page.inputValue('form.create input[name=idempotency_key]'), key);
  await page.fill('#title', 'No script');
  await page.click('form.create button[type=submit]');
  await createdPage(page);
  assert.equal(sql(s, "SELECT count(*) FROM todos WHERE title = 'No script'"), '1');

  // A double-click: the browser sends the form twice.
  await page.goto(s.base + '/');
  await page.fill('#title', 'No script, clicked twice');
  const box = await page.locator('form.create button[type=submit]').boundingBox();
  await page.mouse.click(box.x + 5, box.y + 5, { clickCount: 2, delay: 10 });
  await createdPage(page);
  assert.equal(sql(s, "SELECT count(*) FROM todos WHERE title = 'No script, clicked twice'"), '1');

  // The key re-used with other values: an explanation and a fresh form.
  await page.goBack();
  await page.fill('#title', 'Changed my mind');
  await page.click('form.create button[type=submit]');
  await page.locator('h1', { hasText: 'This form was already used' }).waitFor();
  const fresh = await page.inputValue('form.create input[name=idempotency_key]');
  assert.notEqual(fresh, key);
  assert.equal(await page.inputValue('#title'), 'Changed my mind');
  assert.equal(sql(s, "SELECT count(*) FROM todos WHERE title = 'Changed my mind'"), '0');
  await page.click('form.create button[type=submit]');
  await createdPage(page);
  assert.equal(sql(s, "SELECT count(*) FROM todos WHERE title = 'Changed my mind'"), '1');

  // A form with an error comes back with the message and the same key.
  await page.goto(s.base + '/');
  const k2 = await page.inputValue('form.create input[name=idempotency_key]');
  await page.fill('#title', ' ');
  await page.click('form.create button[type=submit]');
  await page.locator('.error-summary').waitFor();
  assert.match(await page.locator('.error-summary').textContent(), /Title: enter a title; it is empty\./);
  assert.equal(await page.getAttribute('#title', 'aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'title');
  assert.equal(await page.inputValue('form.create input[name=idempotency_key]'), k2);
  await ctx.close();
});

test('done and delete buttons work without JavaScript', async () => {
  const ctx = await s.browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(s.base + '/');
  await page.fill('#title', 'Toggle me');
  await page.click('form.create button[type=submit]');
  await createdPage(page);
  await page.click('button[aria-label="Mark as done: Toggle me"]');
  await page.locator('li.todo.done', { hasText: 'Toggle me' }).waitFor();
  assert.equal(sql(s, "SELECT is_completed FROM todos WHERE title = 'Toggle me'"), '1');
  await page.click('button[aria-label="Delete: Toggle me"]');
  await page.locator('h1', { hasText: 'Delete ‘Toggle me’?' }).waitFor();
  assert.equal(sql(s, "SELECT count(*) FROM todos WHERE title = 'Toggle me'"), '1');
  await page.click('form.confirm button.delete');
  await page.waitForURL(s.base + '/');
  assert.equal(sql(s, "SELECT count(*) FROM todos WHERE title = 'Toggle me'"), '0');
  await ctx.close();
});

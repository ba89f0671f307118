// What a person sees: escaping, security headers, labels, screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { start, stop, sql, createdPage, SHOTS } from './harness.mjs';

let s;
before(async () => { s = await start(); });
after(async () => { await stop(s); });

test('a hostile title renders as text and opens no dialog', async () => {
  const page = await s.browser.newPage();
  let dialogs = 0;
  page.on('dialog', (d) => { dialogs++; d.dismiss(); });
  const title = '<img src=x onerror=alert(1)>';
  await page.goto(s.base + '/');
  await page.fill('#title', title);
  await page.click('form.create button[type=submit]');
  await createdPage(page);
  await page.reload();
  assert.equal(await page.locator('li.todo .title').first().textContent(), title);
  assert.equal(await page.locator('li.todo img').count(), 0);
  await page.waitForTimeout(300);
  assert.equal(dialogs, 0);
  assert.equal(sql(s, 'SELECT title FROM todos'), title);
  await page.close();
});

test('security headers and a labelled, keyboard-usable form', async () => {
  const page = await s.browser.newPage();
  const res = await page.goto(s.base + '/');
  const h = res.headers();
  assert.match(h['content-security-policy'], /script-src 'self'/);
  assert.match(h['content-security-policy'], /frame-ancestors 'none'/);
  assert.equal(h['x-content-type-options'], 'nosniff');
  assert.ok(h['referrer-policy']);
  assert.equal(await page.getByLabel('Title').count(), 1);
  assert.equal(await page.getByLabel(/Description/).count(), 1);
  // Keyboard only: type the title, Enter submits.
  await page.getByLabel('Title').focus();
  await page.keyboard.type('Typed with the keyboard');
  await page.keyboard.press('Enter');
  assert.match(await createdPage(page), /Created .Typed with the keyboard./);
  await page.close();
});

test('screenshots at desktop and phone widths', async () => {
  mkdirSync(SHOTS, { recursive: true });
  for (const t of ['Buy milk', 'Call the plumber', 'Renew the passport']) {
    await fetch(s.base + '/todos', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: t, description: t === 'Buy milk' ? 'Two litres, semi-skimmed' : null }) });
  }
  await fetch(s.base + '/todos/3', { method: 'PATCH', headers: { 'Content-Type': 'application/json' },
    body: '{"is_completed":true}' });
  for (const [name, width, height] of [['desktop', 1280, 800], ['phone', 390, 844]]) {
    const page = await s.browser.newPage({ viewport: { width, height } });
    await page.goto(s.base + '/?created=5');
    const file = join(SHOTS, `page-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    assert.ok((await page.locator('li.todo').count()) >= 3);
    await page.close();
  }
});

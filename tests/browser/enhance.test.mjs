// What the script adds: one load per action with the scroll position and
// focus kept, a delete confirmed inside its item, and local relative times.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, sql, seed, pageLoads, focused, createdPage } from './harness.mjs';

let s;
before(async () => { s = await start(); });
after(async () => { await stop(s); });

const PHONE = { width: 390, height: 844 };

test('marking the last of many todos done on a phone keeps the scroll position', async () => {
  const ids = await seed(s, Array.from({ length: 30 }, (_, i) => `Chore ${i + 1}`));
  const page = await s.browser.newPage({ viewport: PHONE });
  await page.goto(s.base + '/');
  const last = page.locator('ul.todos li.todo').last();
  assert.equal(await last.getAttribute('id'), `todo-${ids[0]}`);
  const button = last.locator('form[action$="/complete"] button');
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  const before = await page.evaluate(() => window.scrollY);
  assert.ok(before > 1000, `scrolled down (${before})`);
  const loads = pageLoads(page);

  await button.click();
  await page.locator(`#todo-${ids[0]}.done`).waitFor();
  await page.waitForURL(new RegExp(`#todo-${ids[0]}$`));
  const afterY = await page.evaluate(() => window.scrollY);
  assert.ok(Math.abs(afterY - before) <= 3, `scrollY ${before} before, ${afterY} after`);
  assert.equal(loads.count, 0, `no page load: ${loads.urls}`);
  assert.equal(sql(s, `SELECT is_completed FROM todos WHERE id = ${ids[0]}`), '1');
  // Focus stays on the same todo's toggle, which now says the opposite.
  const f = await focused(page);
  assert.equal(f.todo, `todo-${ids[0]}`);
  assert.match(f.label, /^Mark as not done/);

  // And back again, by keyboard.
  await page.keyboard.press('Enter');
  await page.locator(`#todo-${ids[0]}.open`).waitFor();
  assert.ok(Math.abs(await page.evaluate(() => window.scrollY) - before) <= 3);
  assert.equal(sql(s, `SELECT is_completed FROM todos WHERE id = ${ids[0]}`), '0');
  assert.equal(loads.count, 0);

  // Back shows the page as it was after the first click, at the same place.
  await page.goBack();
  await page.locator(`#todo-${ids[0]}.done`).waitFor();
  await page.waitForFunction((y) => Math.abs(window.scrollY - y) <= 3, before);
  assert.equal(loads.count, 0);
  await page.close();
  sql(s, 'DELETE FROM todos');
});

test('a create is one load, focuses the title field and announces the notice', async () => {
  const page = await s.browser.newPage();
  await page.goto(s.base + '/');
  const loads = pageLoads(page);
  await page.fill('#title', 'Water the plants');
  await page.click('form.create button[type=submit]');
  assert.match(await createdPage(page), /Created .Water the plants./);
  assert.equal(loads.count, 0, `no page load: ${loads.urls}`);
  assert.equal(await page.title(), 'Todos');
  assert.equal((await focused(page)).id, 'title');
  assert.equal(await page.inputValue('#title'), '');
  assert.equal(await page.locator('.notice').getAttribute('role'), 'status');
  assert.equal(sql(s, "SELECT count(*) FROM todos WHERE title = 'Water the plants'"), '1');

  // Back shows the page as it was left; reload shows the server's page.
  await page.goBack();
  await page.waitForURL(s.base + '/');
  assert.equal(await page.inputValue('#title'), 'Water the plants');
  await page.goForward();
  await page.waitForURL(/\/\?created=\d+$/);
  await page.locator('li.todo', { hasText: 'Water the plants' }).waitFor();
  await page.close();
  sql(s, 'DELETE FROM todos');
});

test('a delete asks inside its item: Escape and Keep keep it, Delete deletes once', async () => {
  const [keepId, goneId] = await seed(s, ['Book train tickets to Lyon', 'Call the plumber']);
  const page = await s.browser.newPage();
  const posts = [];
  page.on('request', (r) => { if (r.method() === 'POST') posts.push(r.postData()); });
  await page.goto(s.base + '/');
  const loads = pageLoads(page);
  const item = page.locator(`#todo-${goneId}`);
  const key = await item.locator('form[action$="/delete"] input[name=idempotency_key]').inputValue();
  const ask = item.locator('.confirm-delete');

  await item.locator('button.delete').click();
  await ask.waitFor();
  assert.equal((await ask.locator('p').textContent()), 'Delete \u2018Call the plumber\u2019?');
  assert.ok(await ask.evaluate((el) => el.contains(document.activeElement)), 'focus moved to it');
  assert.equal(await item.locator('.actions').isVisible(), false);
  assert.equal(posts.length, 0, 'asking posts nothing');
  await page.keyboard.press('Escape');
  await ask.waitFor({ state: 'detached' });
  assert.equal((await focused(page)).className, 'delete');
  assert.equal((await focused(page)).todo, `todo-${goneId}`);

  await item.locator('button.delete').click();
  await ask.getByRole('button', { name: 'Keep' }).click();
  await ask.waitFor({ state: 'detached' });
  assert.equal(posts.length, 0);
  assert.equal(sql(s, `SELECT count(*) FROM todos WHERE id = ${goneId}`), '1');

  await item.locator('button.delete').click();
  await ask.getByRole('button', { name: 'Delete' }).dblclick();
  await item.waitFor({ state: 'detached' });
  assert.equal(sql(s, `SELECT count(*) FROM todos WHERE id = ${goneId}`), '0');
  assert.equal(sql(s, `SELECT count(*) FROM todos WHERE id = ${keepId}`), '1');
  assert.equal(posts.length, 1, 'one post for a double-click');
  const sent = new URLSearchParams(posts[0]);
  assert.equal(sent.get('idempotency_key'), key);
  assert.equal(sent.get('confirm'), 'yes');
  assert.equal(loads.count, 0, `no page load: ${loads.urls}`);
  assert.equal((await focused(page)).id, 'list-heading');
  await page.close();
  sql(s, 'DELETE FROM todos');
});

test('times read as local relative times with the exact time in their title', async () => {
  const [justNow, fiveMin, threeHours, yesterday, old] = await seed(s,
    ['Just now', 'Five minutes', 'Three hours', 'Yesterday', 'Last year']);
  const stamps = {
    [justNow]: '2026-06-15T02:59:50.000Z',
    [fiveMin]: '2026-06-15T02:55:00.000Z',
    [threeHours]: '2026-06-15T00:00:00.000Z',
    [yesterday]: '2026-06-14T01:30:00.000Z',
    [old]: '2025-03-14T08:00:00.000Z',
  };
  for (const [id, at] of Object.entries(stamps)) {
    sql(s, `UPDATE todos SET created_at = '${at}', updated_at = '${at}' WHERE id = ${id}`);
  }
  // Noon in Tokyo (UTC+9) on 15 June 2026.
  const ctx = await s.browser.newContext({ timezoneId: 'Asia/Tokyo', locale: 'en-US' });
  const page = await ctx.newPage();
  await page.clock.install({ time: new Date('2026-06-15T03:00:00.000Z') });
  await page.goto(s.base + '/');
  const time = (id) => page.locator(`#todo-${id} time`);
  assert.equal(await time(justNow).textContent(), 'just now');
  assert.equal(await time(fiveMin).textContent(), '5 minutes ago');
  assert.equal(await time(threeHours).textContent(), '3 hours ago');
  assert.equal(await time(yesterday).textContent(), 'yesterday');
  assert.equal(await time(old).textContent(), 'Mar 14, 2025');
  // The exact time, in Tokyo's time.
  const exact = await time(fiveMin).getAttribute('title');
  assert.match(exact, /June 15, 2026/);
  assert.match(exact, /11:55:00/);
  assert.equal(await time(fiveMin).getAttribute('datetime'), stamps[fiveMin]);

  // Refreshed each minute.
  await page.clock.runFor(5 * 60 * 1000);
  assert.equal(await time(justNow).textContent(), '5 minutes ago');
  assert.equal(await time(fiveMin).textContent(), '10 minutes ago');

  // And after an action swaps the list in.
  await page.locator(`#todo-${old} form[action$="/complete"] button`).click();
  await page.locator(`#todo-${old}.done`).waitFor();
  assert.equal(await time(fiveMin).textContent(), '10 minutes ago');
  assert.match(await time(old).getAttribute('title'), /March 14, 2025 at 5:00:00/);
  await ctx.close();
  sql(s, 'DELETE FROM todos');
});

test('an error page is shown in place from the answer, not posted again', async () => {
  const [id] = await seed(s, ['Gone elsewhere']);
  const page = await s.browser.newPage();
  const posts = [];
  page.on('request', (r) => { if (r.method() === 'POST') posts.push(r.url()); });
  await page.goto(s.base + '/');
  const loads = pageLoads(page);
  // Another device deletes it meanwhile.
  const r = await fetch(`${s.base}/todos/${id}`, { method: 'DELETE' });
  assert.equal(r.status, 204);
  await page.click(`#todo-${id} form[action$="/complete"] button`);
  await page.locator('h1', { hasText: 'That todo is gone' }).waitFor();
  assert.equal(await page.locator('main h1').count(), 1);
  assert.equal(posts.length, 1, `one post: ${posts}`);
  assert.equal(loads.count, 0, `no page load: ${loads.urls}`);
  assert.equal((await focused(page)).tag, 'h1');
  assert.equal(await page.title(), 'That todo is gone');
  await page.getByRole('link', { name: 'Back to the list' }).click();
  await page.locator('h1', { hasText: 'Todos' }).waitFor();
  await page.close();
});

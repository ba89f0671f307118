// Editing a todo, with and without the script: the edit page, a conflict
// between two tabs shown with both versions, and a double-clicked Save
// that changes the todo once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, sql, seed } from './harness.mjs';

let s;
before(async () => { s = await start(); });
after(async () => { await stop(s); });

const row = (id) => sql(s, `SELECT title || '|' || coalesce(description, '') || '|' || version FROM todos WHERE id = ${id}`);

for (const js of [true, false]) {
  const mode = js ? 'with the script' : 'without JavaScript';

  test(`editing a todo's title and description, ${mode}`, async () => {
    const [id] = await seed(s, [{ title: 'Call the plumber', description: 'kitchen' }]);
    const ctx = await s.browser.newContext({ javaScriptEnabled: js });
    const page = await ctx.newPage();
    await page.goto(s.base + '/');
    await page.click(`#todo-${id} a[href$="/todos/${id}/edit"]`);
    await page.waitForURL(new RegExp(`/todos/${id}/edit$`));
    assert.equal(await page.locator('h1').textContent(), 'Edit \u2018Call the plumber\u2019');
    assert.equal(await page.inputValue('#title'), 'Call the plumber');
    assert.equal(await page.inputValue('#description'), 'kitchen');
    await page.fill('#title', 'Call the plumber about the leak');
    await page.fill('#description', 'The kitchen tap, since Tuesday');
    await page.click('form.edit button[type=submit]');
    await page.waitForURL(new RegExp(`/(\\?[^#]*)?#todo-${id}$`));
    const item = page.locator(`#todo-${id}`);
    assert.equal(await item.locator('.title').textContent(), 'Call the plumber about the leak');
    assert.equal(await item.locator('.description').textContent(), 'The kitchen tap, since Tuesday');
    assert.equal(row(id), 'Call the plumber about the leak|The kitchen tap, since Tuesday|2');

    // Cancel leaves it as it is.
    await page.goto(`${s.base}/todos/${id}/edit`);
    await page.fill('#title', 'Not this');
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.waitForURL(new RegExp(`#todo-${id}$`));
    assert.equal(row(id), 'Call the plumber about the leak|The kitchen tap, since Tuesday|2');
    await ctx.close();
  });

  test(`two tabs editing one todo: the second sees both versions and can still win, ${mode}`, async () => {
    const [id] = await seed(s, [{ title: 'Book train tickets', description: null }]);
    const ctx = await s.browser.newContext({ javaScriptEnabled: js });
    const a = await ctx.newPage();
    const b = await ctx.newPage();
    await a.goto(`${s.base}/todos/${id}/edit`);
    await b.goto(`${s.base}/todos/${id}/edit`);
    await a.fill('#title', 'Book train tickets to Lyon');
    await a.click('form.edit button[type=submit]');
    await a.waitForURL(new RegExp(`#todo-${id}$`));
    assert.equal(row(id), 'Book train tickets to Lyon||2');

    const statuses = [];
    b.on('response', (r) => { if (r.request().method() === 'POST') statuses.push(r.status()); });
    await b.fill('#title', 'Book train tickets to Paris');
    await b.fill('#description', 'Friday morning');
    await b.click('form.edit button[type=submit]');
    await b.locator('h1', { hasText: 'This todo was changed elsewhere' }).waitFor();
    assert.deepEqual(statuses, [409]);
    assert.ok((await b.locator('p.message').textContent()).trim().length > 0);
    const mine = b.locator('.versions section.version', { has: b.locator('h2', { hasText: 'Your changes' }) });
    const saved = b.locator('.versions section.version', { has: b.locator('h2', { hasText: 'Saved now' }) });
    assert.match(await mine.locator('dl').textContent(), /Book train tickets to Paris[\s\S]*Friday morning/);
    assert.match(await saved.locator('dl').textContent(), /Book train tickets to Lyon/);
    assert.doesNotMatch(await saved.locator('dl').textContent(), /Paris|Friday/);
    assert.equal(row(id), 'Book train tickets to Lyon||2', 'the conflict changed nothing');

    await b.getByRole('button', { name: 'Save my changes' }).click();
    await b.waitForURL(new RegExp(`#todo-${id}$`));
    await b.locator(`#todo-${id} .title`, { hasText: 'Book train tickets to Paris' }).waitFor();
    assert.equal(row(id), 'Book train tickets to Paris|Friday morning|3');
    await ctx.close();
  });

  test(`a double-clicked Save makes one change, ${mode}`, async () => {
    const [id] = await seed(s, ['Renew the passport']);
    const ctx = await s.browser.newContext({ javaScriptEnabled: js });
    const page = await ctx.newPage();
    await page.goto(`${s.base}/todos/${id}/edit`);
    const key = await page.inputValue('form.edit input[name=idempotency_key]');
    await page.fill('#title', 'Renew the passport before May');
    const box = await page.locator('form.edit button[type=submit]').boundingBox();
    await page.mouse.click(box.x + 5, box.y + 5, { clickCount: 2, delay: 30 });
    await page.waitForURL(new RegExp(`#todo-${id}$`));
    await page.locator(`#todo-${id} .title`, { hasText: 'Renew the passport before May' }).waitFor();
    assert.equal(row(id), 'Renew the passport before May||2', 'one new version');
    assert.equal(sql(s, `SELECT count(*) FROM idempotency_keys WHERE key = '${key}'`), '1');
    await ctx.close();
  });
}

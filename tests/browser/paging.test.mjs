// With more than 50 todos the list has pages: an action on the second page
// lands back on the second page, with and without the script.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, sql, seed } from './harness.mjs';

let s, ids;
before(async () => {
  s = await start();
  ids = await seed(s, Array.from({ length: 60 }, (_, i) => `Task ${i + 1}`));
});
after(async () => { await stop(s); });

for (const js of [true, false]) {
  const mode = js ? 'with the script' : 'without JavaScript';

  test(`marking done and deleting on page 2 stay on page 2, ${mode}`, async () => {
    const ctx = await s.browser.newContext({ javaScriptEnabled: js });
    const page = await ctx.newPage();
    await page.goto(s.base + '/');
    assert.equal(await page.locator('li.todo').count(), 50);
    await page.click('a.older');
    await page.waitForURL(/[?&]cursor=\d+/);
    const page2 = new URL(page.url()).searchParams.get('cursor');
    const titles = await page.locator('li.todo .title').allTextContents();
    const n = titles.length;	// 10, less what the other run deleted
    assert.ok(n >= 9, `${n} on page 2`);
    assert.equal(titles[0], 'Task 10');

    const id = ids[js ? 4 : 5];	// Task 5 or Task 6, on page 2
    await page.click(`#todo-${id} form[action$="/complete"] button`);
    await page.locator(`#todo-${id}.done`).waitFor();
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('cursor'), page2);
    assert.equal(url.hash, `#todo-${id}`);
    assert.equal(await page.locator('li.todo').count(), n);
    assert.equal(sql(s, `SELECT is_completed FROM todos WHERE id = ${id}`), '1');

    const gone = ids[js ? 0 : 1];
    await page.click(`#todo-${gone} button.delete`);
    if (js) {
      await page.locator(`#todo-${gone} .confirm-delete button.delete`).click();
    } else {
      await page.locator('h1', { hasText: /^Delete / }).waitFor();
      await page.click('main form button.delete');
    }
    await page.locator(`#todo-${gone}`).waitFor({ state: 'detached' });
    assert.equal(new URL(page.url()).searchParams.get('cursor'), page2);
    assert.equal(await page.locator('li.todo').count(), n - 1);
    assert.equal(await page.locator('li.todo .title').first().textContent(), 'Task 10');
    assert.equal(sql(s, `SELECT count(*) FROM todos WHERE id = ${gone}`), '0');
    await ctx.close();
  });
}

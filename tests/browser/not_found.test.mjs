// A browser asking for what is not there gets a page in the site's look
// with status 404 and a heading; an API client still gets problem+json.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop } from './harness.mjs';

let s;
before(async () => { s = await start(); });
after(async () => { await stop(s); });

for (const js of [true, false]) {
  test(`the HTML 404 page, ${js ? 'with the script' : 'without JavaScript'}`, async () => {
    const ctx = await s.browser.newContext({ javaScriptEnabled: js });
    const page = await ctx.newPage();
    for (const path of ['/nope', '/todos/99999', '/todos/99999/edit']) {
      const res = await page.goto(s.base + path);
      assert.equal(res.status(), 404, path);
      assert.match(res.headers()['content-type'], /^text\/html/, path);
      assert.equal(await page.locator('main h1').count(), 1, path);
      assert.ok((await page.locator('main h1').textContent()).trim().length > 0);
      assert.ok((await page.title()).trim().length > 0);
      await page.getByRole('link', { name: 'Back to the list' }).click();
      await page.waitForURL(s.base + '/');
      await page.locator('h1', { hasText: 'Todos' }).waitFor();
    }
    await ctx.close();
  });
}

test('an API client still gets problem+json', async () => {
  for (const path of ['/nope', '/todos/99999']) {
    const r = await fetch(s.base + path, { headers: { Accept: 'application/json' } });
    assert.equal(r.status, 404);
    assert.match(r.headers.get('content-type'), /^application\/problem\+json/);
    assert.equal((await r.json()).status, 404);
  }
});

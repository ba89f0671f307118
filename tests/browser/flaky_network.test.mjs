// The first response is lost on the way back: the script retries with the
// same key, the server replays, one todo, and the user sees success.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, sql, createdPage, pageLoads } from './harness.mjs';

let s;
before(async () => { s = await start(); });
after(async () => { await stop(s); });

test('a lost response is retried with the same key', async () => {
  const page = await s.browser.newPage();
  const posts = [];
  let lost = 0;
  await page.route('**/todos', async (route) => {
    const req = route.request();
    if (req.method() !== 'POST') return route.continue();
    posts.push(req.postData());
    if (lost === 0) {
      lost++;
      const res = await route.fetch({ maxRedirects: 0 });	// the server handles it...
      assert.equal(res.status(), 303);
      return route.abort('connectionreset');	// ...but the answer never arrives
    }
    return route.continue();
  });
  await page.goto(s.base + '/');
  await page.fill('#title', 'Flaky network');
  await page.click('form.create button[type=submit]');
  assert.match(await createdPage(page), /Created .Flaky network./);
  assert.equal(lost, 1);
  assert.ok(posts.length >= 2, `retried (${posts.length} posts)`);
  assert.ok(posts.every((p) => p === posts[0]), 'every retry sends the same form and key');
  assert.equal(sql(s, "SELECT count(*) FROM todos WHERE title = 'Flaky network'"), '1');
  await page.close();
});

test('while the server is unreachable the user is told, and nothing doubles', async () => {
  const page = await s.browser.newPage();
  let failures = 0;
  await page.route('**/todos', async (route) => {
    if (route.request().method() === 'POST' && failures < 2) {
      failures++;
      return route.abort('internetdisconnected');
    }
    return route.continue();
  });
  await page.goto(s.base + '/');
  await page.fill('#title', 'Offline for a moment');
  await page.click('form.create button[type=submit]');
  await page.locator('.form-status', { hasText: 'retrying' }).waitFor({ timeout: 5000 });
  await createdPage(page);
  assert.equal(failures, 2);
  assert.equal(sql(s, "SELECT count(*) FROM todos WHERE title = 'Offline for a moment'"), '1');
  await page.close();
});

test('the program unreachable behind the web server (502): retried with the same key', async () => {
  const page = await s.browser.newPage();
  const posts = [];
  await page.route('**/todos', async (route) => {
    const req = route.request();
    if (req.method() !== 'POST') return route.continue();
    posts.push(req.postData());
    assert.match(req.headers()['accept'], /^text\/html/);
    if (posts.length === 1) {
      return route.fulfill({ status: 502, contentType: 'text/html; charset=utf-8',
        headers: { 'Retry-After': '5' }, body: '<!doctype html><title>Bad Gateway</title><main><h1>Bad Gateway</h1></main>' });
    }
    return route.continue();
  });
  await page.goto(s.base + '/');
  const loads = pageLoads(page);
  await page.fill('#title', 'Behind a restarting program');
  await page.click('form.create button[type=submit]');
  assert.match(await createdPage(page), /Created .Behind a restarting program./);
  assert.equal(posts.length, 2);
  assert.equal(posts[1], posts[0], 'the retry sends the same form and key');
  assert.equal(loads.count, 0, `retried by the script, not posted by the browser: ${loads.urls}`);
  assert.equal(sql(s, "SELECT count(*) FROM todos WHERE title = 'Behind a restarting program'"), '1');
  await page.close();
});

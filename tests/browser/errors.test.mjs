// A form with errors comes back with each message beside its field, named
// by the field, tied to it for screen readers, and focus on the first
// error; with and without the script, and nothing is saved.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, sql } from './harness.mjs';

let s;
before(async () => { s = await start(); });
after(async () => { await stop(s); });

// Submits the create form with these values (maxlength taken off, as a
// client without it would send them) and returns what the page shows.
async function submit(page, title, description = '') {
  await page.goto(s.base + '/');
  await page.evaluate(() => document.querySelectorAll('[maxlength]')
    .forEach((el) => el.removeAttribute('maxlength')));
  const key = await page.inputValue('form.create input[name=idempotency_key]');
  await page.fill('#title', title);
  await page.fill('#description', description);
  await page.click('form.create button[type=submit]');
  await page.locator('.error-summary').waitFor();
  return key;
}

async function fieldError(page, field) {
  const input = page.locator(`#${field}`);
  assert.equal(await input.getAttribute('aria-invalid'), 'true');
  const described = (await input.getAttribute('aria-describedby')).split(/\s+/);
  assert.ok(described.includes(`${field}-error`), `${field} is described by its message`);
  const text = (await page.locator(`#${field}-error`).textContent()).trim();
  const summary = page.locator(`.error-summary a[href="#${field}"]`);
  assert.equal((await summary.textContent()).trim(), text, 'the summary links to the field');
  return text;
}

const focusedId = (page) => page.evaluate(() => document.activeElement.id);

for (const js of [true, false]) {
  const mode = js ? 'with the script' : 'without JavaScript';

  test(`a blank and a 201-character title give different messages naming the field, ${mode}`, async () => {
    const ctx = await s.browser.newContext({ javaScriptEnabled: js });
    const page = await ctx.newPage();

    const key = await submit(page, '   ');
    const blank = await fieldError(page, 'title');
    assert.match(blank, /^Title\b/);
    assert.equal(await focusedId(page), 'title');
    assert.equal(await page.locator('.error-summary').getAttribute('role'), 'alert');
    assert.equal(await page.locator('#description').getAttribute('aria-invalid'), null);
    assert.equal(await page.inputValue('form.create input[name=idempotency_key]'), key,
      'the same key, so fixing and sending again is still one todo');

    const long = 'x'.repeat(201);
    await submit(page, long);
    const tooLong = await fieldError(page, 'title');
    assert.match(tooLong, /^Title\b/);
    assert.match(tooLong, /200/);
    assert.notEqual(tooLong, blank);
    assert.equal(await page.inputValue('#title'), long, 'what was typed is kept');
    assert.equal(await focusedId(page), 'title');

    // Both fields wrong: both messages, focus on the first.
    await submit(page, '', 'y'.repeat(2001));
    await fieldError(page, 'title');
    assert.match(await fieldError(page, 'description'), /^Description\b/);
    assert.equal(await page.locator('.error-summary li').count(), 2);
    assert.equal(await focusedId(page), 'title');

    // Fixed, it saves once.
    await page.fill('#title', 'Fixed title');
    await page.fill('#description', '');
    await page.click('form.create button[type=submit]');
    await page.waitForURL(/\/\?created=\d+$/);
    assert.equal(sql(s, "SELECT count(*) FROM todos WHERE title = 'Fixed title'"), '1');
    assert.equal(sql(s, "SELECT count(*) FROM todos WHERE title <> 'Fixed title'"), '0');
    sql(s, 'DELETE FROM todos');
    await ctx.close();
  });
}

// The states of the pages that the accessibility tests check with
// axe-core, in the light and the dark look, at one screen size each
// (axe_desktop.test.mjs, axe_phone.test.mjs); each state's screenshot goes
// to build/screenshots/<state>-<size>-<scheme>.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { start, stop, sql, seed, axeViolations, postNatively, SHOTS, SIZES } from './harness.mjs';

let s;

const TITLES = ['Buy milk', 'Call the plumber about the leak', 'Book train tickets to Lyon',
  'Renew the passport', 'Water the plants', 'Pay the electricity bill', 'Return the library books',
  'Email Sam the photos', 'Fix the bike\u2019s back light', 'Plan the weekend hike'];

let firstId;	// the newest of the 50, first in the list
let changes = 0;	// conflicts made so far

// Each state: how to reach it on a fresh page, and what shows it was reached.
const STATES = {
  async empty(page) {
    await page.goto(s.base + '/');
    await page.locator('.empty').waitFor();
  },
  async list(page) {
    await page.goto(s.base + '/');
    assert.equal(await page.locator('li.todo').count(), 50);
    assert.ok(await page.locator('li.todo.done').count() > 0);
  },
  async errors(page) {
    await page.goto(s.base + '/');
    await page.fill('#title', '');
    const res = await postNatively(page, 'form.create');
    assert.equal(res.status(), 422);
    await page.locator('[aria-invalid="true"]').first().waitFor();
  },
  async edit(page) {
    const res = await page.goto(`${s.base}/todos/${firstId}/edit`);
    assert.equal(res.status(), 200);
    await page.locator('form.edit').waitFor();
  },
  async conflict(page) {
    await page.goto(`${s.base}/todos/${firstId}/edit`);
    const r = await fetch(`${s.base}/todos/${firstId}`, { method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ description: ['Start at eight; take the north trail',
        'Start at nine; take the lake path'][changes++ % 2] }) });
    assert.equal(r.status, 200);
    await page.fill('#title', 'Plan the weekend hike with Sam');
    const res = await postNatively(page, 'form.edit');
    assert.equal(res.status(), 409);
    await page.locator('h1', { hasText: 'This todo was changed elsewhere' }).waitFor();
  },
  async confirm_page(page) {
    await page.goto(s.base + '/');
    const res = await postNatively(page, `#todo-${firstId} form[action$="/delete"]`);
    assert.equal(res.status(), 200);
    await page.locator('h1', { hasText: /^Delete \u2018/ }).waitFor();
  },
  async confirm_inline(page) {
    await page.goto(s.base + '/');
    await page.locator(`#todo-${firstId} button.delete`).click();
    await page.locator('.confirm-delete').waitFor();
  },
  async not_found(page) {
    const res = await page.goto(s.base + '/nope');
    assert.equal(res.status(), 404);
    assert.match(res.headers()['content-type'], /^text\/html/);
    assert.equal(await page.locator('main h1').count(), 1);
  },
};

// One page in the state, looked at in the light and then the dark look.
async function check(name, size) {
  const found = [];
  const ctx = await s.browser.newContext({ viewport: SIZES[size], bypassCSP: true });
  const page = await ctx.newPage();
  await STATES[name](page);
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: join(SHOTS, `${name}-${size}-${scheme}.png`), fullPage: true });
    const v = await axeViolations(page);
    if (v.length) found.push({ scheme, url: page.url(), violations: v });
  }
  await ctx.close();
  assert.equal(found.length, 0,
    `axe violations on ${name} at ${size}:\n${JSON.stringify(found, null, 2)}`);
}

// Registers one test per state, in an order where each finds what it needs.
export function axeTests(size) {
  before(async () => { s = await start(); mkdirSync(SHOTS, { recursive: true }); });
  after(async () => { await stop(s); });

  test('the empty list', async () => {
    assert.equal(sql(s, 'SELECT count(*) FROM todos'), '0');
    await check('empty', size);
  });

  test('a list of 50 todos, some done', async () => {
    const ids = await seed(s, Array.from({ length: 50 }, (_, i) => ({
      title: TITLES[i % TITLES.length],
      description: i % 4 === 0 ? 'Before Friday; ask at the front desk first.' : null,
      is_completed: i % 3 === 0,
    })));
    firstId = ids[ids.length - 1];	// the newest: at the top of the first page
    await check('list', size);
  });

  for (const name of ['errors', 'edit', 'conflict', 'confirm_page', 'confirm_inline', 'not_found']) {
    test(`the ${name.replace('_', ' ')} state`, async () => {
      assert.ok(firstId, 'the list was seeded');
      await check(name, size);
    });
  }
}

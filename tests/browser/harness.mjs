// Shared set-up for the browser tests: the real program behind a real nginx
// on a free loopback port with a temporary database, and Debian's Chromium
// driven by playwright-core. Everything started here is stopped in stop().
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, sleep, startService, stopService } from '../service.mjs';

export { ROOT };
export const SHOTS = join(ROOT, 'build', 'screenshots');

export async function start() {
  const s = await startService('browser');
  s.browser = null;
  mkdirSync(join(s.dir, 'chrome'));
  try {
    s.browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--disable-dev-shm-usage'],
    });
  } catch (e) {
    await stopService(s);
    throw e;
  }
  return s;
}

export async function stop(s) {
  if (!s) return;
  if (s.browser) await s.browser.close().catch(() => {});
  await stopService(s);
}

// A value from the database, through the sqlite3 shell.
export function sql(s, query) {
  return execFileSync('sqlite3', ['-batch', s.db, query]).toString().trim();
}

// Resolves when the page shows a todo list after a create.
// A double submit without script navigates twice: read the notice once the
// last navigation has settled.
export async function createdPage(page) {
  for (let attempt = 0; ; attempt++) {
    try {
      await page.waitForURL(/\/\?created=\d+$/, { timeout: 15000 });
      await page.waitForLoadState('load');
      return await page.locator('.notice').textContent({ timeout: 5000 });
    } catch (e) {
      if (attempt >= 3) throw e;
      await sleep(200);
    }
  }
}

export function log(s) {
  try { return readFileSync(join(s.dir, 'error.log'), 'utf8'); } catch { return ''; }
}

// Creates todos through the JSON API, in order (the last is the newest);
// each is a title or {title, description, is_completed}. Returns their ids.
export async function seed(s, todos) {
  const ids = [];
  for (const t of todos) {
    const body = typeof t === 'string' ? { title: t } : t;
    const r = await fetch(s.base + '/todos', { method: 'POST',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    if (r.status !== 201) throw new Error(`seeding ${body.title}: ${r.status} ${await r.text()}`);
    ids.push((await r.json()).id);
  }
  return ids;
}

// Counts the page loads (document requests) of a page from now on.
export function pageLoads(page) {
  const seen = { count: 0, urls: [] };
  page.on('request', (r) => {
    if (r.resourceType() === 'document') { seen.count++; seen.urls.push(r.url()); }
  });
  return seen;
}

// What has focus: its tag, id, text, the todo it belongs to, and classes.
export function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    const item = el && el.closest('li.todo');
    return { tag: el.tagName.toLowerCase(), id: el.id, text: el.textContent.trim(),
      todo: item ? item.id : null, className: el.className,
      label: el.getAttribute('aria-label') };
  });
}

export const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

// The accessibility rules axe-core breaks on the page as it is now, each
// with the elements at fault. The context needs bypassCSP: the script is
// injected inline.
export async function axeViolations(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, summary: n.failureSummary })) }));
  });
}

// Sends a form the way the browser does without the script, and waits for
// the page it answers with.
export async function postNatively(page, selector) {
  const answer = page.waitForResponse((r) => r.request().isNavigationRequest() &&
    (r.status() < 300 || r.status() >= 400));
  const loaded = page.waitForEvent('load');
  await page.evaluate((sel) => {
    const form = document.querySelector(sel);
    form.dataset.native = '1';
    HTMLFormElement.prototype.submit.call(form);
  }, selector);
  const res = await answer;
  await loaded;
  return res;
}

// Shared set-up for the browser tests: the real program behind a real nginx
// on a free loopback port with a temporary database, and Debian's Chromium
// driven by playwright-core. Everything started here is stopped in stop().
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SHOTS = join(ROOT, 'build', 'screenshots');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function stopChild(child) {
  return new Promise((done) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return done();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(timer); done(); });
    child.kill('SIGTERM');
  });
}

export async function start() {
  const dir = mkdtempSync(join(tmpdir(), 'todo-browser-'));
  chmodSync(dir, 0o755);
  const port = execFileSync(join(ROOT, 'build/freeport')).toString().trim();
  const socket = join(dir, 'todo.sock');
  const db = join(dir, 'todo.db');
  writeFileSync(join(dir, 'nginx.conf'),
    execFileSync(join(ROOT, 'nginx/render.sh'), [dir, port, socket]));
  const s = { dir, db, base: `http://127.0.0.1:${port}`, procs: [], browser: null };
  s.procs.push(spawn(join(ROOT, 'cgi-bin/todo.fcgi'),
    ['--socket', socket, '--db', db, '--workers', '2'], { stdio: 'ignore' }));
  s.procs.push(spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' }));
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${s.base}/healthz`);
      if (r.status === 200) break;
    } catch { /* not up yet */ }
    if (i > 100) { await stop(s); throw new Error('the service did not start'); }
    await sleep(100);
  }
  mkdirSync(join(dir, 'chrome'));
  s.browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
  return s;
}

export async function stop(s) {
  if (!s) return;
  if (s.browser) await s.browser.close().catch(() => {});
  for (const p of s.procs.reverse()) await stopChild(p);
  rmSync(s.dir, { recursive: true, force: true });
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

// The real program behind a real nginx, for the node tests: a free loopback
// port, a temporary folder and SQLite database; stopService() stops both
// and removes the folder.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function stopChild(child) {
  return new Promise((done) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return done();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(timer); done(); });
    child.kill('SIGTERM');
  });
}

export async function stopService(s) {
  if (!s) return;
  for (const p of s.procs.reverse()) await stopChild(p);
  rmSync(s.dir, { recursive: true, force: true });
}

// Starts both and resolves once /healthz answers 200; name prefixes the
// folder, args go to the program.
export async function startService(name, args = []) {
  const dir = mkdtempSync(join(tmpdir(), `todo-${name}-`));
  chmodSync(dir, 0o755);
  const port = execFileSync(join(ROOT, 'build/freeport')).toString().trim();
  const socket = join(dir, 'todo.sock');
  const db = join(dir, 'todo.db');
  writeFileSync(join(dir, 'nginx.conf'),
    execFileSync(join(ROOT, 'nginx/render.sh'), [dir, port, socket]));
  const s = { dir, db, base: `http://127.0.0.1:${port}`, procs: [] };
  s.procs.push(spawn(join(ROOT, 'cgi-bin/todo.fcgi'),
    ['--socket', socket, '--db', db, '--workers', '2', ...args], { stdio: 'ignore' }));
  s.procs.push(spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' }));
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${s.base}/healthz`);
      if (r.status === 200) break;
    } catch { /* not up yet */ }
    if (i > 100) { await stopService(s); throw new Error('the service did not start'); }
    await sleep(100);
  }
  return s;
}

// Makes the README's screenshot, static/screenshot.png: an ordinary list at
// 1280x800 in the light look, from the real program behind nginx.
// Run by hand: node tests/browser/screenshot.mjs
import { join } from 'node:path';
import { start, stop, sql, seed, ROOT, SIZES } from './harness.mjs';

const MINUTE = 60 * 1000;
// Oldest first; age in minutes, done or not.
const TODOS = [
  { title: 'Renew the passport', description: 'Photos from the booth at the station', age: 3 * 24 * 60, done: true },
  { title: 'Pay the electricity bill', age: 26 * 60, done: true },
  { title: 'Book train tickets to Lyon', description: 'Friday morning, back on Sunday evening', age: 5 * 60, done: false },
  { title: 'Call the plumber about the leak', description: 'The kitchen tap, since Tuesday', age: 95, done: false },
  { title: 'Water the plants', age: 40, done: true },
  { title: 'Buy milk', description: 'Two litres, semi-skimmed', age: 4, done: false },
];

const s = await start();
try {
  const ids = await seed(s, TODOS.map((t) => ({ title: t.title, description: t.description ?? null,
    is_completed: t.done })));
  ids.forEach((id, i) => {
    const at = new Date(Date.now() - TODOS[i].age * MINUTE).toISOString();
    sql(s, `UPDATE todos SET created_at = '${at}', updated_at = '${at}' WHERE id = ${id}`);
  });
  const page = await s.browser.newPage({ viewport: SIZES.desktop });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(s.base + '/');
  await page.locator('li.todo').nth(TODOS.length - 1).waitFor();
  const file = join(ROOT, 'static', 'screenshot.png');
  await page.screenshot({ path: file });
  console.log(`wrote ${file}`);
} finally {
  await stop(s);
}

// Opens a running sidecar's preview in Debian's Chromium (browser.mjs), waits until the page has connected and shows
// the sidecar's describe, saves a screenshot and exits 0; exits 1 with the reason (and the page's errors) otherwise.
// A check of `make run` by hand, as a new user would open the URL it prints:
//
//   node engine_plugins/web/test/open_preview.mjs URL [SCREENSHOT]     (default test-artifacts/open-preview.png)
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPage } from './browser.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const [url, shot = join(ROOT, 'test-artifacts', 'open-preview.png')] = process.argv.slice(2);
if (!url) {
  console.error('usage: node open_preview.mjs URL [SCREENSHOT]');
  process.exit(2);
}

const { browser, page, logs } = await openPage();
let failure = null;
try {
  await page.goto(url, { waitUntil: 'load', timeout: 30000 });
  await page.waitForFunction(() => window.preview?.connection?.state === 'connected'
    && document.querySelector('#sidecar-info').textContent !== '', null, { timeout: 30000, polling: 100 });
  await new Promise((r) => setTimeout(r, 2000));  // a few frames of the idle head and figure
  const errors = logs.filter((line) => line.startsWith('pageerror') || line.startsWith('error'));
  if (errors.length) failure = `the page logged errors:\n${errors.join('\n')}`;
} catch (err) {
  failure = `${err.message}\n${logs.join('\n')}`;
}
mkdirSync(dirname(resolve(shot)), { recursive: true });
await page.screenshot({ path: shot }).catch(() => {});
const info = await page.evaluate(() => document.querySelector('#sidecar-info')?.textContent).catch(() => null);
await browser.close();
if (failure) {
  console.error(`open_preview: ${url}: ${failure}`);
  process.exit(1);
}
console.log(`open_preview: ${url} connected (${info}); screenshot ${shot}`);

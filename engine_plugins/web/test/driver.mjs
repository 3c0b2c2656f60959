// A small remote control for one headless Chromium page, driven by tests/test_web_preview.py: one JSON command per
// line on stdin, one JSON answer per line on stdout ({id, ok, value} or {id, ok: false, error}). One browser for a
// whole test module: Chromium on two shared cores is slow to start.
//
//   {"cmd": "goto", "url"}             {"cmd": "eval", "js"}            {"cmd": "wait", "js", "timeout_ms"}
//   {"cmd": "screenshot", "path"}      {"cmd": "press", "key"}          {"cmd": "fill", "selector", "text"}
//   {"cmd": "click", "selector"}       {"cmd": "select", "selector", "value"}
//   {"cmd": "files", "selector", "paths"}    {"cmd": "logs"}   {"cmd": "close"}
//   {"cmd": "kit"}                     adds kit.mjs (three and the page's modules) to the page as window.previewTestKit
//
// Every page it opens carries the WebAudio probe of browser.mjs (window.__audioStarts).
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { openPage, probeWebAudio } from './browser.mjs';

const { browser, page, logs } = await openPage();
await page.addInitScript(probeWebAudio);

let kitSource = null;
async function addKit() {
  if (await page.evaluate(() => 'previewTestKit' in window)) return null;
  kitSource ??= (await build({ entryPoints: [new URL('./kit.mjs', import.meta.url).pathname], bundle: true,
    format: 'iife', globalName: 'previewTestKit', write: false, logLevel: 'warning' })).outputFiles[0].text;
  await page.addScriptTag({ content: kitSource });
  return null;
}

const commands = {
  goto: ({ url }) => page.goto(url, { waitUntil: 'load' }).then(() => null),
  eval: ({ js }) => page.evaluate(js),
  wait: ({ js, timeout_ms = 10000 }) => page.waitForFunction(js, null, { timeout: timeout_ms, polling: 50 }).then((h) => h.jsonValue()),
  screenshot: ({ path }) => page.screenshot({ path }).then(() => path),
  press: ({ key }) => page.keyboard.press(key).then(() => null),
  fill: ({ selector, text }) => page.fill(selector, text).then(() => null),
  click: ({ selector }) => page.click(selector).then(() => null),
  select: ({ selector, value }) => page.selectOption(selector, value).then(() => null),
  files: ({ selector, paths }) => page.setInputFiles(selector, paths).then(() => null),
  logs: () => logs.splice(0),
  kit: addKit,
  close: async () => {
    await browser.close();
    process.exit(0);
  },
};

process.stdout.write(`${JSON.stringify({ ready: true, version: browser.version() })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line);
  let answer;
  try {
    answer = { id: request.id, ok: true, value: (await commands[request.cmd](request)) ?? null };
  } catch (err) {
    answer = { id: request.id, ok: false, error: String(err?.message ?? err) };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
await browser.close();

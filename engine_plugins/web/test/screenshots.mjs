// Regenerates the pictures of docs/preview.md: starts a sidecar with the preview on free loopback ports, opens the
// page in Debian's Chromium (browser.mjs) at 1280x720 and takes, from the live stream:
//
//   preview-mid-vowel.png    the face with the mouth open on a vowel, subtitles and live curves
//   preview-heart-hands.png  the body view at the heart_hands stroke
//   preview-dance.png        a dance pose (a hand at its highest in a few seconds of a hype dance to music)
//   preview-show.png         the console's show rundown with its current segment
//
//   node engine_plugins/web/test/screenshots.mjs [OUT_DIR]
//
// OUT_DIR defaults to docs/img; PYTHON picks the interpreter (default .venv/bin/python), MUSIC the dance's music
// (default pygame's examples/data/house_lo.wav).
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPage } from './browser.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const OUT = resolve(process.argv[2] ?? join(ROOT, 'docs', 'img'));
const PYTHON = process.env.PYTHON ?? join(ROOT, '.venv', 'bin', 'python');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    }).on('error', fail);
  });
}

/** The sidecar, started as `make run` does but on free ports; resolves once it serves. */
async function startSidecar() {
  const [control, stream, preview] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(PYTHON, ['-m', 'bridge.cli', '--log-format', 'text', 'serve', '--control', `tcp://127.0.0.1:${control}`,
    '--stream', `tcp://127.0.0.1:${stream}`, '--preview-port', String(preview)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (data) => { output += data; };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let printed = null; // the URL serve prints, with the run's token
  for (let waited = 0; !(printed = output.match(/preview: open (\S+) in a browser/)); waited += 100) {
    if (child.exitCode !== null || waited > 90000) throw new Error(`the sidecar did not start:\n${output}`);
    await sleep(100);
  }
  return { child, url: `${printed[1]}&quality=high` };
}

async function main() {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run \`make install\` (or set PYTHON)`);
  mkdirSync(OUT, { recursive: true });
  const sidecar = await startSidecar();
  const { browser, page } = await openPage();
  const shot = async (name) => {
    await page.screenshot({ path: join(OUT, name) });
    console.log(`wrote ${join(OUT, name)}`);
  };
  const js = (code) => page.evaluate(code);
  const wait = (code, timeout = 20000) => page.waitForFunction(code, null, { timeout, polling: 30 }).then((h) => h.jsonValue());
  const takeEnded = (take) => wait(`(() => { const t = preview.playout.takes.get('${take}');
    return t && t.end !== null && preview.playout.playhead() > t.end + 0.6; })()`, 30000);
  const say = async (text) => {
    const before = await js('preview.console.lastTake');
    await page.fill('#say-text', text);
    await page.press('#say-text', 'Enter');
    return wait(`preview.console.lastTake !== ${JSON.stringify(before)} && preview.console.lastTake`);
  };
  const hands = `(() => { const a = preview.figure.worldOf('LeftHand'), b = preview.figure.worldOf('RightHand');
    return [a.distanceTo(b), (a.y + b.y) / 2]; })()`;
  try {
    await page.goto(sidecar.url, { waitUntil: 'load' });
    await wait("window.preview && preview.connection.state === 'connected' && preview.figure !== null", 60000);
    await sleep(3000); // the page's first seconds are busy (meshes, shaders): let the stream settle

    // The face mid-vowel: the first frame of a wide-open "a" with the line's subtitles on screen.
    let take = await say('[happy] Hello everyone, and welcome to the show! Are you all ready to have fun tonight?');
    await wait("preview.influence('jawOpen') > 0.4 && document.querySelector('#subtitles').textContent.length > 20");
    await shot('preview-mid-vowel.png');
    await takeEnded(take);

    // heart_hands in the body view, at the stroke (hands together and high).
    await js('document.activeElement.blur()');
    await page.keyboard.press('v');
    await sleep(500);
    await page.click("#gestures button[data-gesture='heart_hands']");
    await wait(`(() => { const [apart, y] = ${hands}; return apart < 0.12 && y > 1.3; })()`, 10000);
    await sleep(150);
    await shot('preview-heart-hands.png');
    await sleep(3000);

    // A dance to the house loop pygame's wheel ships (a path on the sidecar's disk, as the console allows).
    const music = process.env.MUSIC ?? spawnSync(PYTHON, ['-c', 'import pathlib, pygame; '
      + 'print(pathlib.Path(pygame.__file__).parent / "examples" / "data" / "house_lo.wav")'],
    { encoding: 'utf8', env: { ...process.env, PYGAME_HIDE_SUPPORT_PROMPT: '1' } }).stdout.trim().split('\n').at(-1);
    if (!existsSync(music)) throw new Error('no music to dance to: install pygame in the venv or set MUSIC to a wav file');
    await page.fill('#dance-path', music);
    await page.selectOption('#dance-style', 'hype');
    await page.click('#dance-form button[type=submit]');
    await wait("document.querySelector('#log').textContent.includes('bpm')", 90000);
    await sleep(1000);
    let best = -Infinity;
    const highestHand = "Math.max(preview.figure.worldOf('LeftHand').y, preview.figure.worldOf('RightHand').y)";
    for (const until = Date.now() + 6000; Date.now() < until;) {
      const y = await js(highestHand);
      if (y > best + 0.03) {
        best = y;
        await shot('preview-dance.png');
      }
      await sleep(40);
    }
    await js('document.activeElement.blur()');
    await page.keyboard.press('Escape');
    await page.keyboard.press('v');
    await sleep(1500);

    // The show: the sample rundown loaded and started, its first segment on air.
    await page.fill('#show-file', 'examples/shows/sample_show.yaml');
    await page.click('#show-form button[type=submit]');
    await wait("document.querySelectorAll('#rundown li').length > 0");
    await page.click("#show-controls button[data-action='start']");
    await wait("document.querySelector('#rundown li.current') !== null && document.querySelector('#subtitles').textContent.length > 20");
    await js("document.querySelector('#show-title').scrollIntoView({ block: 'start' })");
    await sleep(800);
    await shot('preview-show.png');
    await page.click("#show-controls button[data-action='stop']");
  } finally {
    await browser.close();
    sidecar.child.kill('SIGTERM');
  }
}

main().catch((err) => {
  console.error(err.message ?? err);
  process.exit(1);
});

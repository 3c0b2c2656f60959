// Debian's Chromium, headless, as the browser tests and the screenshot script launch it (playwright-core drives it;
// no browser is downloaded). Audio may start without a click, and a page in the background is not throttled.
// No GPU here: WebGL runs on SwiftShader in the GPU process, and the page is rastered and composited in software.
// With --disable-gpu, Chromium 156 draws WebGL on the page's own main thread (a 65 ms task per frame on a 2-core
// machine), which left the page's WebSocket messages waiting ~100 ms; compositing through SwiftShader as well cost
// 35 ms a frame with nothing drawn.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = ['--no-sandbox', '--autoplay-policy=no-user-gesture-required',
  '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-gpu-compositing', '--disable-gpu-rasterization',
  '--disable-accelerated-2d-canvas',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding'];

/** A browser and one 1280x720 page whose console lines and uncaught errors are collected in `logs`. */
export async function openPage({ executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium', width = 1280, height = 720 } = {}) {
  // As root, through chromium-without-nice.sh: the GPU process stays at the page's and the sidecar's priority.
  const asRoot = process.getuid?.() === 0 && existsSync('/usr/bin/setpriv');
  const browser = await chromium.launch({
    executablePath: asRoot ? fileURLToPath(new URL('./chromium-without-nice.sh', import.meta.url)) : executablePath,
    env: { ...process.env, CHROMIUM_BINARY: executablePath }, headless: true, args: CHROMIUM_ARGS,
  });
  const page = await browser.newPage({ viewport: { width, height } });
  const logs = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  return { browser, page, logs };
}

/**
 * Records every AudioBufferSourceNode.start() the page makes, outside the page's own code: when (context time),
 * offset, the buffer's length, a hash of its samples as s16 (to find the chunk in the sidecar's stream) and an
 * output timestamp (context time <-> performance.now) taken at the call. The tests turn `when` into sidecar time
 * with these and compare it with the chunk's pts.
 */
export function probeWebAudio() {
  window.__audioStarts = [];
  const start = AudioBufferSourceNode.prototype.start;
  AudioBufferSourceNode.prototype.start = function probedStart(when = 0, offset = 0, ...rest) {
    const data = this.buffer ? this.buffer.getChannelData(0) : new Float32Array(0);
    let hash = 0;
    for (let i = 0; i < data.length; i++) hash = (Math.imul(hash, 31) + Math.round(data[i] * 32768)) | 0;
    const stamp = this.context.getOutputTimestamp();
    window.__audioStarts.push({ when, offset, samples: data.length, rate: this.buffer?.sampleRate ?? null, hash,
      contextTime: stamp.contextTime, performanceTime: stamp.performanceTime, currentTime: this.context.currentTime });
    return start.call(this, when, offset, ...rest);
  };
}

// Renders the preview head (src/head.js) with known face frames, one PNG per frame, for the camera round trip
// (avatar_tools/face_roundtrip.py runs a face tracker on the pictures and compares what it reads with what was set).
//
//   node engine_plugins/web/test/render_faces.mjs CASES.json OUT_DIR [--size 512]
//
// CASES.json: [{"weights": {"jawOpen": 1.0, ...}, "head": [yaw, pitch, roll], "eyes": [ly, lp, ry, rp]}, ...]
// (radians; a channel left out is 0, `head` and `eyes` default to 0). OUT_DIR/000.png, 001.png, ... in the cases'
// order. One browser for all cases: Chromium on a small machine takes seconds to start, a frame ~0.1 s.
//
// The scene is the preview's close-up (src/main.js, Stage, at ?quality=high): its background, hemisphere, key and
// rim lights, physically based materials and the face camera's lens and distance, without the floor (out of frame).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { openPage } from './browser.mjs';

function parseArgs(argv) {
  const positional = [];
  let size = 512;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--size') size = Number(argv[++i]);
    else positional.push(argv[i]);
  }
  if (positional.length !== 2 || !(size >= 64 && size <= 2048)) {
    process.stderr.write('usage: node render_faces.mjs CASES.json OUT_DIR [--size 64..2048]\n');
    process.exit(2);
  }
  return { cases: resolve(positional[0]), out: resolve(positional[1]), size };
}

/** The page's side: a renderer on its own canvas, the preview's lights and a PreviewHead; `render(case)` draws one
 * face frame and returns it as a PNG data URL. Runs in the browser (serialised by page.evaluate). */
function setUpScene(size) {
  const { THREE, PreviewHead } = window.previewTestKit;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  document.body.append(canvas);
  // preserveDrawingBuffer: toDataURL reads the frame after render() returned, not a cleared buffer.
  const renderer = new THREE.WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
  renderer.setPixelRatio(1);
  renderer.setSize(size, size, false);
  renderer.outputColorSpace = THREE.SRGBColorSpace;
  const scene = new THREE.Scene();
  scene.background = new THREE.Color('#1b2030');
  scene.add(new THREE.HemisphereLight('#ffffff', '#5a4a48', 1.6));
  const key = new THREE.DirectionalLight('#fff4e8', 2.2);
  key.position.set(1.2, 2.6, 2.4);
  scene.add(key);
  const rim = new THREE.DirectionalLight('#9fc2ff', 1.0);
  rim.position.set(-2, 1.8, -1.5);
  scene.add(rim);
  const head = new PreviewHead();
  scene.add(head.object);
  // The preview's face camera: 26° lens, 0.82 m in front of the face and 2 cm above it.
  const camera = new THREE.PerspectiveCamera(26, 1, 0.05, 20);
  camera.position.set(0, 0.02, 0.82);
  camera.lookAt(0, 0, 0);
  // The close-up's layer is the detailed mesh's own (the light mesh is for the preview's small body view).
  camera.layers.mask |= head.mesh.layers.mask;
  window.renderFace = ({ weights = {}, head: angles = [0, 0, 0], eyes = [0, 0, 0, 0] }) => {
    const unknown = Object.keys(weights).filter((name) => !head.order.includes(name));
    if (unknown.length) throw new Error(`unknown channels: ${unknown.join(', ')}`);
    head.apply({ weights: head.order.map((name) => weights[name] ?? 0), head: angles, eyes });
    renderer.render(scene, camera);
    return canvas.toDataURL('image/png');
  };
  return renderer.getContext().getParameter(renderer.getContext().VERSION);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const cases = JSON.parse(readFileSync(args.cases, 'utf8'));
  if (!Array.isArray(cases)) throw new Error(`${args.cases}: expected a JSON list of cases`);
  mkdirSync(args.out, { recursive: true });
  const kit = (await build({ entryPoints: [new URL('./kit.mjs', import.meta.url).pathname], bundle: true,
    format: 'iife', globalName: 'previewTestKit', write: false, logLevel: 'warning' })).outputFiles[0].text;
  const { browser, page, logs } = await openPage({ width: args.size, height: args.size });
  try {
    await page.setContent('<!doctype html><body style="margin:0"></body>');
    await page.addScriptTag({ content: kit });
    const gl = await page.evaluate(setUpScene, args.size);
    process.stderr.write(`render_faces: ${cases.length} cases at ${args.size}x${args.size} (${gl})\n`);
    for (const [i, face] of cases.entries()) {
      const url = await page.evaluate((c) => window.renderFace(c), face);
      const path = join(args.out, `${String(i).padStart(3, '0')}.png`);
      writeFileSync(path, Buffer.from(url.slice(url.indexOf(',') + 1), 'base64'));
      process.stdout.write(`${path}\n`);
    }
  } catch (err) {
    process.stderr.write(`${logs.join('\n')}\n`);
    throw err;
  } finally {
    await browser.close();
  }
}

await main();

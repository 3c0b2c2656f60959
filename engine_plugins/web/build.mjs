// Builds the preview page the sidecar serves: src/main.js and everything it imports (three and its addons,
// @msgpack/msgpack, @pixiv/three-vrm) bundled into one ES module, next to index.html and style.css. The output is
// committed in bridge/preview/static/, so the Python package ships the page and needs no node at run time.
//
//   npm run build [-- OUT_DIR]        (`make web` from the repository root)
//
// OUT_DIR defaults to bridge/preview/static; tests/test_package.py builds into a temporary folder and compares.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = resolve(process.argv[2] ?? join(HERE, '..', '..', 'bridge', 'preview', 'static'));

mkdirSync(OUT, { recursive: true });
await build({
  entryPoints: [join(HERE, 'src', 'main.js')],
  outfile: join(OUT, 'preview.js'),
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  // Licences of the bundled packages stay with the code, at its end.
  legalComments: 'eof',
  logLevel: 'warning',
});
copyFileSync(join(HERE, 'index.html'), join(OUT, 'index.html'));
copyFileSync(join(HERE, 'src', 'style.css'), join(OUT, 'style.css'));

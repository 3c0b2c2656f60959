// What tests/test_web_preview.py builds its test models with (a VRM from the preview figure and head, a bare box),
// from the page's own sources. The shipped bundle exports nothing, so driver.mjs's `kit` command bundles this file
// and adds it to the page as window.previewTestKit.
export * as THREE from 'three';
export { GLTFExporter } from 'three/addons/exporters/GLTFExporter.js';
export { Figure } from '../src/figure.js';
export { PreviewHead } from '../src/head.js';
export { vrmBoneName } from '../src/model.js';

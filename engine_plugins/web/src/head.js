// The preview head: a stylised face built in code with all 52 ARKit morph targets, so the stream can be seen
// without any asset. One mesh holds skin, lips, mouth, teeth, tongue, nose, brows and eyelids; every morph
// target is a displacement field written per channel below (what the channel does to each part). The eyeballs
// are separate meshes that rotate with the `eyes` angles; the head turns with `head`.
//
// Units: the head is about 2 units tall (scaled to metres by the caller). Axes are ARKit's face frame, which is
// three.js's frame for a head facing the camera: +x the avatar's left (the viewer's right), +y up, +z out of
// the face. So "Left" channels move the +x side.

import * as THREE from 'three';
import { ARKIT_BLENDSHAPES } from './protocol.js';

const smoothstep = (e0, e1, x) => {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
};
const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
const gauss = (dx, dy, sx, sy) => Math.exp(-((dx / sx) ** 2) - (dy / sy) ** 2);

// -- the face's landmarks -------------------------------------------------------------------------------------

const MOUTH_Y = -0.45; // the mouth line
const MOUTH_A = 0.24; // half the mouth's width
const EYE = { x: 0.29, y: 0.14, z: 0.655, r: 0.16 };
const LID_R = EYE.r * 1.24; // big enough that a half blink never sinks into the eyeball
const UPPER_LID_EDGE = 0.98; // polar angle (from +y) of the open upper lid's edge
const LOWER_LID_EDGE = 2.2; // polar angle of the lower lid's edge

const COLORS = {
  skin: new THREE.Color('#f0c2a4'),
  lip: new THREE.Color('#c4505c'),
  brow: new THREE.Color('#3a2820'),
  hair: new THREE.Color('#4b2f22'),
  teeth: new THREE.Color('#f3efe6'),
  cavity: new THREE.Color('#3b0f16'),
  tongue: new THREE.Color('#d46874'),
  lash: new THREE.Color('#2b1c18'),
  sclera: new THREE.Color('#f5f3ee'),
  iris: new THREE.Color('#3f6fa0'),
  irisRim: new THREE.Color('#1d3048'),
  pupil: new THREE.Color('#0b0b0d'),
};

/** The skin's base surface (no sockets or mouth recess): the head's shape as a function of a sphere direction. */
function headShape(dx, dy, dz) {
  const chin = smoothstep(-0.1, -1.0, dy);
  const x = 0.8 * dx * (1 - 0.24 * chin);
  const z = 0.86 * dz + 0.1 * chin * Math.max(dz, 0);
  return [x, dy, z];
}

/** z of the base surface at (x, y) on the face's front. */
function skinZ(x, y) {
  const dy = clamp(y, -0.999, 0.999);
  const chin = smoothstep(-0.1, -1.0, dy);
  const dx = x / (0.8 * (1 - 0.24 * chin));
  const dz = Math.sqrt(Math.max(0, 1 - dx * dx - dy * dy));
  return 0.86 * dz + 0.1 * chin * dz;
}

// Where the lower face hinges: the jaw moves what lies below a line from the mouth corners up to the ears.
function jawWeight(x, y, z) {
  const seam = MOUTH_Y + Math.max(0, Math.abs(x) - 0.26) * 0.85;
  return smoothstep(seam + 0.005, seam - 0.075, y) * smoothstep(-0.45, 0.2, z);
}
const jawDrop = (x) => 0.2 * (1 - 0.45 * smoothstep(0.2, 0.8, Math.abs(x)));

// -- lips ---------------------------------------------------------------------------------------------------------

const lipLine = (s) => MOUTH_Y + 0.012 * s * s;
function lipThickness(s, upper) {
  const base = (upper ? 0.072 : 0.085) * (1 - s * s) ** 0.6 + 0.004;
  if (!upper) return base;
  return base * (1 - 0.14 * Math.exp(-((s / 0.08) ** 2)) + 0.08 * Math.exp(-(((Math.abs(s) - 0.2) / 0.1) ** 2)));
}
const lipBulge = (s, r, upper) => (upper ? 0.034 : 0.04) * Math.sin(Math.PI * (0.15 + 0.85 * r)) * (1 - s * s) ** 0.5 + 0.006;

function lipRest(s, r, upper) {
  const x = MOUTH_A * s;
  const y = lipLine(s) + (upper ? 1 : -1) * lipThickness(s, upper) * r;
  return [x, y, skinZ(x, y) + lipBulge(s, r, upper)];
}

const sideLeft = (s, lo = -0.2) => smoothstep(lo, 1, s);
const corner = (s, side) => smoothstep(0, 1, side * s) ** 1.5;

/**
 * What a channel does to a point of a lip: s across the mouth (-1 the avatar's right corner, +1 the left), r from
 * the inner edge (0) to the outer (1), upper or lower lip. The skin around the mouth follows with r = 1.
 */
function lipDelta(ch, s, r, upper) {
  const lip = upper ? 1 : -1;
  const t = lipThickness(s, upper);
  const open = (1 - s * s) ** 0.6;
  for (const [name, side] of [['Left', 1], ['Right', -1]]) {
    if (!ch.endsWith(name)) continue;
    const base = ch.slice(0, -name.length);
    const c = corner(s, side);
    const half = smoothstep(-0.4, 0.8, side * s) * (1 - s * s) ** 0.5;
    switch (base) {
      case 'mouthSmile': return [side * 0.05 * c, 0.095 * c + (upper ? 0.006 : 0), -0.03 * c];
      case 'mouthFrown': return [side * 0.012 * c, -0.075 * c - (upper ? 0 : 0.01 * r * half), 0];
      case 'mouthDimple': return [side * 0.03 * c, 0.005 * c, -0.045 * c];
      case 'mouthStretch': return [side * 0.06 * c, -0.025 * c - (upper ? 0 : 0.025 * half), -0.01 * c];
      case 'mouthPress': {
        const w = sideLeft(side * s, -0.3);
        return [0, -lip * t * r * 0.4 * w, -0.012 * w];
      }
      case 'mouthLowerDown': return upper ? [0, 0, 0] : [0, -0.075 * half, 0.005 * half];
      case 'mouthUpperUp': return upper ? [0, 0.06 * half, 0.005 * half] : [0, 0, 0];
      case 'noseSneer': return upper ? [0, 0.022 * smoothstep(-0.4, 0.8, side * s), 0] : [0, 0, 0];
      case 'mouth': return [side * 0.09, 0, -0.012 * side * s]; // mouthLeft / mouthRight
      case 'jaw': return upper ? [0, 0, 0] : [side * 0.075, 0, 0]; // jawLeft / jawRight
      default: return [0, 0, 0];
    }
  }
  switch (ch) {
    case 'jawOpen':
      return upper ? [-0.02 * s, -0.04 * s * s, 0]
        : [-0.02 * s, -(0.04 * s * s + 0.19 * open + 0.03 * r * (1 - s * s)), -0.03];
    case 'jawForward': return upper ? [0, 0, 0] : [0, 0, 0.06];
    case 'mouthClose':
      return upper ? [0, -0.012 * (1 - s * s), 0] : [0, 0.19 * open + 0.03 * r * (1 - s * s), 0.01];
    case 'mouthFunnel':
      return [-0.25 * MOUTH_A * s, lip * (0.035 * (1 - s * s) ** 0.5 + 0.02 * r), 0.05 + 0.03 * r];
    case 'mouthPucker':
      return [-0.42 * MOUTH_A * s, lip * 0.018 * r, 0.07 + 0.012 * r];
    case 'mouthRollLower': return upper ? [0, 0, 0] : [0, t * r * 0.75, -0.03 - 0.02 * r];
    case 'mouthRollUpper': return upper ? [0, -t * r * 0.75, -0.03 - 0.02 * r] : [0, 0, 0];
    case 'mouthShrugLower': return upper ? [0, 0, 0] : [0, 0.035 * (1 - s * s) ** 0.5, 0.025];
    case 'mouthShrugUpper': return upper ? [0, 0.03 * (1 - s * s) ** 0.5, 0.012] : [0, 0, 0];
    case 'cheekPuff': return [-0.02 * s, 0, 0.015];
    case 'tongueOut': return upper ? [0, 0, 0] : [0, -0.012, 0.005];
    default: return [0, 0, 0];
  }
}

const JAW_CHANNELS = new Set(['jawOpen', 'jawForward', 'jawLeft', 'jawRight']);

/** The jaw's own motion (lower teeth, tongue, chin). */
function jawDelta(ch, x) {
  switch (ch) {
    case 'jawOpen': return [-0.02 * x, -jawDrop(x), -0.03];
    case 'jawForward': return [0, 0, 0.06];
    case 'jawLeft': return [0.075, 0, 0];
    case 'jawRight': return [-0.075, 0, 0];
    default: return [0, 0, 0];
  }
}

// -- skin -----------------------------------------------------------------------------------------------------------

function socketDepth(x, y) {
  const e = ((Math.abs(x) - EYE.x) / 0.175) ** 2 + ((y - EYE.y) / 0.135) ** 2;
  return 0.075 * (1 - smoothstep(0.45, 1.0, e));
}

function mouthRecess(x, y) {
  const e = (x / (0.95 * MOUTH_A)) ** 2 + ((y - MOUTH_Y) / 0.07) ** 2;
  return 0.16 * (1 - smoothstep(0.55, 1.0, e));
}

/** What a channel does to a point of skin at rest position p (face front and sides). */
function skinDelta(ch, x, y, z) {
  const out = [0, 0, 0];
  const add = (v, w = 1) => {
    out[0] += v[0] * w;
    out[1] += v[1] * w;
    out[2] += v[2] * w;
  };
  const front = smoothstep(0.15, 0.5, z);
  if (JAW_CHANNELS.has(ch)) {
    add(jawDelta(ch, x), jawWeight(x, y, z));
  } else if (ch.startsWith('mouth') || ch === 'cheekPuff' || ch.startsWith('noseSneer')) {
    // The skin around the mouth follows the lips' outer edge, fading out.
    const e = (x / (MOUTH_A * 1.3)) ** 2 + ((y - MOUTH_Y) / 0.2) ** 2;
    const follow = (1 - smoothstep(0.3, 1.0, e)) * front;
    if (follow > 0) add(lipDelta(ch, clamp(x / MOUTH_A, -1, 1), 1, y >= lipLine(clamp(x / MOUTH_A, -1, 1))), follow);
  }
  for (const [name, side] of [['Left', 1], ['Right', -1]]) {
    if (!ch.endsWith(name)) continue;
    const base = ch.slice(0, -name.length);
    const sx = side * x;
    if (base === 'mouthSmile') {
      const g = gauss(sx - 0.36, y + 0.27, 0.13, 0.11) * front;
      add([side * 0.01, 0.035, 0.03], g);
    } else if (base === 'cheekSquint') {
      const g = gauss(sx - 0.31, y + 0.04, 0.13, 0.07) * front;
      add([0, 0.04, 0.015], g);
    } else if (base === 'noseSneer') {
      const g = gauss(sx - 0.1, y + 0.17, 0.08, 0.08) * front;
      add([side * 0.006, 0.035, 0.008], g);
    } else if (base === 'browDown') {
      const g = gauss(sx - 0.1, y - 0.32, 0.09, 0.07) * front;
      add([-side * 0.012, -0.028, 0.006], g);
    } else if (base === 'browOuterUp') {
      add([0, 0.02, 0], gauss(sx - 0.45, y - 0.45, 0.12, 0.1) * front);
    }
  }
  if (ch === 'cheekPuff') {
    for (const side of [1, -1]) {
      const g = gauss(side * x - 0.42, y + 0.37, 0.17, 0.15) * smoothstep(-0.1, 0.4, z);
      const len = Math.hypot(x, 0.3, z) || 1;
      add([(x / len) * 0.09, 0.01, (z / len) * 0.07], g);
    }
  }
  if (ch === 'browInnerUp') add([0, 0.028, 0], gauss(x, y - 0.48, 0.22, 0.12) * front);
  return out;
}

// -- eyes and lids -----------------------------------------------------------------------------------------------

/** Rotation of a lid point (relative to the eye centre) about the eye's x axis by b, then its y axis by g. */
function rotateLid(p, b, g) {
  const cb = Math.cos(b), sb = Math.sin(b);
  let [x, y, z] = p;
  [y, z] = [y * cb - z * sb, y * sb + z * cb];
  const cg = Math.cos(g), sg = Math.sin(g);
  [x, z] = [x * cg + z * sg, -x * sg + z * cg];
  return [x, y, z];
}

// Per channel: [upper lid turn at its edge, lower lid turn at its edge, sideways turn toward the nose (+)].
const LID_TURNS = {
  eyeBlink: [1.16, -0.12, 0],
  eyeWide: [-0.32, 0.05, 0],
  eyeSquint: [0.2, -0.34, 0],
  eyeLookDown: [0.38, 0.1, 0],
  eyeLookUp: [-0.22, -0.08, 0],
  eyeLookIn: [0, 0, 0.1],
  eyeLookOut: [0, 0, -0.1],
  cheekSquint: [0, -0.16, 0],
};

function lidDelta(ch, rel, f, upper, side) {
  for (const [name, s] of [['Left', 1], ['Right', -1]]) {
    if (!ch.endsWith(name) || s !== side) continue;
    const turns = LID_TURNS[ch.slice(0, -name.length)];
    if (!turns) return [0, 0, 0];
    const b = (upper ? turns[0] : turns[1]) * f;
    const g = -side * turns[2] * f; // toward the nose: -x for the left eye
    const moved = rotateLid(rel, b, g);
    return [moved[0] - rel[0], moved[1] - rel[1], moved[2] - rel[2]];
  }
  return [0, 0, 0];
}

// -- brows ---------------------------------------------------------------------------------------------------------

function browCentre(u, side) {
  const x = 0.1 + 0.37 * u;
  const y = 0.355 + 0.09 * Math.sin(Math.PI * (0.15 + 0.75 * u)) - 0.03 * u;
  return [side * x, y, skinZ(x, y) + 0.018];
}

function browDelta(ch, u, side) {
  for (const [name, s] of [['Left', 1], ['Right', -1]]) {
    if (!ch.endsWith(name) || s !== side) continue;
    switch (ch.slice(0, -name.length)) {
      case 'browDown': return [-side * 0.022 * (1 - u), -(0.055 * (1 - u) + 0.035), 0.008];
      case 'browOuterUp': return [0, 0.075 * u ** 1.3, 0];
      case 'eyeSquint': return [0, -0.012, 0];
      case 'eyeWide': return [0, 0.018, 0];
      case 'eyeBlink': return [0, -0.008, 0];
      default: return [0, 0, 0];
    }
  }
  if (ch === 'browInnerUp') return [-side * 0.006, 0.08 * (1 - u) ** 1.3, 0];
  return [0, 0, 0];
}

// -- geometry assembly -----------------------------------------------------------------------------------------------

/** A part of the merged face mesh: rest positions, colours, triangles, and a delta function per channel. */
class Part {
  constructor(detail) {
    this.detail = detail; // 1: the close-up; less for the small body view
    this.positions = [];
    this.colors = [];
    this.normals = []; // per vertex: a normal to keep, or null (computed from the triangles)
    this.indices = [];
    this.deltas = []; // per vertex: (channel) => [dx, dy, dz]
  }

  n(count, least = 3) {
    return Math.max(least, Math.round(count * this.detail));
  }

  vertex(p, color, delta, normal = null) {
    this.positions.push(p[0], p[1], p[2]);
    this.colors.push(color.r, color.g, color.b);
    this.deltas.push(delta);
    this.normals.push(normal);
    return this.positions.length / 3 - 1;
  }

  /** Triangles of a (nu + 1) x (nv + 1) grid of vertices added row by row from `first`. */
  grid(first, nu, nv) {
    for (let j = 0; j < nv; j++) {
      for (let i = 0; i < nu; i++) {
        const a = first + j * (nu + 1) + i;
        const b = a + 1, c = a + nu + 1, d = c + 1;
        this.indices.push(a, c, b, b, c, d);
      }
    }
  }

  /** A sphere of `segments` around (its rows along y), each vertex placed and given deltas by `place`. */
  blob(segments, place) {
    const g = new THREE.SphereGeometry(1, this.n(segments, 6), this.n(segments * 0.75, 5));
    const pos = g.getAttribute('position');
    const first = this.positions.length / 3;
    for (let i = 0; i < pos.count; i++) place(pos.getX(i), pos.getY(i), pos.getZ(i));
    for (const k of g.getIndex().array) this.indices.push(first + k);
  }
}

const NONE = () => [0, 0, 0];

/** Angles from a to b, `fine` apart inside the dense ranges and `coarse` apart elsewhere. */
function spaced(a, b, dense, fine, coarse) {
  const out = [a];
  let x = a;
  while (x < b - 1e-9) {
    const inside = dense.some(([lo, hi]) => x >= lo - 1e-9 && x < hi);
    x = Math.min(b, x + (inside ? fine : coarse));
    out.push(x);
  }
  return out;
}

const direction = (theta, phi) => [Math.sin(theta) * Math.sin(phi), Math.cos(theta), Math.sin(theta) * Math.cos(phi)];

/** The skin: a latitude/longitude grid on the head's shape, finer across the eyes and mouth (where it moves). */
function buildSkin(part) {
  const rows = spaced(0, Math.PI, [[1.15, 2.45]], 0.034 / part.detail, 0.09 / part.detail);
  const cols = spaced(-Math.PI, Math.PI, [[-0.8, 0.8]], 0.034 / part.detail, 0.1 / part.detail);
  const first = part.positions.length / 3;
  const e = 1e-3;
  for (const theta of rows) {
    for (const phi of cols) {
      const d = direction(theta, phi);
      const [x, y, z0] = headShape(...d);
      // Normals of the smooth shape: the sockets and the recess behind the lips are hidden, not shaded.
      const a = headShape(...direction(theta + e, phi)), b = headShape(...direction(theta - e, phi));
      const c = headShape(...direction(theta, phi + e)), f = headShape(...direction(theta, phi - e));
      let normal = new THREE.Vector3(c[0] - f[0], c[1] - f[1], c[2] - f[2])
        .cross(new THREE.Vector3(a[0] - b[0], a[1] - b[1], a[2] - b[2]));
      if (normal.lengthSq() < 1e-12) normal = new THREE.Vector3(...d);
      normal.normalize();
      if (normal.dot(new THREE.Vector3(...d)) < 0) normal.negate();
      const inward = socketDepth(x, y) * smoothstep(0.3, 0.6, d[2]) + mouthRecess(x, y) * smoothstep(0.5, 0.8, d[2]);
      part.vertex([x, y, z0 - inward], COLORS.skin, (ch) => skinDelta(ch, x, y, z0), normal);
    }
  }
  part.grid(first, cols.length - 1, rows.length - 1);
}

function buildNoseAndEars(part) {
  const noseZ = skinZ(0, -0.16);
  const sneer = (p) => (ch) => {
    for (const [name, side] of [['Left', 1], ['Right', -1]]) {
      if (ch === `noseSneer${name}`) {
        const w = smoothstep(-0.02, 0.07, side * p[0]) * smoothstep(-0.02, -0.2, p[1]);
        return [side * 0.008 * w, 0.04 * w + 0.012, 0.004 * w];
      }
    }
    return [0, 0, 0];
  };
  const blob = (cx, cy, cz, sx, sy, sz, deltaFor, segments) => part.blob(segments, (x, y, z) => {
    const p = [cx + x * sx, cy + y * sy, cz + z * sz];
    part.vertex(p, COLORS.skin, deltaFor(p));
  });
  blob(0, -0.12, noseZ - 0.02, 0.075, 0.15, 0.1, sneer, 16);
  blob(0, -0.22, noseZ + 0.03, 0.085, 0.06, 0.07, sneer, 14);
  for (const side of [1, -1]) {
    blob(side * 0.075, -0.235, noseZ - 0.005, 0.05, 0.045, 0.055, sneer, 10);
    blob(side * 0.8, 0.02, -0.02, 0.07, 0.2, 0.13, () => NONE, 12);
  }
}

function buildLips(part) {
  const NS = part.n(40, 12), NR = part.n(5, 2);
  for (const upper of [true, false]) {
    const first = part.positions.length / 3;
    for (let j = 0; j <= NR; j++) {
      const r = j / NR;
      for (let i = 0; i <= NS; i++) {
        const s = -1 + (2 * i) / NS;
        part.vertex(lipRest(s, r, upper), COLORS.lip, (ch) => lipDelta(ch, s, r, upper));
      }
    }
    part.grid(first, NS, NR);
  }
  // The mouth's inside: a dark sheet from the upper lip's inner edge to the lower one's, recessed behind the teeth.
  const NV = part.n(6, 2);
  const first = part.positions.length / 3;
  for (let j = 0; j <= NV; j++) {
    const v = j / NV;
    for (let i = 0; i <= NS; i++) {
      const s = -1 + (2 * i) / NS;
      const edge = lipRest(s * 0.985, 0, true);
      const depth = 0.05 + 0.1 * Math.sin(Math.PI * v) * (1 - s * s) ** 0.5;
      part.vertex([edge[0], edge[1], edge[2] - depth], COLORS.cavity, (ch) => {
        const a = lipDelta(ch, s * 0.985, 0, true), b = lipDelta(ch, s * 0.985, 0, false);
        return [a[0] + (b[0] - a[0]) * v, a[1] + (b[1] - a[1]) * v, a[2] + (b[2] - a[2]) * v];
      });
    }
  }
  part.grid(first, NS, NV);
}

function buildTeethAndTongue(part) {
  const NS = part.n(20, 6), NV = 2;
  const front = skinZ(0, MOUTH_Y) + 0.01;
  for (const upper of [true, false]) {
    const first = part.positions.length / 3;
    const width = upper ? 0.64 : 0.56;
    for (let j = 0; j <= NV; j++) {
      const v = j / NV;
      for (let i = 0; i <= NS; i++) {
        const s = -1 + (2 * i) / NS;
        const x = MOUTH_A * width * s;
        const y = upper ? MOUTH_Y + 0.012 - 0.06 * v : MOUTH_Y - 0.008 - 0.055 * v;
        const z = front - (upper ? 0.03 : 0.04) - 0.06 * s * s;
        const shade = COLORS.teeth.clone().multiplyScalar(1 - 0.15 * v);
        part.vertex([x, y, z], shade, upper ? NONE : (ch) => jawDelta(ch, x));
      }
    }
    part.grid(first, NS, NV);
  }
  part.blob(14, (x, y, z) => {
    const p = [x * 0.13, MOUTH_Y - 0.05 + y * 0.035, front - 0.19 + z * 0.14];
    part.vertex(p, COLORS.tongue, (ch) => (ch === 'tongueOut' ? [0, -0.06, 0.2] : jawDelta(ch, p[0])));
  });
}

function buildLids(part) {
  const NT = part.n(8, 3), NP = part.n(22, 8), SPREAD = 1.35;
  for (const side of [1, -1]) {
    const centre = [side * EYE.x, EYE.y, EYE.z];
    for (const upper of [true, false]) {
      const first = part.positions.length / 3;
      for (let j = 0; j <= NT; j++) {
        const f = j / NT; // 0 at the lid's root, 1 at its edge
        const theta = upper ? f * UPPER_LID_EDGE : Math.PI - 0.35 - f * (Math.PI - 0.35 - LOWER_LID_EDGE);
        for (let i = 0; i <= NP; i++) {
          const phi = -SPREAD + (2 * SPREAD * i) / NP;
          const rel = [LID_R * Math.sin(theta) * Math.sin(phi), LID_R * Math.cos(theta), LID_R * Math.sin(theta) * Math.cos(phi)];
          const color = f > 0.86 ? COLORS.lash : COLORS.skin;
          part.vertex([centre[0] + rel[0], centre[1] + rel[1], centre[2] + rel[2]], color,
            (ch) => lidDelta(ch, rel, f, upper, side));
        }
      }
      part.grid(first, NP, NT);
    }
  }
}

function buildBrows(part) {
  const NU = part.n(20, 6), NA = part.n(8, 4);
  for (const side of [1, -1]) {
    const first = part.positions.length / 3;
    for (let j = 0; j <= NU; j++) {
      const u = j / NU;
      const c = browCentre(u, side);
      const h = (0.03 - 0.012 * u) * Math.sin(Math.PI * u) ** 0.35;
      for (let i = 0; i <= NA; i++) {
        const a = (2 * Math.PI * i) / NA;
        part.vertex([c[0], c[1] + h * Math.cos(a), c[2] + 0.016 * Math.sin(a)], COLORS.brow, (ch) => browDelta(ch, u, side));
      }
    }
    part.grid(first, NA, NU);
  }
}

/** Hair: a cap over the head's shape down to a hairline (the fringe over the forehead, below the ears behind). */
function buildHair(detail) {
  const NP = Math.max(16, Math.round(72 * detail)), NT = Math.max(6, Math.round(20 * detail));
  const positions = [], indices = [];
  for (let j = 0; j <= NT; j++) {
    for (let i = 0; i <= NP; i++) {
      const phi = -Math.PI + (2 * Math.PI * i) / NP;
      const front = 1 - smoothstep(0.4, 2.4, Math.abs(phi));
      const hairline = 1.08 + 0.95 * (1 - front) + 0.05 * Math.sin(phi * 11) * front - 0.12 * Math.exp(-(((Math.abs(phi) - 1.45) / 0.3) ** 2));
      const theta = (hairline * j) / NT;
      const d = direction(theta, phi);
      const [x, y, z] = headShape(...d);
      const puff = 1.045 + 0.05 * smoothstep(0.3, 1.0, d[1]) - 0.02 * (j / NT) ** 4;
      positions.push(x * puff, y * puff + 0.02, z * puff - 0.01);
    }
  }
  for (let j = 0; j < NT; j++) {
    for (let i = 0; i < NP; i++) {
      const a = j * (NP + 1) + i, b = a + 1, c = a + NP + 1, d = c + 1;
      indices.push(a, c, b, b, c, d);
    }
  }
  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute('position', new THREE.Float32BufferAttribute(positions, 3));
  geometry.setIndex(indices);
  geometry.computeVertexNormals();
  return new THREE.Mesh(geometry, new THREE.MeshStandardMaterial({ color: COLORS.hair, roughness: 0.85, side: THREE.DoubleSide }));
}

function buildEyeball() {
  const g = new THREE.SphereGeometry(EYE.r, 32, 24);
  g.rotateX(Math.PI / 2); // the pole looks forward (+z): iris and pupil are rings around it
  const pos = g.getAttribute('position');
  const colors = [];
  for (let i = 0; i < pos.count; i++) {
    const angle = Math.acos(clamp(pos.getZ(i) / EYE.r, -1, 1));
    const c = angle < 0.2 ? COLORS.pupil : angle < 0.4 ? COLORS.iris : angle < 0.46 ? COLORS.irisRim : COLORS.sclera;
    colors.push(c.r, c.g, c.b);
  }
  g.setAttribute('color', new THREE.Float32BufferAttribute(colors, 3));
  return new THREE.Mesh(g, new THREE.MeshStandardMaterial({ vertexColors: true, roughness: 0.25, metalness: 0 }));
}

/** The merged face mesh with one morph target per ARKit channel (named as ARKit names them). */
function buildFaceMesh(channels, detail) {
  const part = new Part(detail);
  buildSkin(part);
  buildNoseAndEars(part);
  buildLips(part);
  buildTeethAndTongue(part);
  buildLids(part);
  buildBrows(part);
  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute('position', new THREE.Float32BufferAttribute(part.positions, 3));
  geometry.setAttribute('color', new THREE.Float32BufferAttribute(part.colors, 3));
  geometry.setIndex(part.indices);
  geometry.computeVertexNormals();
  const normals = geometry.getAttribute('normal');
  part.normals.forEach((n, i) => { if (n) normals.setXYZ(i, n.x, n.y, n.z); });
  geometry.morphTargetsRelative = true; // each target holds displacements from the rest shape
  geometry.morphAttributes.position = channels.map((ch) => {
    const deltas = new Float32Array(part.deltas.length * 3);
    part.deltas.forEach((delta, i) => {
      const d = delta(ch);
      deltas[i * 3] = d[0];
      deltas[i * 3 + 1] = d[1];
      deltas[i * 3 + 2] = d[2];
    });
    const attribute = new THREE.Float32BufferAttribute(deltas, 3);
    attribute.name = ch;
    return attribute;
  });
  const material = new THREE.MeshStandardMaterial({ vertexColors: true, roughness: 0.62, side: THREE.DoubleSide });
  const mesh = new THREE.Mesh(geometry, material);
  mesh.name = detail >= 1 ? 'PreviewFace' : 'PreviewFaceLow';
  mesh.updateMorphTargets();
  return mesh;
}

/** Layers: the close-up camera sees the detailed face, the small body view a light one (software renderers). */
export const LAYER_DETAIL = 1;
export const LAYER_LIGHT = 2;
const ZERO_BELOW = 0.004; // influences this small are set to 0: the shader skips those targets

/** The preview head: `object` goes into the scene; `apply` sets a face frame (interpolated at the playhead). */
export class PreviewHead {
  constructor(scale = 0.115) {
    this.object = new THREE.Group();
    this.object.name = 'PreviewHead';
    this.turn = new THREE.Group(); // the face frame's head rotation, on top of the body's Head joint
    this.turn.scale.setScalar(scale);
    this.object.add(this.turn);
    this.mesh = buildFaceMesh(ARKIT_BLENDSHAPES, 1);
    this.light = buildFaceMesh(ARKIT_BLENDSHAPES, 0.4);
    const hair = buildHair(1), lightHair = buildHair(0.4);
    for (const [node, layer] of [[this.mesh, LAYER_DETAIL], [hair, LAYER_DETAIL], [this.light, LAYER_LIGHT], [lightHair, LAYER_LIGHT]]) {
      node.layers.set(layer);
      this.turn.add(node);
    }
    this.eyes = [1, -1].map((side) => {
      const eye = new THREE.Group();
      eye.position.set(side * EYE.x, EYE.y, EYE.z);
      eye.add(buildEyeball());
      this.turn.add(eye);
      return eye;
    });
    this.order = ARKIT_BLENDSHAPES;
  }

  /** Channels this head drives (all 52). */
  get channels() {
    return Object.keys(this.mesh.morphTargetDictionary);
  }

  influence(name) {
    return this.mesh.morphTargetInfluences[this.mesh.morphTargetDictionary[name]];
  }

  /** weights in `order` (describe.blendshapes), head [yaw, pitch, roll], eyes [l yaw, l pitch, r yaw, r pitch]. */
  apply(face, order = this.order) {
    for (const mesh of [this.mesh, this.light]) {
      const dict = mesh.morphTargetDictionary;
      const influences = mesh.morphTargetInfluences;
      for (let i = 0; i < order.length; i++) {
        const k = dict[order[i]];
        if (k !== undefined) influences[k] = Math.abs(face.weights[i]) < ZERO_BELOW ? 0 : face.weights[i];
      }
    }
    const [yaw, pitch, roll] = face.head;
    this.turn.rotation.set(pitch, yaw, roll, 'YXZ');
    this.eyes[0].rotation.set(face.eyes[1], face.eyes[0], 0, 'YXZ');
    this.eyes[1].rotation.set(face.eyes[3], face.eyes[2], 0, 'YXZ');
  }
}

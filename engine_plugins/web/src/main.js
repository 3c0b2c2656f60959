// The preview page: connects to the sidecar, plays its stream at pts (audio on WebAudio, frames on the preview
// head and figure or a user's model) and runs the operator console. `window.preview` exposes the live state for
// the browser tests (tests/test_web_preview.py) and for curious artists in the devtools console.

import * as THREE from 'three';
import { GLTFExporter } from 'three/addons/exporters/GLTFExporter.js';
import { Connection } from './connection.js';
import { Playout } from './playout.js';
import { PreviewHead, LAYER_DETAIL, LAYER_LIGHT } from './head.js';
import { Figure } from './figure.js';
import { Curves } from './curves.js';
import { OperatorConsole } from './console.js';
import { UserModel, ModelError, bestProfile, drivenCount } from './model.js';
import { ARKIT_BLENDSHAPES } from './protocol.js';
import { localNow } from './clock.js';
import { languageOf, subtitlePieces } from './subtitles.js';

const $ = (selector) => document.querySelector(selector);
const params = new URLSearchParams(location.search);
// The smallest jitter buffer; it grows while messages reach the page late (playout.js, JitterEstimate), unless
// ?adaptive=0 fixes it.
const JITTER_S = Number(params.get('jitter_ms') ?? 40) / 1000;
const ADAPTIVE = params.get('adaptive') !== '0';
// The run's token, from the URL `serve` printed: the sidecar lets no WebSocket in without it (bridge/preview/server.py).
const TOKEN = params.get('token');
const HEAD_ABOVE_JOINT = new THREE.Vector3(0, 0.085, 0.015); // the Head joint sits at the skull's base
const TRACE_LIMIT = 20000;

// A software renderer (SwiftShader) spends 100-160 ms of CPU on a frame of our scene: at 15 fps it took both cores of
// a small machine from the page's main thread (frames reached the page 40-60 ms before their pts instead of ~100, pings
// took tens of ms) and from the sidecar; at 12 fps frames arrive ~83 ms ahead and most round trips take under 1 ms.
const SOFTWARE_MAX_FPS = 12;

/** Our own meshes drawn with Lambert shading instead of physically based, on a software renderer: SwiftShader's
 * process took 1.2 cores instead of 1.5 at 12 fps on a 2-core machine, and the browser tests stopped missing audio
 * chunks. A user's model keeps its own materials. */
function simplerShading(root) {
  root.traverse((object) => {
    const m = object.material;
    if (!m || !m.isMeshStandardMaterial) return;
    object.material = new THREE.MeshLambertMaterial({ color: m.color, vertexColors: m.vertexColors, side: m.side,
      map: m.map, transparent: m.transparent, opacity: m.opacity });
  });
  return root;
}

/** The WebGL renderer's name: a software one (SwiftShader, llvmpipe) gets a lighter picture and frame rate. */
function rendererName() {
  const gl = document.createElement('canvas').getContext('webgl2');
  const info = gl?.getExtension('WEBGL_debug_renderer_info');
  return info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl?.getParameter(gl.RENDERER) ?? 'none';
}

class Stage {
  constructor(canvas) {
    this.gpu = rendererName();
    this.software = /swiftshader|llvmpipe|software/i.test(this.gpu);
    // Software rendering shares the CPU with the page and the audio: fewer pixels and frames leave it time to
    // take the stream in on time. ?quality=high draws full pixels anyway (pictures for the docs).
    const light = this.software && params.get('quality') !== 'high';
    this.light = light;
    this.maxFps = Number(params.get('max_fps') ?? (this.software ? SOFTWARE_MAX_FPS : 0));
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: !light });
    this.renderer.setPixelRatio(light ? 0.75 : Math.min(window.devicePixelRatio, 2));
    this.renderer.outputColorSpace = THREE.SRGBColorSpace;
    this.scene = new THREE.Scene();
    this.scene.background = new THREE.Color('#1b2030');
    this.scene.add(new THREE.HemisphereLight('#ffffff', '#5a4a48', 1.6));
    const key = new THREE.DirectionalLight('#fff4e8', 2.2);
    key.position.set(1.2, 2.6, 2.4);
    this.scene.add(key);
    const rim = new THREE.DirectionalLight('#9fc2ff', 1.0);
    rim.position.set(-2, 1.8, -1.5);
    this.scene.add(rim);
    const floor = new THREE.Mesh(new THREE.CircleGeometry(1.6, 48), new THREE.MeshStandardMaterial({ color: '#262d40', roughness: 0.9 }));
    floor.rotation.x = -Math.PI / 2;
    this.scene.add(light ? simplerShading(floor) : floor);
    const grid = new THREE.PolarGridHelper(1.6, 8, 4, 48, '#3a4460', '#323a52');
    grid.position.y = 0.002;
    this.scene.add(grid);
    this.faceCamera = new THREE.PerspectiveCamera(26, 1, 0.05, 20);
    this.bodyCamera = new THREE.PerspectiveCamera(30, 1, 0.1, 30);
    this.faceCamera.layers.enable(LAYER_DETAIL);
    this.bodyCamera.layers.enable(LAYER_LIGHT); // the small view: a lighter face (software renderers are slow)
    this.faceTarget = new THREE.Vector3(0, 1.6, 0);
    this.bodyTarget = new THREE.Vector3(0, 0.95, 0);
    this.faceMain = true;
    this.inset = { width: 220, height: 280, margin: 10 };
  }

  frame(faceAt, bodyAt, bodyHeight = 1.8) {
    // Cameras follow what they frame, eased so a dance does not shake the picture.
    this.faceTarget.lerp(faceAt, 0.2);
    this.bodyTarget.lerp(bodyAt, 0.1);
    this.faceCamera.position.copy(this.faceTarget).add(new THREE.Vector3(0, 0.02, 0.82));
    this.faceCamera.lookAt(this.faceTarget);
    // The body view holds hands raised overhead (a cheer, a dance): 1.3 body heights, feet to fingertips, and a margin.
    const halfHeight = bodyHeight * 0.7;
    const distance = halfHeight / Math.tan(THREE.MathUtils.degToRad(this.bodyCamera.fov / 2));
    this.bodyCamera.position.set(this.bodyTarget.x, this.bodyTarget.y + 0.1, this.bodyTarget.z + distance);
    this.bodyCamera.lookAt(this.bodyTarget);
  }

  render() {
    const canvas = this.renderer.domElement;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== Math.floor(w * this.renderer.getPixelRatio()) || canvas.height !== Math.floor(h * this.renderer.getPixelRatio())) {
      this.renderer.setSize(w, h, false);
    }
    const [main, small] = this.faceMain ? [this.faceCamera, this.bodyCamera] : [this.bodyCamera, this.faceCamera];
    this.renderer.setScissorTest(true);
    main.aspect = w / h;
    main.updateProjectionMatrix();
    this.renderer.setViewport(0, 0, w, h);
    this.renderer.setScissor(0, 0, w, h);
    this.renderer.render(this.scene, main);
    const { width, height, margin } = this.inset;
    small.aspect = width / height;
    small.updateProjectionMatrix();
    this.renderer.setViewport(w - width - margin, margin, width, height);
    this.renderer.setScissor(w - width - margin, margin, width, height);
    this.renderer.render(this.scene, small);
    this.renderer.setScissorTest(false);
  }
}

class App {
  constructor() {
    const url = new URL('/stream', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('token', TOKEN ?? '');
    this.connection = new Connection(url.href);
    this.playout = new Playout(this.connection.clock, { delay: JITTER_S, adaptive: ADAPTIVE });
    this.stage = new Stage($('#view'));
    this.head = new PreviewHead();
    if (this.stage.light) simplerShading(this.head.object);
    this.head.object.position.set(0, 1.55, 0);
    this.stage.scene.add(this.head.object);
    this.figure = null;
    this.model = null;
    this.profiles = {};
    this.avatar = null;
    this.blendshapes = ARKIT_BLENDSHAPES;
    this.curves = new Curves($('#curves'));
    this.console = new OperatorConsole(this);
    this.trace = [];
    this.restarted = false;
    this._restartedSinceLost = false;
    this.frames = 0;
    this.fps = 0;
    this.fpsWindow = localNow();
    this.lastFrame = localNow();
    this.subtitleKey = '';
    this._wire();
    fetch('/rigs.json').then((r) => r.json()).then((profiles) => { this.profiles = profiles; })
      .catch(() => this.console.log('rig profiles (/rigs.json) could not be read: user models get no profile', 'error'));
    if (TOKEN) this.connection.start();
    else this._banner('No token in this address: open the URL that serve printed, with its token (…/?token=…)', 'lost');
    requestAnimationFrame(() => this.tick());
  }

  _wire() {
    this.connection.onStream = (message, received) => {
      try {
        this.playout.push(message, received);
      } catch (err) {
        this.console.log(`stream: ${err.message}`, 'error');
      }
    };
    this.connection.addEventListener('state', (e) => this._state(e.detail));
    this.connection.addEventListener('error', (e) => this.console.log(e.detail.message, 'error'));
    this.playout.addEventListener('skeleton', (e) => this._skeleton(e.detail));
    this.playout.addEventListener('event', (e) => this.console.event(e.detail));
    this.playout.addEventListener('restart', () => {
      this.restarted = true;
      this._restartedSinceLost = true;
      this._banner('The sidecar restarted: its stream began again', 'ok', 4000);
      this.console.log('the sidecar restarted (stream sequence numbers began again)');
    });
    $('#sound').addEventListener('click', () => this.playout.audio.resume().then(() => { $('#sound').hidden = true; }));
  }

  _banner(text, kind = '', hideAfter = 0) {
    const banner = $('#banner');
    banner.textContent = text;
    banner.className = kind;
    banner.hidden = false;
    clearTimeout(this._bannerTimer);
    if (hideAfter) this._bannerTimer = setTimeout(() => { banner.hidden = true; }, hideAfter);
  }

  _state({ state, described, reconnect, delay, attempt, reason }) {
    if (state === 'connecting') {
      if (!attempt) this._banner('Connecting to the sidecar…');
    } else if (state === 'connected') {
      this.blendshapes = described.blendshapes ?? ARKIT_BLENDSHAPES;
      if (!described.avatars.includes(this.avatar)) this.avatar = described.avatars[0];
      this.playout.avatar = this.avatar;
      this.playout.resync();
      this.console.describe(described);
      this.console.setConnected(true);
      const again = this._restartedSinceLost ? ' — it restarted: its stream began again' : '';
      this._banner(reconnect ? `Reconnected to the sidecar${again}` : `Connected: ${described.avatars.join(', ')}`, 'ok', 4000);
      this.console.log(reconnect ? 'reconnected to the sidecar' : 'connected to the sidecar');
      this.playout.audio.ensure(described.audio?.rate ?? 22050);
      $('#sound').hidden = this.playout.audio.running;
    } else if (state === 'lost') {
      this.console.setConnected(false);
      // The stream flows again as soon as a socket opens, before describe: sequence numbers are compared with
      // this connection's from the first message on (a gap is no loss; numbers going back are a restart).
      this.playout.resync();
      this._restartedSinceLost = false;
      this._banner(`Connection to the sidecar lost — reconnecting in ${delay} s (attempt ${this.connection.attempt})`, 'lost');
      if (this.connection.attempt === 1) this.console.log('connection to the sidecar lost; reconnecting', 'error');
    } else if (state === 'refused') {
      this.console.setConnected(false);
      this._banner(`The sidecar refused this page — ${reason}`, 'lost');
      this.console.log(`the sidecar refused this page: ${reason}`, 'error');
    }
  }

  _skeleton(skeleton) {
    if (this.figure) this.figure.object.removeFromParent();
    this.figure = new Figure(skeleton);
    if (this.stage.light) simplerShading(this.figure.object);
    this.stage.scene.add(this.figure.object);
    this.figure.head.add(this.head.object);
    this.head.object.position.copy(HEAD_ABOVE_JOINT);
    this.figure.object.visible = !this.model;
  }

  swapViews() {
    this.stage.faceMain = !this.stage.faceMain;
    $('#inset-label').textContent = this.stage.faceMain ? 'body' : 'face';
  }

  // -- user models ---------------------------------------------------------------------------------------------

  async loadModel(file) {
    const report = $('#model-report');
    report.textContent = `loading ${file.name}…`;
    let model;
    try {
      model = await UserModel.load(file);
    } catch (err) {
      report.replaceChildren(Object.assign(document.createElement('p'), { className: 'error', textContent: err.message }));
      this.console.log(err instanceof ModelError ? err.message : `model: ${err.message}`, 'error');
      return null;
    }
    this.resetModel(false);
    this.model = model;
    this.stage.scene.add(model.object);
    this.head.object.visible = false;
    if (this.figure) this.figure.object.visible = false;
    $('#model-reset').disabled = false;
    const select = $('#model-profile');
    select.replaceChildren(...Object.entries(this.profiles).map(([key, p]) => new Option(`${key}: ${p.name}`, key)));
    select.disabled = !model.hasFace;
    if (!model.hasFace) {
      report.replaceChildren(Object.assign(document.createElement('p'), {
        className: 'error',
        textContent: `${file.name} has no morph targets (blend shapes) and no VRM expressions: its face cannot move. `
          + `${model.vrm ? 'Its body follows the pose stream.' : 'It is shown as it is.'} Export it with its shape keys to see speech.`,
      }));
      this.console.log(`${file.name}: no morph targets`, 'error');
      return model;
    }
    const key = bestProfile(this.profiles, model.names) ?? Object.keys(this.profiles)[0];
    select.value = key;
    this.useProfile(key);
    return model;
  }

  useProfile(key) {
    const profile = this.profiles[key];
    if (!this.model || !profile) return null;
    const missing = this.model.useProfile(profile, this.blendshapes);
    const report = $('#model-report');
    const driven = drivenCount(profile);
    const head = document.createElement('p');
    head.textContent = `${this.model.name}: ${this.model.vrm ? (this.model.vrm.meta?.metaVersion === '0' ? 'VRM 0.x' : 'VRM 1.0') : 'glTF'}, `
      + `${this.model.names.length} morphs/expressions; profile “${key}” drives ${driven - missing.length} of ${driven}`
      + (missing.length ? `; the model lacks ${missing.length}:` : ' — nothing missing.');
    const list = document.createElement('ul');
    list.replaceChildren(...missing.map((m) => Object.assign(document.createElement('li'), { textContent: `${m.morph} (${m.section} ${m.ours})` })));
    report.replaceChildren(head, ...(missing.length ? [list] : []));
    this.console.log(`model ${this.model.name}: profile ${key}, ${missing.length} channels missing`);
    return missing;
  }

  resetModel(restore = true) {
    if (this.model) {
      this.model.dispose();
      this.model = null;
    }
    if (restore) {
      this.head.object.visible = true;
      if (this.figure) this.figure.object.visible = true;
      $('#model-report').textContent = '';
      $('#model-profile').disabled = true;
      $('#model-reset').disabled = true;
    }
  }

  /** The preview head as a .glb: its 52 ARKit morph targets, for checking a pipeline or as a reference rig. */
  async exportHead(download = true) {
    const glb = await new GLTFExporter().parseAsync(this.head.mesh, { binary: true });
    if (download) {
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([glb], { type: 'model/gltf-binary' }));
      a.download = 'avatar-bridge-preview-head.glb';
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    }
    return glb;
  }

  // -- the render loop -------------------------------------------------------------------------------------------

  tick() {
    requestAnimationFrame(() => this.tick());
    const now = localNow();
    if (this.stage.maxFps && now - this.lastFrame < 1 / this.stage.maxFps - 0.004) return;
    const dt = Math.min(0.1, now - this.lastFrame);
    this.lastFrame = now;
    if (!this.connection.clock.synced) {
      this.stage.render();
      return;
    }
    const t = this.playout.playhead();
    const state = this.playout.sample(t);
    const current = this.playout.current(t);
    if (state.face) this.head.apply(state.face, this.blendshapes);
    if (state.pose && this.figure) this.figure.apply(state.pose);
    if (this.model) {
      this.model.apply({ ...state, viseme: current?.viseme ?? 'sil', emotion: current?.take.emotion ?? null },
        this.playout.skeleton, dt);
    }
    this._frameCameras();
    this.stage.render();
    this._record(t, now, current);
    this.curves.push(t, (name) => this.influence(name));
    this.curves.draw();
    this._subtitles(current);
    this.frames++;
    if (now - this.fpsWindow >= 0.5) {
      this.fps = this.frames / (now - this.fpsWindow);
      this.frames = 0;
      this.fpsWindow = now;
      this._stats();
    }
  }

  _frameCameras() {
    let faceAt, bodyAt, height = 1.8;
    if (this.model) {
      const box = this.model.bounds();
      height = box.max.y - box.min.y;
      faceAt = this.model.headNode ? this.model.headNode.getWorldPosition(new THREE.Vector3()).add(new THREE.Vector3(0, 0.06, 0))
        : new THREE.Vector3(0, box.max.y - Math.min(0.15, height * 0.1), 0);
      bodyAt = box.getCenter(new THREE.Vector3()).setY(box.min.y + height * 0.62);
    } else {
      faceAt = this.head.object.getWorldPosition(new THREE.Vector3()).add(new THREE.Vector3(0, -0.03, 0));
      bodyAt = this.figure ? this.figure.worldOf('Hips').setY(1.8 * 0.62) : new THREE.Vector3(0, 1.2, 0);
    }
    this.stage.frame(faceAt, bodyAt, height);
  }

  /** The applied influence of a channel on screen (the user's model when one is loaded and has it). */
  influence(name) {
    if (this.model) {
      const morph = this.model.profile?.arkit?.[name];
      const target = morph && this.model.morphs.get(morph)?.[0];
      if (target) return target[0].morphTargetInfluences[target[1]];
    }
    return this.head.influence(name);
  }

  _record(t, now, current) {
    const heard = this.playout.audio.heard();
    const sync = heard ? heard.pts - (this.connection.clock.toSidecar(heard.local) - this.playout.delay) : null;
    this.trace.push({ t, now, delay: this.playout.delay, jaw: this.influence('jawOpen'), sync, take: current?.take.id ?? null,
      spoken: current?.spoken ?? 0 });
    if (this.trace.length > TRACE_LIMIT) this.trace.splice(0, this.trace.length - TRACE_LIMIT);
  }

  _subtitles(current) {
    const words = current?.take.words ?? [];
    const key = current ? `${current.take.id}:${current.spoken}:${words.length}` : '';
    if (key === this.subtitleKey) return;
    this.subtitleKey = key;
    const box = $('#subtitles');
    if (!current || !words.length) {
      box.replaceChildren();
      return;
    }
    // The line being said: up to 14 words ending a few words past the current one; Chinese words join without
    // spaces (subtitles.js).
    const end = Math.min(words.length, Math.max(current.spoken + 4, 14));
    const start = Math.max(0, end - 14);
    const pieces = subtitlePieces(words.slice(start, end).map((w) => w[0]));
    box.lang = languageOf(pieces.join(''));
    box.replaceChildren(...pieces.map((text, i) => Object.assign(document.createElement('span'), {
      textContent: text, className: start + i < current.spoken ? 'said' : 'ahead',
    })));
  }

  /** Numbers for the stats box (and the tests). */
  metrics() {
    const first = this.console.lastTake ? this.playout.audio.firstOfTake.get(this.console.lastTake) : null;
    const sent = this.console.lastTake ? this.console.sent.get(this.console.lastTake) : null;
    const stats = this.playout.stats;
    return {
      state: this.connection.state,
      rttMs: this.connection.clock.rtt === null ? null : this.connection.clock.rtt * 1000,
      ptsLagMs: stats.lagMs(),
      fps: this.fps,
      faceRate: stats.rate('face'),
      drops: stats.dropped,
      lateFrames: this.playout.lateFrames,
      underruns: this.playout.faces.underruns,
      lateAudio: this.playout.audio.late,
      firstAudioMs: first && sent ? (first.localHeard - sent) * 1000 : null,
      firstAudioErrorMs: first ? first.error * 1000 : null,
      jitterMs: this.playout.delay * 1000,
      audio: this.playout.audio.ctx?.state ?? 'none',
      restarted: this.restarted,
      connects: this.connection.connects,
    };
  }

  _stats() {
    const m = this.metrics();
    const f = (v, digits = 0, unit = '') => (v === null || v === undefined || Number.isNaN(v) ? '—' : `${v.toFixed(digits)}${unit}`);
    const rows = [
      ['link', `${m.state}${m.rttMs !== null ? ` · rtt ${f(m.rttMs, 1)} ms` : ''}`, 'connection state and the best ping round trip'],
      ['pts lag', f(m.ptsLagMs, 0, ' ms'), 'how long before its pts a face frame reaches the page (median of 2 s): the sidecar '
        + 'sends frames `lookahead` ahead; below 0 they arrive late and only the jitter buffer saves them'],
      ['fps', `${f(m.fps)} drawn · ${f(m.faceRate)} face/s`, 'frames drawn per second · face frames received per second'],
      ['drops', `${m.drops} seq · ${m.lateFrames} late · ${m.lateAudio} audio`,
        'messages lost (sequence gaps) · face frames and audio chunks that arrived after their play time'],
      ['1st audio', f(m.firstAudioMs, 0, ' ms'), 'time to first audio of the last take: from the request leaving to its first sample heard'],
      ['buffer', `${f(m.jitterMs)} ms · audio ${m.audio}`, 'the jitter buffer (grows while messages arrive late) · WebAudio state'],
    ];
    $('#stats').replaceChildren(...rows.flatMap(([k, v, title]) => [
      Object.assign(document.createElement('dt'), { textContent: k, title }),
      Object.assign(document.createElement('dd'), { textContent: v, title })]));
    $('#sound').hidden = m.audio !== 'suspended';
  }
}

window.preview = new App();

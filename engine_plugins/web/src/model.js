// A user's own model (glTF .glb/.gltf or VRM) driven by the stream through a face rig profile — the same
// profiles `avatar-bridge rig` reads (models/face/rigs/*.json, served as /rigs.json): which morph (or VRM
// expression) each ARKit channel, viseme, emotion and gaze direction drives. The page lists the channels the model
// lacks, so a mismatch is loud, never a frozen face. VRM humanoids also follow the pose stream.

import * as THREE from 'three';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';
import { VRMLoaderPlugin, VRMUtils } from '@pixiv/three-vrm';
import { unityToThreePosition, unityToThreeQuaternion } from './figure.js';

/** The browser holds the whole file and its decoded meshes and textures in memory: beyond this it is refused. */
export const MAX_MODEL_BYTES = 100 * 1024 * 1024;

export class ModelError extends Error {}

/** Unity HumanBodyBones name (the wire's) -> VRM 1.0 humanoid bone name (three-vrm's normalized rig). */
export function vrmBoneName(unity) {
  const thumb = unity.match(/^(Left|Right)Thumb(Proximal|Intermediate|Distal)$/);
  if (thumb) {
    const vrm = { Proximal: 'Metacarpal', Intermediate: 'Proximal', Distal: 'Distal' }[thumb[2]];
    return `${thumb[1].toLowerCase()}Thumb${vrm}`;
  }
  return unity[0].toLowerCase() + unity.slice(1);
}

/** What a profile drives that the model lacks: [{section, ours, morph}]. */
export function missingChannels(profile, names) {
  const have = new Set(names);
  const missing = [];
  for (const [section, mapping] of Object.entries(profile)) {
    if (section === 'name' || section === 'description') continue;
    for (const [ours, morph] of Object.entries(mapping)) if (!have.has(morph)) missing.push({ section, ours, morph });
  }
  return missing;
}

export function drivenCount(profile) {
  return Object.entries(profile).filter(([k]) => k !== 'name' && k !== 'description')
    .reduce((n, [, mapping]) => n + Object.keys(mapping).length, 0);
}

/** The bundled profile that drives the most of the model's morphs (ties: fewer missing). */
export function bestProfile(profiles, names) {
  let best = null;
  for (const [key, profile] of Object.entries(profiles)) {
    const missing = missingChannels(profile, names).length;
    const hit = drivenCount(profile) - missing;
    if (!best || hit > best.hit || (hit === best.hit && missing < best.missing)) best = { key, hit, missing };
  }
  return best?.key ?? null;
}

async function readFile(file) {
  if (file.size > MAX_MODEL_BYTES) {
    throw new ModelError(`${file.name} is ${(file.size / 2 ** 20).toFixed(1)} MiB; the preview loads models up to `
      + `${MAX_MODEL_BYTES / 2 ** 20} MiB (the browser holds it all in memory). Shrink its textures or split it.`);
  }
  if (!/\.(glb|gltf|vrm)$/i.test(file.name)) {
    throw new ModelError(`${file.name}: drop a glTF (.glb, .gltf) or VRM (.vrm) file`);
  }
  return file.arrayBuffer();
}

function parse(buffer, name) {
  const loader = new GLTFLoader();
  loader.register((parser) => new VRMLoaderPlugin(parser));
  return new Promise((resolve, reject) => {
    loader.parse(buffer, '', resolve, (err) => reject(new ModelError(
      `${name} could not be read as glTF/VRM (${err?.message ?? err}). A .gltf with separate .bin or texture files `
      + 'cannot be dropped alone: export a .glb.')));
  });
}

export class UserModel {
  constructor(gltf, name) {
    this.name = name;
    this.vrm = gltf.userData.vrm ?? null;
    this.object = this.vrm ? this.vrm.scene : gltf.scene;
    if (this.vrm) {
      VRMUtils.removeUnnecessaryVertices(this.object);
      VRMUtils.rotateVRM0(this.vrm); // VRM 0 faces -Z; turn it to face the camera like VRM 1
      this.flip = this.vrm.meta?.metaVersion === '0'; // and its normalized bones are turned with it
    }
    this.morphs = new Map(); // morph name -> [[mesh, index]]
    this.object.traverse((node) => {
      if (!node.isMesh || !node.morphTargetDictionary) return;
      for (const [morph, index] of Object.entries(node.morphTargetDictionary)) {
        if (!this.morphs.has(morph)) this.morphs.set(morph, []);
        this.morphs.get(morph).push([node, index]);
      }
    });
    this.expressions = this.vrm?.expressionManager
      ? this.vrm.expressionManager.expressions.map((e) => e.expressionName) : [];
    this.headNode = this.vrm?.humanoid?.getNormalizedBoneNode('head') ?? this._findHead();
    this.headRest = this.headNode ? this.headNode.quaternion.clone() : null;
    this.profile = null;
    this.expressionSetters = [];
    this.setters = [];
  }

  static async load(file) {
    const buffer = await readFile(file);
    return new UserModel(await parse(buffer, file.name), file.name);
  }

  _findHead() {
    let head = null;
    this.object.traverse((node) => {
      if (!head && (node.isBone || node.type === 'Object3D') && /^(mixamorig:)?head$/i.test(node.name)) head = node;
    });
    return head;
  }

  /** Morph and expression names the model has. */
  get names() {
    return [...new Set([...this.expressions, ...this.morphs.keys()])];
  }

  get hasFace() {
    return this.names.length > 0;
  }

  /** How to set one of the model's morphs or expressions: {set, expression}, or null when it has none. */
  _setter(name) {
    if (this.expressions.includes(name)) return { set: (v) => this.vrm.expressionManager.setValue(name, v), expression: true };
    const targets = this.morphs.get(name);
    if (!targets) return null;
    return {
      set: (v) => {
        for (const [mesh, index] of targets) mesh.morphTargetInfluences[index] = v;
      },
      expression: false,
    };
  }

  /** Drive the model through a profile ({arkit, visemes, emotions, gaze}: our name -> its morph). */
  useProfile(profile, blendshapes) {
    this.profile = profile;
    const byMorph = new Map();
    const add = (morph, read) => {
      const setter = this._setter(morph);
      if (!setter) return;
      if (!byMorph.has(morph)) byMorph.set(morph, { ...setter, reads: [] });
      byMorph.get(morph).reads.push(read);
    };
    for (const [ours, morph] of Object.entries(profile.arkit ?? {})) {
      const i = blendshapes.indexOf(ours);
      if (i >= 0) add(morph, (s) => s.face.weights[i]);
    }
    for (const [viseme, morph] of Object.entries(profile.visemes ?? {})) add(morph, (s) => (s.viseme === viseme ? 1 : 0));
    for (const [emotion, morph] of Object.entries(profile.emotions ?? {})) add(morph, (s) => (s.emotion === emotion ? 1 : 0));
    const gaze = { up: (e) => -e[1], down: (e) => e[1], left: (e) => e[0], right: (e) => -e[0] };
    for (const [direction, morph] of Object.entries(profile.gaze ?? {})) {
      add(morph, (s) => Math.min(1, Math.max(0, gaze[direction]([(s.face.eyes[0] + s.face.eyes[2]) / 2,
        (s.face.eyes[1] + s.face.eyes[3]) / 2]) / 0.35)));
    }
    // Several of our signals may drive one morph (VRM's A from aa and jawOpen): the strongest wins.
    const setters = (expression) => [...byMorph.values()].filter((m) => m.expression === expression)
      .map(({ set, reads }) => (s) => set(Math.max(...reads.map((r) => r(s)))));
    this.expressionSetters = setters(true);
    this.setters = setters(false);
    return missingChannels(profile, this.names);
  }

  _fromWire(q, i) {
    const out = unityToThreeQuaternion(q, i);
    if (this.flip) out.set(-out.x, out.y, -out.z, out.w);
    return out;
  }

  /** state: {face, pose, viseme, emotion} at the playhead; skeleton: the stream's joint names. */
  apply(state, skeleton, dt) {
    // VRM expressions are applied by vrm.update(), which also resets every morph an expression binds: expressions
    // go in before it, morphs driven directly after it (or a VRM whose `aa` binds its jawOpen would never open).
    if (state.face) for (const set of this.expressionSetters) set(state);
    const humanoid = this.vrm?.humanoid;
    let headPose = null;
    if (humanoid && state.pose && skeleton) {
      skeleton.joints.forEach((joint, j) => {
        const node = humanoid.getNormalizedBoneNode(vrmBoneName(joint));
        if (node && j * 4 + 3 < state.pose.q.length) node.quaternion.copy(this._fromWire(state.pose.q, j * 4));
        if (joint === 'Head') headPose = this._fromWire(state.pose.q, j * 4);
      });
    }
    if (this.headNode && state.face) {
      const [yaw, pitch, roll] = state.face.head;
      const turn = new THREE.Quaternion().setFromEuler(new THREE.Euler(pitch, yaw, roll, 'YXZ'));
      if (this.flip) turn.set(-turn.x, turn.y, -turn.z, turn.w);
      this.headNode.quaternion.copy(headPose ?? this.headRest).multiply(turn);
    }
    if (humanoid && state.face) {
      for (const [bone, yaw, pitch] of [['leftEye', 0, 1], ['rightEye', 2, 3]]) {
        const node = humanoid.getNormalizedBoneNode(bone);
        if (!node) continue;
        const q = new THREE.Quaternion().setFromEuler(new THREE.Euler(state.face.eyes[pitch], state.face.eyes[yaw], 0, 'YXZ'));
        if (this.flip) q.set(-q.x, q.y, -q.z, q.w);
        node.quaternion.copy(q);
      }
    }
    this.vrm?.update(dt);
    if (state.face) for (const set of this.setters) set(state);
  }

  /** The height to frame and where the face is (world), for the cameras. */
  bounds() {
    return new THREE.Box3().setFromObject(this.object);
  }

  dispose() {
    this.object.removeFromParent();
    if (this.vrm) VRMUtils.deepDispose(this.object);
  }
}

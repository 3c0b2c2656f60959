// The preview figure: a humanoid mannequin built from the stream's `skeleton` message (joint names, parents, rest
// offsets) and moved by `pose` frames. Rigid capsules between joints: plain, but every joint shows, fingers too.
// The capsules are one skinned mesh (each vertex bound wholly to its joint) with vertex colours: one draw call, not
// sixty (and a VRM exported from the figure, as a test does, is a skinned humanoid).
//
// The wire uses Unity's axes (left-handed, +X the avatar's right, the avatar facing +Z); three.js is right-handed.
// Mirroring X maps one onto the other with the avatar still facing +Z (the camera): a position (x, y, z) becomes
// (-x, y, z) and a rotation (x, y, z, w) becomes (x, -y, -z, w).

import * as THREE from 'three';
import { mergeGeometries } from 'three/addons/utils/BufferGeometryUtils.js';

export const unityToThreePosition = (p) => new THREE.Vector3(-p[0], p[1], p[2]);
export const unityToThreeQuaternion = (q, i = 0) => new THREE.Quaternion(q[i], -q[i + 1], -q[i + 2], q[i + 3]);

const COLORS = {
  shirt: new THREE.Color('#4f76b3'),
  trousers: new THREE.Color('#363d4b'),
  skin: new THREE.Color('#f0c2a4'),
  shoe: new THREE.Color('#24242a'),
  joint: new THREE.Color('#8d6e63'),
};
const MATERIAL = new THREE.MeshStandardMaterial({ vertexColors: true, roughness: 0.7 });

function segmentStyle(parent, child) {
  if (/Thumb|Index|Middle|Ring|Little/.test(child)) return { radius: 0.0085, color: COLORS.skin };
  if (/Hand$/.test(parent)) return null; // fingers start from the palm, drawn below
  if (/LowerArm$/.test(parent)) return { radius: 0.032, color: COLORS.skin };
  if (/UpperArm$/.test(parent)) return { radius: 0.042, color: COLORS.shirt };
  if (/Shoulder$/.test(parent)) return { radius: 0.05, color: COLORS.shirt };
  if (/UpperLeg$/.test(parent)) return { radius: 0.065, color: COLORS.trousers };
  if (/LowerLeg$/.test(parent)) return { radius: 0.05, color: COLORS.trousers };
  if (/Foot$/.test(parent)) return { radius: 0.04, color: COLORS.shoe };
  if (parent === 'Neck') return { radius: 0.045, color: COLORS.skin };
  if (parent === 'UpperChest' && child === 'Neck') return { radius: 0.05, color: COLORS.skin };
  if (parent === 'Hips' && /Leg/.test(child)) return { radius: 0.07, color: COLORS.trousers };
  if (/Spine|Chest|Hips/.test(parent)) return { radius: 0.11, color: COLORS.shirt, flat: 0.62 };
  return { radius: 0.03, color: COLORS.joint };
}

/** A capsule from `from` to `to` in its joint's space: its geometry and placement (a mesh never added to a scene). */
function capsule(from, to, style) {
  const direction = new THREE.Vector3().subVectors(to, from);
  const length = direction.length();
  const mesh = new THREE.Mesh(new THREE.CapsuleGeometry(style.radius, Math.max(length - style.radius, 0.001), 4, 12));
  mesh.position.copy(from).addScaledVector(direction, 0.5);
  mesh.quaternion.setFromUnitVectors(new THREE.Vector3(0, 1, 0), direction.normalize());
  if (style.flat) mesh.scale.set(1, 1, style.flat);
  mesh.userData.color = style.color;
  return mesh;
}

/** The capsule's geometry in the figure's rest pose, coloured and bound wholly to joint `index`. */
function boundGeometry(part, joint, index) {
  part.updateMatrix();
  const geometry = part.geometry.applyMatrix4(part.matrix).applyMatrix4(joint.matrixWorld);
  const count = geometry.attributes.position.count;
  const colors = new Float32Array(count * 3);
  const skinIndex = new Uint16Array(count * 4);
  const skinWeight = new Float32Array(count * 4);
  for (let v = 0; v < count; v++) {
    part.userData.color.toArray(colors, v * 3);
    skinIndex[v * 4] = index;
    skinWeight[v * 4] = 1;
  }
  geometry.setAttribute('color', new THREE.BufferAttribute(colors, 3));
  geometry.setAttribute('skinIndex', new THREE.Uint16BufferAttribute(skinIndex, 4));
  geometry.setAttribute('skinWeight', new THREE.Float32BufferAttribute(skinWeight, 4));
  return geometry;
}

export class Figure {
  /** skeleton: the stream's `skeleton` message. */
  constructor(skeleton) {
    this.skeleton = skeleton;
    this.object = new THREE.Group();
    this.object.name = 'PreviewFigure';
    this.bones = skeleton.joints.map((name) => {
      const bone = new THREE.Object3D();
      bone.name = name;
      return bone;
    });
    this.byName = Object.fromEntries(this.bones.map((b) => [b.name, b]));
    skeleton.parents.forEach((parent, i) => {
      this.bones[i].position.copy(unityToThreePosition(skeleton.offsets[i]));
      (parent < 0 ? this.object : this.bones[parent]).add(this.bones[i]);
    });
    this.rest = this.bones.map((b) => b.position.clone());
    this.restHeight = this._restHipsHeight();
    this.bones[0].position.set(0, this.restHeight, 0);
    this._dress();
  }

  _restHipsHeight() {
    // Feet on the floor in the T-pose: the drop from the hips to the lowest joint of the left leg.
    let index = this.skeleton.joints.indexOf('LeftToes');
    let height = 0;
    while (index > 0) {
      height -= this.skeleton.offsets[index][1];
      index = this.skeleton.parents[index];
    }
    return height > 0.3 ? height + 0.02 : 0.95;
  }

  _dress() {
    const zero = new THREE.Vector3();
    const parts = []; // [joint index, capsule in that joint's space]
    this.skeleton.parents.forEach((parent, i) => {
      if (parent < 0) return;
      const style = segmentStyle(this.skeleton.joints[parent], this.skeleton.joints[i]);
      const offset = this.rest[i];
      if (!style || offset.length() < 1e-4) return;
      parts.push([parent, capsule(zero, offset, style)]);
    });
    for (const side of ['Left', 'Right']) {
      const hand = this.byName[`${side}Hand`];
      const middle = this.byName[`${side}MiddleProximal`];
      if (hand && middle) {
        const palm = capsule(new THREE.Vector3(), middle.position.clone().multiplyScalar(0.85),
          { radius: 0.03, color: COLORS.skin, flat: 0.45 });
        palm.rotateY(Math.PI / 2);
        parts.push([this.bones.indexOf(hand), palm]);
      }
    }
    const hips = this.byName.Hips;
    const left = this.byName.LeftUpperLeg, right = this.byName.RightUpperLeg;
    if (hips && left && right) {
      parts.push([this.bones.indexOf(hips), capsule(left.position, right.position, { radius: 0.095, color: COLORS.trousers })]);
    }
    this.object.updateMatrixWorld(true); // the rest pose is the bind pose
    const geometry = mergeGeometries(parts.map(([index, part]) => boundGeometry(part, this.bones[index], index)));
    this.mesh = new THREE.SkinnedMesh(geometry, MATERIAL);
    this.mesh.name = 'PreviewFigureBody';
    this.mesh.frustumCulled = false; // a dance reaches beyond the rest pose's bounds
    this.object.add(this.mesh);
    this.mesh.bind(new THREE.Skeleton(this.bones));
  }

  get head() {
    return this.byName.Head ?? this.bones[0];
  }

  /** A pose frame (interpolated): root [x, y, z] and quaternions (x, y, z, w per joint), Unity axes. */
  apply(pose) {
    const count = Math.min(this.bones.length, pose.q.length >> 2);
    for (let i = 0; i < count; i++) this.bones[i].quaternion.copy(unityToThreeQuaternion(pose.q, i * 4));
    this.bones[0].position.copy(unityToThreePosition(pose.root));
  }

  /** World position of a joint (tests and the face camera). */
  worldOf(name) {
    const bone = this.byName[name];
    return bone ? bone.getWorldPosition(new THREE.Vector3()) : null;
  }
}

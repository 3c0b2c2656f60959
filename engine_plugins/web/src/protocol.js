// The wire schema as the browser reads it: the JavaScript twin of bridge/protocol.py (docs/protocol.md).
// Stream messages and replies are msgpack maps; binary fields arrive as Uint8Array views. Unknown keys are
// ignored and unknown kinds passed on untouched, so a newer sidecar never breaks the page.

import { decode, encode } from '@msgpack/msgpack';

export const PROTOCOL_VERSION = 1;
export const NUM_FACE_WEIGHTS = 52;

// ARKit order, as `describe.blendshapes` gives it (the sidecar's list wins when connected).
export const ARKIT_BLENDSHAPES = [
  'eyeBlinkLeft', 'eyeLookDownLeft', 'eyeLookInLeft', 'eyeLookOutLeft', 'eyeLookUpLeft', 'eyeSquintLeft',
  'eyeWideLeft', 'eyeBlinkRight', 'eyeLookDownRight', 'eyeLookInRight', 'eyeLookOutRight', 'eyeLookUpRight',
  'eyeSquintRight', 'eyeWideRight', 'jawForward', 'jawLeft', 'jawRight', 'jawOpen', 'mouthClose', 'mouthFunnel',
  'mouthPucker', 'mouthLeft', 'mouthRight', 'mouthSmileLeft', 'mouthSmileRight', 'mouthFrownLeft',
  'mouthFrownRight', 'mouthDimpleLeft', 'mouthDimpleRight', 'mouthStretchLeft', 'mouthStretchRight',
  'mouthRollLower', 'mouthRollUpper', 'mouthShrugLower', 'mouthShrugUpper', 'mouthPressLeft', 'mouthPressRight',
  'mouthLowerDownLeft', 'mouthLowerDownRight', 'mouthUpperUpLeft', 'mouthUpperUpRight', 'browDownLeft',
  'browDownRight', 'browInnerUp', 'browOuterUpLeft', 'browOuterUpRight', 'cheekPuff', 'cheekSquintLeft',
  'cheekSquintRight', 'noseSneerLeft', 'noseSneerRight', 'tongueOut',
];

export class ProtocolError extends Error {
  constructor(code, message, field = '') {
    super(message);
    this.code = code;
    this.field = field;
  }
}

/** Decode one map the sidecar sent: a stream message (has `kind`) or a reply (has `ok`). */
export function decodeMessage(bytes) {
  let map;
  try {
    map = decode(bytes);
  } catch (err) {
    throw new ProtocolError('malformed', `message is not valid msgpack (${err.message})`);
  }
  if (map === null || typeof map !== 'object' || Array.isArray(map)) {
    throw new ProtocolError('malformed', 'message must be a map');
  }
  if ('kind' in map && map.v !== PROTOCOL_VERSION) {
    throw new ProtocolError('version', `protocol version ${map.v}; this page speaks ${PROTOCOL_VERSION}`, 'v');
  }
  return map;
}

export const isReply = (map) => 'ok' in map && !('kind' in map);

/** A control request as the browser sends it: {op, id?, ...fields}, nulls left out (as the Python client). */
export function encodeRequest(op, fields = {}, id = undefined) {
  const body = { op };
  if (id !== undefined && id !== null) body.id = id;
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && value !== null) body[key] = value;
  }
  return encode(body);
}

const view = (bytes) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** float32 little-endian values of a bin field (face `w`, pose `q`). */
export function float32s(bytes) {
  const data = view(bytes);
  const out = new Float32Array(bytes.byteLength >> 2);
  for (let i = 0; i < out.length; i++) out[i] = data.getFloat32(i * 4, true);
  return out;
}

/** The 52 ARKit weights of a `face` message. */
export function faceWeights(message) {
  const weights = float32s(message.w);
  if (weights.length !== NUM_FACE_WEIGHTS) {
    throw new ProtocolError('malformed', `a face frame carries ${NUM_FACE_WEIGHTS} weights, got ${weights.length}`, 'w');
  }
  return weights;
}

/** Mono s16le PCM of an `audio` message as floats in -1..1 (WebAudio's format). */
export function audioSamples(message) {
  const data = view(message.pcm);
  const out = new Float32Array(message.pcm.byteLength >> 1);
  for (let i = 0; i < out.length; i++) out[i] = data.getInt16(i * 2, true) / 32768;
  return out;
}

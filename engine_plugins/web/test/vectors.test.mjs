// Every golden vector of tests/vectors/ decodes in the browser's codec to its JSON twin; the requests the page
// sends encode to the same bytes as the Python client's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { decodeMessage, encodeRequest, faceWeights, audioSamples, isReply, NUM_FACE_WEIGHTS } from '../src/protocol.js';

const VECTORS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'tests', 'vectors');
const names = readdirSync(VECTORS).filter((f) => f.endsWith('.msgpack')).map((f) => f.slice(0, -'.msgpack'.length));

const hex = (s) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
// JSON twin -> the values msgpack gives: {"$bytes": hex} becomes a Uint8Array.
function expected(value) {
  if (Array.isArray(value)) return value.map(expected);
  if (value && typeof value === 'object') {
    if (Object.keys(value).length === 1 && '$bytes' in value) return hex(value.$bytes);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expected(v)]));
  }
  return value;
}
// Uint8Array views into the decoded buffer compare by content.
function plain(value) {
  if (value instanceof Uint8Array) return Uint8Array.from(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

test('there are golden vectors to decode', () => {
  assert.ok(names.length >= 20, `only ${names.length} vectors in ${VECTORS}`);
});

for (const name of names) {
  test(`decodes ${name}`, () => {
    const raw = readFileSync(join(VECTORS, `${name}.msgpack`));
    const twin = expected(JSON.parse(readFileSync(join(VECTORS, `${name}.json`), 'utf8')));
    if (name.startsWith('request_')) {
      // The browser decodes requests only in this test; it must encode them byte for byte as Python does.
      const { op, id, ...fields } = twin;
      assert.deepEqual(Buffer.from(encodeRequest(op, fields, id)), raw);
      return;
    }
    const message = decodeMessage(new Uint8Array(raw));
    assert.deepEqual(plain(message), twin);
    assert.equal(isReply(message), name.startsWith('reply_'));
    if (message.kind === 'face') {
      const weights = faceWeights(message);
      assert.equal(weights.length, NUM_FACE_WEIGHTS);
      for (let i = 0; i < NUM_FACE_WEIGHTS; i++) assert.ok(Math.abs(weights[i] - i / 51) < 1e-6, `weight ${i}`);
    }
    if (message.kind === 'audio') {
      const samples = Array.from(audioSamples(message), (v) => Math.round(v * 32768));
      assert.deepEqual(samples, [0, 1000, -1000, 32767, -32767, 12, -12, 0]);
    }
  });
}

test('a map of another protocol version is refused', () => {
  assert.throws(() => decodeMessage(encodeRequest('x', { v: 2, kind: 'face' })), { code: 'version' });
});

test('garbage is malformed, not a crash', () => {
  assert.throws(() => decodeMessage(new Uint8Array([0xc1])), { code: 'malformed' });
  assert.throws(() => decodeMessage(encodeRequest('x').subarray(0, 1)), { code: 'malformed' });
});

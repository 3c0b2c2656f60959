// The page tells a sidecar restart by the run id every event carries (and, before the new run's first event, by
// face sequence numbers going back), once per restart; a reconnect to the same run is no restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { StreamStats } from '../src/playout.js';

const face = (seq) => ({ kind: 'face', avatar: 'host', seq, pts: seq / 60 });
const event = (seq, run) => ({ kind: 'event', avatar: 'host', seq, pts: 0, type: 'take_started', run });

test('an event of another run is a restart, told once', () => {
  const stats = new StreamStats();
  assert.equal(stats.add(event(0, 'aaaa1111'), null), false);
  assert.equal(stats.add(face(500), null), false);
  assert.equal(stats.add(event(7, 'aaaa1111'), null), false);
  // The new run's event comes first, its sequence numbers carrying on past the old ones: still a restart.
  assert.equal(stats.add(event(9, 'bbbb2222'), null), true);
  stats.reset(); // what the page does on a restart
  assert.equal(stats.add(face(3), null), false);
  assert.equal(stats.add(event(10, 'bbbb2222'), null), false);
  assert.equal(stats.dropped, 0);
});

test('face numbers going back tell it first; the new run\'s event then is no second restart', () => {
  const stats = new StreamStats();
  stats.add(event(0, 'aaaa1111'), null);
  stats.add(face(500), null);
  assert.equal(stats.add(face(2), null), true);
  stats.reset();
  assert.equal(stats.add(event(0, 'bbbb2222'), null), false);
  assert.equal(stats.add(event(1, 'bbbb2222'), null), false);
});

test('a reconnect to the same run is no restart, and its gap is no loss', () => {
  const stats = new StreamStats();
  stats.add(event(0, 'aaaa1111'), null);
  stats.add(face(100), null);
  stats.resync();
  assert.equal(stats.add(face(400), null), false);
  assert.equal(stats.add(event(5, 'aaaa1111'), null), false);
  assert.equal(stats.dropped, 0);
});

// Playout: everything the stream brings, held until its pts. Frames are applied at pts + delay (the jitter
// buffer), interpolated between the two frames around that time; audio chunks are scheduled on WebAudio's clock
// to be heard at pts + delay. Both go through the same clock sync, so the mouth moves with the voice.

import { audioSamples, faceWeights, float32s, NUM_FACE_WEIGHTS } from './protocol.js';
import { localNow } from './clock.js';

const KEEP_S = 1.0; // frames older than this behind the playhead are gone
const SUBTITLE_HOLD_S = 1.5;
const MAX_DELAY_S = 0.5;

/**
 * The jitter buffer's size, learnt from how late messages reach the page. Messages arrive on the page's main
 * thread, which a busy renderer (software WebGL on a small machine) holds for tens of milliseconds at a time, so a
 * message can be handled after its pts although the sidecar sent it `lookahead` ahead. The buffer must cover the
 * worst lateness of the last seconds; it follows lateness up at once and lets it go after `window` seconds.
 */
export class JitterEstimate {
  constructor(base, { window = 10, margin = 0.03, max = MAX_DELAY_S } = {}) {
    Object.assign(this, { base, window, margin, max });
    this.samples = []; // [local arrival, lateness]: sidecar time at arrival - pts (> 0: after its pts)
  }

  add(local, lateness) {
    this.samples.push([local, lateness]);
    while (this.samples[0][0] < local - this.window) this.samples.shift();
  }

  /** The delay that would have played every message of the window on time. */
  target() {
    let worst = -Infinity;
    for (const [, lateness] of this.samples) worst = Math.max(worst, lateness);
    return Math.min(this.max, Math.max(this.base, worst + this.margin));
  }
}

function lerp(a, b, f) {
  return a + (b - a) * f;
}

/** Quaternion arrays (x, y, z, w per joint) blended in place into out: nlerp along the short way. */
function nlerpInto(out, a, b, f) {
  for (let i = 0; i < out.length; i += 4) {
    const sign = a[i] * b[i] + a[i + 1] * b[i + 1] + a[i + 2] * b[i + 2] + a[i + 3] * b[i + 3] < 0 ? -1 : 1;
    let len = 0;
    for (let k = 0; k < 4; k++) {
      out[i + k] = lerp(a[i + k], sign * b[i + k], f);
      len += out[i + k] * out[i + k];
    }
    len = Math.sqrt(len) || 1;
    for (let k = 0; k < 4; k++) out[i + k] /= len;
  }
}

/** A buffer of timed frames, sampled by interpolation. */
class FrameBuffer {
  constructor(blend) {
    this.frames = [];
    this.blend = blend;
    this.underruns = 0;
  }

  push(frame) {
    const last = this.frames[this.frames.length - 1];
    if (last && frame.pts <= last.pts) this.frames = this.frames.filter((f) => f.pts < frame.pts);
    this.frames.push(frame);
  }

  dropAfter(pts) {
    this.frames = this.frames.filter((f) => f.pts <= pts);
  }

  clear() {
    this.frames = [];
  }

  sample(t) {
    const frames = this.frames;
    while (frames.length > 2 && frames[1].pts <= t - KEEP_S) frames.shift();
    if (!frames.length) return null;
    let i = frames.length - 1;
    while (i > 0 && frames[i].pts > t) i--;
    const a = frames[i];
    if (t < a.pts) return a; // nothing due yet: the oldest we have
    const b = frames[i + 1];
    if (!b) {
      if (t - a.pts > 0.05) this.underruns++; // the stream is late: hold the last pose
      return a;
    }
    return this.blend(a, b, (t - a.pts) / (b.pts - a.pts));
  }
}

function blendFaces(a, b, f) {
  const weights = new Float32Array(NUM_FACE_WEIGHTS);
  for (let i = 0; i < NUM_FACE_WEIGHTS; i++) weights[i] = lerp(a.weights[i], b.weights[i], f);
  return {
    pts: lerp(a.pts, b.pts, f),
    weights,
    head: a.head.map((v, i) => lerp(v, b.head[i], f)),
    eyes: a.eyes.map((v, i) => lerp(v, b.eyes[i], f)),
  };
}

function blendPoses(a, b, f) {
  if (a.q.length !== b.q.length) return f < 0.5 ? a : b;
  const q = new Float32Array(a.q.length);
  nlerpInto(q, a.q, b.q, f);
  return { pts: lerp(a.pts, b.pts, f), root: a.root.map((v, i) => lerp(v, b.root[i], f)), q };
}

/** WebAudio playback at pts: each chunk starts when its first sample should be heard. */
export class AudioScheduler {
  constructor(clock) {
    this.clock = clock;
    this.ctx = null;
    this.sources = [];
    this.nextTime = 0;
    this.lastTake = null;
    this.late = 0;
    this.firstOfTake = new Map(); // take -> {pts, when, error}
    this.volume = 1;
  }

  ensure(rate) {
    if (!this.ctx) {
      this.ctx = new AudioContext({ sampleRate: rate, latencyHint: 'interactive' });
      this.gain = this.ctx.createGain();
      this.gain.gain.value = this.volume;
      this.gain.connect(this.ctx.destination);
    }
    return this.ctx;
  }

  get running() {
    return this.ctx !== null && this.ctx.state === 'running';
  }

  resume() {
    return this.ctx ? this.ctx.resume() : Promise.resolve();
  }

  setVolume(v) {
    this.volume = v;
    if (this.gain) this.gain.gain.value = v;
  }

  /** (AudioContext time, local performance time in s) of the sample being heard now. */
  _stamp() {
    const ts = this.ctx.getOutputTimestamp();
    if (!ts.performanceTime) return [this.ctx.currentTime - (this.ctx.outputLatency || 0), localNow()];
    return [ts.contextTime, ts.performanceTime / 1000];
  }

  ctxTimeOf(sidecarT) {
    const [ctxT, local] = this._stamp();
    return ctxT + (this.clock.toLocal(sidecarT) - local);
  }

  sidecarTimeOf(ctxTime) {
    const [ctxT, local] = this._stamp();
    return this.clock.toSidecar(local + (ctxTime - ctxT));
  }

  schedule(message, delay) {
    const ctx = this.ensure(message.rate);
    const samples = audioSamples(message);
    if (!samples.length || ctx.state !== 'running' || !this.clock.synced) return;
    const buffer = ctx.createBuffer(1, samples.length, message.rate);
    buffer.copyToChannel(samples, 0);
    const duration = buffer.duration;
    let when = this.ctxTimeOf(message.pts + delay);
    // Chunks of one take are contiguous: snap to the previous end unless the clocks drifted apart (no clicks).
    if (message.take === this.lastTake && Math.abs(when - this.nextTime) < 0.004) when = this.nextTime;
    let offset = 0;
    const earliest = ctx.currentTime + 0.003;
    if (when < earliest) {
      offset = earliest - when; // late: play the rest of the chunk in time rather than all of it late
      when = earliest;
      this.late++;
      if (offset >= duration) return;
    }
    const source = ctx.createBufferSource();
    source.buffer = buffer;
    source.connect(this.gain);
    source.start(when, offset);
    const entry = { take: message.take, pts: message.pts, end: message.pts + duration, source, origin: when - offset };
    // Kept a while after it ends: the sample being *heard* trails the one being played by the output latency.
    while (this.sources.length && this.sources[0].origin + (this.sources[0].end - this.sources[0].pts) < ctx.currentTime - 0.5) {
      this.sources.shift();
    }
    this.sources.push(entry);
    this.nextTime = when - offset + duration;
    this.lastTake = message.take;
    if (!this.firstOfTake.has(message.take)) {
      this.firstOfTake.set(message.take, {
        pts: message.pts,
        when: entry.origin,
        localHeard: this.clock.toLocal(this.sidecarTimeOf(entry.origin)),
        error: this.sidecarTimeOf(entry.origin) - delay - message.pts,
      });
    }
  }

  /** Nothing scheduled is still to be heard. */
  idle() {
    return !this.ctx || this.nextTime <= this.ctx.currentTime;
  }

  /** Stop every sample after the cut (an `interrupted` event). */
  cut(pts, delay) {
    if (!this.ctx) return;
    for (const entry of this.sources) {
      if (entry.pts >= pts) entry.source.stop();
      else if (entry.end > pts) entry.source.stop(Math.max(this.ctx.currentTime, this.ctxTimeOf(pts + delay)));
    }
    this.lastTake = null;
  }

  stopAll() {
    for (const entry of this.sources) entry.source.stop();
    this.sources = [];
    this.lastTake = null;
  }

  /** The stream time (pts) of the sample being heard now and the local time it is heard, or null in silence. */
  heard() {
    if (!this.running) return null;
    const [ctxT, local] = this._stamp();
    for (const entry of this.sources) {
      const into = ctxT - entry.origin;
      if (into >= 0 && entry.pts + into < entry.end && ctxT >= entry.origin) return { pts: entry.pts + into, local };
    }
    return null;
  }
}

/** Stream statistics: per-kind rates, seq gaps (drops), pts lag at arrival. */
export class StreamStats {
  constructor() {
    this.reset();
  }

  reset() {
    this.run = null; // the sidecar run of the last event (every event carries it)
    this.lastSeq = new Map();
    this.previousSeq = new Map();
    this.dropped = 0;
    this.arrivals = new Map(); // kind -> arrival times over the last 2 s
    this.lags = [];
    this.received = 0;
  }

  /** A new connection: the gap since the last one is not a drop, but a sequence that went back is a restart. */
  resync() {
    for (const [key, seq] of this.lastSeq) this.previousSeq.set(key, seq);
    this.lastSeq = new Map();
  }

  /**
   * Returns true when the sidecar restarted: an event of another run than the last one's (reliable: every event
   * carries its run), or a face sequence that went backwards (before the new run's first event arrives).
   */
  add(message, lag) {
    const now = localNow();
    this.received++;
    let times = this.arrivals.get(message.kind);
    if (!times) this.arrivals.set(message.kind, (times = []));
    times.push(now);
    while (times[0] < now - 2) times.shift();
    if (lag !== null && message.kind === 'face') {
      this.lags.push([now, lag]);
      while (this.lags[0][0] < now - 2) this.lags.shift();
    }
    if (message.kind === 'event' && typeof message.run === 'string' && message.run) {
      const before = this.run;
      this.run = message.run;
      if (before !== null && before !== message.run) return true;
    }
    if (typeof message.seq !== 'number') return false;
    const key = `${message.avatar}/${message.kind}`;
    const last = this.lastSeq.get(key);
    this.lastSeq.set(key, message.seq);
    if (last === undefined) {
      const before = this.previousSeq.get(key);
      this.previousSeq.delete(key);
      return before !== undefined && message.seq <= before && message.kind === 'face';
    }
    if (message.seq > last + 1) this.dropped += message.seq - last - 1;
    return message.seq <= last && message.kind === 'face';
  }

  rate(kind) {
    const times = this.arrivals.get(kind);
    return times && times.length > 1 ? (times.length - 1) / Math.max(0.5, times[times.length - 1] - times[0]) : 0;
  }

  lagMs() {
    if (!this.lags.length) return null;
    const sorted = this.lags.map((l) => l[1]).sort((a, b) => a - b);
    return sorted[sorted.length >> 1] * 1000;
  }
}

/** One avatar's stream held for playout: frames, audio, takes (words and phonemes for subtitles). */
export class Playout extends EventTarget {
  constructor(clock, { delay = 0.05, adaptive = true } = {}) {
    super();
    this.clock = clock;
    this.delay = delay; // the jitter buffer: everything plays at pts + delay
    this.jitter = adaptive ? new JitterEstimate(delay) : null;
    this.avatar = null;
    this.faces = new FrameBuffer(blendFaces);
    this.poses = new FrameBuffer(blendPoses);
    this.skeleton = null;
    this.audio = new AudioScheduler(clock);
    this.takes = new Map();
    this.stats = new StreamStats();
    this.lateFrames = 0;
  }

  /** Forget everything buffered (a restarted sidecar). */
  clear() {
    this.hold();
    this.stats.reset();
  }

  /** The connection dropped: stop the sound and drop what was buffered; the picture holds its last pose. */
  hold() {
    this.faces.clear();
    this.poses.clear();
    this.audio.stopAll();
    this.takes.clear();
  }

  /** A new connection: start buffering afresh, and tell a restarted sidecar by its run or sequence numbers. */
  resync() {
    this.hold();
    this.stats.resync();
  }

  take(id) {
    let take = this.takes.get(id);
    if (!take) {
      take = { id, start: null, end: null, text: '', emotion: null, words: [], phonemes: [], interrupted: false };
      this.takes.set(id, take);
      if (this.takes.size > 50) this.takes.delete(this.takes.keys().next().value);
    }
    return take;
  }

  push(message, received) {
    const lag = this.clock.synced && typeof message.pts === 'number' ? message.pts - this.clock.toSidecar(received) : null;
    if (this.stats.add(message, lag)) {
      this.clear();
      this._emit('restart');
    }
    if (message.avatar !== this.avatar) return;
    if (lag !== null && (message.kind === 'face' || message.kind === 'audio')) this.jitter?.add(received, -lag);
    const playAt = () => this.clock.toSidecar(received) > message.pts + this.delay;
    switch (message.kind) {
      case 'face':
        if (this.clock.synced && playAt()) this.lateFrames++;
        this.faces.push({ pts: message.pts, weights: faceWeights(message), head: message.head, eyes: message.eyes });
        break;
      case 'pose':
        this.poses.push({ pts: message.pts, root: message.root, q: float32s(message.q) });
        break;
      case 'skeleton':
        if (!this.skeleton || this.skeleton.joints.length !== message.joints.length) this._emit('skeleton', message);
        this.skeleton = message;
        break;
      case 'audio':
        // The buffer changes size only in silence, before a take's first sample: a take never jumps or stretches.
        if (this.jitter && message.take !== this.audio.lastTake && this.audio.idle()) this.delay = this.jitter.target();
        this.audio.schedule(message, this.delay);
        this.take(message.take).start ??= message.pts;
        break;
      case 'words':
        this.take(message.take).words.push(...message.items);
        break;
      case 'phonemes':
        this.take(message.take).phonemes.push(...message.items);
        break;
      case 'event':
        this._event(message);
        break;
      default:
        break; // a kind this page does not know yet: ignored, as the protocol asks
    }
  }

  _event(message) {
    const take = message.take ? this.take(message.take) : null;
    if (message.type === 'take_started' && take) {
      take.start = message.pts;
      take.text = message.text ?? '';
      take.emotion = message.emotion ?? null;
    } else if (message.type === 'take_ended' && take) {
      take.end = message.pts;
    } else if (message.type === 'interrupted') {
      if (take) {
        take.end = message.pts;
        take.interrupted = true;
      }
      this.faces.dropAfter(message.pts);
      this.poses.dropAfter(message.pts);
      this.audio.cut(message.pts, this.delay);
    }
    this._emit('event', message);
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** The stream time whose frame is on screen now. */
  playhead() {
    return this.clock.sidecarNow() - this.delay;
  }

  sample(t) {
    return { face: this.faces.sample(t), pose: this.poses.sample(t) };
  }

  /** The take being heard at t (or just ended), with how many of its words have been said. */
  current(t) {
    let best = null;
    for (const take of this.takes.values()) {
      if (take.start === null || take.start > t) continue;
      if (take.end !== null && t > take.end + SUBTITLE_HOLD_S) continue;
      if (!best || take.start > best.start) best = take;
    }
    if (!best) return null;
    const into = t - best.start;
    const cut = best.end !== null ? best.end - best.start : Infinity;
    const spoken = best.words.filter((w) => w[1] <= into && w[1] < cut).length;
    let viseme = 'sil';
    for (const p of best.phonemes) if (p[2] <= into && into < p[3]) viseme = p[1];
    return { take: best, into, spoken, viseme: into < cut ? viseme : 'sil' };
  }
}

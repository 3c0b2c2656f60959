// The page's one connection to the sidecar: a WebSocket carrying the stream (binary msgpack maps, as the ZeroMQ
// PUB's second frame) and control requests and replies (as on the ROUTER). It reconnects on its own and says
// what happened: 'connecting', 'connected', 'lost' (with the next attempt's delay), or 'refused' (with the sidecar's
// reason: this page's token is not the run's, e.g. after a restart with a new one) when retrying cannot help.

import { decodeMessage, encodeRequest, isReply } from './protocol.js';
import { ClockSync, localNow } from './clock.js';

export class BridgeError extends Error {
  constructor(error) {
    super(error.message);
    this.code = error.code;
    this.field = error.field;
  }
}

const PINGS_AT_CONNECT = 8;
const PING_EVERY_S = 2; // a ping taken while the page was busy (start-up, a big upload) soon gives way to a better one
// Until a ping comes back this fast, ping four times a second: on a page whose main thread is busy (software WebGL
// on a small machine) most round trips take tens of ms, and the clock is only as good as the quickest one
// (offset error <= rtt / 2).
const GOOD_RTT_S = 0.005;
const PING_SEEKING_S = 0.25;
const RETRY_S = [0.5, 1, 2, 3];
const REFUSAL_TIMEOUT_S = 2; // a network that drops packets must not hold the next attempt back for long

export class Connection extends EventTarget {
  constructor(url) {
    super();
    this.url = url;
    this.clock = new ClockSync();
    this.socket = null;
    this.state = 'idle';
    this.described = null;
    this.pending = new Map();
    this.nextId = 1;
    this.attempt = 0;
    this.connects = 0;
    this.onStream = () => {};
    this._pingTimer = null;
  }

  start() {
    this._open();
  }

  /** Another WebSocket of the same sidecar (e.g. '/upload'), with this one's query: the token. */
  endpoint(path) {
    const url = new URL(path, this.url);
    url.search = new URL(this.url).search;
    return url;
  }

  _emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  _setState(state, detail = {}) {
    this.state = state;
    this._emit('state', { state, ...detail });
  }

  _open() {
    this._setState('connecting', { attempt: this.attempt });
    const socket = new WebSocket(this.url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    let opened = false;
    socket.onopen = () => { opened = true; this._opened(socket); };
    socket.onmessage = (event) => this._message(event);
    socket.onclose = (event) => this._closed(socket, event, opened);
  }

  async _opened(socket) {
    try {
      this.clock.reset();
      const described = await this.request('describe');
      for (let i = 0; i < PINGS_AT_CONNECT; i++) await this.ping();
      if (socket !== this.socket) return;
      this.described = described;
      this.attempt = 0;
      this.connects += 1;
      this._schedulePing(socket);
      this._setState('connected', { described, reconnect: this.connects > 1 });
    } catch (err) {
      this._emit('error', { message: `the sidecar did not answer describe/ping: ${err.message}` });
      socket.close();
    }
  }

  _schedulePing(socket) {
    const every = this.clock.rtt !== null && this.clock.rtt <= GOOD_RTT_S ? PING_EVERY_S : PING_SEEKING_S;
    this._pingTimer = setTimeout(() => {
      if (socket !== this.socket) return;
      this.ping().catch(() => {}).finally(() => { if (socket === this.socket) this._schedulePing(socket); });
    }, every * 1000);
  }

  _message(event) {
    let map;
    try {
      map = decodeMessage(new Uint8Array(event.data));
    } catch (err) {
      this._emit('error', { message: err.message, code: err.code });
      return;
    }
    if (isReply(map)) {
      const waiting = this.pending.get(map.id);
      if (waiting) {
        this.pending.delete(map.id);
        clearTimeout(waiting.timer);
        if (map.ok) waiting.resolve(map);
        else waiting.reject(new BridgeError(map.error));
      }
      return;
    }
    this.onStream(map, localNow());
  }

  async _closed(socket, event, opened) {
    if (socket !== this.socket) return;
    clearTimeout(this._pingTimer);
    for (const waiting of this.pending.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(new Error('connection lost'));
    }
    this.pending.clear();
    const refusal = opened ? null : await this._refusal();
    if (refusal) {
      this._setState('refused', { reason: refusal });
      return;
    }
    const delay = RETRY_S[Math.min(this.attempt, RETRY_S.length - 1)];
    this.attempt += 1;
    this._setState('lost', { delay, code: event.code, reason: event.reason });
    setTimeout(() => this._open(), delay * 1000);
  }

  /** Why the sidecar refuses this page's WebSocket, or null: a browser hides a refused handshake's status, so the
   * same URL is asked over plain HTTP (403 and the reason when refused; anything else, or no answer, is not). */
  async _refusal() {
    const url = new URL(this.url);
    url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
    try {
      const response = await fetch(url, { cache: 'no-store', signal: AbortSignal.timeout(REFUSAL_TIMEOUT_S * 1000) });
      return response.status === 403 ? (await response.text()).trim() : null;
    } catch {
      return null;
    }
  }

  /** Send a control request; resolves with the reply map, rejects with BridgeError (code, field, message). */
  request(op, fields = {}, timeout = 10) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new Error('not connected to the sidecar'));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no reply to ${op} in ${timeout} s`));
      }, timeout * 1000);
      this.pending.set(id, { resolve, reject, timer });
      this.socket.send(encodeRequest(op, fields, id));
    });
  }

  async ping() {
    const sent = localNow();
    const reply = await this.request('ping', { t_client: sent });
    this.clock.add(reply.t_client, reply.t_server, localNow());
  }

  /** Does the sidecar serve this op? (describe.ops; older sidecars without it get the ops of protocol v1.) */
  has(op) {
    const ops = this.described?.ops;
    return Array.isArray(ops) ? ops.includes(op) : ['describe', 'say', 'interrupt', 'ping'].includes(op);
  }
}

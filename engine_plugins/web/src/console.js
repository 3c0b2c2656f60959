// The operator console: say and chat boxes, emotions, gestures, look-at, dance, chat queue, show rundown,
// model loading, a log, and keyboard shortcuts. Every panel is built from the sidecar's `describe` reply: a panel
// whose op the sidecar lacks stays visible but disabled, with a note, and lights up when a sidecar has it.

import { localNow } from './clock.js';
import { MAX_MODEL_BYTES } from './model.js';

const $ = (selector) => document.querySelector(selector);
const UPLOAD_CHUNK = 512 * 1024; // under the sidecar's 1 MiB frame limit

function button(label, onClick, attrs = {}) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  for (const [k, v] of Object.entries(attrs)) b.setAttribute(k, v);
  b.addEventListener('click', onClick);
  return b;
}

const isTyping = (el) => el && (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT'
  || (el.tagName === 'INPUT' && !['button', 'checkbox', 'radio', 'file'].includes(el.type)));

export class OperatorConsole {
  constructor(app) {
    this.app = app;
    this.connection = app.connection;
    this.emotion = null;
    this.gestures = [];
    this.emotions = [];
    this.sent = new Map(); // take -> local time its request left
    this.lastTake = null;
    this.queueHeld = false;
    this._wire();
  }

  // -- log -------------------------------------------------------------------------------------------------------

  log(text, kind = '') {
    const li = document.createElement('li');
    if (kind) li.className = kind;
    const time = document.createElement('span');
    time.className = 'time';
    time.textContent = new Date().toLocaleTimeString();
    li.append(time, text);
    const log = $('#log');
    log.prepend(li);
    while (log.children.length > 60) log.lastChild.remove();
  }

  /** A request from the console; an error reply goes to the log with its code and field. */
  async request(op, fields = {}) {
    try {
      return await this.connection.request(op, fields);
    } catch (err) {
      this.log(`${op}: ${err.code ? `${err.code}${err.field ? ` (${err.field})` : ''}: ` : ''}${err.message}`, 'error');
      return null;
    }
  }

  // -- describe --------------------------------------------------------------------------------------------------

  /** Build the panels for what this sidecar serves. */
  describe(described) {
    const dialogue = described.dialogue ? `, ${described.dialogue.persona ?? ''} (${described.dialogue.engine ?? 'dialogue loading'})` : '';
    $('#sidecar-info').textContent = `protocol v${described.protocol_version} · ${described.avatars.join(', ')} · `
      + `${described.voice}${described.voice_provider === 'CUDAExecutionProvider' ? ' (GPU)' : ''}${dialogue} · ${described.frame_rate} fps`;
    for (const section of document.querySelectorAll('section[data-op]')) {
      const ops = section.dataset.op.split(' ');
      const missing = ops.filter((op) => !this.connection.has(op));
      section.classList.toggle('unavailable', missing.length > 0);
      const note = section.querySelector('.note');
      if (note) note.textContent = missing.length
        ? `This sidecar has no ${missing.map((op) => `“${op}”`).join(' or ')} op yet: the panel lights up when it does.` : '';
    }
    this.emotions = described.emotions ?? [];
    const emotions = $('#emotions');
    emotions.replaceChildren(...[null, ...this.emotions].map((name, i) => button(name ?? 'as written', () => this.pickEmotion(name), {
      role: 'radio', 'aria-checked': String(name === this.emotion), title: `emotion of the next line (key ${i})`, 'data-emotion': name ?? '',
    })));
    this.gestures = this.connection.has('gesture') ? described.gestures ?? [] : [];
    $('#gestures').replaceChildren(...this.gestures.map((name, i) => button(name.replaceAll('_', ' '), () => this.gesture(name), {
      title: i < 9 ? `Shift+${i + 1}` : '', 'data-gesture': name,
    })));
    const targets = this.connection.has('look_at') ? described.gaze_targets ?? [] : [];
    $('#gaze-targets').replaceChildren(...targets.map((name) => button(name, () => this.request('look_at', { target: name, avatar: this.app.avatar }))));
    if (this.connection.has('queue')) this.refreshQueue();
    if (this.connection.has('show')) this.refreshShow(false);
  }

  setConnected(connected) {
    for (const el of document.querySelectorAll('#console section[data-op] :is(button, input, select, textarea), #interrupt')) {
      el.disabled = !connected;
    }
  }

  // -- ops -------------------------------------------------------------------------------------------------------

  pickEmotion(name) {
    this.emotion = name;
    for (const b of document.querySelectorAll('#emotions button')) b.setAttribute('aria-checked', String((b.dataset.emotion || null) === name));
  }

  async say(text) {
    if (!text.trim()) return;
    const sent = localNow();
    const reply = await this.request('say', { text, emotion: this.emotion ?? undefined, avatar: this.app.avatar });
    if (reply) {
      this.sent.set(reply.take, sent);
      this.lastTake = reply.take;
      this.log(`say → ${reply.take}: ${text}`);
    }
    return reply;
  }

  async gesture(name) {
    const reply = await this.request('gesture', { name, avatar: this.app.avatar });
    if (reply) this.log(`gesture ${name}: stroke at ${reply.stroke_pts.toFixed(2)}`);
  }

  async interrupt() {
    const reply = await this.request('interrupt', { avatar: this.app.avatar });
    if (reply) this.log(`interrupted at ${reply.pts.toFixed(3)}`);
  }

  async chat(user, text, priority) {
    const sent = localNow();
    const reply = await this.request('chat', { user, text, priority, avatar: this.app.avatar });
    if (!reply) return;
    if (reply.take) {
      this.sent.set(reply.take, sent);
      this.lastTake = reply.take;
    }
    const detail = { answering: reply.take, queued: `position ${reply.position}`, rate_limited: `retry in ${reply.retry_after} s` }[reply.status];
    this.log(`chat from ${user}: ${reply.status}${detail ? ` (${detail})` : ''}${reply.reason ? ` — ${reply.reason}` : ''}`);
    this.refreshQueue();
  }

  async refreshQueue(action = 'list', message = undefined) {
    if (!this.connection.has('queue') || this.connection.state !== 'connected') return;
    const reply = await this.request('queue', { action, message, avatar: this.app.avatar });
    if (!reply) return;
    if (action !== 'list') this.log(`queue ${action}${message ? ` ${message}` : ''}`);
    this.queueHeld = reply.held;
    $('#queue-hold').textContent = reply.held ? 'Release' : 'Hold';
    $('#queue-hold').classList.toggle('active', reply.held);
    $('#queue-state').textContent = `${reply.waiting.length} waiting${reply.held ? ', held' : ''}`
      + `${reply.require_approval ? ', approval required' : ''}${reply.answering ? ` · answering ${reply.answering}` : ''}`;
    const items = [...reply.waiting.map((m) => [m, false]), ...reply.reported.slice(-5).map((m) => [m, true])];
    $('#queue').replaceChildren(...items.map(([m, reported]) => {
      const li = document.createElement('li');
      li.className = reported ? 'reported' : '';
      const text = document.createElement('span');
      text.textContent = `${m.user}${m.also_asked_by?.length ? ` +${m.also_asked_by.length}` : ''}: ${m.text} `
        + `[${m.priority}${reported ? `, ${m.status}` : ''}]`;
      li.append(text);
      if (reported) {
        li.append(button('Requeue', () => this.refreshQueue('requeue', m.id)));
      } else {
        li.append(button('Approve', () => this.refreshQueue('approve', m.id)), button('Skip', () => this.refreshQueue('skip', m.id)));
      }
      return li;
    }));
  }

  async refreshShow(verbose = true, action = 'status', fields = {}) {
    if (!this.connection.has('show') || this.connection.state !== 'connected') return;
    let reply;
    try {
      reply = await this.connection.request('show', { action, avatar: this.app.avatar, ...fields });
    } catch (err) {
      if (err.code === 'no_show' && !verbose) return;
      this.log(`show ${action}: ${err.code ? `${err.code}: ` : ''}${err.message}`, 'error');
      return;
    }
    $('#show-status').textContent = `${reply.title}: ${reply.state} at ${reply.show_time.toFixed(1)} s · now `
      + `${reply.current ?? '—'} · next ${reply.next ?? '—'}`;
    this._rundown(reply);
    if (verbose && action !== 'status') this.log(`show ${action}: ${reply.state}`);
  }

  /** The rundown, the current segment marked; a click jumps to a segment. (Older sidecars send no segments.) */
  _rundown(reply) {
    const segments = reply.segments ?? [];
    const current = segments.findIndex((s) => s.id === reply.current);
    const upcoming = segments.findIndex((s) => s.id === reply.next);
    const done = reply.state === 'finished' ? segments.length : current >= 0 ? current : upcoming >= 0 ? upcoming : 0;
    $('#rundown').replaceChildren(...segments.map((segment, i) => {
      const li = document.createElement('li');
      li.dataset.segment = segment.id;
      li.className = i === current ? 'current' : i < done ? 'done' : i === upcoming ? 'next' : '';
      if (i === current) li.setAttribute('aria-current', 'step');
      const when = segment.cue ? `on cue “${segment.cue}”` : segment.at !== null && segment.at !== undefined ? `at ${segment.at} s` : '';
      li.append(button(segment.id, () => this.refreshShow(true, 'jump', { segment: segment.id }), {
        title: `jump to ${segment.id}`, 'aria-label': `${segment.id}, ${segment.type}${i === current ? ', on air' : ''}`,
      }), Object.assign(document.createElement('span'), { textContent: `${segment.type}${when ? ` · ${when}` : ''}` }));
      return li;
    }));
  }

  async dance(file, path, style) {
    let music = path.trim();
    if (!music) {
      if (!file) {
        this.log('dance: choose a music file or give a path on the sidecar', 'error');
        return;
      }
      music = await this.upload(file);
      if (!music) return;
    }
    const reply = await this.request('dance', { music, style, avatar: this.app.avatar });
    if (reply) {
      this.sent.set(reply.take, localNow());
      this.log(`dance → ${reply.take} (${style})`);
    }
  }

  /** Send a music file to the sidecar's /upload in chunks; resolves with its path there, or null. */
  upload(file) {
    const url = this.connection.endpoint('/upload');
    return new Promise((resolve) => {
      const socket = new WebSocket(url);
      socket.binaryType = 'arraybuffer';
      const note = $('section[data-op="dance"] .note');
      let answered = false; // the sidecar may refuse the file from its header (too big, not music): stop sending
      const open = () => !answered && socket.readyState === WebSocket.OPEN;
      socket.onopen = async () => {
        const { encode } = await import('@msgpack/msgpack');
        socket.send(encode({ name: file.name, size: file.size }));
        for (let at = 0; at < file.size && open(); at += UPLOAD_CHUNK) {
          const chunk = await file.slice(at, at + UPLOAD_CHUNK).arrayBuffer();
          if (!open()) break;
          socket.send(chunk);
          while (open() && socket.bufferedAmount > 4 * UPLOAD_CHUNK) await new Promise((r) => setTimeout(r, 20));
          note.textContent = `uploading ${file.name}: ${Math.round((100 * Math.min(file.size, at + UPLOAD_CHUNK)) / file.size)}%`;
        }
      };
      socket.onmessage = async (event) => {
        answered = true;
        const { decode } = await import('@msgpack/msgpack');
        const reply = decode(new Uint8Array(event.data));
        note.textContent = '';
        if (reply.ok) resolve(reply.path);
        else {
          this.log(`dance: ${reply.error.code} (${reply.error.field}): ${reply.error.message}`, 'error');
          resolve(null);
        }
        socket.close();
      };
      socket.onerror = () => {
        note.textContent = '';
        this.log(`dance: the upload of ${file.name} failed (connection closed)`, 'error');
        resolve(null);
      };
    });
  }

  /** A stream event, told in the log and the panels. */
  event(message) {
    const t = message.type;
    if (t === 'take_started') {
      this.log(`▶ ${message.take}${message.emotion ? ` [${message.emotion}]` : ''}: ${message.text || '(music, no words)'}`);
    }
    else if (t === 'interrupted') this.log(`■ ${message.take ?? ''} interrupted`);
    else if (t === 'error' || t === 'warning') this.log(`${t} ${message.code}: ${message.message}`, t === 'error' ? 'error' : '');
    else if (t === 'gesture') this.log(`gesture ${message.name}`);
    else if (t === 'dance') this.log(`dance: ${message.tempo?.toFixed?.(0) ?? '?'} bpm, ${message.beats?.length ?? 0} beats, ${message.style}`);
    else if (t === 'chat') {
      this.log(`chat answer to ${message.user}: ${message.text}`);
      this.refreshQueue();
    } else if (t === 'fallback') this.log(`LLM fallback: ${message.reason}`);
    else if (t === 'show') {
      this.log(`show: ${message.action} ${message.segment ?? ''}${message.cue ? ` (cue ${message.cue})` : ''}`);
      this.refreshShow(false);
    }
    if (t === 'take_ended' || t === 'take_started') this.refreshQueue();
  }

  // -- wiring ----------------------------------------------------------------------------------------------------

  _wire() {
    const sayText = $('#say-text');
    $('#say-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.say(sayText.value).then((reply) => { if (reply) sayText.value = ''; });
    });
    sayText.addEventListener('keydown', (e) => {
      // Enter while an input method is composing (Chinese pinyin, Japanese kana) picks the candidate; it must not
      // send the half-typed line. Safari reports that Enter with isComposing false but keyCode 229.
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        $('#say-form').requestSubmit();
      }
    });
    $('#interrupt').addEventListener('click', () => this.interrupt());
    $('#chat-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const text = $('#chat-text');
      this.chat($('#chat-user').value, text.value, $('#chat-priority').value).then(() => { text.value = ''; });
    });
    $('#queue-hold').addEventListener('click', () => this.refreshQueue(this.queueHeld ? 'release' : 'hold'));
    $('#show-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.refreshShow(true, 'load', { file: $('#show-file').value });
    });
    for (const b of document.querySelectorAll('#show-controls button')) {
      b.addEventListener('click', () => this.refreshShow(true, b.dataset.action,
        b.dataset.action === 'cue' ? { cue: $('#show-cue').value } : {}));
    }
    $('#dance-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.dance($('#dance-file').files[0], $('#dance-path').value, $('#dance-style').value);
    });
    const drop = $('#model-drop');
    drop.addEventListener('dragover', (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      if (e.dataTransfer.files[0]) this.app.loadModel(e.dataTransfer.files[0]);
    });
    drop.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') $('#model-file').click(); });
    $('#model-file').addEventListener('change', (e) => { if (e.target.files[0]) this.app.loadModel(e.target.files[0]); });
    drop.title = `glTF (.glb, .gltf) or VRM (.vrm), up to ${MAX_MODEL_BYTES / 2 ** 20} MiB`;
    $('#model-profile').addEventListener('change', (e) => this.app.useProfile(e.target.value));
    $('#model-reset').addEventListener('click', () => this.app.resetModel());
    $('#model-export').addEventListener('click', () => this.app.exportHead());
    $('#help-button').addEventListener('click', () => this.toggleHelp());
    $('#help-close').addEventListener('click', () => this.toggleHelp(false));
    document.addEventListener('keydown', (e) => this._key(e));
  }

  toggleHelp(show = $('#help').hidden) {
    $('#help').hidden = !show;
  }

  _key(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (isTyping(document.activeElement)) {
      if (e.key === 'Escape' && !e.isComposing) document.activeElement.blur(); // Escape in an IME cancels it
      return;
    }
    const digit = /^Digit([0-9])$/.exec(e.code);
    let handled = true;
    if (digit && e.shiftKey) {
      const name = this.gestures[Number(digit[1]) - 1];
      if (name) this.gesture(name);
    } else if (digit) {
      const n = Number(digit[1]);
      if (n === 0 || n <= this.emotions.length) this.pickEmotion(n === 0 ? null : this.emotions[n - 1]);
    } else if (e.key === 'Escape') {
      if (!$('#help').hidden) this.toggleHelp(false);
      else this.interrupt();
    } else if (e.key === 's' || e.key === '/') $('#say-text').focus();
    else if (e.key === 'c') $('#chat-text').focus();
    else if (e.key === 'd') $('#dance-file').click();
    else if (e.key === 'm') $('#model-file').click();
    else if (e.key === 'v') this.app.swapViews();
    else if (e.key === '?') this.toggleHelp();
    else handled = false;
    if (handled) e.preventDefault();
  }
}

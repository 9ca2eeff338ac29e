// One terminal tab: an xterm.js screen wired to /ws/terminal/{name}
// (protocol labd.terminal.v1, see docs/internals.md), with reconnect,
// flow control and a state overlay.
import { Terminal } from '/static/vendor/xterm/xterm.mjs';
import { FitAddon } from '/static/vendor/xterm/addon-fit.mjs';
import { installClipboardKeys } from '/static/js/terminal-clipboard.js';

const SUBPROTOCOL = 'labd.terminal.v1';
const PAUSE_ABOVE = 256 * 1024; // bytes handed to xterm but not yet drawn
const RESUME_BELOW = 32 * 1024;
const BACKOFF_MIN = 500;
const BACKOFF_MAX = 8000;
const QUEUE_MAX = 64 * 1024; // input typed (or Run) before the shell is ready

const THEME = {
  background: '#1b1e24', foreground: '#d8dee9', cursor: '#e5e9f0', cursorAccent: '#1b1e24',
  selectionBackground: '#4c566a99',
  black: '#3b4252', red: '#e06c75', green: '#98c379', yellow: '#e5c07b',
  blue: '#61afef', magenta: '#c678dd', cyan: '#56b6c2', white: '#e5e9f0',
  brightBlack: '#5c6370', brightRed: '#ff7b86', brightGreen: '#b5e890', brightYellow: '#ffd68a',
  brightBlue: '#82c4ff', brightMagenta: '#dc9cf0', brightCyan: '#7fd6e0', brightWhite: '#ffffff',
};

const encoder = new TextEncoder();

export class TerminalSession {
  // name: the session ("main", "2", …); parent: the element to draw in.
  constructor(name, parent) {
    this.name = name;
    this.state = 'connecting'; // connecting | starting | ready | waiting | error
    this.attempt = 0;
    this.pending = 0; // bytes written to xterm whose callback has not fired
    this.paused = false;
    this.queue = [];
    this.closed = false;
    this.everReady = false;

    this.el = document.createElement('div');
    this.el.className = 'terminal-session';
    this.el.dataset.session = name;
    this.screen = document.createElement('div');
    this.screen.className = 'terminal-screen';
    this.overlay = document.createElement('div');
    this.overlay.className = 'terminal-overlay';
    this.overlay.setAttribute('role', 'status');
    this.el.append(this.screen, this.overlay);
    parent.append(this.el);

    this.term = new Terminal({
      cursorBlink: true,
      fontFamily: '"DejaVu Sans Mono", "Menlo", "Consolas", monospace',
      fontSize: 14,
      scrollback: 5000,
      theme: THEME,
    });
    this.fitter = new FitAddon();
    this.term.loadAddon(this.fitter);
    this.term.open(this.screen);
    installClipboardKeys(this.term);
    this.term.onData((data) => this.send(encoder.encode(data)));
    this.term.onBinary((data) => this.send(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff)));
    this.connect();
  }

  // connect opens the WebSocket; the first size rides along in the query.
  connect() {
    this.fit(false);
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const url = `${scheme}://${location.host}/ws/terminal/${encodeURIComponent(this.name)}` +
      `?cols=${this.term.cols}&rows=${this.term.rows}`;
    this.setState('connecting', this.everReady ? 'Reconnecting…' : 'Connecting…');
    const ws = new WebSocket(url, SUBPROTOCOL);
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (ev) => this.receive(ws, ev.data);
    ws.onclose = (ev) => this.disconnected(ws, ev);
    this.ws = ws;
    this.paused = false; // a new connection starts unpaused on the server too
  }

  receive(ws, data) {
    if (ws !== this.ws) return;
    if (typeof data !== 'string') {
      this.write(new Uint8Array(data));
      return;
    }
    let msg;
    try { msg = JSON.parse(data); } catch { return; }
    if (msg.type === 'status' && msg.state === 'ready') {
      this.ready();
    } else if (msg.type === 'status') {
      this.setState('starting', msg.message || 'Starting your sandbox…');
    } else if (msg.type === 'error') {
      this.lastError = msg.message;
      this.setState('error', msg.message);
    }
  }

  // ready: the agent replays the session's scrollback next, so clear the
  // screen first or a reconnect would show everything twice.
  ready() {
    this.term.reset();
    this.attempt = 0;
    this.everReady = true;
    this.lastError = '';
    this.setState('ready', '');
    this.sendResize();
    for (const chunk of this.queue.splice(0)) this.send(chunk);
  }

  // write hands output to xterm, asking the server to pause while xterm
  // lags behind (a `yes` must not freeze the tab).
  write(bytes) {
    const n = bytes.length;
    this.pending += n;
    this.term.write(bytes, () => {
      this.pending -= n;
      if (this.paused && this.pending < RESUME_BELOW && this.control({ type: 'resume' })) this.paused = false;
    });
    if (!this.paused && this.pending > PAUSE_ABOVE && this.control({ type: 'pause' })) this.paused = true;
  }

  // send types bytes into the shell, queueing them until it is ready.
  send(bytes) {
    if (this.state === 'ready' && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(bytes);
      return;
    }
    const queued = this.queue.reduce((sum, b) => sum + b.length, 0);
    if (queued + bytes.length <= QUEUE_MAX) this.queue.push(bytes);
  }

  // control sends a JSON control message; it reports whether it went out.
  control(msg) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  sendResize() {
    this.control({ type: 'resize', cols: this.term.cols, rows: this.term.rows });
  }

  // fit sizes the screen to its box (only while visible) and tells the server.
  fit(tell = true) {
    if (this.el.hidden || this.screen.clientWidth === 0) return;
    const { cols, rows } = this.term;
    try { this.fitter.fit(); } catch { return; }
    if (tell && this.state === 'ready' && (cols !== this.term.cols || rows !== this.term.rows)) this.sendResize();
  }

  disconnected(ws, ev) {
    if (ws !== this.ws || this.closed) return;
    this.ws = null;
    // A normal close means the session ended (the agent starts a new shell):
    // come back at once. Anything else backs off, 0.5 s doubling to 8 s, ±25 %.
    if (ev.code === 1000) this.attempt = 0;
    const base = Math.min(BACKOFF_MAX, BACKOFF_MIN * 2 ** this.attempt);
    const delay = Math.round(base * (0.75 + Math.random() / 2));
    this.attempt++;
    const why = this.lastError || (ev.code === 1001 ? 'The server restarted' : 'Disconnected');
    const until = Date.now() + delay;
    const tick = () => {
      if (this.closed) return;
      const left = Math.ceil((until - Date.now()) / 1000);
      if (left <= 0) { this.connect(); return; }
      this.setState('waiting', `${why} — retrying in ${left} s`);
      this.timer = setTimeout(tick, Math.min(1000, until - Date.now()));
    };
    tick();
  }

  setState(state, message) {
    this.state = state;
    this.el.dataset.state = state;
    this.overlay.textContent = message;
    this.overlay.hidden = state === 'ready';
  }

  show(visible) {
    this.el.hidden = !visible;
    if (visible) { this.fit(); this.term.focus(); }
  }

  // type sends text as if typed, with the Enter key for each newline.
  type(text) {
    if (!text.endsWith('\n')) text += '\n';
    this.send(encoder.encode(text.replace(/\r?\n/g, '\r')));
    this.term.focus();
  }

  // visibleText is what the screen shows, one line per row, trailing blanks trimmed.
  visibleText() {
    const buf = this.term.buffer.active;
    const lines = [];
    for (let y = buf.viewportY; y < buf.viewportY + this.term.rows; y++) {
      const line = buf.getLine(y);
      lines.push(line ? line.translateToString(true) : '');
    }
    return lines.join('\n').replace(/\n+$/, '');
  }

  // dispose closes the connection (the shell lives on in the sandbox).
  dispose() {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000, 'tab closed');
    this.term.dispose();
    this.el.remove();
  }
}

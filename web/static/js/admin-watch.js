// admin-watch.js: an instructor's read-only view of a student's terminal.
// Output only: nothing typed here is sent.
import { Terminal } from '/static/vendor/xterm/xterm.mjs';

const root = document.getElementById('watch');
const status = root.querySelector('.watch-status');
const term = new Terminal({
  cols: 120, rows: 32, disableStdin: true, cursorBlink: false, scrollback: 5000,
  fontFamily: '"DejaVu Sans Mono", "Menlo", "Consolas", monospace', fontSize: 14,
  theme: { background: '#0d1117', foreground: '#e6edf3' },
});
term.open(root.querySelector('.watch-screen'));

function connect() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(`${scheme}://${location.host}/admin/ws/terminal/${encodeURIComponent(root.dataset.student)}?cols=120&rows=32`, 'labd.terminal.v1');
  ws.binaryType = 'arraybuffer';
  ws.onmessage = (ev) => {
    if (typeof ev.data !== 'string') {
      term.write(new Uint8Array(ev.data));
      return;
    }
    const msg = JSON.parse(ev.data);
    if (msg.type === 'status' && msg.state === 'ready') {
      term.reset();
      status.textContent = 'Live';
    } else if (msg.type === 'error') {
      status.textContent = msg.message;
    }
  };
  ws.onclose = (ev) => {
    status.textContent = ev.code === 1006 ? `Not available: is ${root.dataset.student}'s sandbox running?` : `Closed: ${ev.reason || 'the session ended'}`;
  };
}
connect();

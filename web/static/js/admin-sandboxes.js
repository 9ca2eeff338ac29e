// admin-sandboxes.js: the sandboxes page. Polls /api/admin/sandboxes every
// 5 s; stop, reset and extend buttons post to /api/admin/sandboxes/{user}/….
import { getJSON, postJSON } from '/static/js/api.js';

const POLL_MS = 5000;
const root = document.getElementById('sandboxes');

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** size writes bytes as 512 MiB / 1.4 GiB. */
export function size(n) {
  if (!n) return '–';
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  return `${Math.round(n / 2 ** 20)} MiB`;
}

/** ago writes seconds as 45 s / 12 min / 3 h 5 min / 2 days. */
export function ago(sec) {
  if (sec < 60) return `${sec} s`;
  const min = Math.floor(sec / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} days`;
}

function button(label, cls, action, owner, confirmText) {
  const b = el('button', `small ${cls}`, label);
  b.type = 'button';
  b.addEventListener('click', async () => {
    if (confirmText && !window.confirm(confirmText)) return;
    b.disabled = true;
    const res = await postJSON(`/api/admin/sandboxes/${encodeURIComponent(owner)}/${action}`);
    if (!res.ok) window.alert(res.data.error || 'That did not work.');
    await refresh();
  });
  return b;
}

function row(r, now) {
  const tr = el('tr');
  tr.id = r.owner;
  tr.dataset.owner = r.owner;
  const running = r.state === 'running';
  const state = el('td');
  state.append(el('span', `state ${r.state}`, r.state));
  const mem = el('td', 'num');
  mem.append(el('span', '', size(r.memoryBytes)));
  if (running && r.memoryLimit) {
    const pct = Math.min(100, Math.round((r.memoryBytes / r.memoryLimit) * 100));
    const bar = el('span', 'mini-meter');
    const fill = el('span', pct > 85 ? 'hot' : '');
    fill.style.width = `${pct}%`;
    bar.append(fill);
    mem.append(bar);
  }
  const removeIn = r.removeAt ? ago(Math.max(0, Math.round((Date.parse(r.removeAt) - now) / 1000))) : 'never';
  const actions = el('td', 'actions-col');
  if (running) {
    const watch = el('a', 'button-link small', 'View terminal');
    watch.href = `/admin/watch/${encodeURIComponent(r.owner)}`;
    actions.append(watch, button('Stop', 'quiet', 'stop', r.owner));
  }
  actions.append(
    button('+1 day', 'quiet', 'extend', r.owner),
    button('Reset', 'danger', 'reset', r.owner, `Reset ${r.owner}'s sandbox? Everything in it is deleted and a fresh one starts on their next visit.`),
  );
  tr.append(el('th', 'name-col', r.owner), state, el('td', '', ago(r.ageSeconds)),
    el('td', '', running ? ago(r.idleSeconds) : '–'), mem,
    el('td', 'num', running ? `${r.cpuPercent.toFixed(0)}%` : '–'),
    el('td', 'num', running ? String(r.pids) : '–'), el('td', '', removeIn), actions);
  return tr;
}

function drawHost(d) {
  const h = d.host;
  const set = (k, v) => { root.querySelector(`[data-host="${k}"]`).textContent = v; };
  set('running', d.queue.max ? `${h.running} / ${d.queue.max}` : String(h.running));
  set('waiting', String(d.queue.waiting));
  if (h.memoryTotalBytes) {
    const used = h.memoryTotalBytes - h.memoryAvailableBytes;
    set('memory', `${size(h.memoryAvailableBytes)} free`);
    set('memory-label', `of ${size(h.memoryTotalBytes)} host memory · sandboxes use ${size(h.sandboxMemoryBytes)}`);
    root.querySelector('[data-host="meter-used"]').style.width = `${(used / h.memoryTotalBytes) * 100}%`;
    root.querySelector('[data-host="meter-sandbox"]').style.width = `${(h.sandboxMemoryBytes / h.memoryTotalBytes) * 100}%`;
  }
  set('fit', h.fitMore >= 0 ? String(h.fitMore) : '–');
}

async function refresh() {
  const res = await getJSON('/api/admin/sandboxes');
  const live = root.querySelector('.live');
  live.classList.toggle('offline', !res.ok);
  live.querySelector('.live-text').textContent = res.ok ? 'Live' : 'Reconnecting…';
  if (!res.ok) return;
  const d = res.data;
  drawHost(d);
  const tbody = root.querySelector('.sandbox-table tbody');
  const now = Date.parse(d.now) || Date.now();
  const rows = d.sandboxes.map((r) => row(r, now));
  if (rows.length === 0) {
    const tr = el('tr', 'empty-row');
    const td = el('td', '', d.available ? 'No sandboxes yet: one starts when a student opens a lesson.' : 'Sandboxes are not available.');
    td.colSpan = 9;
    tr.append(td);
    rows.push(tr);
  }
  tbody.replaceChildren(...rows);
  if (location.hash) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.classList.add('target');
}

refresh();
setInterval(refresh, POLL_MS);

// admin.js: the class dashboard. Polls /api/admin/dashboard every 5 s and
// redraws the matrix, the summary and the "stuck" panel in place; sorts by
// name or progress; saves the join code.
import { getJSON, postJSON } from '/static/js/api.js';

const POLL_MS = 5000;

const root = document.getElementById('dashboard');
let data = null;
let sortKey = 'name';
let sortDir = 1;

/** el makes an element with a class and text. */
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function sortedStudents() {
  const list = [...data.students];
  list.sort((a, b) => {
    const byName = a.name.localeCompare(b.name);
    if (sortKey === 'progress') return sortDir * (a.done - b.done) || byName;
    return sortDir * byName;
  });
  return list;
}

function cell(c) {
  const td = el('td', `cell ${c.state}${c.first ? ' first' : ''}`);
  td.dataset.state = c.state;
  if (c.attempts) td.title = `${c.attempts} checks, ${c.failures} failed`;
  if (c.hints) td.append(el('span', 'mark', `H${c.hints}`));
  if (c.solution) td.append(el('span', 'mark sol', 'S'));
  return td;
}

function drawMatrix() {
  const tbody = root.querySelector('.matrix tbody');
  const rows = sortedStudents().map((s) => {
    const tr = el('tr');
    tr.dataset.student = s.name;
    const th = el('th', 'name-col');
    const a = el('a', '', s.name);
    a.href = `/admin/sandboxes#${encodeURIComponent(s.name)}`;
    th.append(a);
    const prog = el('td', 'progress-col');
    const bar = el('progress', 'progress small');
    bar.value = s.done;
    bar.max = data.total || 1;
    prog.append(bar, ' ', el('span', 'pct', `${s.percent}%`));
    tr.append(th, prog, ...s.cells.map(cell));
    return tr;
  });
  if (rows.length === 0) {
    const tr = el('tr', 'empty-row');
    const td = el('td', '', 'No students yet.');
    td.colSpan = 99;
    tr.append(td);
    rows.push(tr);
  }
  tbody.replaceChildren(...rows);
  for (const b of root.querySelectorAll('.sort')) {
    const on = b.dataset.sort === sortKey;
    b.setAttribute('aria-sort', on ? (sortDir > 0 ? 'ascending' : 'descending') : 'none');
  }
}

function drawSummary() {
  const n = data.students.length;
  const avg = n ? Math.round(data.students.reduce((t, s) => t + s.percent, 0) / n) : 0;
  const stuck = data.students.filter((s) => s.cells.some((c) => c.state === 'fail')).length;
  root.querySelector('[data-stat="students"]').textContent = n;
  root.querySelector('[data-stat="exercises"]').textContent = data.total;
  root.querySelector('[data-stat="average"]').textContent = `${avg}%`;
  root.querySelector('[data-stat="stuck"]').textContent = stuck;
}

function timeOf(iso) {
  const d = new Date(iso);
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function drawStuck() {
  const box = root.querySelector('.stuck');
  if (data.stuck.length === 0) {
    box.replaceChildren(el('p', 'muted', 'No failed checks yet.'));
    return;
  }
  box.replaceChildren(...data.stuck.map((l) => {
    const art = el('article', 'stuck-lesson');
    art.append(el('h3', '', l.title));
    const ol = el('ol', 'stuck-exercises');
    for (const e of l.exercises) {
      const li = el('li');
      li.append(el('span', 'stuck-title', e.title), ' ', el('span', 'badge fail', `${e.stuck} stuck`), ' ',
        el('span', 'muted', `${e.failures} failed checks`));
      ol.append(li);
    }
    const ul = el('ul', 'failures');
    for (const f of l.recent) {
      const li = el('li');
      const t = el('time', '', timeOf(f.at));
      t.dateTime = f.at;
      const meta = el('span', 'muted', `${f.exercise} · `);
      meta.append(t);
      li.append(el('span', 'who', f.user), ' ', meta, el('code', '', f.message));
      ul.append(li);
    }
    art.append(ol, ul);
    return art;
  }));
}

function setLive(ok) {
  const live = root.querySelector('.live');
  live.classList.toggle('offline', !ok);
  live.querySelector('.live-text').textContent = ok ? 'Live' : 'Reconnecting…';
}

async function refresh() {
  const res = await getJSON('/api/admin/dashboard');
  setLive(res.ok);
  if (!res.ok) return;
  data = res.data;
  drawSummary();
  drawMatrix();
  drawStuck();
}

for (const b of root.querySelectorAll('.sort')) {
  b.addEventListener('click', () => {
    const key = b.dataset.sort;
    sortDir = key === sortKey ? -sortDir : (key === 'progress' ? -1 : 1);
    sortKey = key;
    if (data) drawMatrix();
  });
}

const form = document.getElementById('join-code');
if (form && form.dataset.fromFlag !== 'true') {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const status = form.querySelector('.join-code-status');
    const code = form.querySelector('input').value.trim();
    const res = await postJSON('/api/admin/join-code', { code });
    status.textContent = res.ok ? (code ? 'Saved: students can register.' : 'Registration closed.') : res.data.error;
  });
}

refresh();
setInterval(refresh, POLL_MS);

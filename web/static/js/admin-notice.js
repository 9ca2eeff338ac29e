// admin-notice.js: tells a student, on the lesson page, that an instructor
// viewed their terminal, and where they are in line for a sandbox. Polls
// /api/notices.
import { getJSON } from '/static/js/api.js';

const POLL_MS = 15000;
const SEEN_KEY = 'labd.viewedNoticeSeen';

function notice() {
  let box = document.getElementById('labd-notice');
  if (box) return box;
  const css = document.createElement('link');
  css.rel = 'stylesheet';
  css.href = '/static/css/admin.css';
  document.head.append(css);
  box = document.createElement('div');
  box.id = 'labd-notice';
  box.className = 'notice';
  box.setAttribute('role', 'status');
  box.dataset.testid = 'notice';
  const text = document.createElement('span');
  text.className = 'notice-text';
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'notice-close';
  close.setAttribute('aria-label', 'Dismiss');
  close.textContent = '×';
  close.addEventListener('click', () => {
    box.hidden = true;
    if (box.dataset.viewedAt) localStorage.setItem(SEEN_KEY, box.dataset.viewedAt);
  });
  box.append(text, close);
  document.body.append(box);
  return box;
}

async function poll() {
  const { ok, data } = await getJSON('/api/notices');
  if (!ok) return;
  const box = notice();
  if (data.queue) {
    box.querySelector('.notice-text').textContent = data.queue.message;
    box.dataset.viewedAt = '';
    box.hidden = false;
    return;
  }
  const v = data.viewed[0];
  if (v && localStorage.getItem(SEEN_KEY) !== v.at) {
    const t = new Date(v.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    box.querySelector('.notice-text').textContent = `Your instructor viewed your terminal at ${t}.`;
    box.dataset.viewedAt = v.at;
    box.hidden = false;
    return;
  }
  box.hidden = true;
}

if (document.getElementById('workspace')) {
  poll();
  setInterval(poll, POLL_MS);
}

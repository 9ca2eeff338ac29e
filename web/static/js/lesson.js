// lesson.js: the lesson page's entry point.
import { initDivider } from './divider.js';
import { initChecks } from './checks.js';
import { initCodeButtons } from './code.js';
import { initBanner } from './banner.js';
import { postJSON, lessonSlug } from './api.js';

initDivider();
initChecks();
initCodeButtons();

const workspace = document.getElementById('workspace');
if (workspace && workspace.dataset.sandboxes === 'true') {
  initBanner();
  prepareLesson();
  initReset();
}

// prepareLesson copies the lesson's files and runs its setup (once per
// sandbox; the server remembers). A failed setup is shown, not hidden.
async function prepareLesson() {
  const status = document.getElementById('setup-status');
  const timer = setTimeout(() => show(status, 'running', 'Preparing this lesson in your sandbox…'), 400);
  const { ok, data } = await postJSON(`/api/lessons/${encodeURIComponent(lessonSlug())}/open`);
  clearTimeout(timer);
  if (ok && data.ok) {
    status.hidden = true;
    status.dataset.state = 'ready';
    return;
  }
  const msg = ok
    ? 'Setting up this lesson in your sandbox failed. Tell your instructor; the output is below.'
    : (data.error || 'This lesson could not be prepared.');
  show(status, 'fail', msg, ok ? data.output : '');
}

function show(el, state, text, output) {
  el.dataset.state = state;
  el.textContent = text;
  if (output) {
    const pre = document.createElement('pre');
    pre.textContent = output;
    el.append(pre);
  }
  el.hidden = false;
}

function initReset() {
  const btn = document.getElementById('reset-sandbox');
  if (!btn) return;
  btn.hidden = false;
  btn.addEventListener('click', async () => {
    if (!window.confirm('Reset your sandbox? Everything in it — files, containers, images — is deleted and a fresh one starts.')) return;
    btn.disabled = true;
    btn.textContent = 'Resetting…';
    const { ok, data } = await postJSON('/api/sandbox/reset');
    if (!ok) {
      window.alert(data.error || 'The sandbox could not be reset.');
      btn.disabled = false;
      btn.textContent = 'Reset sandbox';
      return;
    }
    window.location.reload();
  });
}

// checks.js: the exercise cards' Check, hint and solution buttons.
import { postJSON, exerciseURL } from './api.js';

/** initChecks wires every exercise card on the page (event delegation). */
export function initChecks(root = document) {
  root.addEventListener('click', (ev) => {
    const btn = ev.target.closest('button[data-action]');
    if (!btn || !btn.dataset.exercise) return;
    const card = btn.closest('.exercise-card');
    if (!card) return;
    switch (btn.dataset.action) {
      case 'check': runCheck(card, btn); break;
      case 'hint': showHint(card, btn); break;
      case 'solution': showSolution(card, btn); break;
    }
  });
}

function setResult(card, state, message, output) {
  const result = card.querySelector('[data-testid="check-result"]');
  result.dataset.state = state;
  result.querySelector('.check-message').textContent = message;
  const pre = result.querySelector('.check-output');
  pre.textContent = output || '';
  pre.hidden = !output;
}

async function runCheck(card, btn) {
  btn.disabled = true;
  setResult(card, 'running', 'Checking…', '');
  const { ok, data } = await postJSON(exerciseURL(btn.dataset.exercise, 'check'));
  btn.disabled = false;
  if (!ok) {
    setResult(card, 'fail', data.error || 'The check could not run.', '');
    return;
  }
  let message = data.passed ? 'Passed. Well done.' : 'Not yet.';
  if (data.timedOut) message = 'The check took too long and was stopped.';
  let output = (data.output || '').trimEnd();
  if (data.truncated) output += '\n[output cut]';
  setResult(card, data.passed ? 'pass' : 'fail', message, output);
  if (data.passed) markPassed(card);
  if (data.progress) updateProgress(data.progress.done, data.progress.total);
}

function markPassed(card) {
  card.classList.add('passed');
  card.dataset.passed = 'true';
  card.querySelector('.exercise-badge').textContent = '✓';
  card.querySelector('[data-testid="exercise-status"]').textContent = 'Done';
}

/** updateProgress moves the lesson's progress bar. */
export function updateProgress(done, total) {
  const bar = document.getElementById('lesson-progress');
  const label = document.getElementById('lesson-progress-label');
  if (bar) { bar.max = total; bar.value = done; }
  if (label) label.textContent = `${done} of ${total} exercises done`;
}

async function showHint(card, btn) {
  btn.disabled = true;
  const { ok, data } = await postJSON(exerciseURL(btn.dataset.exercise, 'hint'));
  if (!ok) {
    setResult(card, 'fail', data.error || 'No hint available.', '');
    return;
  }
  const hint = document.createElement('div');
  hint.className = 'hint';
  const label = document.createElement('p');
  label.className = 'hint-label';
  label.textContent = `Hint ${data.index} of ${data.total}`;
  const body = document.createElement('div');
  body.innerHTML = data.html; // rendered by the server from the lesson's markdown
  hint.append(label, body);
  card.querySelector('.hints').append(hint);
  card.dataset.hintsShown = String(data.index);
  btn.textContent = 'Next hint';
  btn.disabled = data.index >= data.total;
}

async function showSolution(card, btn) {
  if (!window.confirm('Show the solution? Trying the hints first teaches more.')) return;
  btn.disabled = true;
  const { ok, data } = await postJSON(exerciseURL(btn.dataset.exercise, 'solution'));
  btn.disabled = false;
  if (!ok) {
    setResult(card, 'fail', data.error || 'The solution could not be shown.', '');
    return;
  }
  const box = card.querySelector('[data-testid="solution-text"]');
  box.replaceChildren();
  const label = document.createElement('p');
  label.className = 'hint-label';
  label.textContent = 'Solution';
  const body = document.createElement('div');
  body.innerHTML = data.html; // an escaped <pre><code> block made by the server
  box.append(label, body);
  box.hidden = false;
  btn.hidden = true;
}

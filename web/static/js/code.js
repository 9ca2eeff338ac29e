// code.js: the Copy and Run buttons on code blocks.
import { copyText } from '/static/js/clipboard.js';

/** initCodeButtons wires Copy (clipboard) and Run (types into the terminal). */
export function initCodeButtons(root = document) {
  root.addEventListener('click', async (ev) => {
    const btn = ev.target.closest('button[data-action="copy"], button[data-action="run"]');
    if (!btn) return;
    const code = btn.closest('.code')?.querySelector('code');
    if (!code) return;
    const text = code.textContent;
    if (btn.dataset.action === 'run') {
      document.dispatchEvent(new CustomEvent('labd:run', { detail: { text } }));
      flash(btn, 'Sent');
      return;
    }
    flash(btn, (await copyText(text)) ? 'Copied' : 'Press Ctrl+C');
  });
}

function flash(btn, label) {
  const original = btn.dataset.label || btn.textContent;
  btn.dataset.label = original;
  btn.textContent = label;
  btn.classList.add('flash');
  clearTimeout(btn._flashTimer);
  btn._flashTimer = setTimeout(() => {
    btn.textContent = original;
    btn.classList.remove('flash');
  }, 1200);
}

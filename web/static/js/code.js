// code.js: the Copy and Run buttons on code blocks.

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

/** copyText uses the clipboard API, falling back to a hidden textarea. */
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch { /* fall through to the old way */ }
  }
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.className = 'offscreen';
  document.body.append(ta);
  ta.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch { ok = false; }
  ta.remove();
  return ok;
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

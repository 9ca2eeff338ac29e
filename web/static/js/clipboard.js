// clipboard.js: copying text, shared by code blocks and the terminal.

/**
 * copyText puts text on the clipboard. Plain http (a classroom LAN) has no
 * navigator.clipboard, so it falls back to a hidden textarea and execCommand.
 * It resolves to whether the copy worked.
 */
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

// Copy and paste keys for xterm.js. Ctrl+C and Ctrl+V belong to the shell,
// so like desktop terminals labd uses Ctrl+Shift+C / Ctrl+Shift+V (Cmd+C /
// Cmd+V on a Mac, where the browser's own copy/paste already reach xterm).

export const isMac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

// copyKeysHint is the line shown under the terminal.
export const copyKeysHint = isMac
  ? 'Copy: ⌘C · Paste: ⌘V'
  : 'Copy: Ctrl+Shift+C · Paste: Ctrl+Shift+V';

export function installClipboardKeys(term) {
  term.attachCustomKeyEventHandler((e) => {
    if (isMac || e.type !== 'keydown' || !e.ctrlKey || !e.shiftKey) return true;
    const key = e.key.toLowerCase();
    if (key === 'c') {
      e.preventDefault();
      copyText(term.getSelection(), term);
      return false;
    }
    if (key === 'v') {
      // Not prevented: the browser fires its paste event on xterm's
      // textarea, and xterm pastes (bracketed if the shell asked).
      return false;
    }
    return true;
  });
}

// copyText puts text on the clipboard; plain http (a classroom LAN) has no
// navigator.clipboard, so fall back to a hidden textarea and execCommand.
function copyText(text, term) {
  if (!text) return;
  if (window.isSecureContext && navigator.clipboard) {
    navigator.clipboard.writeText(text).catch(() => legacyCopy(text, term));
    return;
  }
  legacyCopy(text, term);
}

function legacyCopy(text, term) {
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.className = 'terminal-copy-buffer';
  document.body.append(ta);
  ta.select();
  try { document.execCommand('copy'); } finally { ta.remove(); term.focus(); }
}

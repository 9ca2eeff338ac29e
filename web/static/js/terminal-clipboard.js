import { copyText } from '/static/js/clipboard.js';

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
      const text = term.getSelection();
      if (text) copyText(text).finally(() => term.focus());
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

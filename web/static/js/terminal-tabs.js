// The list of terminal tabs, remembered in localStorage so a reload
// reconnects to the same sessions (the shells live on in the sandbox).

const KEY = 'labd.terminal.tabs';
export const MAX_TABS = 4;
const NAME = /^[a-zA-Z0-9_-]{1,32}$/;

// loadTabs returns {names, active}; "main" is always first.
export function loadTabs() {
  let saved = {};
  try { saved = JSON.parse(localStorage.getItem(KEY) || '{}') || {}; } catch { saved = {}; }
  const names = ['main'];
  for (const n of Array.isArray(saved.names) ? saved.names : []) {
    if (typeof n === 'string' && NAME.test(n) && !names.includes(n) && names.length < MAX_TABS) names.push(n);
  }
  const active = names.includes(saved.active) ? saved.active : 'main';
  return { names, active };
}

export function saveTabs(names, active) {
  try { localStorage.setItem(KEY, JSON.stringify({ names, active })); } catch { /* private mode: not remembered */ }
}

// nextName is the lowest free number from 2 ("main" is the first tab).
export function nextName(names) {
  for (let i = 2; ; i++) if (!names.includes(String(i))) return String(i);
}

// TabBar draws the tab buttons into el and reports clicks.
export class TabBar {
  constructor(el, { onSelect, onAdd, onClose }) {
    this.el = el;
    this.el.setAttribute('role', 'tablist');
    this.handlers = { onSelect, onAdd, onClose };
    this.el.addEventListener('click', (e) => this.click(e));
  }

  click(e) {
    const btn = e.target.closest('button');
    if (!btn || !this.el.contains(btn)) return;
    if (btn.dataset.action === 'add') this.handlers.onAdd();
    else if (btn.dataset.action === 'close') this.handlers.onClose(btn.dataset.session);
    else if (btn.dataset.session) this.handlers.onSelect(btn.dataset.session);
  }

  render(names, active) {
    this.el.replaceChildren();
    for (const name of names) {
      const tab = document.createElement('button');
      tab.type = 'button';
      tab.className = 'terminal-tab';
      tab.dataset.session = name;
      tab.dataset.testid = `terminal-tab-${name}`;
      tab.setAttribute('role', 'tab');
      tab.setAttribute('aria-selected', String(name === active));
      tab.textContent = name === 'main' ? 'main' : `shell ${name}`;
      this.el.append(tab);
      if (name !== 'main') {
        const close = document.createElement('button');
        close.type = 'button';
        close.className = 'terminal-tab-close';
        close.dataset.action = 'close';
        close.dataset.session = name;
        close.title = `Close tab ${name} (its shell keeps running)`;
        close.setAttribute('aria-label', close.title);
        close.textContent = '×';
        this.el.append(close);
      }
    }
    if (names.length < MAX_TABS) {
      const add = document.createElement('button');
      add.type = 'button';
      add.className = 'terminal-tab-add';
      add.dataset.action = 'add';
      add.dataset.testid = 'terminal-add';
      add.title = 'Open another shell';
      add.setAttribute('aria-label', add.title);
      add.textContent = '+';
      this.el.append(add);
    }
  }
}

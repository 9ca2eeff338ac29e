// The lesson page's terminal pane: tabs of xterm.js shells in the student's
// sandbox. Run buttons elsewhere on the page dispatch `labd:run` events; the
// text is typed into the active tab. Tests read window.labdTerminals.
import { TerminalSession } from '/static/js/terminal-session.js';
import { TabBar, loadTabs, saveTabs, nextName, MAX_TABS } from '/static/js/terminal-tabs.js';
import { copyKeysHint } from '/static/js/terminal-clipboard.js';

const RESIZE_DEBOUNCE_MS = 80;

class TerminalPane {
  constructor(pane) {
    this.host = pane.querySelector('.terminal-host');
    this.sessions = new Map();
    this.tabs = new TabBar(pane.querySelector('.terminal-tabs'), {
      onSelect: (name) => this.activate(name),
      onAdd: () => this.add(),
      onClose: (name) => this.close(name),
    });
    const hint = document.createElement('div');
    hint.className = 'terminal-hint';
    hint.textContent = copyKeysHint;
    pane.append(hint);

    const { names, active } = loadTabs();
    this.names = names;
    for (const name of names) this.open(name);
    this.activate(active);
    this.watchSize();
  }

  open(name) {
    const s = new TerminalSession(name, this.host);
    s.show(false);
    this.sessions.set(name, s);
  }

  activate(name) {
    if (!this.sessions.has(name)) return;
    this.active = name;
    for (const [n, s] of this.sessions) s.show(n === name);
    this.tabs.render(this.names, name);
    saveTabs(this.names, name);
  }

  add() {
    if (this.names.length >= MAX_TABS) return;
    const name = nextName(this.names);
    this.names.push(name);
    this.open(name);
    this.activate(name);
  }

  // close removes a tab; its shell keeps running and comes back with the name.
  close(name) {
    if (name === 'main' || !this.sessions.has(name)) return;
    this.sessions.get(name).dispose();
    this.sessions.delete(name);
    this.names = this.names.filter((n) => n !== name);
    this.activate(this.active === name ? 'main' : this.active);
  }

  // watchSize refits the visible terminal when its box changes (window
  // resize, the lesson/terminal divider), debounced so a drag sends few resizes.
  watchSize() {
    let timer;
    const refit = () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.current().fit(), RESIZE_DEBOUNCE_MS);
    };
    new ResizeObserver(refit).observe(this.host);
    window.addEventListener('resize', refit);
  }

  current() {
    return this.sessions.get(this.active);
  }

  run(text) {
    if (typeof text === 'string' && text.trim() !== '') this.current().type(text);
  }
}

const paneEl = document.getElementById('terminal-pane');
if (paneEl) {
  const pane = new TerminalPane(paneEl);
  document.addEventListener('labd:run', (e) => pane.run(e.detail && e.detail.text));
  // For browser tests and the curious: which tab is active, what it shows.
  window.labdTerminals = {
    get active() { return pane.active; },
    get sessions() { return [...pane.names]; },
    state(name = pane.active) { return pane.sessions.get(name)?.state; },
    text(name = pane.active) { return pane.sessions.get(name)?.visibleText() ?? ''; },
    run(text) { pane.run(text); },
    activate(name) { pane.activate(name); },
    add() { pane.add(); },
  };
}

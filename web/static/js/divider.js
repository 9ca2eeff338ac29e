// divider.js: the draggable, keyboard-accessible divider between the lesson
// and the terminal. The terminal's width (a fraction of the workspace) is
// kept in localStorage; a CSS variable carries it (CSSOM, so CSP allows it).

const KEY = 'labd.terminalWidth';
const MIN = 0.2;
const MAX = 0.8;
const STEP = 0.03;

/** initDivider wires the divider between prose and terminal. */
export function initDivider() {
  const workspace = document.getElementById('workspace');
  const divider = document.getElementById('divider');
  if (!workspace || !divider) return;
  let fraction = clamp(parseFloat(localStorage.getItem(KEY)) || 0.45);
  apply(workspace, divider, fraction);

  divider.addEventListener('pointerdown', (ev) => {
    ev.preventDefault();
    divider.setPointerCapture(ev.pointerId);
    workspace.classList.add('dragging');
    const move = (e) => {
      const rect = workspace.getBoundingClientRect();
      fraction = clamp((rect.right - e.clientX) / rect.width);
      apply(workspace, divider, fraction);
    };
    const up = () => {
      workspace.classList.remove('dragging');
      divider.removeEventListener('pointermove', move);
      divider.removeEventListener('pointerup', up);
      divider.removeEventListener('pointercancel', up);
      save(fraction);
    };
    divider.addEventListener('pointermove', move);
    divider.addEventListener('pointerup', up);
    divider.addEventListener('pointercancel', up);
  });

  divider.addEventListener('keydown', (ev) => {
    const next = {
      ArrowLeft: fraction + STEP, ArrowRight: fraction - STEP,
      Home: MAX, End: MIN,
    }[ev.key];
    if (next === undefined) return;
    ev.preventDefault();
    fraction = clamp(next);
    apply(workspace, divider, fraction);
    save(fraction);
  });
}

function clamp(f) {
  return Math.min(MAX, Math.max(MIN, f));
}

function apply(workspace, divider, fraction) {
  workspace.style.setProperty('--terminal-width', `${(fraction * 100).toFixed(1)}%`);
  divider.setAttribute('aria-valuenow', String(Math.round(fraction * 100)));
  divider.setAttribute('aria-valuemin', String(MIN * 100));
  divider.setAttribute('aria-valuemax', String(MAX * 100));
  // The terminal refits itself on window resize.
  window.dispatchEvent(new Event('resize'));
}

function save(fraction) {
  try { localStorage.setItem(KEY, fraction.toFixed(3)); } catch { /* private mode */ }
}

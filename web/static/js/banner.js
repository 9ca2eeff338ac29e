// banner.js: warns before the sandbox is stopped for idleness or removed
// for age. Polls /api/sandbox every minute.
import { getJSON } from './api.js';

const POLL_MS = 60_000;
const IDLE_WARN_MS = 10 * 60_000; // warn 10 minutes before the idle stop
const AGE_WARN_MS = 24 * 3600_000; // warn a day before removal

/** initBanner starts polling and shows warnings in #sandbox-banner. */
export function initBanner() {
  const banner = document.getElementById('sandbox-banner');
  if (!banner) return;
  let dismissed = '';
  banner.querySelector('.banner-close').addEventListener('click', () => {
    dismissed = banner.querySelector('.banner-text').textContent;
    banner.hidden = true;
  });
  const poll = async () => {
    const { ok, data } = await getJSON('/api/sandbox');
    if (!ok || !data.available) return;
    const text = warning(data);
    if (!text || text === dismissed) {
      banner.hidden = true;
      return;
    }
    banner.querySelector('.banner-text').textContent = text;
    banner.hidden = false;
  };
  poll();
  setInterval(poll, POLL_MS);
}

/** warning words the most urgent deadline, or '' when none is near. */
export function warning(data) {
  const now = Date.parse(data.now) || Date.now();
  if (data.removeAt) {
    const left = Date.parse(data.removeAt) - now;
    if (left < AGE_WARN_MS) {
      return `Your sandbox reaches its maximum lifetime ${inWords(left)} and will then be removed, with everything in it. Keep copies of files you want.`;
    }
  }
  if (data.stopAt && data.state === 'running') {
    const left = Date.parse(data.stopAt) - now;
    if (left < IDLE_WARN_MS) {
      return `Your sandbox will be stopped ${inWords(left)} for inactivity. Type in the terminal to keep it running.`;
    }
  }
  return '';
}

function inWords(ms) {
  const min = Math.round(ms / 60_000);
  if (min <= 0) return 'in a moment';
  if (min < 60) return `in ${min} minute${min === 1 ? '' : 's'}`;
  const h = Math.round(min / 60);
  return `in about ${h} hour${h === 1 ? '' : 's'}`;
}

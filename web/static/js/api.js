// api.js: small helpers for labd's JSON API (same-origin, JSON bodies).

/** postJSON posts body as JSON and returns {ok, status, data}. */
export async function postJSON(url, body = {}) {
  return request(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** getJSON fetches url and returns {ok, status, data}. */
export async function getJSON(url) {
  return request(url, { method: 'GET' });
}

async function request(url, init) {
  let res;
  try {
    res = await fetch(url, { ...init, credentials: 'same-origin', headers: { Accept: 'application/json', ...(init.headers || {}) } });
  } catch {
    return { ok: false, status: 0, data: { error: 'The server could not be reached. Check your connection and try again.' } };
  }
  if (res.status === 401) {
    window.location.assign('/login?next=' + encodeURIComponent(window.location.pathname));
  }
  let data = {};
  try {
    data = await res.json();
  } catch {
    data = { error: `The server answered ${res.status} ${res.statusText}.` };
  }
  return { ok: res.ok, status: res.status, data };
}

/** lessonSlug is the slug of the lesson on this page. */
export function lessonSlug() {
  const ws = document.getElementById('workspace');
  return ws ? ws.dataset.lesson : '';
}

/** exerciseURL builds /api/lessons/{slug}/exercises/{id}/{action}. */
export function exerciseURL(id, action) {
  return `/api/lessons/${encodeURIComponent(lessonSlug())}/exercises/${encodeURIComponent(id)}/${action}`;
}

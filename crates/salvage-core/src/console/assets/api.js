// The API client: JSON requests to `{base}/api/...` (docs/console-api.md), with the session's
// CSRF token on every change; errors become ApiError with the server's `{error}` text.

import { state } from './state.js';

// Served at `{base}/` (or `{base}/index.html`); the API is `{base}/api/...`.
const BASE = location.pathname.replace(/index\.html$/, '').replace(/\/+$/, '');
export const API = `${BASE}/api`;

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

// Told the server's message when a request other than the sign-in itself answers 401.
let unauthorized = () => {};
/** Set what a 401 (the session ended) does: the entry module wires the sign-in page to it. */
export function onUnauthorized(fn) { unauthorized = fn; }

/** JSON request to `{base}/api{path}`; throws ApiError with the server's `{error}` text. */
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET' && method !== 'HEAD') {
    headers['Content-Type'] = 'application/json';
    if (state.session?.csrf) headers['X-Salvage-CSRF'] = state.session.csrf;
    if (method !== 'DELETE') init.body = JSON.stringify(body ?? {});
  }
  let res;
  try {
    res = await fetch(API + path, init);
  } catch (e) {
    throw new ApiError(0, `Cannot reach Salvage: ${e.message}`);
  }
  const text = res.status === 204 ? '' : await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const msg = data && typeof data.error === 'string' && data.error
      ? data.error : `${res.status} ${res.statusText || 'error'}`;
    if (res.status === 401 && path !== '/session') unauthorized(msg);
    throw new ApiError(res.status, msg, data);
  }
  return data;
}

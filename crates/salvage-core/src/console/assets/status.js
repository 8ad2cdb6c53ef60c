// The status line under the top bar: messages, every error's text (report, loadError), and
// buttons kept disabled while their action runs (busy).

import { ApiError } from './api.js';
import { $, h, setChildren } from './dom.js';
import { state } from './state.js';

export function setStatus(text, kind = 'info') {
  const s = $('#status');
  s.textContent = text || '';
  s.className = `status ${kind}`;
}
/** Every API error shows its `{error}` text in the status line. */
export function report(err) {
  if (!(err instanceof ApiError)) console.error(err);
  if (err?.status === 401 && !state.session) return; // the sign-in view says it
  setStatus(err?.message || String(err), 'error');
}
/** Runs `fn` with `button` disabled (no double submits); errors go to the status line. */
export async function busy(button, fn) {
  if (button) button.disabled = true;
  try { await fn(); } catch (e) { report(e); } finally { if (button?.isConnected) button.disabled = false; }
}
/** A view's first load failed: say so in the status line and in place of its content. */
export function loadError(container, e) {
  report(e);
  setChildren(container, h('p', { class: 'error-text' }, `Could not load: ${e.message}`));
}

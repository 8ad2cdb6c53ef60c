// Live updates: Server-Sent Events from {base}/api/events (named events) refresh the current
// view, debounced; the "live"/"polling" mark in the top bar. The 10 s poll is the fallback.

import { API } from './api.js';
import { $ } from './dom.js';
import { state } from './state.js';
import { report } from './status.js';

const EVENT_KINDS = ['parked', 'edited', 'resubmitted', 'discarded', 'restored', 'expired'];
const EVENT_DEBOUNCE_MS = 500;

export function openEvents() {
  closeEvents();
  if (typeof EventSource !== 'function') return setLive(false);
  const es = new EventSource(`${API}/events`);
  state.events = es;
  const onEvent = () => scheduleRefresh();
  for (const kind of EVENT_KINDS) es.addEventListener(kind, onEvent);
  es.onmessage = onEvent;
  es.onopen = () => { state.eventsRetry = 0; setLive(true); };
  es.onerror = () => {
    setLive(false);
    if (es.readyState === EventSource.CLOSED && state.events === es) {
      // The browser gave up (e.g. a non-SSE answer); try again later, polling meanwhile.
      const wait = Math.min(60_000, 5_000 * 2 ** state.eventsRetry++);
      setTimeout(() => { if (state.session && state.events === es) openEvents(); }, wait);
    }
  };
}
export function closeEvents() {
  if (state.events) state.events.close();
  state.events = null;
  setLive(false);
}
function setLive(on) {
  const el = $('#live');
  el.textContent = on ? '● live' : (state.session ? '○ polling' : '');
  el.className = `live ${on ? 'on' : 'off'}`;
}
/** Debounced: one refresh 500 ms after the first event of a burst. */
function scheduleRefresh() {
  if (state.refreshTimer) return;
  state.refreshTimer = setTimeout(() => { state.refreshTimer = 0; refreshView(); }, EVENT_DEBOUNCE_MS);
}
/** Refresh the current view in place (live events, the poll, the tab shown again). */
export async function refreshView() {
  if (!state.session || state.refreshing || !state.view?.refresh) return;
  if ($('#confirm').open) return scheduleRefresh(); // not under an open dialog
  state.refreshing = true;
  try { await state.view.refresh(); } catch (e) { report(e); } finally { state.refreshing = false; }
}

// The session: the sign-in page, signing in and out, what a session starts (live updates, the
// poll, the first render) and stops, and a session lost on a 401.

import { api } from './api.js';
import { $ } from './dom.js';
import { closeEvents, openEvents, refreshView } from './live.js';
import { route } from './router.js';
import { state } from './state.js';
import { busy, report, setStatus } from './status.js';

const POLL_MS = 10_000;

export function showSignin(message = '') {
  $('#topbar').hidden = true;
  $('#view').replaceChildren();
  $('#signin-view').hidden = false;
  $('#signin-error').textContent = message;
  $('#token').focus();
  document.title = 'Sign in · Salvage console';
}
export function signedIn(session) {
  state.session = session;
  $('#signin-view').hidden = true;
  $('#topbar').hidden = false;
  $('#whoami').textContent = `${session.name} (${session.role})`;
  openEvents();
  clearInterval(state.pollTimer);
  state.pollTimer = setInterval(() => { if (!document.hidden) refreshView(); }, POLL_MS);
  route({ force: true });
}
function stopSession() {
  state.session = null;
  state.view = null;
  state.renderId++;
  state.runFollow++;
  closeEvents();
  clearInterval(state.pollTimer);
  clearTimeout(state.refreshTimer);
  $('#run-panel').hidden = true;
  const d = $('#confirm');
  if (d.open) d.close('cancel');
}
/** The server ended the session (a 401): back to the sign-in page, saying why. */
export function sessionLost(message) {
  if (!state.session) return;
  stopSession();
  setStatus('');
  showSignin(`Your session has ended (${message}). Sign in again.`);
}

export async function onSignin(ev) {
  ev.preventDefault();
  const input = $('#token');
  $('#signin-error').textContent = '';
  await busy($('#signin-submit'), async () => {
    try {
      const s = await api('POST', '/session', { token: input.value });
      input.value = '';
      setStatus('');
      signedIn(s);
    } catch (e) {
      $('#signin-error').textContent = e.message;
      setStatus(e.message, 'error');
    }
  });
}
export async function onSignout() {
  try { await api('DELETE', '/session'); } catch (e) { if (e.status !== 401) report(e); }
  stopSession();
  showSignin('');
  setStatus('Signed out.');
}

// Salvage operator console: native ES modules, no build step, no dependencies. This is the
// entry that index.html loads: the route table, then the start. The API contract is
// docs/console-api.md. Everything that comes from the API is rendered as text (createElement /
// textContent / value), never as HTML. No inline styles (strict CSP).
//
// The modules, each imported by relative path (served from {base}/assets/, embedded in the
// binary by src/console/mod.rs, which must list every one):
//   state.js, format.js, dom.js       shared state; text and dates; building elements
//   api.js, status.js                 the JSON API client; the status line and errors
//   session.js, live.js, router.js    sign-in and out; SSE live updates; hash routes → views
//   dialog.js, runs.js, actions.js    confirmation; run progress; the changes an operator makes
//   message-list.js, editor.js        the selectable message table; the payload editor
//   overview.js, groups.js, search.js, message.js, audit.js: the pages

import { api, onUnauthorized } from './api.js';
import { viewAudit } from './audit.js';
import { initDialog } from './dialog.js';
import { $ } from './dom.js';
import { viewGroup, viewGroups } from './groups.js';
import { refreshView } from './live.js';
import { viewMessage } from './message.js';
import { viewOverview } from './overview.js';
import { route, setRoutes } from './router.js';
import { viewSearch } from './search.js';
import { onSignin, onSignout, sessionLost, showSignin, signedIn } from './session.js';
import { state } from './state.js';
import { report, setStatus } from './status.js';

setRoutes([
  // [pattern, name, nav, title, view(root, params, ctx, arg)]
  [/^\/$/, 'overview', 'overview', 'Overview', viewOverview],
  [/^\/groups$/, 'groups', 'groups', 'Groups', viewGroups],
  [/^\/group\/(.+)$/, 'group', 'groups', 'Group', viewGroup],
  [/^\/messages$/, 'messages', 'messages', 'Messages', (r, p, c) => viewSearch(r, p, c, false)],
  [/^\/message\/(.+)$/, 'message', 'messages', 'Message', viewMessage],
  [/^\/archive$/, 'archive', 'archive', 'Archive', (r, p, c) => viewSearch(r, p, c, true)],
  [/^\/audit$/, 'audit', 'audit', 'Audit', viewAudit],
]);
// A 401 on any request but the sign-in itself: the session has ended.
onUnauthorized(sessionLost);

async function start() {
  initDialog();
  $('#signin').addEventListener('submit', onSignin);
  $('#signout').addEventListener('click', onSignout);
  $('#run-dismiss').addEventListener('click', () => { state.runFollow++; $('#run-panel').hidden = true; });
  window.addEventListener('hashchange', () => { setStatus(''); route({ focus: true }); });
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refreshView(); });
  try {
    signedIn(await api('GET', '/session'));
  } catch (e) {
    if (e.status === 401) { showSignin(''); return; }
    showSignin('');
    report(e);
    $('#signin-error').textContent = e.message;
  }
}

start();

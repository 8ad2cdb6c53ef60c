// The hash router: #/path?params → a view rendered into #view (or updated in place when only
// the params changed), the current nav link, the page title; navigate() for the views. The
// entry module gives it the route table.

import { $, add, h, heading } from './dom.js';
import { state } from './state.js';
import { report } from './status.js';

// [pattern, name, nav, title, view(root, params, ctx, arg)]. A view builds its DOM synchronously
// into `root`, loads its data and returns {refresh (live, keeps user state), reload (after an
// action), update(params) (same page, new hash)}; ctx.alive() is false once another page renders.
let routes = [];
/** Set the route table (once, at start). */
export function setRoutes(table) { routes = table; }

function viewNotFound(root) {
  add(root, heading('Not found'), h('p', {}, 'There is no such page. ', h('a', { href: '#/' }, 'Go to the overview')));
}

function parseHash() {
  let raw = location.hash.replace(/^#/, '');
  if (!raw.startsWith('/')) raw = `/${raw}`;
  const q = raw.indexOf('?');
  let path = q < 0 ? raw : raw.slice(0, q);
  if (path.length > 1) path = path.replace(/\/+$/, '');
  const params = Object.fromEntries(new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)));
  return { path, params };
}
/** Go to `hash`; re-route even when it is the current one (e.g. "Apply" twice). */
export function navigate(hash) {
  const before = location.hash;
  location.hash = hash;
  if (location.hash === before) route();
}

export function route({ force = false, focus = false } = {}) {
  if (!state.session) return;
  const { path, params } = parseHash();
  let match = null;
  let entry = null;
  for (const r of routes) {
    match = path.match(r[0]);
    if (match) { entry = r; break; }
  }
  let arg = '';
  if (match?.[1]) { try { arg = decodeURIComponent(match[1]); } catch { arg = match[1]; } }
  const key = entry ? `${entry[1]}:${arg}` : 'notfound';
  for (const a of document.querySelectorAll('nav a[data-nav]')) {
    if (entry && a.dataset.nav === entry[2]) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  // Same page, new hash params (filters, back button): update in place.
  if (!force && state.view?.key === key && state.view.update) {
    state.view.update(params);
    return;
  }
  const token = ++state.renderId;
  const ctx = { alive: () => token === state.renderId && !!state.session };
  const root = $('#view');
  root.replaceChildren();
  document.title = `${entry ? entry[3] : 'Not found'}${arg ? ` ${arg}` : ''} · Salvage console`;
  let v = null;
  try {
    v = entry ? entry[4](root, params, ctx, arg) : viewNotFound(root);
  } catch (e) {
    report(e);
  }
  state.view = { key, ...(v || {}) };
  if (focus) root.querySelector('h1')?.focus({ preventScroll: true });
}

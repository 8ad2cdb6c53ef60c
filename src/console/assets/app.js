// Salvage operator console: a vanilla ES module, no build step, no dependencies.
// The API contract is docs/console-api.md. Everything that comes from the API is rendered as
// text (createElement / textContent / value), never as HTML. No inline styles (strict CSP).
//
// Sections: 1. base & state  2. DOM and formatting helpers  3. API client  4. status, session,
// live updates  5. components (dialog, runs, tables, message list)  6. views  7. router & start.

// ───────────────────────────── 1. base & state ─────────────────────────────

// Served at `{base}/` (or `{base}/index.html`); the API is `{base}/api/...`.
const BASE = location.pathname.replace(/index\.html$/, '').replace(/\/+$/, '');
const API = `${BASE}/api`;
const ACTIVE_RUN = new Set(['running', 'canary_wait', 'delivering']);
const EVENT_KINDS = ['parked', 'edited', 'resubmitted', 'discarded', 'restored', 'expired'];
const POLL_MS = 10_000;
const EVENT_DEBOUNCE_MS = 500;

const state = {
  session: null,     // {name, role, csrf}
  view: null,        // the current view: {key, refresh?, reload?, update?}
  renderId: 0,       // bumped on every full render; stale async work checks it
  events: null,      // EventSource
  eventsRetry: 0,
  refreshTimer: 0,
  refreshing: false,
  pollTimer: 0,
  runFollow: 0,      // bumped to stop following a run
};

const $ = (sel, root = document) => root.querySelector(sel);
const isOperator = () => state.session?.role === 'operator';
const enc = encodeURIComponent;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ───────────────────────── 2. DOM and formatting helpers ─────────────────────────

const PROPS = new Set(['value', 'checked', 'indeterminate', 'disabled', 'hidden', 'required']);

/** h('a', {href, class, dataset, onclick}, ...children): children are nodes or TEXT. */
function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'style' || k.endsWith('HTML')) throw new Error(`h(): ${k} is not allowed`);
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (PROPS.has(k)) el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}
/** Replace el's children (nodes or text; null/false are skipped, never shown as "null"). */
function setChildren(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}
/** Like el.append(...), but null/false/undefined are skipped (native append prints "null"). */
const add = (el, ...children) => append(el, children);
function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const txt = (v) => (v === null || v === undefined || v === '' ? '—' : String(v));
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
const pad = (n) => String(n).padStart(2, '0');
const validTime = (ms) => typeof ms === 'number' && ms > 0 && Number.isFinite(ms);
const jsonText = (v) => (v === undefined ? '—' : JSON.stringify(v));

/** Local date-time, e.g. 2025-03-04 13:07:55. */
function fmtDate(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} `
    + `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
/** "3 min", "2 h 5 min", "4 d 3 h". */
function fmtSpan(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const hrs = Math.floor(m / 60);
  if (hrs < 24) return m % 60 ? `${hrs} h ${m % 60} min` : `${hrs} h`;
  const d = Math.floor(hrs / 24);
  return hrs % 24 ? `${d} d ${hrs % 24} h` : `${d} d`;
}
function relAge(ms) {
  const diff = Date.now() - ms;
  if (Math.abs(diff) < 10_000) return 'just now';
  return diff > 0 ? `${fmtSpan(diff)} ago` : `in ${fmtSpan(-diff)}`;
}
/** <time> with the local date-time and the relative age. */
function timeEl(ms) {
  if (!validTime(ms)) return h('span', { class: 'muted' }, '—');
  const d = new Date(ms);
  return h('time', { datetime: d.toISOString(), title: d.toString() },
    fmtDate(ms), h('span', { class: 'rel' }, ` (${relAge(ms)})`));
}

// datetime-local inputs work in local time; the API and the hash use ms since the epoch.
function msToLocalInput(ms) {
  const d = new Date(Number(ms));
  if (!ms || Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:`
    + `${pad(d.getMinutes())}${d.getSeconds() ? `:${pad(d.getSeconds())}` : ''}`;
}
function toMs(v) {
  if (v === undefined || v === null || v === '') return undefined;
  if (/^\d+$/.test(String(v))) return Number(v);
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? undefined : t;
}

function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}
const msgHref = (tid) => `#/message/${enc(tid)}`;
const groupHref = (id) => `#/group/${enc(id)}`;

/** A <dl> from [label, value] pairs; values are nodes or text. */
function dl(pairs, props) {
  return h('dl', { class: 'kv', ...props }, pairs.filter(Boolean).map(([k, v]) => [
    h('dt', {}, k), h('dd', {}, v instanceof Node ? v : txt(v))]));
}
function table(props, headers, rows, emptyText) {
  const body = h('tbody', {}, rows.length ? rows
    : h('tr', { class: 'empty' }, h('td', { colspan: headers.length }, emptyText || 'Nothing here.')));
  return h('table', { class: 'data', ...props },
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))), body);
}
function section(title, ...children) {
  return h('section', { class: 'card' }, h('h2', {}, title), children);
}

/** Re-render inside `container` and put the keyboard focus back where it was. */
function keepFocus(container, fn) {
  const a = document.activeElement;
  let sel = null;
  if (a && a !== container && container.contains(a)) {
    if (a.id) sel = `#${CSS.escape(a.id)}`;
    else if (a.getAttribute('href')) sel = `[href="${CSS.escape(a.getAttribute('href'))}"]`;
  }
  fn();
  if (sel) container.querySelector(sel)?.focus();
}

// ───────────────────────────── 3. API client ─────────────────────────────

class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** JSON request to `{base}/api{path}`; throws ApiError with the server's `{error}` text. */
async function api(method, path, body) {
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
    if (res.status === 401 && path !== '/session') sessionLost(msg);
    throw new ApiError(res.status, msg, data);
  }
  return data;
}

// ───────────────────── 4. status line, session, live updates ─────────────────────

function setStatus(text, kind = 'info') {
  const s = $('#status');
  s.textContent = text || '';
  s.className = `status ${kind}`;
}
/** Every API error shows its `{error}` text in the status line. */
function report(err) {
  if (!(err instanceof ApiError)) console.error(err);
  if (err?.status === 401 && !state.session) return; // the sign-in view says it
  setStatus(err?.message || String(err), 'error');
}
/** Runs `fn` with `button` disabled (no double submits); errors go to the status line. */
async function busy(button, fn) {
  if (button) button.disabled = true;
  try { await fn(); } catch (e) { report(e); } finally { if (button?.isConnected) button.disabled = false; }
}

function showSignin(message = '') {
  $('#topbar').hidden = true;
  $('#view').replaceChildren();
  $('#signin-view').hidden = false;
  $('#signin-error').textContent = message;
  $('#token').focus();
  document.title = 'Sign in · Salvage console';
}
function signedIn(session) {
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
function sessionLost(message) {
  if (!state.session) return;
  stopSession();
  setStatus('');
  showSignin(`Your session has ended (${message}). Sign in again.`);
}

async function onSignin(ev) {
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
async function onSignout() {
  try { await api('DELETE', '/session'); } catch (e) { if (e.status !== 401) report(e); }
  stopSession();
  showSignin('');
  setStatus('Signed out.');
}

// Live updates: SSE from {base}/api/events (named events), a 10 s poll as the fallback.
function openEvents() {
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
function closeEvents() {
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
async function refreshView() {
  if (!state.session || state.refreshing || !state.view?.refresh) return;
  if ($('#confirm').open) return scheduleRefresh(); // not under an open dialog
  state.refreshing = true;
  try { await state.view.refresh(); } catch (e) { report(e); } finally { state.refreshing = false; }
}

// ───────────────────────────── 5. components ─────────────────────────────

// Confirmation dialog (static markup in index.html). Resolves {reason, comment} or null.
let dialogNeedsReason = false;
function initDialog() {
  const d = $('#confirm');
  const ok = $('#confirm-ok');
  const reason = $('#discard-reason');
  $('#confirm-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!ok.disabled) d.close('ok');
  });
  $('#confirm-cancel').addEventListener('click', () => d.close('cancel'));
  reason.addEventListener('input', () => { ok.disabled = dialogNeedsReason && !reason.value.trim(); });
}
function confirmDialog({ title, text, sample = [], total = 0, reason = false, comment = false, redrive = null, okLabel = 'OK' }) {
  const d = $('#confirm');
  if (d.open) return Promise.resolve(null);
  const ok = $('#confirm-ok');
  const r = $('#discard-reason');
  const c = $('#confirm-comment');
  $('#confirm-title').textContent = title || 'Please confirm';
  $('#confirm-text').textContent = text;
  const ids = Array.isArray(sample) ? sample : [];
  setChildren($('#confirm-sample'), ...ids.map((id) => h('li', { class: 'mono' }, id)),
    total > ids.length && ids.length ? h('li', { class: 'muted' }, `… and ${total - ids.length} more`) : null);
  $('#confirm-sample-wrap').hidden = !ids.length;
  dialogNeedsReason = reason;
  $('#confirm-reason-field').hidden = !reason;
  r.required = reason;
  r.value = '';
  $('#confirm-comment-field').hidden = !comment;
  c.value = '';
  // A resubmit shows its redrive options, filled with the server's defaults.
  $('#confirm-redrive').hidden = !redrive;
  $('#redrive-rate').value = redrive?.rate_per_second ?? '';
  $('#redrive-canary').value = redrive?.canary ?? '';
  $('#redrive-wait').value = redrive?.canary_wait_seconds ?? '';
  ok.textContent = okLabel;
  ok.disabled = reason;
  d.returnValue = '';
  return new Promise((resolve) => {
    d.addEventListener('close', () => {
      const num = (sel) => Math.max(0, Number($(sel).value) || 0);
      resolve(d.returnValue === 'ok' ? {
        reason: r.value.trim(), comment: c.value.trim(),
        redrive: redrive && {
          rate_per_second: num('#redrive-rate'), canary: Math.floor(num('#redrive-canary')),
          canary_wait_seconds: Math.floor(num('#redrive-wait')),
        },
      } : null);
    }, { once: true });
    d.showModal();
    (reason ? r : $('#confirm-cancel')).focus();
  });
}

// Operator flows, shared by the group, messages, archive and message pages.

/** Dry run for the count, confirm naming it, then resubmit for real and follow the run. */
async function resubmitFlow(selection, describe) {
  const dry = await api('POST', '/resubmit', { ...selection, dry_run: true });
  const n = Number(dry?.count) || 0;
  if (!n) return setStatus('Nothing to resubmit: no parked message matches.', 'info');
  const ok = await confirmDialog({
    title: 'Resubmit', text: describe(n), sample: dry.tracking_ids, total: n,
    comment: true, redrive: dry.redrive, okLabel: `Resubmit ${n}`,
  });
  if (!ok) return setStatus('Resubmit cancelled.');
  // The server refuses (409) if the selection no longer holds the count confirmed.
  const body = { ...selection, dry_run: false, expected_count: n, ...(ok.redrive || {}) };
  if (ok.comment) body.comment = ok.comment;
  const r = await api('POST', '/resubmit', body);
  setStatus(`Run ${r.run_id} started: resubmitting ${plural(r.count, 'message')}.`, 'ok');
  followRun(r.run_id);
}
/** Discard asks for a required reason. */
async function discardFlow(ids, after) {
  const ok = await confirmDialog({
    title: 'Discard',
    text: `Discard ${plural(ids.length, 'message')}? They move to the archive and can be restored until retention deletes them.`,
    sample: ids.slice(0, 20), total: ids.length, reason: true, okLabel: `Discard ${ids.length}`,
  });
  if (!ok) return setStatus('Discard cancelled.');
  const r = await api('POST', '/discard', { tracking_ids: ids, reason: ok.reason });
  setStatus(`Discarded ${plural(r?.count ?? ids.length, 'message')} (moved to the archive).`, 'ok');
  after?.();
}
async function restoreFlow(ids, after) {
  const r = await api('POST', '/restore', { tracking_ids: ids });
  setStatus(`Restored ${plural(r?.count ?? ids.length, 'message')} to the parking lot.`, 'ok');
  after?.();
}

// Run progress: GET /api/runs/<id> every second until it is no longer running.
const runCounts = (r) => `${r.done ?? 0}/${r.total ?? 0} done · ${r.resubmitted ?? 0} resubmitted · `
  + `${r.delivered ?? 0} delivered · ${r.delivery_failed ?? 0} delivery failed · `
  + `${r.skipped ?? 0} skipped · ${r.failed_again ?? 0} failed again`;

async function followRun(id) {
  const my = ++state.runFollow;
  $('#run-panel').hidden = false;
  setChildren($('#run-status'), `Run ${id}: starting…`);
  let errors = 0;
  while (my === state.runFollow && state.session) {
    try {
      const run = await api('GET', `/runs/${enc(id)}`);
      if (my !== state.runFollow) return;
      errors = 0;
      renderRun(run);
      if (!ACTIVE_RUN.has(run.state)) {
        const kind = run.state === 'completed' ? 'ok' : 'warn';
        setStatus(`Run ${run.id ?? id} ${run.state}: ${runCounts(run)}.`
          + `${run.stop_reason ? ` ${run.stop_reason}` : ''}`, kind);
        state.view?.reload?.();
        return;
      }
    } catch (e) {
      report(e);
      if ((e.status && e.status !== 503) || ++errors > 10) return;
    }
    await sleep(1000);
  }
}
function renderRun(run) {
  setChildren($('#run-status'),
    'Run ', h('span', { class: 'mono' }, txt(run.id)), ` (${txt(run.kind)}): `,
    h('strong', { class: `run-state state-${run.state}` }, txt(run.state)), ` — ${runCounts(run)}`,
    run.stop_reason ? ` · ${run.stop_reason}` : '');
  const p = $('#run-progress');
  p.max = Math.max(1, Number(run.total) || 0);
  p.value = Math.min(p.max, Number(run.done) || 0);
}

// Table rows shared by several views.
function groupRow(g) {
  return h('tr', { dataset: { group: g.id } },
    h('td', { class: 'count num' }, txt(g.count)),
    h('td', {}, txt(g.queue)),
    h('td', {}, h('code', {}, txt(g.code))),
    h('td', { class: 'wrap' }, h('a', { class: 'group-link', href: groupHref(g.id), title: `Group ${g.id}` },
      g.sample_error || g.code || g.id)),
    h('td', {}, timeEl(g.first_seen)),
    h('td', {}, timeEl(g.last_seen)));
}
const GROUP_HEADERS = ['Count', 'Queue', 'Code', 'Sample error', 'First seen', 'Last seen'];

function runRow(r) {
  return h('tr', { dataset: { run: r.id } },
    h('td', { class: 'mono' }, txt(r.id)), h('td', {}, txt(r.kind)),
    h('td', {}, h('span', { class: `run-state state-${r.state}` }, txt(r.state))),
    h('td', {}, runCounts(r), r.stop_reason ? h('div', { class: 'muted small' }, r.stop_reason) : null),
    h('td', {}, txt(r.created_by)), h('td', {}, timeEl(r.created_at)),
    h('td', {}, ACTIVE_RUN.has(r.state)
      ? h('button', { type: 'button', class: 'small', onclick: () => followRun(r.id) }, 'Follow') : null));
}

/**
 * A paginated table of messages (GET /api/messages) with, for operators only, a checkbox per
 * row, "select all on page" and action buttons. actions: [{id, label, needsSelection, run(ids)}].
 */
function messageList(ctx, { archived = false, actions = [], enabled = () => true } = {}) {
  const op = isOperator();
  let query = {};
  let token = '';
  let nextToken = '';
  const stack = [];   // page tokens of the previous pages
  let seq = 0;

  const boxes = () => [...tbody.querySelectorAll('input.select')];
  const selected = () => boxes().filter((b) => b.checked).map((b) => b.value);
  const selectAll = op ? h('input', {
    type: 'checkbox', id: 'select-all', 'aria-label': 'Select all messages on this page',
    onchange: () => { for (const b of boxes()) b.checked = selectAll.checked; changed(); },
  }) : null;
  const headers = [selectAll ? h('span', { class: 'sel' }, selectAll) : null, 'Tracking id', 'Queue',
    'Event type', 'Code / reason', archived ? 'Archived' : 'Parked', 'Reports', 'Preview'].filter((x) => x !== null);
  const tbody = h('tbody');
  const tbl = h('table', { class: 'data messages' },
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))), tbody);
  const info = h('p', { class: 'muted list-info', tabindex: '-1' });
  const stale = h('p', { class: 'stale', hidden: true }, 'Messages changed since this page was loaded. ',
    h('button', { type: 'button', class: 'small', onclick: () => reload() }, 'Refresh'));
  const prev = h('button', { type: 'button', id: 'prev-page', hidden: true,
    onclick: () => { token = stack.pop() ?? ''; fetchPage(false, true); } }, '← Previous page');
  const next = h('button', { type: 'button', id: 'next-page', hidden: true,
    onclick: () => { stack.push(token); token = nextToken; fetchPage(false, true); } }, 'Next page →');
  const buttons = op ? actions.map((a) => {
    const b = h('button', { type: 'button', id: a.id, class: a.primary ? 'primary' : '' }, a.label);
    b.addEventListener('click', () => busy(b, async () => {
      const ids = selected();
      if (a.needsSelection && !ids.length) return setStatus('Select at least one message first.');
      await a.run(ids);
    }).then(changed));
    return b;
  }) : [];
  const selInfo = h('span', { class: 'muted small', 'aria-live': 'polite' });
  const el = h('div', { class: 'message-list' },
    buttons.length ? h('div', { class: 'toolbar' }, buttons, selInfo) : null,
    stale, h('div', { class: 'table-wrap' }, tbl), h('div', { class: 'pager' }, prev, next, info));

  function changed() {
    const all = boxes();
    const n = all.filter((b) => b.checked).length;
    if (selectAll) {
      selectAll.checked = all.length > 0 && n === all.length;
      selectAll.indeterminate = n > 0 && n < all.length;
    }
    for (const [i, a] of actions.entries()) {
      if (buttons[i]) buttons[i].disabled = a.needsSelection ? n === 0 : !enabled(a);
    }
    selInfo.textContent = op && all.length ? `${n} selected on this page` : '';
  }
  function row(m) {
    const tid = m.tracking_id;
    return h('tr', { dataset: { trackingId: tid } },
      op ? h('td', { class: 'sel' }, h('input', { type: 'checkbox', class: 'select', value: tid,
        'aria-label': `Select message ${tid}`, onchange: changed })) : null,
      h('td', {}, h('a', { class: 'message-link mono', href: msgHref(tid) }, tid)),
      h('td', {}, txt(m.queue)),
      h('td', {}, txt(m.event_type)),
      h('td', { class: 'wrap' }, m.group ? h('a', { href: groupHref(m.group), title: 'Failure group' },
        h('code', {}, txt(m.code))) : h('code', {}, txt(m.code)),
      m.reason ? h('div', { class: 'muted small' }, m.reason) : null),
      archived
        ? h('td', {}, timeEl(m.archived?.at), h('div', { class: 'muted small' },
          `by ${txt(m.archived?.by)}: ${txt(m.archived?.reason)}`))
        : h('td', {}, timeEl(m.parked_at)),
      h('td', { class: 'num' }, txt(m.reports)),
      h('td', { class: 'preview' }, h('code', { title: m.preview || '' }, m.preview || '')));
  }
  async function fetchPage(quiet = false, paging = false) {
    const my = ++seq;
    tbl.setAttribute('aria-busy', 'true');
    try {
      const r = await api('GET', `/messages${qs({ ...query, archived: archived ? 'true' : '', page_token: token })}`);
      if (my !== seq || !ctx.alive()) return;
      const msgs = Array.isArray(r?.messages) ? r.messages : [];
      nextToken = r?.next_page_token || '';
      keepFocus(el, () => setChildren(tbody, ...(msgs.length ? msgs.map(row)
        : [h('tr', { class: 'empty' }, h('td', { colspan: headers.length },
          stack.length ? 'No more messages.' : 'No messages match.'))])));
      next.hidden = !nextToken;
      prev.hidden = stack.length === 0;
      stale.hidden = true;
      info.textContent = `Page ${stack.length + 1} · ${plural(msgs.length, 'message')}`
        + `${typeof r?.total_in_index === 'number' ? ` · ${r.total_in_index} in the index` : ''}`;
      // After "next page" on the last page the button hides: keep the keyboard focus nearby.
      const f = document.activeElement;
      if (paging && (!f || f === document.body || f.hidden)) info.focus();
      changed();
    } catch (e) {
      if (my !== seq || !ctx.alive()) return;
      report(e);
      if (!quiet) {
        setChildren(tbody, h('tr', { class: 'empty' }, h('td', { colspan: headers.length, class: 'error-text' },
          `Could not load messages: ${e.message}`)));
      }
    } finally {
      if (my === seq) tbl.removeAttribute('aria-busy');
    }
  }
  function load(q) { query = q; token = ''; stack.length = 0; return fetchPage(); }
  function reload() { return fetchPage(true); }
  /** Live refresh: in place when nothing is selected, otherwise only a note. */
  function refresh() {
    if (selected().length) { stale.hidden = false; return Promise.resolve(); }
    return fetchPage(true);
  }
  changed();
  return { el, load, reload, refresh, selected };
}

// ───────────────────────────── 6. views ─────────────────────────────
// A view builds its DOM synchronously into `root`, loads its data and returns
// {refresh (live, keeps user state), reload (after an action), update(params) (same page, new hash)}.

function heading(text) { return h('h1', { tabindex: '-1' }, text); }
function loadError(container, e) {
  report(e);
  setChildren(container, h('p', { class: 'error-text' }, `Could not load: ${e.message}`));
}

// #/ : overview
function viewOverview(root, _params, ctx) {
  const body = h('div', { class: 'overview' }, h('p', { class: 'muted' }, 'Loading…'));
  add(root, heading('Overview'), body);
  async function load(quiet) {
    try {
      const o = await api('GET', '/overview');
      if (ctx.alive()) keepFocus(body, () => setChildren(body, ...renderOverview(o || {})));
    } catch (e) {
      if (!ctx.alive()) return;
      if (quiet) report(e); else loadError(body, e);
    }
  }
  load(false);
  return { refresh: () => load(true), reload: () => load(true) };
}
function renderOverview(o) {
  const lh = o.last_hour || {};
  const stat = (id, label, value, sub) => h('div', { class: 'stat' },
    h('div', { class: 'stat-label' }, label), h('div', { class: 'stat-value', id }, txt(value ?? 0)),
    sub ? h('div', { class: 'stat-sub muted small' }, sub) : null);
  const oldest = validTime(o.oldest_parked_at) ? o.oldest_parked_at : 0;
  const list = (v) => (Array.isArray(v) ? v : []);
  return [
    h('div', { class: 'stats' },
      stat('parked-now', 'Parked now', o.parked),
      stat('archived-now', 'Archived', o.archived),
      h('div', { class: 'stat' }, h('div', { class: 'stat-label' }, 'Oldest parked'),
        h('div', { class: 'stat-value', id: 'oldest-parked' }, oldest ? fmtSpan(Date.now() - oldest) : '—'),
        oldest ? h('div', { class: 'stat-sub muted small' }, timeEl(oldest)) : null)),
    h('h2', { class: 'sub' }, 'Last hour'),
    h('div', { class: 'stats small-stats' },
      stat('last-hour-parked', 'Parked', lh.parked),
      stat('last-hour-requeued', 'Requeued', lh.requeued),
      stat('last-hour-repaired', 'Repaired', lh.repaired),
      stat('last-hour-retried', 'Retried', lh.retried),
      stat('last-hour-resubmitted', 'Resubmitted', lh.resubmitted)),
    h('div', { class: 'cols' },
      section('Top failure groups', h('div', { class: 'table-wrap' }, table({ id: 'top-groups' }, GROUP_HEADERS,
        list(o.top_groups).map(groupRow), 'No failure groups: the parking lot is empty.')),
      h('p', {}, h('a', { href: '#/groups' }, 'All groups →'))),
      h('div', { class: 'side' },
        section('Origins', table({ id: 'origins' }, ['Queue', 'Parked'], list(o.origins).map((q) =>
          h('tr', { dataset: { queue: q.queue } },
            h('td', {}, h('a', { href: `#/messages${qs({ queue: q.queue })}` }, txt(q.queue))),
            h('td', { class: 'num' }, txt(q.parked)))), 'Nothing parked.')),
        section('Outbox', table({ id: 'outbox' }, ['Destination', 'Pending', 'State'], list(o.outbox).map((d) =>
          h('tr', { dataset: { destination: d.destination } },
            h('td', {}, txt(d.destination)), h('td', { class: 'num' }, txt(d.pending)),
            h('td', {}, h('span', { class: d.up ? 'badge up' : 'badge down' }, d.up ? 'up' : 'down')))),
        'No destinations.')))),
    section('Runs', table({ id: 'runs' }, ['Run', 'Kind', 'State', 'Progress', 'By', 'Started', ''],
      list(o.runs).map(runRow), 'No recent runs.')),
  ];
}

// #/groups?queue=&sort=count|recent
function viewGroups(root, params, ctx) {
  const queue = h('input', { id: 'groups-queue', name: 'queue', type: 'text', autocomplete: 'off' });
  const sort = h('select', { id: 'groups-sort', name: 'sort' },
    h('option', { value: 'count' }, 'Most messages'), h('option', { value: 'recent' }, 'Most recent'));
  const form = h('form', { id: 'group-filters', class: 'filters', role: 'search' },
    h('div', { class: 'field' }, h('label', { for: 'groups-queue' }, 'Origin queue'), queue),
    h('div', { class: 'field' }, h('label', { for: 'groups-sort' }, 'Sort by'), sort),
    h('div', { class: 'field buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Apply')));
  const info = h('p', { class: 'muted' });
  const wrap = h('div', { class: 'table-wrap' }, h('p', { class: 'muted' }, 'Loading…'));
  add(root, heading('Failure groups'), form, info, wrap);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    navigate(`#/groups${qs({ queue: queue.value.trim(), sort: sort.value === 'count' ? '' : sort.value })}`);
  });
  sort.addEventListener('change', () => form.requestSubmit());
  let p = params;
  async function load(quiet) {
    try {
      const r = await api('GET', `/groups${qs({ queue: p.queue, sort: p.sort || 'count' })}`);
      if (!ctx.alive()) return;
      const groups = Array.isArray(r?.groups) ? r.groups : [];
      info.textContent = `${plural(r?.total ?? groups.length, 'group')}${p.queue ? ` in ${p.queue}` : ''}`
        + `${(r?.total ?? 0) > groups.length ? ` (showing ${groups.length})` : ''}`;
      keepFocus(wrap, () => setChildren(wrap, table({ id: 'groups' }, GROUP_HEADERS, groups.map(groupRow),
        'No failure groups.')));
    } catch (e) {
      if (!ctx.alive()) return;
      if (quiet) report(e); else loadError(wrap, e);
    }
  }
  function update(np) {
    p = np;
    queue.value = p.queue || '';
    sort.value = p.sort === 'recent' ? 'recent' : 'count';
    return load(false);
  }
  update(params);
  return { update, refresh: () => load(true), reload: () => load(true) };
}

// #/group/<id>: header + its messages. The contract has no GET /api/groups/<id>, so the header
// comes from GET /api/groups (the group's queue first), the count falls back to total_in_index.
function viewGroup(root, _params, ctx, id) {
  const head = h('div', { class: 'card group-head' }, h('p', { class: 'muted' }, 'Loading…'));
  let group = null;
  const list = messageList(ctx, {
    actions: [
      { id: 'resubmit-selected', label: 'Resubmit selected', needsSelection: true,
        run: (ids) => resubmitFlow({ tracking_ids: ids },
          (n) => `Resubmit ${plural(n, 'selected message')} of group ${groupLabel()}?`) },
      { id: 'resubmit-group', label: 'Resubmit whole group', primary: true,
        run: () => resubmitFlow({ group: id }, (n) => `Resubmit ${plural(n, 'message')} of group ${groupLabel()}?`) },
    ],
  });
  const groupLabel = () => (group ? `${group.code} (${group.queue})` : id);
  add(root, h('p', { class: 'crumbs' }, h('a', { href: '#/groups' }, '← All groups')),
    heading('Failure group'), head, list.el);

  async function loadHead() {
    const [msgs, top] = await Promise.all([
      api('GET', `/messages${qs({ group: id, limit: 1 })}`).catch(() => null),
      api('GET', `/groups${qs({ sort: 'count' })}`)]);
    let g = top?.groups?.find((x) => x.id === id);
    const first = msgs?.messages?.[0];
    if (!g && first?.queue) {
      const byQueue = await api('GET', `/groups${qs({ queue: first.queue, sort: 'count' })}`);
      g = byQueue?.groups?.find((x) => x.id === id);
    }
    if (!ctx.alive()) return;
    group = g || (first ? { id, queue: first.queue, code: first.code, count: msgs.total_in_index } : null);
    const count = g ? g.count : (first ? msgs.total_in_index : 0);
    setChildren(head, dl([
      ['Messages', h('strong', { id: 'group-count' }, txt(count))],
      ['Code', h('code', {}, txt(group?.code))],
      ['Origin queue', txt(group?.queue)],
      ['Sample error', h('span', { class: 'wrap' }, txt(g?.sample_error))],
      ['First seen', timeEl(g?.first_seen)],
      ['Last seen', timeEl(g?.last_seen)],
      ['Group id', h('span', { class: 'mono' }, id)],
    ]), group ? null : h('p', { class: 'muted' }, 'No parked message is in this group now.'));
  }
  const loadAll = (quiet) => Promise.all([
    loadHead().catch((e) => { if (ctx.alive()) (quiet ? report(e) : loadError(head, e)); }),
    quiet ? list.refresh() : list.load({ group: id })]);
  loadAll(false);
  return {
    refresh: () => loadAll(true),
    reload: () => Promise.all([loadHead().catch(report), list.reload()]),
  };
}

// #/messages?… and #/archive?…: filter form (in the hash), results, operator actions.
const FILTERS = [
  ['queue', 'Origin queue', 'text'], ['group', 'Group', 'text'], ['code', 'Error code', 'text'],
  ['event_type', 'Event type', 'text'], ['since', 'Parked since', 'datetime-local'],
  ['until', 'Parked until', 'datetime-local'], ['text', 'Payload text', 'search'],
];
/** The API's filter from the hash params (since/until in ms). */
function filterOf(p) {
  const f = {};
  for (const [name, , type] of FILTERS) {
    const v = type === 'datetime-local' ? toMs(p[name]) : (p[name] || '').trim();
    if (v !== undefined && v !== '') f[name] = v;
  }
  return f;
}
function viewSearch(root, params, ctx, archived) {
  const path = archived ? 'archive' : 'messages';
  const inputs = {};
  const form = h('form', { id: 'filters', class: 'filters', role: 'search' },
    FILTERS.map(([name, label, type]) => {
      inputs[name] = h('input', { id: `filter-${name}`, name, type, autocomplete: 'off', spellcheck: 'false' });
      return h('div', { class: `field field-${name}` }, h('label', { for: `filter-${name}` }, label), inputs[name]);
    }),
    h('div', { class: 'field buttons' },
      h('button', { type: 'submit', id: 'apply-filters', class: 'primary' }, 'Apply'),
      h('button', { type: 'button', id: 'clear-filters', onclick: () => navigate(`#/${path}`) }, 'Clear')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const p = {};
    for (const [name, , type] of FILTERS) {
      const v = inputs[name].value.trim();
      if (v) p[name] = type === 'datetime-local' ? (toMs(v) ?? '') : v;
    }
    navigate(`#/${path}${qs(p)}`);
  });
  let filter = {};
  const actions = archived
    ? [{ id: 'restore-selected', label: 'Restore selected', needsSelection: true, primary: true,
      run: (ids) => restoreFlow(ids, () => list.reload()) }]
    : [
      { id: 'resubmit-selected', label: 'Resubmit selected', needsSelection: true, primary: true,
        run: (ids) => resubmitFlow({ tracking_ids: ids }, (n) => `Resubmit ${plural(n, 'selected message')}?`) },
      { id: 'discard-selected', label: 'Discard selected…', needsSelection: true,
        run: (ids) => discardFlow(ids, () => list.reload()) },
      { id: 'resubmit-matching', label: 'Resubmit all matching…', matching: true,
        run: () => resubmitFlow({ filter }, (n) => `Resubmit all ${plural(n, 'message')} matching ${describeFilter(filter)}?`) },
    ];
  // "Resubmit all matching" needs at least one filter (never the whole parking lot by accident).
  const list = messageList(ctx, { archived, actions, enabled: (a) => !a.matching || Object.keys(filter).length > 0 });
  add(root, heading(archived ? 'Archive' : 'Messages'),
    archived ? h('p', { class: 'muted' }, 'Discarded and expired messages, restorable until retention deletes them.') : null,
    form, list.el);
  function update(p) {
    for (const [name, , type] of FILTERS) {
      inputs[name].value = type === 'datetime-local' ? msToLocalInput(toMs(p[name])) : (p[name] || '');
    }
    filter = filterOf(p);
    return list.load({ ...filter });
  }
  update(params);
  return { update, refresh: list.refresh, reload: list.reload };
}
function describeFilter(f) {
  return Object.entries(f).map(([k, v]) => `${k}=${k === 'since' || k === 'until' ? fmtDate(v) : v}`).join(', ');
}

// #/message/<tracking_id>: detail, editor, operator actions.
function viewMessage(root, _params, ctx, tid) {
  const op = isOperator();
  const wrap = h('div', { class: 'detail' }, h('p', { class: 'muted' }, 'Loading…'));
  add(root, h('p', { class: 'crumbs' }, h('a', { href: '#/messages' }, '← Messages')),
    heading(`Message ${tid}`), wrap);
  let detail = null;
  let editing = false;
  let draft = null;     // the operator's unsaved text after a conflict
  let conflict = null;

  async function load({ quiet404 = false } = {}) {
    try {
      const d = await api('GET', `/messages/${enc(tid)}`);
      if (ctx.alive()) show(d);
    } catch (e) {
      if (!ctx.alive()) return;
      if (e.status === 404) {
        detail = null;
        if (!quiet404) report(e);
        setChildren(wrap, h('p', { class: 'banner' }, 'This message is not in the parking lot or the archive '
          + '(it was resubmitted, or it expired). ', h('a', { href: '#/messages' }, 'Back to the messages')));
      } else if (detail) report(e); else loadError(wrap, e);
    }
  }
  function show(d) {
    detail = d;
    editing = false;
    setChildren(wrap, ...renderDetail(d));
  }
  function showConflict(current, why) {
    setChildren(conflict, h('strong', {}, 'Not saved. '),
      `${why}: it is now at version ${txt(current)}, you started from version ${detail.version}. `
      + 'Nothing was overwritten. Reload to see the latest version (your text is kept to copy from). ',
      h('button', { type: 'button', id: 'reload', onclick: () => {
        draft = editing ? $('#editor')?.value ?? null : null;
        load();
      } }, 'Reload'));
    conflict.hidden = false;
  }

  function renderDetail(d) {
    const archived = !!d.archived;
    conflict = h('div', { id: 'conflict', class: 'banner error', role: 'alert', hidden: true });
    const payloadSec = section('Payload', d.redacted?.length && !d.revealed
      ? h('p', { class: 'muted small' }, `Masked: ${d.redacted.join(', ')}`) : null,
    h('pre', { id: 'payload', class: 'payload' }, d.payload ?? ''));
    const ed = op && !archived ? editor(d, payloadSec) : null;
    const keptDraft = draft !== null ? h('details', { class: 'card', open: true },
      h('summary', {}, 'Your unsaved text (from before the reload)'), h('pre', { class: 'payload' }, draft)) : null;
    draft = null;
    const f = d.failure || {};
    const failureExtra = Object.entries(f).filter(([k]) => !['class', 'code', 'message', 'consumer'].includes(k));
    const headers = Object.entries(d.headers || {}).sort(([a], [b]) => a.localeCompare(b));
    return [
      archived ? h('p', { class: 'banner' }, 'Archived ', timeEl(d.archived.at),
        ` by ${txt(d.archived.by)}: ${txt(d.archived.reason)}`) : null,
      d.revealed ? h('p', { class: 'banner notice' },
        'Sensitive values are shown in the clear. Revealing was recorded in the audit log.') : null,
      op ? actionBar(d, archived, ed) : null,
      conflict, keptDraft, ed?.sec,
      h('div', { class: 'cols2' },
        section('Summary', dl([
          ['Id', h('span', { class: 'mono' }, txt(d.id))],
          ['Tracking id', h('span', { class: 'mono' }, txt(d.tracking_id))],
          ['Origin queue', d.queue ? h('a', { href: `#/messages${qs({ queue: d.queue })}` }, d.queue) : '—'],
          ['Destination', d.destination], ['Event type', d.event_type],
          ['Content type', d.content_type], ['Partition key', d.partition_key],
          ['Code', h('code', {}, txt(d.code))], ['Reason', d.reason], ['Rule', d.rule],
          ['Group', d.group ? h('a', { href: groupHref(d.group), class: 'mono' }, d.group) : '—'],
          ['Parked at', timeEl(d.parked_at)], ['Last seen', timeEl(d.last_seen)],
          ['Reports', d.reports], ['Version', h('span', { id: 'version' }, txt(d.version))],
        ], { class: 'kv two' })),
        section('Failure', dl([
          ['Class', f.class], ['Code', h('code', {}, txt(f.code))],
          ['Message', h('span', { class: 'wrap' }, txt(f.message))], ['Consumer', f.consumer],
          ...failureExtra.map(([k, v]) => [k, typeof v === 'string' ? v : jsonText(v)]),
        ], { id: 'failure' }))),
      h('div', { class: 'cols2' }, payloadSec,
        section('Original payload', h('pre', { id: 'original', class: 'payload' }, d.original ?? ''))),
      section('Headers', table({ id: 'headers' }, ['Name', 'Value'], headers.map(([k, v]) =>
        h('tr', {}, h('td', { class: 'mono' }, k), h('td', { class: 'mono wrap' }, typeof v === 'string' ? v : jsonText(v)))),
      'No headers.')),
      section('Attempts', h('div', { id: 'attempts' }, (d.attempts || []).length
        ? d.attempts.map(attemptEl) : h('p', { class: 'muted' }, 'No attempts recorded.'))),
      section('Edits', h('div', { id: 'edits' }, table({ class: 'data compact' }, ['Version', 'When', 'By'],
        (d.edits || []).map((e) => h('tr', { class: 'edit' }, h('td', { class: 'num' }, txt(e.version)),
          h('td', {}, timeEl(e.at)), h('td', {}, txt(e.actor)))), 'Never edited.'))),
    ];
  }

  function actionBar(d, archived, ed) {
    const bar = h('div', { class: 'toolbar' });
    const btn = (id, label, fn, cls) => {
      const b = h('button', { type: 'button', id, class: cls || '' }, label);
      b.addEventListener('click', () => busy(b, fn));
      bar.append(b);
      return b;
    };
    if (!archived) {
      btn('edit', 'Edit', async () => ed.open());
      btn('resubmit', 'Resubmit…', () => resubmitFlow({ tracking_ids: [tid] },
        (n) => `Resubmit ${plural(n, 'message')} (${tid}) to ${d.queue || 'its origin queue'}?`), 'primary');
      btn('discard', 'Discard…', () => discardFlow([tid], () => load()));
    } else {
      btn('restore', 'Restore', () => restoreFlow([tid], () => load()), 'primary');
    }
    if (!d.revealed) {
      btn('reveal', 'Reveal sensitive values', async () => {
        const r = await api('POST', `/messages/${enc(tid)}/reveal`);
        if (!ctx.alive()) return;
        show({ ...r, revealed: r?.revealed ?? true });
        setStatus('Sensitive values revealed. This is recorded in the audit log.', 'info');
      });
      bar.append(h('span', { class: 'muted small' }, 'Revealing is audited.'));
    }
    return bar;
  }

  /** The payload editor (hidden until opened): {sec, open}. */
  function editor(d, payloadSec) {
    // Validate as JSON when the payload is JSON, parses as JSON or is typed as JSON (the server
    // refuses anything else then); other payloads go as written.
    let isJson = !!d.payload_is_json || /json/i.test(d.content_type ?? '');
    if (!isJson) { try { JSON.parse(d.payload); isJson = true; } catch { isJson = false; } }
    const ta = h('textarea', { id: 'editor', rows: '18', spellcheck: 'false', class: 'payload',
      'aria-describedby': 'editor-status editor-hint', value: d.payload ?? '' });
    const status = h('p', { id: 'editor-status', 'aria-live': 'polite' });
    const comment = h('input', { id: 'edit-comment', type: 'text', autocomplete: 'off' });
    const save = h('button', { type: 'button', id: 'save', class: 'primary' }, 'Save');
    const cancel = h('button', { type: 'button', id: 'cancel-edit' }, 'Cancel');
    const sec = h('section', { class: 'card editor', hidden: true, 'aria-labelledby': 'editor-title' },
      h('h2', { id: 'editor-title' }, `Edit payload (version ${txt(d.version)})`),
      h('label', { for: 'editor' }, 'Payload'), ta, status,
      h('p', { id: 'editor-hint', class: 'muted small' },
        'Values shown as "[redacted]" keep their stored value when left as they are.'),
      h('div', { class: 'field' }, h('label', { for: 'edit-comment' }, 'Comment (optional, kept in the audit log)'), comment),
      h('div', { class: 'toolbar' }, save, cancel));
    ta.addEventListener('input', () => {
      if (!isJson) {
        status.textContent = `Not JSON (${d.content_type || 'no content type'}): sent as written.`;
        status.className = 'muted';
        save.disabled = false;
        return;
      }
      try {
        JSON.parse(ta.value);
        status.textContent = '✓ valid JSON';
        status.className = 'valid';
        save.disabled = false;
      } catch (e) {
        status.textContent = `✗ ${e.message}`;
        status.className = 'error-text';
        save.disabled = true;
      }
    });
    // While editing, the editor takes the place of the read-only payload and of the Edit button.
    const toggle = (on) => {
      editing = on;
      sec.hidden = !on;
      payloadSec.hidden = on;
      const edit = $('#edit');
      if (edit) edit.hidden = on;
      return edit;
    };
    function open() {
      toggle(true);
      ta.dispatchEvent(new Event('input'));
      ta.focus();
    }
    cancel.addEventListener('click', () => {
      toggle(false)?.focus();
      ta.value = d.payload ?? '';
      conflict.hidden = true;
    });
    save.addEventListener('click', () => busy(save, async () => {
      const body = { payload: ta.value, version: d.version };
      if (comment.value.trim()) body.comment = comment.value.trim();
      try {
        const nd = await api('POST', `/messages/${enc(tid)}/edit`, body);
        if (!ctx.alive()) return;
        setStatus(`Saved: version ${txt(nd?.version)}.`, 'ok');
        show(nd);
      } catch (e) {
        report(e);
        if (e.status === 409) showConflict(e.body?.current_version, 'Someone else changed this message first');
      }
    }).then(() => { if (sec.isConnected && ta.value) ta.dispatchEvent(new Event('input')); }));
    return { sec, open };
  }

  /** Live refresh: re-render only when the message changed, never over an open editor. */
  async function refresh() {
    if (!detail) return;
    let d;
    try { d = await api('GET', `/messages/${enc(tid)}`); } catch (e) {
      if (e.status === 404 && !editing && ctx.alive()) load({ quiet404: true });
      return;
    }
    if (!ctx.alive() || !detail) return;
    const same = d.version === detail.version && !!d.archived === !!detail.archived
      && d.reports === detail.reports && (d.attempts || []).length === (detail.attempts || []).length;
    if (same) return;
    if (editing) {
      if (d.version !== detail.version) showConflict(d.version, 'Someone else changed this message while you were editing');
    } else {
      show(d);
    }
  }
  load();
  return { refresh, reload: () => load({ quiet404: true }) };
}

function attemptEl(a) {
  const diff = Array.isArray(a.diff) ? a.diff : [];
  return h('article', { class: 'attempt' },
    h('h3', {}, `Attempt ${txt(a.attempt)} `, h('span', { class: 'badge' }, txt(a.outcome))),
    dl([['Time', timeEl(a.at)], ['Rule', a.rule], ['Reason', a.reason], ['Code', a.code],
      ['Error', h('span', { class: 'wrap' }, txt(a.message))],
      ['Tracking id', h('span', { class: 'mono' }, txt(a.tracking_id))]]),
    diff.length ? table({ class: 'data diff' }, ['Pointer', 'Change', 'Before', 'After'], diff.map((r) =>
      h('tr', { class: `diff-row op-${r.op}` },
        h('td', { class: 'mono' }, txt(r.pointer)), h('td', {}, h('span', { class: 'badge' }, txt(r.op))),
        // before/after come as JSON text, shown as sent (never through JSON.parse's doubles).
        h('td', { class: 'mono wrap' }, r.op === 'added' ? '—' : txt(r.before)),
        h('td', { class: 'mono wrap' }, r.op === 'removed' ? '—' : txt(r.after)))))
      : h('p', { class: 'muted small' }, 'No changes to the payload.'),
    a.produced !== null && a.produced !== undefined ? h('details', {},
      h('summary', {}, 'Payload this attempt produced'), h('pre', { class: 'payload' }, a.produced)) : null);
}

// #/audit?actor=&tracking_id= : filters apply as you type (the hash follows with replaceState).
function viewAudit(root, params, ctx) {
  const actor = h('input', { id: 'audit-actor', name: 'actor', type: 'text', autocomplete: 'off' });
  const tracking = h('input', { id: 'audit-tracking-id', name: 'tracking_id', type: 'text', autocomplete: 'off', spellcheck: 'false' });
  const form = h('form', { id: 'audit-filters', class: 'filters', role: 'search' },
    h('div', { class: 'field' }, h('label', { for: 'audit-actor' }, 'Actor'), actor),
    h('div', { class: 'field' }, h('label', { for: 'audit-tracking-id' }, 'Tracking id'), tracking),
    h('div', { class: 'field buttons' }, h('button', { type: 'submit', id: 'audit-apply', class: 'primary' }, 'Apply')));
  const tbody = h('tbody');
  const headers = ['Time', 'Actor', 'Role', 'Action', 'Count', 'Messages', 'Comment', 'Details'];
  const tbl = h('table', { id: 'audit', class: 'data' },
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))), tbody);
  const prev = h('button', { type: 'button', id: 'prev-page', hidden: true }, '← Previous page');
  const next = h('button', { type: 'button', id: 'next-page', hidden: true }, 'Next page →');
  add(root, heading('Audit log'), form, h('div', { class: 'table-wrap' }, tbl), h('div', { class: 'pager' }, prev, next));
  let p = {};
  let token = '';
  let nextToken = '';
  const stack = [];
  let seq = 0;
  let typing = 0;

  async function load(quiet) {
    const my = ++seq;
    try {
      const r = await api('GET', `/audit${qs({ actor: p.actor, tracking_id: p.tracking_id, page_token: token })}`);
      if (my !== seq || !ctx.alive()) return;
      const entries = Array.isArray(r?.entries) ? r.entries : [];
      nextToken = r?.next_page_token || '';
      keepFocus(tbl, () => setChildren(tbody, ...(entries.length ? entries.map(auditRow)
        : [h('tr', { class: 'empty' }, h('td', { colspan: headers.length }, 'No audit entries.'))])));
      next.hidden = !nextToken;
      prev.hidden = !stack.length;
    } catch (e) {
      if (my !== seq || !ctx.alive()) return;
      report(e);
      if (!quiet) setChildren(tbody, h('tr', {}, h('td', { colspan: headers.length, class: 'error-text' }, e.message)));
    }
  }
  function fromForm() {
    p = { actor: actor.value.trim(), tracking_id: tracking.value.trim() };
    history.replaceState(null, '', `#/audit${qs(p)}`);
    token = '';
    stack.length = 0;
    load(false);
  }
  form.addEventListener('submit', (ev) => { ev.preventDefault(); clearTimeout(typing); fromForm(); });
  for (const input of [actor, tracking]) {
    input.addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(fromForm, 400); });
  }
  next.addEventListener('click', () => { stack.push(token); token = nextToken; load(false); });
  prev.addEventListener('click', () => { token = stack.pop() ?? ''; load(false); });
  function update(np) {
    p = np;
    actor.value = p.actor || '';
    tracking.value = p.tracking_id || '';
    token = '';
    stack.length = 0;
    return load(false);
  }
  update(params);
  return { update, refresh: () => load(true), reload: () => load(true) };
}
function auditRow(e) {
  const ids = Array.isArray(e.tracking_ids) ? e.tracking_ids : [];
  const link = (id) => h('li', {}, h('a', { href: msgHref(id), class: 'mono' }, id));
  const details = [];
  if (e.run_id) details.push(h('div', {}, 'Run ', h('span', { class: 'mono' }, e.run_id)));
  if (e.filter && Object.keys(e.filter).length) details.push(h('div', {}, 'Filter ', h('code', {}, jsonText(e.filter))));
  if (e.payload_before != null || e.payload_after != null) {
    details.push(h('details', {}, h('summary', {}, 'Payload before / after'),
      h('div', { class: 'cols2 tight' }, h('pre', { class: 'payload' }, txt(e.payload_before)),
        h('pre', { class: 'payload' }, txt(e.payload_after)))));
  }
  return h('tr', { class: 'audit-entry', dataset: { id: e.id } },
    h('td', {}, timeEl(e.at)), h('td', {}, txt(e.actor)), h('td', {}, txt(e.role)),
    h('td', {}, h('span', { class: 'badge' }, txt(e.action))), h('td', { class: 'num' }, txt(e.count)),
    h('td', {}, ids.length ? h('ul', { class: 'ids' }, ids.slice(0, 5).map(link)) : '—',
      ids.length > 5 ? h('details', {}, h('summary', {}, `${ids.length - 5} more`),
        h('ul', { class: 'ids' }, ids.slice(5).map(link))) : null),
    h('td', { class: 'wrap' }, txt(e.comment)),
    h('td', { class: 'wrap' }, details.length ? details : '—'));
}

function viewNotFound(root) {
  add(root, heading('Not found'), h('p', {}, 'There is no such page. ', h('a', { href: '#/' }, 'Go to the overview')));
}

// ───────────────────────────── 7. router & start ─────────────────────────────

const ROUTES = [
  // [pattern, name, nav, title, view(root, params, ctx, arg)]
  [/^\/$/, 'overview', 'overview', 'Overview', viewOverview],
  [/^\/groups$/, 'groups', 'groups', 'Groups', viewGroups],
  [/^\/group\/(.+)$/, 'group', 'groups', 'Group', viewGroup],
  [/^\/messages$/, 'messages', 'messages', 'Messages', (r, p, c) => viewSearch(r, p, c, false)],
  [/^\/message\/(.+)$/, 'message', 'messages', 'Message', viewMessage],
  [/^\/archive$/, 'archive', 'archive', 'Archive', (r, p, c) => viewSearch(r, p, c, true)],
  [/^\/audit$/, 'audit', 'audit', 'Audit', viewAudit],
];

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
function navigate(hash) {
  const before = location.hash;
  location.hash = hash;
  if (location.hash === before) route();
}

function route({ force = false, focus = false } = {}) {
  if (!state.session) return;
  const { path, params } = parseHash();
  let match = null;
  let entry = null;
  for (const r of ROUTES) {
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

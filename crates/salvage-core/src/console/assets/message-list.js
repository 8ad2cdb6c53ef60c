// The paginated message table (GET /api/messages) of the group, messages and archive pages:
// paging, a stale-page note on live updates, and for operators a checkbox per row, "select all
// on page" and the page's action buttons.

import { api } from './api.js';
import { h, keepFocus, setChildren, timeEl } from './dom.js';
import { groupHref, msgHref, plural, qs, txt } from './format.js';
import { isOperator } from './state.js';
import { busy, report, setStatus } from './status.js';

/**
 * A paginated table of messages (GET /api/messages) with, for operators only, a checkbox per
 * row, "select all on page" and action buttons. actions: [{id, label, needsSelection, run(ids)}].
 */
export function messageList(ctx, { archived = false, actions = [], enabled = () => true } = {}) {
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

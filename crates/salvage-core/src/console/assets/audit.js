// The audit log page (#/audit?actor=&tracking_id=): who did what, filtered as you type, paged.

import { api } from './api.js';
import { add, h, heading, keepFocus, setChildren, timeEl } from './dom.js';
import { jsonText, msgHref, qs, txt } from './format.js';
import { report } from './status.js';

// #/audit?actor=&tracking_id= : filters apply as you type (the hash follows with replaceState).
export function viewAudit(root, params, ctx) {
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

// The messages and archive pages (#/messages?…, #/archive?…): the filter form (kept in the
// hash), the message table and the operator actions on a selection or on all that match.

import { discardFlow, restoreFlow, resubmitFlow } from './actions.js';
import { add, h, heading } from './dom.js';
import { fmtDate, msToLocalInput, plural, qs, toMs } from './format.js';
import { messageList } from './message-list.js';
import { navigate } from './router.js';

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
export function viewSearch(root, params, ctx, archived) {
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

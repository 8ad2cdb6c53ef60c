// The overview page (#/): counts now and in the last hour, the top failure groups, origins,
// the outbox and the recent resubmit runs.

import { api } from './api.js';
import { add, h, heading, keepFocus, section, setChildren, table, timeEl } from './dom.js';
import { fmtSpan, qs, txt, validTime } from './format.js';
import { GROUP_HEADERS, groupRow } from './groups.js';
import { runRow } from './runs.js';
import { loadError, report } from './status.js';

// #/ : overview
export function viewOverview(root, _params, ctx) {
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
            h('td', {}, h('span', { class: d.up === null ? 'badge' : d.up ? 'badge up' : 'badge down' },
              d.up === null ? 'unknown' : d.up ? 'up' : 'down')))),
        'No destinations.')))),
    section('Runs', table({ id: 'runs' }, ['Run', 'Kind', 'State', 'Progress', 'By', 'Started', ''],
      list(o.runs).map(runRow), 'No recent runs.')),
  ];
}

// The failure groups pages: the list (#/groups, filtered by queue, sorted by count or recency)
// and one group (#/group/<id>: its header, its messages, resubmitting some or all), and a
// group's row, which the overview's table shares.

import { resubmitFlow } from './actions.js';
import { api } from './api.js';
import { add, dl, h, heading, keepFocus, setChildren, table, timeEl } from './dom.js';
import { groupHref, plural, qs, txt } from './format.js';
import { messageList } from './message-list.js';
import { navigate } from './router.js';
import { loadError, report } from './status.js';

export function groupRow(g) {
  return h('tr', { dataset: { group: g.id } },
    h('td', { class: 'count num' }, txt(g.count)),
    h('td', {}, txt(g.queue)),
    h('td', {}, h('code', {}, txt(g.code))),
    h('td', { class: 'wrap' }, h('a', { class: 'group-link', href: groupHref(g.id), title: `Group ${g.id}` },
      g.sample_error || g.code || g.id)),
    h('td', {}, timeEl(g.first_seen)),
    h('td', {}, timeEl(g.last_seen)));
}
export const GROUP_HEADERS = ['Count', 'Queue', 'Code', 'Sample error', 'First seen', 'Last seen'];

// #/groups?queue=&sort=count|recent
export function viewGroups(root, params, ctx) {
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
export function viewGroup(root, _params, ctx, id) {
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

// The message page (#/message/<tracking_id>): the detail (summary, failure, payload and the
// original, headers, every attempt with its diff, edits), the operator's action bar, the
// conflict banner when someone else changed it first, and live refresh that spares the editor.

import { discardFlow, restoreFlow, resubmitFlow, reveal } from './actions.js';
import { api } from './api.js';
import { $, add, dl, h, heading, section, setChildren, table, timeEl } from './dom.js';
import { editor } from './editor.js';
import { enc, groupHref, jsonText, plural, qs, txt } from './format.js';
import { isOperator } from './state.js';
import { busy, loadError, report, setStatus } from './status.js';

// #/message/<tracking_id>: detail, editor, operator actions.
export function viewMessage(root, _params, ctx, tid) {
  const op = isOperator();
  const wrap = h('div', { class: 'detail' }, h('p', { class: 'muted' }, 'Loading…'));
  add(root, h('p', { class: 'crumbs' }, h('a', { href: '#/messages' }, '← Messages')),
    heading(`Message ${tid}`), wrap);
  let detail = null;
  let editing = false;
  let draft = null;     // the operator's unsaved text after a conflict
  let conflict = null;
  // What the payload editor tells this page.
  const editorHooks = {
    tid, ctx, saved: show, conflicted: showConflict,
    setEditing: (on) => { editing = on; },
    cancelled: () => { conflict.hidden = true; },
  };

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
    const ed = op && !archived ? editor(d, payloadSec, editorHooks) : null;
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
        const r = await reveal(tid);
        if (!ctx.alive()) return;
        show({ ...r, revealed: r?.revealed ?? true });
        setStatus('Sensitive values revealed. This is recorded in the audit log.', 'info');
      });
      bar.append(h('span', { class: 'muted small' }, 'Revealing is audited.'));
    }
    return bar;
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
    dl([['Time', timeEl(a.at)], ['Rule', a.rule],
      ['Rules version', a.rules_version ? h('span', { class: 'mono' }, txt(a.rules_version)) : '—'],
      ['Reason', a.reason], ['Code', a.code],
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

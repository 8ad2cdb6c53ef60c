// Operator actions, every change the page asks for: resubmit (dry run, confirm, run), discard
// (with a required reason) and restore, shared by the group, messages, archive and message
// pages; and the message page's edit and reveal requests.

import { api } from './api.js';
import { confirmDialog } from './dialog.js';
import { enc, plural } from './format.js';
import { followRun } from './runs.js';
import { setStatus } from './status.js';

/** Dry run for the count, confirm naming it, then resubmit for real and follow the run. */
export async function resubmitFlow(selection, describe) {
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
export async function discardFlow(ids, after) {
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
export async function restoreFlow(ids, after) {
  const r = await api('POST', '/restore', { tracking_ids: ids });
  setStatus(`Restored ${plural(r?.count ?? ids.length, 'message')} to the parking lot.`, 'ok');
  after?.();
}

/** Save an edited payload made from `version` (the server answers 409 if it is no longer current). */
export function saveEdit(tid, payload, version, comment) {
  const body = { payload, version };
  if (comment) body.comment = comment;
  return api('POST', `/messages/${enc(tid)}/edit`, body);
}
/** Show the message's masked values in the clear (recorded in the audit log). */
export function reveal(tid) {
  return api('POST', `/messages/${enc(tid)}/reveal`);
}

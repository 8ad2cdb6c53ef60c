// The confirmation dialog (static markup in index.html): title, text, a sample of the tracking
// ids concerned, and the fields an action asks for (a reason, a comment, redrive options).

import { $, h, setChildren } from './dom.js';

let dialogNeedsReason = false;

/** Wire the dialog's buttons once, at start. */
export function initDialog() {
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
/** Resolves {reason, comment, redrive} when confirmed, null when cancelled (or already open). */
export function confirmDialog({ title, text, sample = [], total = 0, reason = false, comment = false, redrive = null, okLabel = 'OK' }) {
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

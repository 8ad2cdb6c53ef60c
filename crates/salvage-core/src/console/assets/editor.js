// The message page's payload editor: JSON validated as you type when the payload is JSON,
// other payloads sent as written, an optional comment, and saving over the version it started
// from (a 409 means someone else changed the message first).

import { saveEdit } from './actions.js';
import { $, h } from './dom.js';
import { txt } from './format.js';
import { busy, report, setStatus } from './status.js';

/**
 * The payload editor of message `d` (hidden until opened): {sec, open}. While open it takes the
 * place of `payloadSec` and of the Edit button. The message page passes what it needs told:
 * setEditing(on), saved(detail), conflicted(current version, why), cancelled().
 */
export function editor(d, payloadSec, { tid, ctx, setEditing, saved, conflicted, cancelled }) {
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
    setEditing(on);
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
    cancelled();
  });
  save.addEventListener('click', () => busy(save, async () => {
    try {
      const nd = await saveEdit(tid, ta.value, d.version, comment.value.trim());
      if (!ctx.alive()) return;
      setStatus(`Saved: version ${txt(nd?.version)}.`, 'ok');
      saved(nd);
    } catch (e) {
      report(e);
      if (e.status === 409) conflicted(e.body?.current_version, 'Someone else changed this message first');
    }
  }).then(() => { if (sec.isConnected && ta.value) ta.dispatchEvent(new Event('input')); }));
  return { sec, open };
}

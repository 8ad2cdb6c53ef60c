// Resubmit runs: following one in the run panel (GET /api/runs/<id> every second until it is no
// longer running, then the current view reloads) and a run's row in the overview's table.

import { api } from './api.js';
import { $, h, setChildren, timeEl } from './dom.js';
import { enc, txt } from './format.js';
import { state } from './state.js';
import { report, setStatus } from './status.js';

const ACTIVE_RUN = new Set(['running', 'canary_wait', 'delivering']);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const runCounts = (r) => `${r.done ?? 0}/${r.total ?? 0} done · ${r.resubmitted ?? 0} resubmitted · `
  + `${r.delivered ?? 0} delivered · ${r.delivery_failed ?? 0} delivery failed · `
  + `${r.skipped ?? 0} skipped · ${r.failed_again ?? 0} failed again`;

export async function followRun(id) {
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

/** A row of the overview's "Runs" table; a running one can be followed. */
export function runRow(r) {
  return h('tr', { dataset: { run: r.id } },
    h('td', { class: 'mono' }, txt(r.id)), h('td', {}, txt(r.kind)),
    h('td', {}, h('span', { class: `run-state state-${r.state}` }, txt(r.state))),
    h('td', {}, runCounts(r), r.stop_reason ? h('div', { class: 'muted small' }, r.stop_reason) : null),
    h('td', {}, txt(r.created_by)), h('td', {}, timeEl(r.created_at)),
    h('td', {}, ACTIVE_RUN.has(r.state)
      ? h('button', { type: 'button', class: 'small', onclick: () => followRun(r.id) }, 'Follow') : null));
}

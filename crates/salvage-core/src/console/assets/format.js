// Formatting without the DOM: values as text, counts, dates and spans, datetime-local values,
// query strings and the hash links to a message or a group.

export const enc = encodeURIComponent;
export const txt = (v) => (v === null || v === undefined || v === '' ? '—' : String(v));
export const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
const pad = (n) => String(n).padStart(2, '0');
export const validTime = (ms) => typeof ms === 'number' && ms > 0 && Number.isFinite(ms);
export const jsonText = (v) => (v === undefined ? '—' : JSON.stringify(v));

/** Local date-time, e.g. 2025-03-04 13:07:55. */
export function fmtDate(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} `
    + `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
/** "3 min", "2 h 5 min", "4 d 3 h". */
export function fmtSpan(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const hrs = Math.floor(m / 60);
  if (hrs < 24) return m % 60 ? `${hrs} h ${m % 60} min` : `${hrs} h`;
  const d = Math.floor(hrs / 24);
  return hrs % 24 ? `${d} d ${hrs % 24} h` : `${d} d`;
}
export function relAge(ms) {
  const diff = Date.now() - ms;
  if (Math.abs(diff) < 10_000) return 'just now';
  return diff > 0 ? `${fmtSpan(diff)} ago` : `in ${fmtSpan(-diff)}`;
}

// datetime-local inputs work in local time; the API and the hash use ms since the epoch.
export function msToLocalInput(ms) {
  const d = new Date(Number(ms));
  if (!ms || Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:`
    + `${pad(d.getMinutes())}${d.getSeconds() ? `:${pad(d.getSeconds())}` : ''}`;
}
export function toMs(v) {
  if (v === undefined || v === null || v === '') return undefined;
  if (/^\d+$/.test(String(v))) return Number(v);
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? undefined : t;
}

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}
export const msgHref = (tid) => `#/message/${enc(tid)}`;
export const groupHref = (id) => `#/group/${enc(id)}`;

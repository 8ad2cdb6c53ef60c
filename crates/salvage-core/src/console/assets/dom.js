// DOM helpers: building elements (always as text, never as HTML), replacing children, and the
// small building blocks every view uses (times, key/value lists, tables, cards, headings, focus).

import { fmtDate, relAge, txt, validTime } from './format.js';

const PROPS = new Set(['value', 'checked', 'indeterminate', 'disabled', 'hidden', 'required']);

export const $ = (sel, root = document) => root.querySelector(sel);

/** h('a', {href, class, dataset, onclick}, ...children): children are nodes or TEXT. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'style' || k.endsWith('HTML')) throw new Error(`h(): ${k} is not allowed`);
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (PROPS.has(k)) el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}
/** Replace el's children (nodes or text; null/false are skipped, never shown as "null"). */
export function setChildren(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}
/** Like el.append(...), but null/false/undefined are skipped (native append prints "null"). */
export const add = (el, ...children) => append(el, children);
function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** <time> with the local date-time and the relative age. */
export function timeEl(ms) {
  if (!validTime(ms)) return h('span', { class: 'muted' }, '—');
  const d = new Date(ms);
  return h('time', { datetime: d.toISOString(), title: d.toString() },
    fmtDate(ms), h('span', { class: 'rel' }, ` (${relAge(ms)})`));
}

/** A <dl> from [label, value] pairs; values are nodes or text. */
export function dl(pairs, props) {
  return h('dl', { class: 'kv', ...props }, pairs.filter(Boolean).map(([k, v]) => [
    h('dt', {}, k), h('dd', {}, v instanceof Node ? v : txt(v))]));
}
export function table(props, headers, rows, emptyText) {
  const body = h('tbody', {}, rows.length ? rows
    : h('tr', { class: 'empty' }, h('td', { colspan: headers.length }, emptyText || 'Nothing here.')));
  return h('table', { class: 'data', ...props },
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))), body);
}
export function section(title, ...children) {
  return h('section', { class: 'card' }, h('h2', {}, title), children);
}
/** A view's <h1>, focusable so that the router can move the focus to it. */
export function heading(text) { return h('h1', { tabindex: '-1' }, text); }

/** Re-render inside `container` and put the keyboard focus back where it was. */
export function keepFocus(container, fn) {
  const a = document.activeElement;
  let sel = null;
  if (a && a !== container && container.contains(a)) {
    if (a.id) sel = `#${CSS.escape(a.id)}`;
    else if (a.getAttribute('href')) sel = `[href="${CSS.escape(a.getAttribute('href'))}"]`;
  }
  fn();
  if (sel) container.querySelector(sel)?.focus();
}

// Small helpers shared by the pages: DOM building, API calls, formatting.

/** Creates an element: h('a', {href: '/x', class: 'c'}, 'text', child...). Children may be arrays. */
export function h(tag, attrs, ...children) {
  const el = tag.startsWith('svg:')
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** GET a JSON API path; non-2xx answers become ApiError with the server's explanation. */
export async function api(path, params) {
  const qs = params ? '?' + params.toString() : '';
  let res;
  try {
    res = await fetch(path + qs, {headers: {Accept: 'application/json'}});
  } catch (e) {
    throw new ApiError(0, 'Cannot reach the Traceyard server (' + e.message + '). Is `traceyard start` running?');
  }
  const text = await res.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (e) { /* not JSON */ }
  if (!res.ok) throw new ApiError(res.status, (body && body.error) || ('HTTP ' + res.status + ' from ' + path));
  return body;
}

export const NO_DATA = 'No data yet: point your OTLP exporter at localhost:4317 (gRPC) or localhost:4318 (HTTP), '
  + 'or run `traceyard start --demo` to generate demo traffic.';

export function emptyState(text, extra) {
  return h('div', {class: 'empty', role: 'status'}, text, extra || null);
}

export function errorState(err) {
  return h('div', {class: 'error-box', role: 'alert'}, String(err && err.message || err));
}

/** Nanoseconds (as a number) to a readable duration. */
export function fmtNanos(ns) {
  if (ns === null || ns === undefined || isNaN(ns)) return '–';
  if (ns < 1e3) return ns + 'ns';
  if (ns < 1e6) return (ns / 1e3).toFixed(ns < 1e4 ? 2 : 0) + 'µs';
  if (ns < 1e9) return (ns / 1e6).toFixed(ns < 1e7 ? 2 : 1) + 'ms';
  return (ns / 1e9).toFixed(2) + 's';
}

export function fmtMs(ms) {
  return ms === null || ms === undefined ? '–' : fmtNanos(ms * 1e6);
}

export function fmtPct(x) {
  return x === null || x === undefined ? '–' : (x * 100).toFixed(x > 0 && x < 0.01 ? 2 : 1) + '%';
}

export function fmtRate(x) {
  return x === null || x === undefined ? '–' : (x >= 10 ? x.toFixed(0) : x.toFixed(2)) + '/s';
}

/** Unix-nanosecond decimal string (too big for a JS number) to a local date-time with milliseconds. */
export function fmtTime(nanoString) {
  if (!nanoString) return '–';
  const ms = Number(BigInt(nanoString) / 1000000n);
  const d = new Date(ms);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' '
    + pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' + pad(d.getMilliseconds(), 3);
}

/** A stable colour per service, readable on light and dark backgrounds. */
export function serviceColor(name) {
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) | 0;
  return 'hsl(' + (Math.abs(hash) % 360) + ', 60%, 50%)';
}

/** An OTLP/JSON AnyValue to display text. */
export function anyValue(v) {
  if (v === undefined || v === null) return '';
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return String(v.intValue);
  if ('doubleValue' in v) return String(v.doubleValue);
  if ('boolValue' in v) return String(v.boolValue);
  if ('bytesValue' in v) return v.bytesValue;
  if ('arrayValue' in v) return '[' + (v.arrayValue.values || []).map(anyValue).join(', ') + ']';
  if ('kvlistValue' in v) return '{' + (v.kvlistValue.values || []).map(kv => kv.key + ': ' + anyValue(kv.value)).join(', ') + '}';
  return '';
}

export function attr(attributes, key) {
  const kv = (attributes || []).find(a => a.key === key);
  return kv ? anyValue(kv.value) : undefined;
}

export function kvTable(attributes, emptyText) {
  if (!attributes || attributes.length === 0) return h('p', {class: 'muted'}, emptyText || 'none');
  return h('table', {class: 'kv'}, h('tbody', {},
    attributes.map(a => h('tr', {}, h('td', {class: 'mono'}, a.key), h('td', {class: 'mono'}, anyValue(a.value))))));
}

/** About {@code count} round values (1, 2, 5 x 10^k steps) from min to max, inclusive. */
export function niceTicks(min, max, count) {
  if (!(max > min)) return [min];
  const raw = (max - min) / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= raw) || 10 * mag;
  const out = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(v);
  return out;
}

const TIME_STEPS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]
  .map(s => s * 1000);

/** Round wall-clock instants (unix ms) between t0 and t1: every 1 s, 5 s, 1 min, 15 min... */
export function timeTicks(t0, t1, count) {
  const raw = (t1 - t0) / Math.max(1, count);
  const step = TIME_STEPS.find(s => s >= raw) || TIME_STEPS[TIME_STEPS.length - 1];
  const tz = new Date(t0).getTimezoneOffset() * 60000; // round in local time
  const out = [];
  for (let v = Math.ceil((t0 - tz) / step) * step + tz; v <= t1; v += step) out.push(v);
  return out;
}

/** Unix ms to local HH:MM, with seconds when the axis spans under 10 minutes, milliseconds under 5 s. */
export function fmtClock(ms, spanMs) {
  const d = new Date(ms);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return pad(d.getHours()) + ':' + pad(d.getMinutes()) + (spanMs < 600000 ? ':' + pad(d.getSeconds()) : '')
    + (spanMs < 5000 ? '.' + pad(d.getMilliseconds(), 3) : '');
}

/**
 * An SVG chart whose points are keyboard reachable with one tab stop: Tab enters at the current
 * point, arrow keys (and Home/End) move between points in their order, Enter or Space (or a click)
 * activates one. Points are elements among {@code children} (svg:a or svg:g), in x order.
 */
export function pointChart({cls, id, W, H, label, children, points, onActivate, onFocusPoint}) {
  const svg = h('svg:svg', {class: 'chart-svg ' + (cls || ''), id, viewBox: `0 0 ${W} ${H}`, role: 'group',
    'aria-label': label, preserveAspectRatio: 'xMidYMid meet'}, children);
  points.forEach((p, i) => {
    p.setAttribute('tabindex', i === points.length - 1 ? '0' : '-1'); // enter at the latest point
    p.setAttribute('role', p.getAttribute('role') || 'link');
    p.classList.add('pt');
  });
  const move = (from, to) => {
    if (to < 0 || to >= points.length) return;
    from.setAttribute('tabindex', '-1');
    points[to].setAttribute('tabindex', '0');
    points[to].focus();
  };
  svg.addEventListener('keydown', (e) => {
    const i = points.indexOf(e.target);
    if (i < 0) return;
    const k = e.key;
    if (k === 'ArrowRight' || k === 'ArrowDown') move(e.target, i + 1);
    else if (k === 'ArrowLeft' || k === 'ArrowUp') move(e.target, i - 1);
    else if (k === 'Home') move(e.target, 0);
    else if (k === 'End') move(e.target, points.length - 1);
    else if (k === 'Enter' || k === ' ') onActivate(e.target);
    else return;
    e.preventDefault();
  });
  svg.addEventListener('click', (e) => {
    const p = e.target.closest && e.target.closest('.pt');
    if (!p || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return; // modified clicks: new tab etc.
    e.preventDefault();
    onActivate(p);
  });
  svg.addEventListener('focusin', (e) => {
    const i = points.indexOf(e.target);
    if (i < 0) return;
    for (const p of points) if (p !== e.target) p.setAttribute('tabindex', '-1');
    e.target.setAttribute('tabindex', '0');
    if (onFocusPoint) onFocusPoint(e.target);
  });
  svg.addEventListener('focusout', () => { if (onFocusPoint) onFocusPoint(null); });
  return svg;
}

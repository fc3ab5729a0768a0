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

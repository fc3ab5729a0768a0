// Trace comparison: /compare?a=<traceId>&b=<traceId>. Two traces (usually of the same operation)
// side by side per span name (service + name): count, total and self duration, and what only one has.
import {h, api, ApiError, emptyState, errorState, fmtNanos, fmtTime, serviceColor} from './util.js';
import {buildTree} from './trace.js';

const ID = /^[0-9a-f]{32}$/;

export async function renderCompare(el, url, ctx) {
  const a = (url.searchParams.get('a') || '').trim().toLowerCase();
  const b = (url.searchParams.get('b') || '').trim().toLowerCase();
  const ia = h('input', {name: 'a', id: 'compare-a', value: a, size: 34, placeholder: '32 hex characters', class: 'mono'});
  const ib = h('input', {name: 'b', id: 'compare-b', value: b, size: 34, placeholder: '32 hex characters', class: 'mono'});
  const form = h('form', {class: 'toolbar', id: 'compare-form', onsubmit: (e) => {
    e.preventDefault();
    ctx.navigate('/compare?a=' + encodeURIComponent(ia.value.trim()) + '&b=' + encodeURIComponent(ib.value.trim()));
  }},
  h('label', {}, 'Trace A ', ia), h('label', {}, 'Trace B ', ib),
  h('button', {type: 'submit', class: 'primary'}, 'Compare'),
  h('button', {type: 'button', id: 'compare-swap', onclick: () => ctx.navigate('/compare?a=' + b + '&b=' + a)}, 'Swap'));
  const out = h('section', {id: 'compare-result', 'aria-live': 'polite'});
  el.replaceChildren(h('h1', {}, 'Compare traces'), form, out);
  if (a && !b && ID.test(a)) {
    await pickB(a, out, ctx);
    return;
  }
  if (!a || !b) {
    out.replaceChildren(emptyState('Pick two traces: tick two rows of the search results and press "Compare", '
      + 'or paste two trace ids above. ', h('a', {href: '/search'}, 'Search traces')));
    return;
  }
  for (const [k, v] of [['A', a], ['B', b]]) {
    if (!ID.test(v)) {
      out.replaceChildren(errorState('Trace ' + k + ' "' + v + '" is not a trace id: expected 32 hex characters.'));
      return;
    }
  }
  out.replaceChildren(h('p', {class: 'muted'}, 'Loading both traces…'));
  let ta, tb;
  try {
    [ta, tb] = await Promise.all([a, b].map(id => api('/api/v1/traces/' + id).catch(e => {
      if (e instanceof ApiError && e.status === 404) throw new ApiError(404, 'Trace ' + id + ' is not in the store (older than '
        + 'the retention, or not flushed yet).');
      throw e;
    })));
  } catch (e) {
    if (ctx.isCurrent()) out.replaceChildren(errorState(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  const A = buildTree(ta), B = buildTree(tb);
  const sa = stats(A), sb = stats(B);
  const keys = [...new Set([...sa.keys(), ...sb.keys()])];
  const rows = keys.map(k => {
    const x = sa.get(k), y = sb.get(k);
    const any = x || y;
    return {key: k, service: any.service, name: any.name, a: x, b: y,
      dSelf: (y ? y.self : 0) - (x ? x.self : 0), dTotal: (y ? y.total : 0) - (x ? x.total : 0)};
  }).sort((p, q) => Math.abs(q.dSelf) - Math.abs(p.dSelf) || Math.abs(q.dTotal) - Math.abs(p.dTotal)
    || (p.service + p.name).localeCompare(q.service + q.name));
  const rootA = A.spans[0], rootB = B.spans[0];
  const op = (t) => t ? t.service + ': ' + t.raw.name : '–';
  const durA = Number(A.end - A.start), durB = Number(B.end - B.start);
  const onlyA = rows.filter(r => !r.b).length, onlyB = rows.filter(r => !r.a).length;
  out.replaceChildren(
    op(rootA) !== op(rootB) ? h('div', {class: 'error-box', role: 'status'}, 'These traces have different root operations ('
      + op(rootA) + ' and ' + op(rootB) + '): the comparison is still shown, but it is most useful for two traces of the same operation.') : null,
    h('table', {class: 'compare-head', id: 'compare-summary'},
      h('thead', {}, h('tr', {}, h('th', {}), h('th', {}, 'Root'), h('th', {}, 'Start'), h('th', {class: 'num'}, 'Duration'),
        h('th', {class: 'num'}, 'Spans'), h('th', {class: 'num'}, 'Errors'))),
      h('tbody', {},
        headRow('A', a, rootA, A, durA),
        headRow('B', b, rootB, B, durB),
        h('tr', {}, h('td', {}, 'B − A'), h('td', {}), h('td', {}), h('td', {class: 'num ' + cls(durB - durA)}, signed(durB - durA)),
          h('td', {class: 'num'}, signedCount(B.spans.length - A.spans.length)),
          h('td', {class: 'num'}, signedCount(countErrors(B) - countErrors(A)))))),
    h('p', {class: 'muted'}, rows.length + ' span names; ' + onlyA + ' only in A, ' + onlyB + ' only in B. '
      + 'Self time is a span\'s duration minus the time covered by its children. Sorted by the largest change in self time.'),
    h('div', {class: 'scroll-x'}, h('table', {id: 'compare-table'},
      h('thead', {}, h('tr', {}, h('th', {}, 'Service: span name'), h('th', {class: 'num'}, 'Count A'), h('th', {class: 'num'}, 'Count B'),
        h('th', {class: 'num'}, 'Total A'), h('th', {class: 'num'}, 'Total B'), h('th', {class: 'num'}, 'Δ total'),
        h('th', {class: 'num'}, 'Self A'), h('th', {class: 'num'}, 'Self B'), h('th', {class: 'num'}, 'Δ self'), h('th', {}, ''))),
      h('tbody', {}, rows.map(compareRow)))));
}

/** Only trace A given (from the trace page): offer recent traces of the same root operation as B. */
async function pickB(a, out, ctx) {
  out.replaceChildren(h('p', {class: 'muted'}, 'Loading trace ' + a + '…'));
  let root, found;
  try {
    const tree = buildTree(await api('/api/v1/traces/' + a));
    root = tree.spans[0];
    found = root ? (await api('/api/v1/traces', new URLSearchParams({service: root.service, name: root.raw.name,
      lookback: '24h', limit: '21'}))).traces || [] : [];
  } catch (e) {
    if (ctx.isCurrent()) out.replaceChildren(errorState(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  const others = found.filter(t => t.traceId !== a).slice(0, 20);
  if (!root || others.length === 0) {
    out.replaceChildren(emptyState('No other trace of this operation in the last 24 hours: paste a trace id as trace B, or ',
      h('a', {href: '/search'}, 'search traces'), '.'));
    return;
  }
  out.replaceChildren(h('p', {}, 'Compare ', h('b', {}, root.service + ': ' + root.raw.name), ' (' + a.slice(0, 8)
    + '…) with another trace of the same operation:'),
  h('table', {id: 'compare-candidates'},
    h('thead', {}, h('tr', {}, h('th', {}, 'Trace B'), h('th', {}, 'Start'), h('th', {class: 'num'}, 'Duration'),
      h('th', {class: 'num'}, 'Spans'), h('th', {class: 'num'}, 'Errors'))),
    h('tbody', {}, others.map(t => h('tr', {},
      h('td', {}, h('a', {href: '/compare?a=' + a + '&b=' + t.traceId, class: 'mono compare-candidate'}, t.traceId)),
      h('td', {class: 'mono'}, fmtTime(t.startTimeUnixNano)), h('td', {class: 'num'}, fmtNanos(t.durationNanos)),
      h('td', {class: 'num'}, t.spanCount), h('td', {class: 'num' + (t.errorCount ? ' err' : '')}, t.errorCount))))));
}

function compareRow(r) {
  return h('tr', {class: 'compare-row' + (!r.b ? ' only-a' : !r.a ? ' only-b' : ''), dataset: {service: r.service, spanName: r.name}},
    h('td', {}, h('span', {class: 'swatch', style: 'background:' + serviceColor(r.service)}), h('span', {class: 'muted'}, r.service + ': '), r.name),
    h('td', {class: 'num'}, r.a ? r.a.count : '–'), h('td', {class: 'num'}, r.b ? r.b.count : '–'),
    h('td', {class: 'num'}, r.a ? fmtNanos(r.a.total) : '–'), h('td', {class: 'num'}, r.b ? fmtNanos(r.b.total) : '–'),
    h('td', {class: 'num ' + cls(r.dTotal)}, signed(r.dTotal)),
    h('td', {class: 'num'}, r.a ? fmtNanos(r.a.self) : '–'), h('td', {class: 'num'}, r.b ? fmtNanos(r.b.self) : '–'),
    h('td', {class: 'num ' + cls(r.dSelf)}, signed(r.dSelf)),
    h('td', {}, !r.a ? h('span', {class: 'badge only'}, 'only in B') : !r.b ? h('span', {class: 'badge only'}, 'only in A')
      : (r.a.count !== r.b.count ? h('span', {class: 'badge'}, 'count ' + signedCount(r.b.count - r.a.count)) : null)));
}

function headRow(label, id, root, tree, dur) {
  return h('tr', {}, h('td', {}, h('b', {}, label)),
    h('td', {}, h('a', {href: '/trace/' + id, class: 'compare-trace-link'}, root ? root.service + ': ' + root.raw.name : id)),
    h('td', {class: 'mono'}, fmtTime(String(tree.start))),
    h('td', {class: 'num'}, fmtNanos(dur)), h('td', {class: 'num'}, tree.spans.length),
    h('td', {class: 'num' + (countErrors(tree) ? ' err' : '')}, countErrors(tree)));
}

function countErrors(tree) {
  return tree.spans.filter(s => s.error).length;
}

/** Per service + span name: count, total duration, self duration (nanoseconds, as numbers). */
export function stats(tree) {
  const out = new Map();
  for (const s of tree.spans) {
    const key = s.service + '\u0000' + s.raw.name;
    let e = out.get(key);
    if (!e) out.set(key, e = {service: s.service, name: s.raw.name, count: 0, total: 0, self: 0});
    e.count++;
    e.total += Number(s.end - s.start);
    e.self += selfTime(s);
  }
  return out;
}

/** Duration minus the union of the children's intervals clipped to the span (overlapping children count once). */
export function selfTime(s) {
  const dur = Number(s.end - s.start);
  if (!s.children.length) return dur;
  const iv = [];
  for (const c of s.children) {
    const a = c.start > s.start ? c.start : s.start, b = c.end < s.end ? c.end : s.end;
    if (b > a) iv.push([a, b]);
  }
  iv.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  let covered = 0n, curA = null, curB = null;
  for (const [a, b] of iv) {
    if (curB === null || a > curB) {
      if (curB !== null) covered += curB - curA;
      curA = a; curB = b;
    } else if (b > curB) {
      curB = b;
    }
  }
  if (curB !== null) covered += curB - curA;
  return dur - Number(covered);
}

function signed(ns) {
  if (!ns) return '0';
  return (ns > 0 ? '+' : '−') + fmtNanos(Math.abs(ns));
}

function signedCount(n) {
  return n > 0 ? '+' + n : n < 0 ? '−' + (-n) : '0';
}

function cls(delta) {
  return delta > 0 ? 'worse' : delta < 0 ? 'better' : '';
}

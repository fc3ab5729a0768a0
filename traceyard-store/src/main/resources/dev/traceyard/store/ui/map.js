// Service map (from /api/v1/dependencies) and the per-service RED dashboard (from /api/v1/red).
import {h, api, emptyState, errorState, fmtMs, fmtPct, fmtRate, serviceColor, NO_DATA} from './util.js';

const LOOKBACKS = [['15m', '15 minutes'], ['1h', '1 hour'], ['6h', '6 hours'], ['24h', '24 hours']];

function lookbackPicker(url, ctx) {
  const current = url.searchParams.get('lookback') || '1h';
  return h('label', {}, 'Time range ', h('select', {id: 'f-lookback', onchange: (e) => {
    const u = new URL(location.href);
    u.searchParams.set('lookback', e.target.value);
    ctx.navigate(u.pathname + u.search);
  }}, LOOKBACKS.map(([v, t]) => h('option', {value: v, selected: v === current}, t))));
}

export async function renderMap(el, url, ctx) {
  const lookback = url.searchParams.get('lookback') || '1h';
  el.replaceChildren(h('h1', {}, 'Service map'), h('div', {class: 'toolbar'}, lookbackPicker(url, ctx)),
    h('p', {class: 'muted'}, 'Loading…'));
  let deps, services;
  try {
    [deps, services] = await Promise.all([api('/api/v1/dependencies', new URLSearchParams({lookback})), api('/api/v1/services')]);
  } catch (e) {
    if (ctx.isCurrent()) el.lastChild.replaceWith(errorState(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  const edges = deps.edges || [];
  const names = [...new Set([...(services.services || []), ...edges.flatMap(e => [e.parent, e.child])])].sort();
  if (names.length === 0) {
    el.lastChild.replaceWith(emptyState(NO_DATA));
    return;
  }
  const body = [];
  if (edges.length === 0) {
    body.push(emptyState('No calls between services in this time range: edges appear when a CLIENT or PRODUCER span '
      + 'has a SERVER or CONSUMER child in another service. Widen the time range, or instrument both sides.'));
  }
  body.push(graph(names, edges));
  body.push(h('h2', {}, 'Calls'), edges.length ? h('table', {id: 'edges-table'},
    h('thead', {}, h('tr', {}, h('th', {}, 'Caller'), h('th', {}, 'Callee'), h('th', {class: 'num'}, 'Calls'),
      h('th', {class: 'num'}, 'Rate'), h('th', {class: 'num'}, 'Error rate'), h('th', {class: 'num'}, 'p50'),
      h('th', {class: 'num'}, 'p95'), h('th', {class: 'num'}, 'p99'))),
    h('tbody', {}, edges.map(e => h('tr', {},
      h('td', {}, h('a', {href: '/service/' + encodeURIComponent(e.parent)}, e.parent)),
      h('td', {}, h('a', {href: '/service/' + encodeURIComponent(e.child)}, e.child)),
      h('td', {class: 'num'}, e.callCount), h('td', {class: 'num'}, fmtRate(e.rate)),
      h('td', {class: 'num' + (e.errorCount ? ' err' : '')}, fmtPct(e.errorRate)),
      h('td', {class: 'num'}, fmtMs(e.p50Ms)), h('td', {class: 'num'}, fmtMs(e.p95Ms)), h('td', {class: 'num'}, fmtMs(e.p99Ms))))))
    : h('p', {class: 'muted'}, 'none'));
  el.lastChild.replaceWith(h('div', {}, body));
}

/** Nodes on a circle; each edge a line with an arrow and its rate / error rate / p95. */
function graph(names, edges) {
  const W = 900, H = Math.max(520, 60 * names.length), cx = W / 2, cy = H / 2;
  const r = names.length === 1 ? 0 : Math.min(W, H) / 2 - 90;
  const pos = new Map(names.map((n, i) => {
    const a = (2 * Math.PI * i) / names.length - Math.PI / 2;
    return [n, {x: cx + r * Math.cos(a), y: cy + r * Math.sin(a)}];
  }));
  const R = 18;
  const svg = h('svg:svg', {class: 'map', id: 'service-map', viewBox: '0 0 ' + W + ' ' + H, role: 'img',
    'aria-label': 'Service map: ' + names.length + ' services, ' + edges.length + ' edges'},
  h('svg:defs', {}, h('svg:marker', {id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse'},
    h('svg:path', {d: 'M 0 0 L 10 5 L 0 10 z', fill: 'currentColor'}))));
  for (const e of edges) {
    const a = pos.get(e.parent), b = pos.get(e.child);
    if (!a || !b || a === b) continue;
    const dx = b.x - a.x, dy = b.y - a.y, len = Math.hypot(dx, dy) || 1;
    // Curve slightly so that A->B and B->A do not overlap.
    const mx = (a.x + b.x) / 2 - (dy / len) * 24, my = (a.y + b.y) / 2 + (dx / len) * 24;
    const sx = a.x + (dx / len) * R, sy = a.y + (dy / len) * R, ex = b.x - (dx / len) * (R + 2), ey = b.y - (dy / len) * (R + 2);
    svg.append(h('svg:path', {class: 'edge' + (e.errorCount ? ' has-errors' : ''), d: `M ${sx} ${sy} Q ${mx} ${my} ${ex} ${ey}`,
      'marker-end': 'url(#arrow)', dataset: {parent: e.parent, child: e.child}}));
    svg.append(h('svg:text', {class: 'edge-label', x: mx, y: my, 'text-anchor': 'middle'},
      fmtRate(e.rate) + ' · ' + fmtPct(e.errorRate) + ' err · p95 ' + fmtMs(e.p95Ms)));
  }
  for (const n of names) {
    const p = pos.get(n);
    svg.append(h('svg:a', {class: 'node', href: '/service/' + encodeURIComponent(n), dataset: {service: n}},
      h('svg:title', {}, 'Open the dashboard of ' + n),
      h('svg:circle', {cx: p.x, cy: p.y, r: R, fill: serviceColor(n)}),
      h('svg:text', {x: p.x, y: p.y + R + 16, 'text-anchor': 'middle'}, n)));
  }
  return svg;
}

export async function renderService(el, service, url, ctx) {
  const lookback = url.searchParams.get('lookback') || '1h';
  const enc = encodeURIComponent(service);
  el.replaceChildren(h('h1', {}, h('span', {class: 'swatch', style: 'background:' + serviceColor(service)}), service),
    h('div', {class: 'toolbar'}, h('a', {href: '/map'}, '← Service map'), lookbackPicker(url, ctx),
      h('a', {href: '/search?service=' + enc + '&lookback=' + lookback}, 'Traces of ' + service),
      h('a', {href: '/search?service=' + enc + '&status=error&lookback=' + lookback}, 'Error traces')),
    h('p', {class: 'muted'}, 'Loading…'));
  let red;
  try {
    red = await api('/api/v1/red', new URLSearchParams({service, groupBy: 'name', lookback}));
  } catch (e) {
    if (ctx.isCurrent()) el.lastChild.replaceWith(errorState(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  const series = (red.series || []).map(s => ({...s, sum: summarize(s.points || [], red.stepSeconds || 60)}))
    .filter(s => s.sum.count > 0).sort((a, b) => b.sum.count - a.sum.count);
  if (series.length === 0) {
    el.lastChild.replaceWith(emptyState('No spans from ' + service + ' in this time range. Widen the time range, or check '
      + 'that the service exports to localhost:4317 with service.name=' + service + '.'));
    return;
  }
  el.lastChild.replaceWith(h('div', {},
    h('p', {class: 'muted'}, 'Rate, errors and duration per span name, from span metrics (every span, not a sample).'),
    h('table', {id: 'red-table'},
      h('thead', {}, h('tr', {}, h('th', {}, 'Span name'), h('th', {class: 'num'}, 'Spans'), h('th', {class: 'num'}, 'Rate'),
        h('th', {}, 'Rate over time'), h('th', {class: 'num'}, 'Error rate'), h('th', {class: 'num'}, 'p50'),
        h('th', {class: 'num'}, 'p95'), h('th', {class: 'num'}, 'p99'), h('th', {}, 'Examples'))),
      h('tbody', {}, series.map(s => {
        const q = 'service=' + enc + '&name=' + encodeURIComponent(s.spanName) + '&lookback=' + lookback;
        return h('tr', {class: 'red-row', dataset: {spanName: s.spanName}},
          h('td', {}, s.spanName),
          h('td', {class: 'num'}, s.sum.count),
          h('td', {class: 'num'}, fmtRate(s.sum.rate)),
          h('td', {}, sparkline(s.points || [])),
          h('td', {class: 'num' + (s.sum.errors ? ' err' : '')}, fmtPct(s.sum.errorRate)),
          h('td', {class: 'num'}, fmtMs(s.sum.p50)), h('td', {class: 'num'}, fmtMs(s.sum.p95)), h('td', {class: 'num'}, fmtMs(s.sum.p99)),
          h('td', {}, h('a', {href: '/search?' + q}, 'traces'), ' · ', h('a', {href: '/search?' + q + '&status=error'}, 'errors')));
      })))));
}

/**
 * Totals over the window. Percentiles of the whole window cannot be rebuilt from per-step
 * percentiles, so they are the count-weighted mean of the steps' (an approximation).
 */
function summarize(points, stepSeconds) {
  let count = 0, errors = 0;
  const w = {p50: 0, p95: 0, p99: 0}, wc = {p50: 0, p95: 0, p99: 0};
  for (const p of points) {
    count += p.count || 0;
    errors += p.errors || 0;
    for (const [k, f] of [['p50', 'p50Ms'], ['p95', 'p95Ms'], ['p99', 'p99Ms']]) {
      if (p[f] !== null && p[f] !== undefined && p.count) { w[k] += p[f] * p.count; wc[k] += p.count; }
    }
  }
  // Rate over the steps since the first one with data: a service that started five minutes ago
  // must not look idle because the window is an hour long.
  const first = points.findIndex(p => p.count > 0);
  const seconds = Math.max((first < 0 ? points.length : points.length - first) * stepSeconds, 1);
  return {count, errors, rate: count / seconds, errorRate: count ? errors / count : null,
    p50: wc.p50 ? w.p50 / wc.p50 : null, p95: wc.p95 ? w.p95 / wc.p95 : null, p99: wc.p99 ? w.p99 / wc.p99 : null};
}

function sparkline(points) {
  const W = 160, H = 28;
  const max = Math.max(...points.map(p => p.rate || 0), 0) || 1;
  const n = Math.max(points.length - 1, 1);
  const pts = points.map((p, i) => (i / n * W).toFixed(1) + ',' + (H - 2 - ((p.rate || 0) / max) * (H - 4)).toFixed(1)).join(' ');
  return h('svg:svg', {class: 'spark', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'rate over time, max ' + fmtRate(max)},
    h('svg:polyline', {points: pts}));
}

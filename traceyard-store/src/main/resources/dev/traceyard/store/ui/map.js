// Service map (from /api/v1/dependencies) and the per-service RED dashboard (from /api/v1/red).
import {h, api, emptyState, errorState, fmtMs, fmtPct, fmtRate, fmtNanos, fmtTime, serviceColor, NO_DATA, pointChart, niceTicks,
  timeTicks, fmtClock} from './util.js';

const LOOKBACKS = [['15m', '15 minutes'], ['1h', '1 hour'], ['6h', '6 hours'], ['24h', '24 hours']];
const LOOKBACK_MS = {'15m': 900000, '1h': 3600000, '6h': 21600000, '24h': 86400000};
/** Dashboard chart steps: 15 to 72 points per chart. */
const STEP_MINUTES = {'15m': 1, '1h': 1, '6h': 5, '24h': 20};

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
    // Steps aligned to multiples of the step since the epoch: the same moment stays the same
    // point when the page is reloaded later (a shared link to a point keeps working).
    const stepMin = STEP_MINUTES[lookback] || 1;
    const stepMs = stepMin * 60000, now = Date.now();
    const start = Math.floor((now - (LOOKBACK_MS[lookback] || 3600000)) / stepMs) * stepMs;
    red = await api('/api/v1/red', new URLSearchParams({service, groupBy: 'name', start: String(start), end: String(now),
      step: stepMin + 'm'}));
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
  const step = red.stepSeconds || 60;
  const panel = h('section', {id: 'exemplars', class: 'exemplars', 'aria-live': 'polite', hidden: true});
  const showExamples = (spanName, pointIndex, metric, focusBack) => {
    const s = series.find(x => x.spanName === spanName);
    const pt = s && s.points[pointIndex];
    if (!pt) return;
    const at = Number(BigInt(pt.timeUnixNano) / 1000000n);
    const u = new URL(location.href);
    u.searchParams.set('span', spanName);
    u.searchParams.set('at', String(at));
    u.searchParams.set('metric', metric);
    history.replaceState(null, '', u.pathname + u.search);
    loadExamples(panel, service, s, pt, at, step, metric, focusBack, ctx);
  };
  const CHARTED = 12;
  el.lastChild.replaceWith(h('div', {},
    h('p', {class: 'muted'}, 'Rate, errors and duration per span name, from span metrics (every span, not a sample). '
      + 'Click a point (or focus it and press Enter) for example traces of that moment.'),
    h('table', {id: 'red-table'},
      h('thead', {}, h('tr', {}, h('th', {}, 'Span name'), h('th', {class: 'num'}, 'Spans'), h('th', {class: 'num'}, 'Rate'),
        h('th', {}, 'Rate over time'), h('th', {class: 'num'}, 'Error rate'), h('th', {class: 'num'}, 'p50'),
        h('th', {class: 'num'}, 'p95'), h('th', {class: 'num'}, 'p99'), h('th', {}, 'Examples'))),
      h('tbody', {}, series.map(s => {
        const q = 'service=' + enc + '&name=' + encodeURIComponent(s.spanName) + '&lookback=' + lookback;
        return h('tr', {class: 'red-row', dataset: {spanName: s.spanName}},
          h('td', {}, h('a', {href: '#chart-' + slug(s.spanName), class: 'chart-jump', onclick: (e) => {
            // In-page jump: the router must not treat it as a navigation.
            e.preventDefault();
            const target = document.getElementById('chart-' + slug(s.spanName));
            if (target) target.scrollIntoView({block: 'start'});
          }}, s.spanName)),
          h('td', {class: 'num'}, s.sum.count),
          h('td', {class: 'num'}, fmtRate(s.sum.rate)),
          h('td', {}, sparkline(s.points || [])),
          h('td', {class: 'num' + (s.sum.errors ? ' err' : '')}, fmtPct(s.sum.errorRate)),
          h('td', {class: 'num'}, fmtMs(s.sum.p50)), h('td', {class: 'num'}, fmtMs(s.sum.p95)), h('td', {class: 'num'}, fmtMs(s.sum.p99)),
          h('td', {}, h('a', {href: '/search?' + q}, 'traces'), ' · ', h('a', {href: '/search?' + q + '&status=error'}, 'errors')));
      }))),
    panel,
    h('h2', {}, 'Over time'),
    series.length > CHARTED ? h('p', {class: 'muted'}, 'The ' + CHARTED + ' busiest of ' + series.length + ' span names.') : null,
    series.slice(0, CHARTED).map(s => h('section', {class: 'red-charts', id: 'chart-' + slug(s.spanName), dataset: {spanName: s.spanName}},
      h('h3', {}, s.spanName, ' ', h('span', {class: 'muted'}, s.sum.count + ' spans')),
      h('div', {class: 'chart-grid'},
        chart(s, 'Rate', [{key: 'rate', label: 'rate', cls: 's-rate', metric: 'rate'}], fmtRate, showExamples),
        chart(s, 'Error rate', [{key: 'errorRate', label: 'error rate', cls: 's-err', metric: 'errors'}], fmtPct, showExamples),
        chart(s, 'Duration', [{key: 'p50Ms', label: 'p50', cls: 's-p50', metric: 'p50'}, {key: 'p95Ms', label: 'p95', cls: 's-p95', metric: 'p95'},
          {key: 'p99Ms', label: 'p99', cls: 's-p99', metric: 'p99'}], fmtMs, showExamples))))));
  // A shared link with a chosen point reopens its examples.
  const want = url.searchParams.get('span'), at = Number(url.searchParams.get('at')), metric = url.searchParams.get('metric');
  if (want !== null && at && metric) {
    const s = series.find(x => x.spanName === want);
    const i = s ? s.points.findIndex(p => {
      const t = Number(BigInt(p.timeUnixNano) / 1000000n);
      return t <= at && at < t + step * 1000;
    }) : -1;
    if (i >= 0) showExamples(want, i, metric, null);
  }
}

function slug(name) {
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) | 0;
  return (hash >>> 0).toString(36);
}

/**
 * One chart of a span name's RED series over time: a line per metric (gaps where a step has no
 * spans) and a point per step with data; a point opens the example traces of that moment.
 */
function chart(s, title, lines, fmt, showExamples) {
  const W = 420, H = 150, pad = {l: 56, r: 24, t: 10, b: 22};
  const pts = s.points || [];
  const times = pts.map(p => Number(BigInt(p.timeUnixNano) / 1000000n));
  const t0 = times[0], t1 = times[times.length - 1] > t0 ? times[times.length - 1] : t0 + 60000;
  let max = 0;
  for (const l of lines) for (const p of pts) if (p.count && p[l.key] !== null && p[l.key] > max) max = p[l.key];
  max = max * 1.1 || 1;
  const sx = (t) => pad.l + ((t - t0) / (t1 - t0)) * (W - pad.l - pad.r);
  const sy = (v) => H - pad.b - (v / max) * (H - pad.t - pad.b);
  const parts = [];
  for (const v of niceTicks(0, max, 3)) {
    parts.push(h('svg:line', {class: 'grid', x1: pad.l, x2: W - pad.r, y1: sy(v), y2: sy(v)}),
      h('svg:text', {class: 'tick', x: pad.l - 4, y: sy(v) + 4, 'text-anchor': 'end'}, fmt(v)));
  }
  for (const t of timeTicks(t0, t1, 4)) {
    parts.push(h('svg:text', {class: 'tick', x: sx(t), y: H - 6, 'text-anchor': 'middle'}, fmtClock(t, t1 - t0)));
  }
  parts.push(h('svg:line', {class: 'axis', x1: pad.l, x2: W - pad.r, y1: H - pad.b, y2: H - pad.b}));
  const points = [];
  for (const l of lines) {
    // Empty steps break the line: a latency of "no spans" is unknown, not zero. Rates are 0 there.
    let d = '', pen = false;
    pts.forEach((p, i) => {
      const v = l.key === 'rate' ? p.rate : (p.count ? p[l.key] : null);
      if (v === null || v === undefined) { pen = false; return; }
      d += (pen ? ' L ' : ' M ') + sx(times[i]).toFixed(1) + ' ' + sy(v).toFixed(1);
      pen = true;
    });
    parts.push(h('svg:path', {class: 'line ' + l.cls, d: d.trim()}));
  }
  pts.forEach((p, i) => {
    if (!p.count) return;
    for (const l of lines) {
      const v = p[l.key];
      if (v === null || v === undefined) continue;
      const label = l.label + ' ' + fmt(v) + ' at ' + fmtClock(times[i], 60000) + ' (' + p.count + ' spans): show example traces';
      points.push(h('svg:g', {class: 'chart-pt ' + l.cls, dataset: {index: i, metric: l.metric}, 'aria-label': label},
        h('svg:title', {}, label), h('svg:circle', {class: 'hit', cx: sx(times[i]), cy: sy(v), r: 7}),
        h('svg:circle', {class: 'dot', cx: sx(times[i]), cy: sy(v), r: 2.5})));
    }
  });
  const svg = pointChart({cls: 'red-chart', W, H, label: title + ' of ' + s.spanName + ' over time; arrow keys move between points, '
    + 'Enter shows example traces', children: [...parts, ...points], points,
  onActivate: (g) => showExamples(s.spanName, Number(g.dataset.index), g.dataset.metric, g)});
  svg.dataset.chart = title;
  return h('figure', {class: 'chart'}, h('figcaption', {}, title, ' ',
    lines.length > 1 ? lines.map(l => h('span', {class: 'key ' + l.cls}, '— ' + l.label + ' ')) : null), svg);
}

const METRIC_TEXT = {rate: 'the slowest spans', errors: 'error spans, slowest first', p50: 'spans closest to p50',
  p95: 'spans closest to p95', p99: 'spans closest to p99'};

/** Example traces of one step of a series, from /api/v1/exemplars (the span metrics keep no trace ids). */
async function loadExamples(panel, service, s, pt, at, step, metric, focusBack, ctx) {
  const params = new URLSearchParams({service, name: s.spanName, start: String(at), end: String(at + step * 1000), limit: '10'});
  const near = {p50: pt.p50Ms, p95: pt.p95Ms, p99: pt.p99Ms}[metric];
  if (near !== undefined && near !== null) params.set('near', Math.round(near * 1000) + 'us');
  if (metric === 'errors') params.set('status', 'error');
  const value = {rate: fmtRate(pt.rate), errors: fmtPct(pt.errorRate), p50: fmtMs(pt.p50Ms), p95: fmtMs(pt.p95Ms), p99: fmtMs(pt.p99Ms)}[metric];
  const close = h('button', {type: 'button', class: 'close', id: 'exemplars-close', onclick: () => {
    panel.hidden = true;
    if (focusBack && focusBack.isConnected) focusBack.focus();
  }}, 'Close');
  const head = h('div', {class: 'toolbar'}, h('h2', {}, 'Example traces'), close);
  const what = h('p', {}, h('b', {}, s.spanName), ' · ', metric === 'errors' ? 'error rate' : metric, ' ', value, ' · ',
    fmtClock(at, 60000), '–', fmtClock(at + step * 1000, 60000), ' (' + pt.count + ' spans) · ', METRIC_TEXT[metric] || '');
  panel.hidden = false;
  panel.replaceChildren(head, what, h('p', {class: 'muted'}, 'Loading…'));
  panel.scrollIntoView({block: 'nearest'});
  let r;
  try {
    r = await api('/api/v1/exemplars', params);
  } catch (e) {
    if (ctx.isCurrent()) panel.replaceChildren(head, what, errorState(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  const list = r.exemplars || [];
  if (list.length === 0) {
    panel.replaceChildren(head, what, emptyState('No stored spans for this moment: the span metrics count every span, but '
      + 'the traces may have been sampled out or deleted by retention.'));
    return;
  }
  panel.replaceChildren(head, what, h('table', {id: 'exemplars-table'},
    h('thead', {}, h('tr', {}, h('th', {}, 'Trace'), h('th', {}, 'Start'), h('th', {class: 'num'}, 'Span duration'), h('th', {}, 'Status'))),
    h('tbody', {}, list.map(e => h('tr', {class: 'exemplar'},
      h('td', {}, h('a', {href: '/trace/' + e.traceId + '?span=' + e.spanId, class: 'exemplar-link mono'}, e.traceId)),
      h('td', {class: 'mono'}, fmtTime(e.startTimeUnixNano)),
      h('td', {class: 'num'}, fmtNanos(e.durationNanos)),
      h('td', {class: e.status === 'error' ? 'err' : ''}, e.status))))));
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

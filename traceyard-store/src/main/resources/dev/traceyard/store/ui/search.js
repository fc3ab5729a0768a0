// Search page: the form state lives in the URL (/search?service=...&status=error...), so a search can be shared.
import {h, api, emptyState, errorState, fmtNanos, fmtTime, serviceColor, NO_DATA, pointChart, niceTicks, timeTicks, fmtClock} from './util.js';

const LOOKBACKS = [['15m', 'Last 15 minutes'], ['1h', 'Last hour'], ['6h', 'Last 6 hours'], ['24h', 'Last 24 hours'], ['168h', 'Last 7 days']];
const FIELDS = ['service', 'name', 'status', 'minDuration', 'maxDuration', 'lookback', 'limit'];

export async function renderSearch(el, url, ctx) {
  const q = url.searchParams;
  const services = h('select', {name: 'service', id: 'f-service'}, h('option', {value: ''}, 'All services'));
  const names = h('select', {name: 'name', id: 'f-name'}, h('option', {value: ''}, 'All span names'));
  const status = h('select', {name: 'status', id: 'f-status'},
    [['', 'Any status'], ['error', 'Error'], ['ok', 'OK'], ['unset', 'Unset']].map(([v, t]) => h('option', {value: v}, t)));
  const lookback = h('select', {name: 'lookback', id: 'f-lookback'}, LOOKBACKS.map(([v, t]) => h('option', {value: v}, t)));
  const minD = h('input', {name: 'minDuration', id: 'f-min', placeholder: 'e.g. 100ms', size: 8});
  const maxD = h('input', {name: 'maxDuration', id: 'f-max', placeholder: 'e.g. 2s', size: 8});
  const attrs = h('input', {name: 'attr', id: 'f-attr', placeholder: 'span.http.route=/cart  resource.deployment.environment=prod',
    list: 'attr-keys', autocomplete: 'off'});
  const attrKeys = h('datalist', {id: 'attr-keys'});
  const limit = h('select', {name: 'limit', id: 'f-limit'}, ['20', '50', '100', '500'].map(v => h('option', {value: v}, v)));
  const results = h('section', {id: 'results', 'aria-live': 'polite'});
  const form = h('form', {class: 'search', role: 'search', onsubmit: (e) => {
    e.preventDefault();
    ctx.navigate('/search?' + formQuery(form).toString());
  }},
  h('label', {}, 'Service', services),
  h('label', {}, 'Span name', names),
  h('label', {}, 'Status', status),
  h('label', {}, 'Min duration', minD),
  h('label', {}, 'Max duration', maxD),
  h('label', {}, 'Time range', lookback),
  h('label', {class: 'wide'}, 'Attributes (space-separated, all on the same span)', attrs, attrKeys),
  h('label', {}, 'Limit', limit),
  h('div', {}, h('button', {type: 'submit', class: 'primary', id: 'f-submit'}, 'Find traces')));
  el.replaceChildren(h('h1', {}, 'Search traces'), form, results);

  // Restore the form from the URL.
  status.value = q.get('status') || '';
  lookback.value = q.get('lookback') || '1h';
  if (!lookback.value) lookback.value = '1h';
  minD.value = q.get('minDuration') || '';
  maxD.value = q.get('maxDuration') || '';
  const wantLimit = q.get('limit') || '20';
  // A shared URL may carry any limit the API accepts, not only the listed ones.
  if (![...limit.options].some(o => o.value === wantLimit)) limit.append(h('option', {value: wantLimit}, wantLimit));
  limit.value = wantLimit;
  attrs.value = q.getAll('attr').join(' ');

  let serviceList;
  try {
    serviceList = (await api('/api/v1/services')).services || [];
  } catch (e) {
    if (ctx.isCurrent()) results.replaceChildren(errorState(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  for (const s of serviceList) services.append(h('option', {value: s}, s));
  services.value = q.get('service') || '';
  if (serviceList.length === 0) {
    results.replaceChildren(emptyState(NO_DATA));
    return;
  }
  const loadNames = async (keep) => {
    names.replaceChildren(h('option', {value: ''}, 'All span names'));
    if (!services.value) return;
    try {
      const r = await api('/api/v1/services/' + encodeURIComponent(services.value) + '/spans');
      const seen = new Set();
      for (const n of r.spanNames || []) {
        if (seen.has(n.name)) continue;
        seen.add(n.name);
        names.append(h('option', {value: n.name}, n.name));
      }
      if (keep) names.value = keep;
    } catch (e) { /* the search itself reports API problems */ }
  };
  services.addEventListener('change', () => loadNames(''));
  api('/api/v1/attributes', new URLSearchParams({scope: 'span', limit: '50'})).then(r => {
    for (const k of (r && r.keys) || []) attrKeys.append(h('option', {value: 'span.' + k.key + '='}));
  }).catch(() => {});
  await loadNames(q.get('name') || '');
  if (!ctx.isCurrent()) return;
  await runSearch(formQuery(form), results, ctx);
}

function formQuery(form) {
  const p = new URLSearchParams();
  const data = new FormData(form);
  for (const f of FIELDS) {
    const v = (data.get(f) || '').trim();
    if (v && !(f === 'limit' && v === '20')) p.set(f, v);
  }
  for (const a of (data.get('attr') || '').split(/\s+/)) if (a) p.append('attr', a);
  return p;
}

async function runSearch(params, results, ctx) {
  results.replaceChildren(h('p', {class: 'muted'}, 'Searching…'));
  let r;
  try {
    r = await api('/api/v1/traces', params);
  } catch (e) {
    if (ctx.isCurrent()) results.replaceChildren(errorState(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  const traces = r.traces || [];
  if (traces.length === 0) {
    results.replaceChildren(emptyState('No traces match this search. Widen the time range, or remove a filter.'));
    return;
  }
  const picked = new Set();
  const compareBtn = h('button', {type: 'button', id: 'compare-selected', disabled: true, onclick: () => {
    const [a, b] = [...picked];
    ctx.navigate('/compare?a=' + a + '&b=' + b);
  }}, 'Compare selected (0/2)');
  const onPick = (e) => {
    const id = e.target.value;
    if (e.target.checked) picked.add(id); else picked.delete(id);
    // At most two: the oldest pick is dropped when a third is ticked.
    if (picked.size > 2) {
      const first = picked.values().next().value;
      picked.delete(first);
      const other = results.querySelector('input.pick[value="' + first + '"]');
      if (other) other.checked = false;
    }
    compareBtn.disabled = picked.size !== 2;
    compareBtn.textContent = 'Compare selected (' + picked.size + '/2)';
  };
  const rows = traces.map(t => h('tr', {class: 'result', dataset: {traceId: t.traceId}},
    h('td', {}, h('input', {type: 'checkbox', class: 'pick', value: t.traceId, onchange: onPick,
      'aria-label': 'Select ' + (t.rootSpanName || t.traceId) + ' for comparison'})),
    h('td', {}, h('span', {class: 'swatch', style: 'background:' + serviceColor(t.rootServiceName || '')}),
      h('a', {href: '/trace/' + t.traceId, class: 'trace-link'}, (t.rootServiceName || '?') + ': ' + (t.rootSpanName || '?'))),
    h('td', {class: 'mono'}, fmtTime(t.startTimeUnixNano)),
    h('td', {class: 'num'}, fmtNanos(t.durationNanos)),
    h('td', {class: 'num'}, t.spanCount),
    h('td', {class: 'num' + (t.errorCount ? ' err' : '')}, t.errorCount),
    h('td', {}, (t.services || []).map(s => h('span', {class: 'badge'}, s)))));
  results.replaceChildren(
    scatter(traces, results, ctx),
    h('div', {class: 'toolbar'},
      h('p', {class: 'muted'}, traces.length + ' trace' + (traces.length === 1 ? '' : 's') + (r.nextCursor ? ' (more available: raise the limit)' : '')),
      compareBtn),
    h('table', {id: 'results-table'},
      h('thead', {}, h('tr', {}, h('th', {}, h('span', {class: 'sr-only'}, 'Compare')), h('th', {}, 'Root'), h('th', {}, 'Start'),
        h('th', {class: 'num'}, 'Duration'), h('th', {class: 'num'}, 'Spans'), h('th', {class: 'num'}, 'Errors'), h('th', {}, 'Services'))),
      h('tbody', {}, rows)));
}

/**
 * Duration over time of the results: one dot per trace (errors as red diamonds), clicking a dot
 * opens the trace. One tab stop; arrow keys walk the dots in time order, Enter opens one.
 */
function scatter(traces, results, ctx) {
  const W = Math.max(480, Math.min(results.clientWidth || 1000, 2400)), H = 200;
  const pad = {l: 64, r: 28, t: 12, b: 28};
  const pts = traces.map(t => ({t, x: Number(BigInt(t.startTimeUnixNano) / 1000000n), y: t.durationNanos}))
    .sort((p, q) => p.x - q.x);
  let x0 = pts[0].x, x1 = pts[pts.length - 1].x;
  if (x1 === x0) { x0 -= 30000; x1 += 30000; }
  const yMax = Math.max(...pts.map(p => p.y)) * 1.1 || 1;
  const sx = (x) => pad.l + ((x - x0) / (x1 - x0)) * (W - pad.l - pad.r);
  const sy = (y) => H - pad.b - (y / yMax) * (H - pad.t - pad.b);
  const axes = [];
  for (const v of niceTicks(0, yMax, 4)) {
    axes.push(h('svg:line', {class: 'grid', x1: pad.l, x2: W - pad.r, y1: sy(v), y2: sy(v)}),
      h('svg:text', {class: 'tick', x: pad.l - 6, y: sy(v) + 4, 'text-anchor': 'end'}, fmtNanos(v)));
  }
  for (const v of timeTicks(x0, x1, Math.max(2, Math.floor(W / 160)))) {
    axes.push(h('svg:text', {class: 'tick', x: sx(v), y: H - 8, 'text-anchor': 'middle'}, fmtClock(v, x1 - x0)));
  }
  const marks = pts.map(p => {
    const t = p.t, cx = sx(p.x), cy = sy(p.y);
    const label = (t.rootServiceName || '?') + ': ' + (t.rootSpanName || '?') + ', ' + fmtNanos(t.durationNanos) + ' at '
      + fmtTime(t.startTimeUnixNano) + (t.errorCount ? ', ' + t.errorCount + ' error' + (t.errorCount === 1 ? '' : 's') : '');
    const shape = t.errorCount
      ? h('svg:path', {d: `M ${cx} ${cy - 6} L ${cx + 6} ${cy} L ${cx} ${cy + 6} L ${cx - 6} ${cy} Z`})
      : h('svg:circle', {cx, cy, r: 4.5});
    return h('svg:a', {href: '/trace/' + t.traceId, class: 'dot' + (t.errorCount ? ' error' : ''), tabindex: -1,
      'aria-label': label, dataset: {traceId: t.traceId}}, h('svg:title', {}, label), shape);
  });
  const svg = pointChart({cls: 'scatter', id: 'scatter', W, H,
    label: 'Duration over time of ' + traces.length + ' traces. Arrow keys move between traces, Enter opens one.',
    // Error marks are drawn last, on top: they are the ones to find. Keyboard order stays by time.
    children: [...axes, h('svg:line', {class: 'axis', x1: pad.l, x2: W - pad.r, y1: H - pad.b, y2: H - pad.b}),
      ...marks.filter(m => !m.classList.contains('error')), ...marks.filter(m => m.classList.contains('error'))],
    points: marks,
    onActivate: (a) => ctx.navigate(a.getAttribute('href')),
    onFocusPoint: (a) => {
      for (const r of results.querySelectorAll('tr.result.hot')) r.classList.remove('hot');
      const row = a && results.querySelector('tr.result[data-trace-id="' + a.dataset.traceId + '"]');
      if (row) row.classList.add('hot');
    }});
  return h('figure', {class: 'chart'}, svg,
    h('figcaption', {class: 'legend'}, h('span', {class: 'key-ok'}, '●'), ' trace  ', h('span', {class: 'key-err'}, '◆'),
      ' trace with errors · duration over start time; click a dot to open the trace'));
}

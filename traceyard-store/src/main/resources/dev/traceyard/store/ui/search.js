// Search page: the form state lives in the URL (/search?service=...&status=error...), so a search can be shared.
import {h, api, emptyState, errorState, fmtNanos, fmtTime, serviceColor, NO_DATA} from './util.js';

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
  limit.value = q.get('limit') || '20';
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
  const rows = traces.map(t => h('tr', {class: 'result', dataset: {traceId: t.traceId}},
    h('td', {}, h('span', {class: 'swatch', style: 'background:' + serviceColor(t.rootServiceName || '')}),
      h('a', {href: '/trace/' + t.traceId, class: 'trace-link'}, (t.rootServiceName || '?') + ': ' + (t.rootSpanName || '?'))),
    h('td', {class: 'mono'}, fmtTime(t.startTimeUnixNano)),
    h('td', {class: 'num'}, fmtNanos(t.durationNanos)),
    h('td', {class: 'num'}, t.spanCount),
    h('td', {class: 'num' + (t.errorCount ? ' err' : '')}, t.errorCount),
    h('td', {}, (t.services || []).map(s => h('span', {class: 'badge'}, s)))));
  results.replaceChildren(
    h('p', {class: 'muted'}, traces.length + ' trace' + (traces.length === 1 ? '' : 's') + (r.nextCursor ? ' (more available: raise the limit)' : '')),
    h('table', {id: 'results-table'},
      h('thead', {}, h('tr', {}, h('th', {}, 'Root'), h('th', {}, 'Start'), h('th', {class: 'num'}, 'Duration'),
        h('th', {class: 'num'}, 'Spans'), h('th', {class: 'num'}, 'Errors'), h('th', {}, 'Services'))),
      h('tbody', {}, rows)));
}

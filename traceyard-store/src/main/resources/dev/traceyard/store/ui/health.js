// Instrumentation health: what the trace_quality processor reported (findings and cost), from
// /api/v1/quality/findings and /api/v1/quality/cost. /health lists the services, worst first;
// /health?service=<name> shows one service's findings (worst share of traces first) and its cost.
import {h, api, emptyState, errorState, fmtPct, fmtRate, fmtTime, serviceColor} from './util.js';

const LOOKBACKS = [['15m', 'Last 15 minutes'], ['1h', 'Last hour'], ['6h', 'Last 6 hours'], ['24h', 'Last 24 hours'],
  ['168h', 'Last 7 days']];

/** What each finding kind means, in a few words. */
const KINDS = {
  orphan_span: 'Orphan spans (parent never arrived)',
  multiple_roots: 'Traces with several roots',
  missing_client_side: 'Caller never reports its CLIENT side',
  inconsistent_sampling: 'Inconsistent sampling between services',
  unknown_service: 'Unknown service name',
  missing_service_version: 'Missing service.version',
  missing_deployment_environment: 'Missing deployment.environment.name',
  conflicting_sdk: 'Several SDKs claim this service',
  wrong_span_kind: 'HTTP/RPC/messaging span with kind INTERNAL',
  high_cardinality_attribute: 'High-cardinality attribute',
  oversized_span: 'Oversized spans',
  body_on_span: 'Request/response body on spans',
  clock_skew: 'Clock skew (child outside its parent)',
  negative_duration: 'Negative durations',
};

const LEVERS = [
  ['lower_sample_rate', 'Lower the sample rate', 'fewer traces'],
  ['instrument_less', 'Instrument less', 'fewer spans per trace'],
  ['trim_attributes', 'Trim attributes', 'fewer bytes per span'],
];

export const ENABLE_HELP = 'No trace_quality reports in this time range. The "Instrumentation health" page shows what the '
  + 'trace_quality processor finds in your traces (orphan spans, inconsistent sampling, high-cardinality attributes...) '
  + 'and what they cost. `traceyard start` runs it by default, and its first report arrives about a minute after the '
  + 'first traces (trace_window + report_interval). With your own configuration, enable it where whole traces pass '
  + 'and send its reports into a logs pipeline that ends in the traceyard store:';

const ENABLE_CONFIG = [
  'processors:',
  '  trace_quality:',
  '    findings_pipelines: [logs]',
  'service:',
  '  pipelines:',
  '    traces: {receivers: [otlp], processors: [trace_quality], exporters: [traceyard]}',
  '    logs:   {receivers: [otlp], exporters: [traceyard]}',
].join('\n');

export function kindText(kind) {
  return KINDS[kind] || kind;
}

export function fmtBytes(b) {
  if (b === null || b === undefined || isNaN(b)) return '–';
  if (b < 1024) return Math.round(b) + ' B';
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = b / 1024, i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (v >= 100 ? v.toFixed(0) : v.toFixed(1)) + ' ' + units[i];
}

function fmtNum(x) {
  if (x === null || x === undefined || isNaN(x)) return '–';
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(x >= 10 ? 1 : 2);
}

function params(url, extra) {
  const p = new URLSearchParams({lookback: url.searchParams.get('lookback') || '1h', ...extra});
  const end = url.searchParams.get('end');
  if (end) p.set('end', end);
  return p;
}

function healthHref(url, service) {
  const p = new URLSearchParams();
  if (service) p.set('service', service);
  for (const k of ['lookback', 'end']) if (url.searchParams.get(k)) p.set(k, url.searchParams.get(k));
  const q = p.toString();
  return '/health' + (q ? '?' + q : '');
}

function lookbackPicker(url, ctx) {
  const current = url.searchParams.get('lookback') || '1h';
  const options = LOOKBACKS.some(([v]) => v === current) ? LOOKBACKS : [...LOOKBACKS, [current, current]];
  return h('label', {}, 'Time range ', h('select', {id: 'f-lookback', onchange: (e) => {
    const u = new URL(location.href);
    u.searchParams.set('lookback', e.target.value);
    ctx.navigate(u.pathname + u.search);
  }}, options.map(([v, t]) => h('option', {value: v, selected: v === current}, t))));
}

/** A horizontal bar for a share (0..1), with the number next to it. */
function shareBar(share, cls) {
  const pct = Math.max(0, Math.min(1, share || 0)) * 100;
  return h('span', {class: 'share ' + (cls || '')}, h('span', {class: 'share-bar', 'aria-hidden': 'true'},
    h('span', {style: 'width:' + pct.toFixed(1) + '%'})), ' ', fmtPct(share));
}

export async function renderHealth(el, url, ctx) {
  const service = url.searchParams.get('service');
  const toolbar = h('div', {class: 'toolbar'}, service ? h('a', {href: healthHref(url, null), id: 'health-all'}, '← All services') : null,
    lookbackPicker(url, ctx),
    service ? h('a', {href: '/service/' + encodeURIComponent(service)}, 'RED dashboard of ' + service) : null);
  el.replaceChildren(h('h1', {}, 'Instrumentation health', service ? [': ', h('span', {class: 'swatch',
    style: 'background:' + serviceColor(service)}), service] : null), toolbar, h('p', {class: 'muted'}, 'Loading…'));
  let findings, cost;
  try {
    const extra = service ? {service} : {};
    [findings, cost] = await Promise.all([api('/api/v1/quality/findings', params(url, extra)),
      api('/api/v1/quality/cost', params(url, extra))]);
  } catch (e) {
    if (ctx.isCurrent()) el.lastChild.replaceWith(errorState(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  if (service) {
    el.lastChild.replaceWith(servicePage(url, service, findings, cost));
  } else {
    el.lastChild.replaceWith(overview(url, findings, cost));
  }
}

function enableHelp() {
  return emptyState(ENABLE_HELP, [h('pre', {id: 'enable-config'}, ENABLE_CONFIG),
    h('span', {}, 'See the trace_quality section of the README for its settings.')]);
}

/** Every reporting service, worst share of traces affected first, with its cost figures and lever. */
function overview(url, findings, cost) {
  const services = findings.services || [];
  const costs = new Map((cost.services || []).map(s => [s.service, s]));
  const names = [...services.map(s => s.service), ...[...costs.keys()].filter(n => !services.some(s => s.service === n))];
  if (names.length === 0) return h('div', {id: 'health-empty'}, enableHelp());
  const byName = new Map(services.map(s => [s.service, s]));
  return h('div', {},
    h('p', {class: 'muted'}, 'Per service, the worst instrumentation finding (by the share of its traces affected) and what '
      + 'its spans cost. Open a service for every finding, example traces and the cost breakdown.'),
    h('table', {id: 'health-services'},
      h('thead', {}, h('tr', {}, h('th', {}, 'Service'), h('th', {}, 'Worst finding'), h('th', {}, 'Traces affected'),
        h('th', {class: 'num'}, 'Findings'), h('th', {class: 'num'}, 'Traces/s'), h('th', {class: 'num'}, 'Spans/trace'),
        h('th', {class: 'num'}, 'Bytes/span'), h('th', {}, 'Share of bytes'), h('th', {}, 'Lever'))),
      h('tbody', {}, names.map(n => {
        const s = byName.get(n) || {worstShare: 0, findings: 0, findingKinds: 0};
        const c = costs.get(n);
        return h('tr', {class: 'health-service', dataset: {service: n}},
          h('td', {}, h('a', {href: healthHref(url, n), class: 'health-link'}, n)),
          h('td', {}, s.worstKind ? kindText(s.worstKind) : h('span', {class: 'muted'}, 'none')),
          h('td', {}, s.worstKind ? shareBar(s.worstShare, 'bad') : '–'),
          h('td', {class: 'num'}, s.findings),
          h('td', {class: 'num'}, c ? fmtRate(c.tracesPerSecond) : '–'),
          h('td', {class: 'num'}, c ? fmtNum(c.spansPerTrace) : '–'),
          h('td', {class: 'num'}, c ? fmtBytes(c.bytesPerSpan) : '–'),
          h('td', {}, c ? shareBar(c.share) : '–'),
          h('td', {}, c ? leverText(c.lever) : '–'));
      }))));
}

function leverText(lever) {
  const l = LEVERS.find(x => x[0] === lever.name);
  return [h('span', {class: 'lever-name'}, l ? l[1] : 'none needed'), h('div', {class: 'muted lever-why'}, lever.reason)];
}

function servicePage(url, service, findings, cost) {
  const list = findings.findings || [];
  const c = (cost.services || [])[0];
  if (list.length === 0 && !c && !(findings.tracesTotal > 0)) {
    return h('div', {id: 'health-empty'}, enableHelp());
  }
  const parts = [h('h2', {}, 'Findings'), findingsTable(url, service, findings, list)];
  parts.push(h('h2', {}, 'Cost'), c ? costSection(c, cost) : h('p', {class: 'muted', id: 'cost-empty'},
    'No cost reports for ' + service + ' in this time range.'));
  return h('div', {}, parts);
}

function findingsTable(url, service, findings, list) {
  if (list.length === 0) {
    return h('p', {id: 'findings-empty', role: 'status'}, 'No findings for ' + service + ' in this time range: of '
      + (findings.tracesTotal || 0) + ' traces seen, none showed a known instrumentation mistake.');
  }
  const step = findings.bucketSeconds || 60;
  return h('div', {class: 'scroll-x'}, h('p', {class: 'muted'}, 'Worst first: sorted by the share of the service\'s traces '
    + 'each finding affects (' + findings.tracesTotal + ' traces seen). The trend counts occurrences per '
    + fmtStep(step) + '.'),
  h('table', {id: 'findings-table'},
    h('thead', {}, h('tr', {}, h('th', {}, 'Finding'), h('th', {}, 'Where'), h('th', {}, 'Traces affected'),
      h('th', {class: 'num'}, 'Occurrences'), h('th', {}, 'Trend'), h('th', {}, 'Example traces'), h('th', {}, 'Detail'))),
    h('tbody', {}, list.map((f, i) => h('tr', {class: 'finding', dataset: {kind: f.kind, index: i}},
      h('th', {scope: 'row'}, kindText(f.kind), h('div', {class: 'muted mono'}, f.kind)),
      h('td', {}, where(url, f)),
      h('td', {}, shareBar(f.share, 'bad'), h('div', {class: 'muted'}, f.tracesAffected + ' of ' + f.tracesTotal)),
      h('td', {class: 'num'}, f.count),
      h('td', {}, trend(f, findings)),
      h('td', {}, (f.examples || []).length ? h('ul', {class: 'examples'}, f.examples.map((e, j) => h('li', {},
        h('a', {href: '/trace/' + e.traceId + (e.spanId ? '?span=' + e.spanId : ''), class: 'example-link mono',
          title: 'Example ' + (j + 1) + ' of ' + kindText(f.kind) + ', reported ' + fmtTime(e.timeUnixNano)},
        e.traceId.slice(0, 8) + '…')))) : h('span', {class: 'muted'}, 'none')),
      h('td', {class: 'detail-text'}, f.detail || '',
        f.cardinalityEstimate ? h('div', {class: 'muted'}, '≈' + f.cardinalityEstimate.toLocaleString('en-US') + ' distinct values') : null))))));
}

function where(url, f) {
  const out = [];
  if (f.spanName) out.push(h('div', {}, h('span', {class: 'muted'}, 'span '), h('span', {class: 'mono'}, f.spanName)));
  if (f.attributeKey) out.push(h('div', {}, h('span', {class: 'muted'}, 'attribute '), h('span', {class: 'mono'}, f.attributeKey)));
  if (f.peerService) out.push(h('div', {}, h('span', {class: 'muted'}, 'called by '),
    h('a', {href: healthHref(url, f.peerService)}, f.peerService)));
  return out.length ? out : h('span', {class: 'muted'}, 'whole service');
}

function fmtStep(seconds) {
  if (seconds % 86400 === 0) return seconds / 86400 === 1 ? 'day' : (seconds / 86400) + ' days';
  if (seconds % 3600 === 0) return seconds / 3600 === 1 ? 'hour' : (seconds / 3600) + ' hours';
  return seconds / 60 === 1 ? 'minute' : (seconds / 60) + ' minutes';
}

/** A small bar chart of the finding's count per bucket; its text alternative names the peak and the latest bucket. */
function trend(f, findings) {
  const counts = f.trend || [];
  const W = 120, H = 24, n = Math.max(counts.length, 1);
  const max = Math.max(...counts, 0);
  const bw = W / n;
  const last = counts.length ? counts[counts.length - 1] : 0;
  const label = 'Occurrences per ' + fmtStep(findings.bucketSeconds || 60) + ': peak ' + max + ', latest ' + last
    + ', ' + counts.filter(c => c > 0).length + ' of ' + counts.length + ' periods with occurrences';
  return h('svg:svg', {class: 'trend', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label, dataset: {buckets: counts.length}},
    h('svg:title', {}, label),
    h('svg:line', {class: 'base', x1: 0, x2: W, y1: H - 0.5, y2: H - 0.5}),
    counts.map((c, i) => c > 0 ? h('svg:rect', {class: 'bar', x: (i * bw).toFixed(2), width: Math.max(bw - 0.5, 0.5).toFixed(2),
      y: (H - 1 - (c / max) * (H - 2)).toFixed(2), height: ((c / max) * (H - 2)).toFixed(2), dataset: {bucket: i, count: c}}) : null));
}

function costSection(c, cost) {
  const lever = LEVERS.find(l => l[0] === c.lever.name);
  return h('div', {},
    h('p', {class: 'muted'}, 'From trace_quality\'s cost reports over ' + Math.round(cost.observedSeconds) + ' s. A service\'s bytes are '
      + 'traces × spans per trace × bytes per span: one lever per factor.'),
    h('div', {class: 'summary', id: 'cost-summary'},
      h('div', {}, h('span', {}, 'Traces/s'), h('b', {id: 'cost-tps'}, fmtRate(c.tracesPerSecond))),
      h('div', {}, h('span', {}, 'Spans per trace'), h('b', {id: 'cost-spt'}, fmtNum(c.spansPerTrace))),
      h('div', {}, h('span', {}, 'Bytes per span'), h('b', {id: 'cost-bps'}, fmtBytes(c.bytesPerSpan))),
      h('div', {}, h('span', {}, 'Span bytes'), h('b', {id: 'cost-bytes'}, fmtBytes(c.bytes)),
        ' (', h('span', {id: 'cost-share'}, fmtPct(c.share)), ' of all services\')'),
      h('div', {}, h('span', {}, 'Attributes'), h('b', {}, fmtPct(c.bytes ? c.attributeBytes / c.bytes : null)), ' of its bytes')),
    h('section', {class: 'levers', id: 'levers', 'aria-label': 'Cost levers'},
      h('ul', {}, LEVERS.map(([name, title, what]) => h('li', {class: 'lever' + (name === c.lever.name ? ' chosen' : ''),
        dataset: {lever: name}, 'aria-current': name === c.lever.name ? 'true' : null},
      h('b', {}, title), ' ', h('span', {class: 'muted'}, '(' + what + ')'),
      name === c.lever.name ? h('span', {class: 'badge lever-badge'}, 'the numbers point here') : null))),
      h('p', {id: 'lever-reason'}, lever ? h('b', {}, lever[1] + ': ') : h('b', {}, 'No lever needed: '), c.lever.reason, '.')),
    h('h3', {}, 'Span names'),
    h('div', {class: 'scroll-x'}, h('table', {id: 'cost-spans'},
      h('thead', {}, h('tr', {}, h('th', {}, 'Span name'), h('th', {class: 'num'}, 'Spans/s'), h('th', {class: 'num'}, 'Per trace'),
        h('th', {class: 'num'}, 'Bytes/span'), h('th', {class: 'num'}, 'Bytes'), h('th', {}, 'Share of the service\'s bytes'))),
      h('tbody', {}, (c.spanNames || []).map(s => h('tr', {class: 'cost-span', dataset: {name: s.name}},
        h('td', {class: 'mono'}, s.name), h('td', {class: 'num'}, fmtRate(s.spansPerSecond)),
        h('td', {class: 'num'}, fmtNum(s.spansPerTrace)), h('td', {class: 'num'}, fmtBytes(s.bytesPerSpan)),
        h('td', {class: 'num'}, fmtBytes(s.bytes)), h('td', {}, shareBar(s.share))))))),
    h('h3', {}, 'Heaviest attribute keys'),
    (c.attributes || []).length ? h('div', {class: 'scroll-x'}, h('table', {id: 'cost-attributes'},
      h('thead', {}, h('tr', {}, h('th', {}, 'Attribute key'), h('th', {class: 'num'}, 'Bytes'), h('th', {class: 'num'}, 'Spans carrying it'),
        h('th', {}, 'Share of the service\'s bytes'))),
      h('tbody', {}, c.attributes.map(a => h('tr', {class: 'cost-attribute', dataset: {key: a.key}},
        h('td', {class: 'mono'}, a.key), h('td', {class: 'num'}, fmtBytes(a.bytes)), h('td', {class: 'num'}, a.count),
        h('td', {}, shareBar(a.share)))))))
      : h('p', {class: 'muted'}, 'No attribute weights reported.'));
}

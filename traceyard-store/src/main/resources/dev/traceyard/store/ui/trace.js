// Trace page: waterfall of the span tree, span detail, the trace's logs. Deep link: /trace/<id>?span=<spanId>.
import {h, api, ApiError, emptyState, errorState, fmtNanos, fmtTime, serviceColor, anyValue, attr, kvTable} from './util.js';

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS = ['unset', 'ok', 'error'];

/** Flattens OTLP/JSON into span records and orders them depth-first, children by start time. */
export function buildTree(otlp) {
  const spans = [];
  for (const rs of otlp.resourceSpans || []) {
    const resource = (rs.resource && rs.resource.attributes) || [];
    const service = attr(resource, 'service.name') || 'unknown';
    for (const ss of rs.scopeSpans || []) {
      for (const s of ss.spans || []) {
        spans.push({raw: s, id: s.spanId, parent: s.parentSpanId || '', service, resource, scope: ss.scope || {},
          start: BigInt(s.startTimeUnixNano || '0'), end: BigInt(s.endTimeUnixNano || s.startTimeUnixNano || '0'),
          error: !!(s.status && s.status.code === 2), children: [], depth: 0});
      }
    }
  }
  const byId = new Map(spans.map(s => [s.id, s]));
  const roots = [];
  for (const s of spans) {
    const p = s.parent && byId.get(s.parent);
    if (p && p !== s) p.children.push(s); else roots.push(s);
  }
  const cmp = (a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0);
  const ordered = [];
  // Iterative DFS: a 10,000-span chain must not overflow the stack.
  const stack = roots.sort(cmp).slice().reverse().map(s => [s, 0]);
  while (stack.length) {
    const [s, depth] = stack.pop();
    s.depth = depth;
    ordered.push(s);
    s.children.sort(cmp);
    for (let i = s.children.length - 1; i >= 0; i--) stack.push([s.children[i], depth + 1]);
  }
  let min = null, max = null;
  for (const s of spans) {
    if (min === null || s.start < min) min = s.start;
    if (max === null || s.end > max) max = s.end;
  }
  return {spans: ordered, byId, start: min || 0n, end: max || 0n};
}

export async function renderTrace(el, traceId, url, ctx) {
  el.replaceChildren(h('p', {class: 'muted'}, 'Loading trace ' + traceId + '…'));
  let otlp;
  try {
    otlp = await api('/api/v1/traces/' + traceId);
  } catch (e) {
    if (!ctx.isCurrent()) return;
    if (e instanceof ApiError && e.status === 404) {
      el.replaceChildren(h('h1', {}, 'Trace not found'), emptyState('Trace ' + traceId + ' is not in the store: it may be '
        + 'older than the retention, or its spans have not been flushed yet (try again in a few seconds). ',
        h('a', {href: '/search'}, 'Search traces')));
    } else {
      el.replaceChildren(errorState(e));
    }
    return;
  }
  if (!ctx.isCurrent()) return;
  delete el.dataset.renderMs;
  const t0 = performance.now();
  const tree = buildTree(otlp);
  const total = Number(tree.end - tree.start) || 1;
  const root = tree.spans[0];
  const services = [...new Set(tree.spans.map(s => s.service))].sort();
  const errors = tree.spans.filter(s => s.error).length;
  const policy = tree.spans.map(s => attr(s.raw.attributes, 'sampling.policy') || attr(s.resource, 'sampling.policy')).find(Boolean);
  const collapsed = new Set();
  let selected = url.searchParams.get('span');

  const wf = h('div', {class: 'waterfall', id: 'waterfall', role: 'tree', 'aria-label': 'Spans of the trace'});
  const detail = h('aside', {class: 'detail', id: 'span-detail', 'aria-live': 'polite'},
    h('p', {class: 'muted'}, 'Select a span to see its details.'));
  const logs = h('section', {id: 'logs'}, h('h2', {}, 'Logs'), h('p', {class: 'muted'}, 'Loading logs…'));

  const header = h('div', {class: 'wf-row header'}, h('div', {class: 'wf-name'}, 'Service: span'),
    h('div', {class: 'wf-bar'}, h('span', {class: 'label', style: 'left:4px'}, '0'),
      h('span', {class: 'label', style: 'right:4px'}, fmtNanos(total))));

  function visible() {
    const out = [];
    let hideDepth = -1;
    for (const s of tree.spans) {
      if (hideDepth >= 0 && s.depth > hideDepth) continue;
      hideDepth = -1;
      out.push(s);
      if (collapsed.has(s.id) && s.children.length) hideDepth = s.depth;
    }
    return out;
  }

  // Rows are built as one HTML string with delegated events: a 10,000-span trace renders in a
  // fraction of the time that per-row DOM calls and listeners take.
  function row(s) {
    const offset = Number(s.start - tree.start), dur = Number(s.end - s.start);
    const left = (offset / total) * 100, width = Math.max((dur / total) * 100, 0.2);
    const isOpen = !collapsed.has(s.id);
    const name = esc(s.raw.name), service = esc(s.service), color = serviceColor(s.service);
    const hasKids = s.children.length > 0;
    return '<div class="wf-row' + (s.error ? ' is-error' : '') + (s.id === selected ? ' selected' : '')
      + '" role="treeitem" aria-level="' + (s.depth + 1) + '"' + (hasKids ? ' aria-expanded="' + isOpen + '"' : '')
      + ' data-span-id="' + esc(s.id) + '" data-depth="' + s.depth + '" data-service="' + service + '">'
      + '<div class="wf-name" style="padding-left:' + (4 + s.depth * 14) + 'px">'
      + (hasKids ? '<button type="button" class="toggle" aria-label="' + (isOpen ? 'Collapse ' : 'Expand ') + name + '">'
        + (isOpen ? '▾' : '▸') + '</button>' : '<span class="spacer"></span>')
      + '<span class="swatch" style="background:' + color + '"></span>'
      + '<button type="button" class="open" title="' + service + ': ' + name + '"><span class="svc">' + service + ' </span>' + name + '</button>'
      + (s.error ? '<span class="err-mark" title="error" aria-label="error">!</span>' : '')
      + (hasKids && !isOpen ? '<span class="muted">(+' + countDescendants(s) + ')</span>' : '')
      + '</div><div class="wf-bar"><span class="bar" style="left:' + left + '%;width:' + width + '%;background:'
      + (s.error ? 'var(--error)' : color) + '"></span><span class="label" style="'
      + (left > 70 ? 'right:' + (100 - left) + '%' : 'left:calc(' + (left + width) + '% + 4px)') + '">' + fmtNanos(dur)
      + '</span></div></div>';
  }

  function draw() {
    const parts = [];
    for (const s of visible()) parts.push(row(s));
    wf.innerHTML = parts.join('');
    wf.prepend(header);
  }

  wf.addEventListener('click', (e) => {
    const button = e.target.closest('button');
    const r = button && button.closest('.wf-row[data-span-id]');
    if (!r) return;
    const id = r.dataset.spanId;
    if (button.classList.contains('toggle')) {
      if (collapsed.has(id)) collapsed.delete(id); else collapsed.add(id);
      draw();
      const again = wf.querySelector('.wf-row[data-span-id="' + id + '"] button.toggle');
      if (again) again.focus();
    } else if (button.classList.contains('open')) {
      select(id);
    }
  });

  function select(id, initial) {
    const s = tree.byId.get(id);
    if (!s) return;
    selected = id;
    // Expand the ancestors so the selected span is visible.
    let changed = false;
    for (let p = tree.byId.get(s.parent); p; p = tree.byId.get(p.parent)) {
      if (collapsed.delete(p.id)) changed = true;
      if (p.parent === p.id) break;
    }
    if (changed) draw();
    for (const r of wf.querySelectorAll('.wf-row.selected')) r.classList.remove('selected');
    const r = wf.querySelector('.wf-row[data-span-id="' + id + '"]');
    if (r) {
      r.classList.add('selected');
      if (initial) r.scrollIntoView({block: 'center'});
    }
    detail.replaceChildren(...spanDetail(s, tree, traceId));
    if (!initial) history.replaceState(null, '', '/trace/' + traceId + '?span=' + id);
  }

  el.replaceChildren(
    h('h1', {}, h('span', {class: 'swatch', style: 'background:' + serviceColor(root ? root.service : '')}),
      root ? root.service + ': ' + root.raw.name : 'Empty trace'),
    h('div', {class: 'summary', id: 'trace-summary'},
      h('div', {}, h('span', {}, 'Trace'), h('code', {}, traceId)),
      h('div', {}, h('span', {}, 'Start'), fmtTime(String(tree.start))),
      h('div', {}, h('span', {}, 'Duration'), fmtNanos(total)),
      h('div', {}, h('span', {}, 'Spans'), h('b', {id: 'span-count'}, tree.spans.length)),
      h('div', {}, h('span', {}, 'Errors'), h('b', {class: errors ? 'err' : ''}, errors)),
      h('div', {}, h('span', {}, 'Services'), services.map(s => h('a', {class: 'badge', href: '/service/' + encodeURIComponent(s)}, s))),
      policy ? h('div', {id: 'sampling-policy'}, h('span', {}, 'Kept by sampling policy'), h('code', {}, policy)) : null),
    h('div', {class: 'toolbar'},
      h('a', {href: '/api/v1/traces/' + traceId, download: 'trace-' + traceId + '.json', id: 'download-json'}, 'Download JSON'),
      h('button', {type: 'button', onclick: () => { collapsed.clear(); draw(); }}, 'Expand all'),
      h('button', {type: 'button', onclick: () => { tree.spans.forEach(s => s.children.length && s.depth > 0 && collapsed.add(s.id)); draw(); }}, 'Collapse all')),
    h('div', {class: 'trace-layout'}, wf, detail),
    logs);
  draw();
  if (selected && tree.byId.has(selected)) select(selected, true);
  // Render time up to the first paint after the rows were built (rAF, then a task after the frame).
  requestAnimationFrame(() => setTimeout(() => { el.dataset.renderMs = String(Math.round(performance.now() - t0)); }, 0));
  loadLogs(traceId, logs, tree, select, ctx);
}

function esc(text) {
  return String(text).replace(/[&<>"']/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
}

function countDescendants(s) {
  let n = 0;
  const stack = [...s.children];
  while (stack.length) { const c = stack.pop(); n++; stack.push(...c.children); }
  return n;
}

function spanDetail(s, tree, traceId) {
  const r = s.raw;
  const status = r.status || {};
  const dur = Number(s.end - s.start);
  const parent = tree.byId.get(s.parent);
  const out = [
    h('h2', {id: 'detail-name'}, r.name),
    h('table', {class: 'kv'}, h('tbody', {},
      h('tr', {}, h('td', {}, 'Service'), h('td', {}, h('a', {href: '/service/' + encodeURIComponent(s.service)}, s.service))),
      h('tr', {}, h('td', {}, 'Kind'), h('td', {id: 'detail-kind'}, KINDS[r.kind || 0] || String(r.kind))),
      h('tr', {}, h('td', {}, 'Status'), h('td', {id: 'detail-status', class: s.error ? 'err' : ''},
        STATUS[status.code || 0] + (status.message ? ': ' + status.message : ''))),
      h('tr', {}, h('td', {}, 'Start'), h('td', {}, fmtTime(String(s.start)) + ' (+' + fmtNanos(Number(s.start - tree.start)) + ')')),
      h('tr', {}, h('td', {}, 'Duration'), h('td', {}, fmtNanos(dur))),
      h('tr', {}, h('td', {}, 'Span id'), h('td', {class: 'mono'}, h('a', {href: '/trace/' + traceId + '?span=' + s.id, id: 'span-permalink'}, s.id))),
      parent ? h('tr', {}, h('td', {}, 'Parent'), h('td', {}, parent.raw.name)) : null,
      h('tr', {}, h('td', {}, 'Scope'), h('td', {class: 'mono'}, (s.scope.name || '–') + (s.scope.version ? ' ' + s.scope.version : ''))))),
    h('h2', {}, 'Attributes'), kvTable(r.attributes),
    h('h2', {}, 'Resource'), kvTable(s.resource),
  ];
  const events = r.events || [];
  out.push(h('h2', {}, 'Events (' + events.length + ')'));
  if (events.length === 0) out.push(h('p', {class: 'muted'}, 'none'));
  for (const ev of events) {
    const stack = attr(ev.attributes, 'exception.stacktrace');
    const rest = (ev.attributes || []).filter(a => a.key !== 'exception.stacktrace');
    out.push(h('div', {class: 'event'},
      h('b', {class: ev.name === 'exception' ? 'err' : ''}, ev.name),
      ' ', h('span', {class: 'muted'}, '+' + fmtNanos(Number(BigInt(ev.timeUnixNano || '0') - s.start))),
      kvTable(rest, ''),
      stack ? h('pre', {class: 'stacktrace'}, stack) : null));
  }
  const links = r.links || [];
  out.push(h('h2', {}, 'Links (' + links.length + ')'));
  if (links.length === 0) out.push(h('p', {class: 'muted'}, 'none'));
  else out.push(h('ul', {id: 'span-links'}, links.map(l => h('li', {},
    h('a', {href: '/trace/' + l.traceId + '?span=' + l.spanId, class: 'span-link'}, 'trace ' + l.traceId + ' span ' + l.spanId),
    kvTable(l.attributes, '')))));
  return out;
}

async function loadLogs(traceId, section, tree, select, ctx) {
  let r;
  try {
    r = await api('/api/v1/traces/' + traceId + '/logs');
  } catch (e) {
    if (ctx.isCurrent()) section.replaceChildren(h('h2', {}, 'Logs'), errorState(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  const rows = [];
  for (const rl of r.resourceLogs || []) {
    const service = attr(rl.resource && rl.resource.attributes, 'service.name') || 'unknown';
    for (const sl of rl.scopeLogs || []) {
      for (const lr of sl.logRecords || []) rows.push({service, lr});
    }
  }
  if (rows.length === 0) {
    section.replaceChildren(h('h2', {}, 'Logs'), emptyState('No logs were recorded for this trace. Logs appear here when '
      + 'your services export OTLP logs carrying the trace context.'));
    return;
  }
  section.replaceChildren(h('h2', {}, 'Logs (' + rows.length + ')'), h('table', {class: 'logs', id: 'logs-table'},
    h('thead', {}, h('tr', {}, h('th', {}, 'Time'), h('th', {}, 'Severity'), h('th', {}, 'Service'), h('th', {}, 'Span'),
      h('th', {}, 'Body'), h('th', {}, 'Attributes'))),
    h('tbody', {}, rows.map(({service, lr}) => {
      const span = lr.spanId && tree.byId.get(lr.spanId);
      const sev = lr.severityText || '';
      return h('tr', {},
        h('td', {class: 'mono'}, fmtTime(lr.timeUnixNano || lr.observedTimeUnixNano)),
        h('td', {class: 'sev-' + sev.toUpperCase()}, sev || String(lr.severityNumber || '')),
        h('td', {}, service),
        h('td', {}, span ? h('button', {type: 'button', class: 'open', onclick: () => select(span.id)}, span.raw.name) : (lr.spanId || '–')),
        h('td', {class: 'mono'}, anyValue(lr.body)),
        h('td', {class: 'mono'}, (lr.attributes || []).map(a => a.key + '=' + anyValue(a.value)).join(' ')));
    }))));
}

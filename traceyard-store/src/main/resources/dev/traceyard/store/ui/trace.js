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
          error: !!(s.status && s.status.code === 2), children: [], depth: 0, parentSpan: null, siblingIndex: 0});
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
  const stack = roots.sort(cmp).slice().reverse();
  while (stack.length) {
    const s = stack.pop();
    ordered.push(s);
    s.children.sort(cmp);
    for (let i = s.children.length - 1; i >= 0; i--) {
      const c = s.children[i];
      c.parentSpan = s;
      c.siblingIndex = i;
      c.depth = s.depth + 1;
      stack.push(c);
    }
  }
  let min = null, max = null;
  for (const s of spans) {
    if (min === null || s.start < min) min = s.start;
    if (max === null || s.end > max) max = s.end;
  }
  return {spans: ordered, byId, start: min || 0n, end: max || 0n};
}

/**
 * The critical path: the chain of span segments that determines the trace's end-to-end latency.
 * From the root (the root that ends last), walk back from its end: the child that finished last
 * (before the cursor) is on the path for its whole clipped extent, and is itself walked the same
 * way; the cursor then moves to that child's start and the next child that finished before it is
 * taken, and so on; time between such children (and before the first one) is the span's own work.
 * Children are clipped to their parent's interval; a child that overlaps the cursor but ends after
 * it ran concurrently with the path and is not on it. Iterative (a 10,000-deep chain must not
 * overflow the stack) and O(n log n): each span's children are sorted once by end, latest first,
 * and a pointer moves down that list as the cursor moves back.
 *
 * Returns Map spanId -> [[startNanos, endNanos], ...] (BigInt), the segments of that span on the path.
 */
export function criticalPath(tree) {
  const segments = new Map();
  const roots = tree.spans.filter(s => !tree.byId.has(s.parent) || s.parent === s.id);
  if (roots.length === 0) return segments;
  const root = roots.reduce((a, b) => (b.end > a.end ? b : a));
  const add = (s, from, to) => {
    if (to <= from) return;
    let list = segments.get(s.id);
    if (!list) segments.set(s.id, list = []);
    list.push([from, to]);
  };
  const sorted = new Map(); // span id -> {kids: [{span, start, end}] by end desc, next: index}
  const kidsOf = (s) => {
    let k = sorted.get(s.id);
    if (!k) {
      const kids = [];
      for (const c of s.children) {
        const start = c.start > s.start ? c.start : s.start;
        const end = c.end < s.end ? c.end : s.end;
        if (end > start) kids.push({span: c, start, end});
      }
      kids.sort((a, b) => (a.end > b.end ? -1 : a.end < b.end ? 1 : 0));
      sorted.set(s.id, k = {kids, next: 0});
    }
    return k;
  };
  // Work items: walk span s backwards from cursor. The order does not matter: segments are a set.
  const work = [[root, root.end]];
  while (work.length) {
    const [s, cursor] = work.pop();
    const k = kidsOf(s);
    while (k.next < k.kids.length && k.kids[k.next].end > cursor) k.next++;
    if (k.next >= k.kids.length) {
      add(s, s.start, cursor);
      continue;
    }
    const c = k.kids[k.next++];
    add(s, c.end, cursor);
    work.push([s, c.start]);
    work.push([c.span, c.end]);
  }
  return segments;
}

/** Row height of the waterfall in px (must match .wf-row in app.css): rows are virtualised by it. */
const ROW_H = 25;
/** Rows rendered above and below the visible ones, so fast scrolling shows no blank rows. */
const OVERSCAN = 40;

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
  for (const m of ['trace-render-start', 'trace-built', 'trace-critical-path', 'trace-drawn', 'trace-render-end']) performance.clearMarks(m);
  for (const m of ['trace-render', 'trace-build', 'trace-critical-path', 'trace-draw']) performance.clearMeasures(m);
  performance.mark('trace-render-start');
  const t0 = performance.now();
  const tree = buildTree(otlp);
  const total = Number(tree.end - tree.start) || 1;
  const root = tree.spans[0];
  const services = [...new Set(tree.spans.map(s => s.service))].sort();
  const errors = tree.spans.filter(s => s.error).length;
  const policy = tree.spans.map(s => attr(s.raw.attributes, 'sampling.policy') || attr(s.resource, 'sampling.policy')).find(Boolean);
  performance.mark('trace-built');
  const cp = criticalPath(tree);
  performance.mark('trace-critical-path');
  const cpShow = stored('traceyard.criticalPath') !== 'off';
  const collapsed = new Set();
  let selected = url.searchParams.get('span');
  let rows = [];            // the spans not hidden by a collapsed ancestor, in tree order
  let rowIndex = new Map(); // span id -> index in rows
  let winFirst = -1, winLast = -1;
  let focusId = null;       // the row holding the waterfall's single tab stop (roving tabindex)

  const wf = h('div', {class: 'waterfall' + (cpShow ? ' show-cp' : ''), id: 'waterfall', role: 'tree',
    'aria-label': 'Spans of the trace (arrow keys move, left and right collapse and expand)'});
  const sizer = h('div', {class: 'wf-sizer'});
  const win = h('div', {class: 'wf-window', role: 'presentation'});
  sizer.append(win);
  const detail = h('aside', {class: 'detail', id: 'span-detail', 'aria-live': 'polite'},
    h('p', {class: 'muted'}, 'Select a span to see its details.'));
  const logs = h('section', {id: 'logs'}, h('h2', {}, 'Logs'), h('p', {class: 'muted'}, 'Loading logs…'));

  const header = h('div', {class: 'wf-row header', role: 'presentation'}, h('div', {class: 'wf-name'}, 'Service: span'),
    h('div', {class: 'wf-bar'}, h('span', {class: 'label', style: 'left:4px'}, '0'),
      h('span', {class: 'label', style: 'right:4px'}, fmtNanos(total))));
  wf.append(header, sizer);

  function computeRows() {
    rows = [];
    let hideDepth = -1;
    for (const s of tree.spans) {
      if (hideDepth >= 0 && s.depth > hideDepth) continue;
      hideDepth = -1;
      rows.push(s);
      if (collapsed.has(s.id) && s.children.length) hideDepth = s.depth;
    }
    rowIndex = new Map(rows.map((s, i) => [s.id, i]));
    sizer.style.height = (rows.length * ROW_H) + 'px';
    wf.dataset.rowCount = String(rows.length);
  }

  // Rows are HTML strings with delegated events, and only the rows in view (plus OVERSCAN) exist:
  // a 10,000-span trace costs the same to draw and scroll as a 100-span one.
  function row(s) {
    const offset = Number(s.start - tree.start), dur = Number(s.end - s.start);
    const left = (offset / total) * 100, width = Math.max((dur / total) * 100, 0.2);
    const isOpen = !collapsed.has(s.id);
    const name = esc(s.raw.name), service = esc(s.service), color = serviceColor(s.service);
    const hasKids = s.children.length > 0;
    const segs = cp.get(s.id);
    const siblings = s.parentSpan ? s.parentSpan.children : null;
    let marks = '';
    if (segs) {
      for (const [a, b] of segs) {
        const l = (Number(a - tree.start) / total) * 100, w = Math.max((Number(b - a) / total) * 100, 0.2);
        marks += '<span class="cp" style="left:' + l + '%;width:' + w + '%"></span>';
      }
    }
    return '<div class="wf-row' + (s.error ? ' is-error' : '') + (s.id === selected ? ' selected' : '') + (segs ? ' on-cp' : '')
      + '" role="treeitem" aria-level="' + (s.depth + 1) + '"' + (hasKids ? ' aria-expanded="' + isOpen + '"' : '')
      + (siblings ? ' aria-setsize="' + siblings.length + '" aria-posinset="' + (s.siblingIndex + 1) + '"' : '')
      + (s.id === selected ? ' aria-selected="true"' : '')
      + ' data-span-id="' + esc(s.id) + '" data-depth="' + s.depth + '" data-service="' + service + '">'
      + '<div class="wf-name" style="padding-left:' + (4 + s.depth * 14) + 'px">'
      + (hasKids ? '<button type="button" class="toggle" tabindex="-1" aria-label="' + (isOpen ? 'Collapse ' : 'Expand ') + name + '">'
        + (isOpen ? '▾' : '▸') + '</button>' : '<span class="spacer"></span>')
      + '<span class="swatch" style="background:' + color + '"></span>'
      + '<button type="button" class="open" tabindex="' + (s.id === focusId ? '0' : '-1') + '" title="' + service + ': ' + name
      + (segs ? ' (on the critical path)' : '') + '"><span class="svc">' + service + ' </span>' + name + '</button>'
      + (s.error ? '<span class="err-mark" title="error" aria-label="error">!</span>' : '')
      + (hasKids && !isOpen ? '<span class="muted">(+' + countDescendants(s) + ')</span>' : '')
      + '</div><div class="wf-bar"><span class="bar" style="left:' + left + '%;width:' + width + '%;background:'
      + (s.error ? 'var(--error)' : color) + '"></span>' + marks + '<span class="label" style="'
      + (left > 70 ? 'right:' + (100 - left) + '%' : 'left:calc(' + (left + width) + '% + 4px)') + '">' + fmtNanos(dur)
      + '</span></div></div>';
  }

  /** Draws the rows in view; force after the rows or their state changed. */
  function renderWindow(force) {
    const top = Math.max(0, wf.scrollTop - ROW_H);
    const height = wf.clientHeight || 700;
    const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
    const last = Math.min(rows.length, Math.ceil((top + height) / ROW_H) + OVERSCAN);
    if (!force && first === winFirst && last === winLast) return;
    const hadFocus = win.contains(document.activeElement);
    winFirst = first;
    winLast = last;
    if (focusId === null || !rowIndex.has(focusId)) focusId = rows.length ? rows[0].id : null;
    const parts = [];
    for (let i = first; i < last; i++) parts.push(row(rows[i]));
    win.style.transform = 'translateY(' + (first * ROW_H) + 'px)';
    win.innerHTML = parts.join('');
    // The tab stop is the focused row when drawn, else the first drawn row: Tab always enters the tree.
    if (!win.querySelector('button.open[tabindex="0"]')) {
      const b = win.querySelector('button.open');
      if (b) b.tabIndex = 0;
    }
    if (hadFocus) focusButton(focusId);
  }

  function draw() {
    computeRows();
    renderWindow(true);
  }

  function rowEl(id) {
    return win.querySelector('.wf-row[data-span-id="' + CSS.escape(id) + '"]');
  }

  function focusButton(id, cls) {
    const r = id && rowEl(id);
    const b = r && r.querySelector('button.' + (cls || 'open'));
    if (b) b.focus({preventScroll: true});
  }

  /** Scrolls the waterfall so that row i is in view ('center' or just enough), then draws. */
  function scrollToRow(i, center) {
    const y = i * ROW_H; // row top inside the sizer; the sticky header covers the first ROW_H px of the view
    const view = wf.clientHeight - ROW_H;
    if (center) wf.scrollTop = Math.max(0, y - view / 2);
    else if (y < wf.scrollTop) wf.scrollTop = y;
    else if (y + ROW_H > wf.scrollTop + view) wf.scrollTop = y + ROW_H - view;
    renderWindow(false);
  }

  function moveFocus(i) {
    if (rows.length === 0) return;
    i = Math.max(0, Math.min(rows.length - 1, i));
    const old = focusId && rowEl(focusId);
    if (old) old.querySelector('button.open').tabIndex = -1;
    focusId = rows[i].id;
    scrollToRow(i, false);
    const r = rowEl(focusId);
    if (r) r.querySelector('button.open').tabIndex = 0;
    focusButton(focusId);
  }

  function toggle(id, open) {
    const s = tree.byId.get(id);
    if (!s || !s.children.length) return;
    const isOpen = !collapsed.has(id);
    if (open === isOpen) return;
    if (isOpen) collapsed.add(id); else collapsed.delete(id);
    draw();
  }

  wf.addEventListener('scroll', () => renderWindow(false), {passive: true});
  // A taller or shorter view needs more or fewer rows (window resize, layout change).
  new ResizeObserver(() => renderWindow(false)).observe(wf);
  wf.addEventListener('focusin', (e) => {
    const r = e.target.closest && e.target.closest('.wf-row[data-span-id]');
    if (r && e.target.classList.contains('open') && focusId !== r.dataset.spanId) {
      const old = rowEl(focusId);
      if (old) old.querySelector('button.open').tabIndex = -1;
      focusId = r.dataset.spanId;
      e.target.tabIndex = 0;
    }
  });

  wf.addEventListener('click', (e) => {
    const button = e.target.closest('button');
    const r = button && button.closest('.wf-row[data-span-id]');
    if (!r) return;
    const id = r.dataset.spanId;
    if (button.classList.contains('toggle')) {
      toggle(id, collapsed.has(id));
      focusId = id;
      focusButton(id, 'toggle');
    } else if (button.classList.contains('open')) {
      focusId = id;
      select(id);
    }
  });

  // Tree keyboard pattern (WAI-ARIA): up/down, home/end, page up/down; right expands or enters the
  // first child; left collapses or goes to the parent. Enter/Space select (they are buttons).
  wf.addEventListener('keydown', (e) => {
    const r = e.target.closest && e.target.closest('.wf-row[data-span-id]');
    if (!r || e.altKey || e.ctrlKey || e.metaKey) return;
    const id = r.dataset.spanId;
    const i = rowIndex.get(id);
    const s = tree.byId.get(id);
    const page = Math.max(1, Math.floor(wf.clientHeight / ROW_H) - 1);
    let handled = true;
    switch (e.key) {
      case 'ArrowDown': moveFocus(i + 1); break;
      case 'ArrowUp': moveFocus(i - 1); break;
      case 'Home': moveFocus(0); break;
      case 'End': moveFocus(rows.length - 1); break;
      case 'PageDown': moveFocus(i + page); break;
      case 'PageUp': moveFocus(i - page); break;
      case 'ArrowRight':
        if (s.children.length && collapsed.has(id)) { focusId = id; toggle(id, true); focusButton(id); }
        else if (s.children.length) moveFocus(i + 1);
        break;
      case 'ArrowLeft':
        if (s.children.length && !collapsed.has(id)) { focusId = id; toggle(id, false); focusButton(id); }
        else if (rowIndex.has(s.parent)) moveFocus(rowIndex.get(s.parent));
        break;
      default: handled = false;
    }
    if (handled) e.preventDefault();
  });

  function select(id, scroll) {
    const s = tree.byId.get(id);
    if (!s) return;
    selected = id;
    // Expand the ancestors so the selected span is visible.
    let changed = false;
    for (let p = tree.byId.get(s.parent); p; p = tree.byId.get(p.parent)) {
      if (collapsed.delete(p.id)) changed = true;
      if (p.parent === p.id) break;
    }
    if (changed) computeRows();
    if (scroll) {
      focusId = id;
      scrollToRow(rowIndex.get(id), true);
    }
    renderWindow(true);
    if (scroll) {
      // Bring the waterfall itself into the page's view too.
      const r = rowEl(id);
      if (r) r.scrollIntoView({block: 'nearest'});
    }
    detail.replaceChildren(...spanDetail(s, tree, traceId, cp));
    if (!scroll || scroll === 'log') history.replaceState(null, '', '/trace/' + traceId + '?span=' + id);
  }

  const cpSpans = cp.size;
  const cpToggle = h('input', {type: 'checkbox', id: 'toggle-critical-path', checked: cpShow, onchange: (e) => {
    wf.classList.toggle('show-cp', e.target.checked);
    try { localStorage.setItem('traceyard.criticalPath', e.target.checked ? 'on' : 'off'); } catch (err) { /* storage off: not remembered */ }
  }});

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
      h('button', {type: 'button', onclick: () => { tree.spans.forEach(s => s.children.length && s.depth > 0 && collapsed.add(s.id)); draw(); }}, 'Collapse all'),
      h('label', {class: 'cp-toggle', title: 'The chain of spans that determines the end-to-end latency'}, cpToggle,
        ' Critical path ', h('span', {class: 'muted', id: 'critical-path-count'}, '(' + cpSpans + ' span' + (cpSpans === 1 ? '' : 's') + ')')),
      h('a', {href: '/compare?a=' + traceId, id: 'compare-link'}, 'Compare with another trace')),
    h('div', {class: 'trace-layout'}, wf, detail),
    logs);
  draw();
  if (selected && tree.byId.has(selected)) select(selected, true);
  performance.mark('trace-drawn');
  // Phases of the render, for the browser test's figures: tree, critical path, first rows in the DOM.
  performance.measure('trace-build', 'trace-render-start', 'trace-built');
  performance.measure('trace-critical-path', 'trace-built', 'trace-critical-path');
  performance.measure('trace-draw', 'trace-critical-path', 'trace-drawn');
  // Render time up to the first paint after the rows were built (rAF, then a task after the frame).
  requestAnimationFrame(() => setTimeout(() => {
    performance.mark('trace-render-end');
    performance.measure('trace-render', 'trace-render-start', 'trace-render-end');
    el.dataset.renderMs = String(Math.round(performance.now() - t0));
  }, 0));
  loadLogs(traceId, logs, tree, (id) => select(id, 'log'), ctx);
}

function stored(key) {
  try { return localStorage.getItem(key); } catch (e) { return null; }
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

function spanDetail(s, tree, traceId, cp) {
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
      h('tr', {}, h('td', {}, 'Critical path'), h('td', {id: 'detail-critical-path'}, cp && cp.has(s.id)
        ? fmtNanos(cp.get(s.id).reduce((n, [a, b]) => n + Number(b - a), 0)) + ' of this span is on the critical path'
        : 'not on the critical path')),
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
